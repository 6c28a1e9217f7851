//! The fleet view (`0`): one row per node watched, in the order given. Up or down in words
//! (down as soon as its socket is lost; the `node_down` alert keeps its own delay) and since
//! when, its chain height, peers, channels, balance, today's fees and the alerts firing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};

use super::{Theme, clock, col, list};
use crate::app::{App, Conn};
use crate::fleet::Fleet;
use crate::link::NodeStatus;
use crate::summary::{sat, sats};

/// Up, down or not yet, with since when; and whether it is up.
fn status(app: &App) -> (String, bool) {
    match (app.link.status(), &app.link.conn) {
        (NodeStatus::Up, Conn::Up { since }) => (format!("up since {}", clock(*since)), true),
        (NodeStatus::Down { since, .. }, _) => (format!("down since {}", clock(since)), false),
        (NodeStatus::PluginStopped { since }, _) => (format!("plugin stopped {}", clock(since)), false),
        (_, Conn::Down { since, .. }) => (format!("down since {}", clock(*since)), false),
        _ => ("connecting".into(), false),
    }
}

/// The node's row: what the overview's first lines say, in columns.
fn row(fleet: &Fleet, i: usize, t: &Theme) -> Vec<Cell<'static>> {
    let app = &fleet.apps[i];
    let d = &app.data;
    let (state, up) = status(app);
    let open = d.model.channels.open();
    let (normal, ours, capacity) = (open.normal, open.ours_msat, open.capacity_msat);
    let today = d.model.forwards.days.today(app.now);
    let firing = app.alerts.len();
    vec![
        Cell::from(fleet.name(i)),
        Cell::from(state).style(if up { t.good() } else { t.alarm() }),
        Cell::from(d.model.height.map_or_else(|| "?".into(), |h| h.to_string())),
        Cell::from(format!("{}/{}", d.peers.connected_count(), d.peers.len())),
        Cell::from(format!("{normal}/{}", open.list.len())),
        Cell::from(sats(ours)),
        Cell::from(sats(capacity.saturating_sub(ours))),
        Cell::from(sat(today.fees_msat)),
        Cell::from(if firing == 0 { "-".into() } else { format!("⚑ {firing}") }).style(if firing == 0 {
            t.dim()
        } else {
            t.alarm()
        }),
    ]
}

pub fn render(fleet: &Fleet, f: &mut Frame) {
    let app = fleet.current();
    let t = Theme { color: app.color, light: app.light, stale: None };
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(f.area());
    let up = fleet.apps.iter().filter(|a| a.link.status() == NodeStatus::Up).count();
    let n = fleet.apps.len();
    let head = Line::from(vec![
        Span::styled("lnwatch ", Style::default().add_modifier(Modifier::BOLD)),
        Span::styled("fleet ", t.warn()),
        Span::raw(format!("{n} nodes · {up} up")),
    ]);
    f.render_widget(Paragraph::new(head), header);
    let cols = [
        col("node", Constraint::Min(12)),
        col("status", Constraint::Length(19)),
        col("block", Constraint::Length(8)),
        col("peers", Constraint::Length(7)),
        col("channels", Constraint::Length(9)),
        col("out sat", Constraint::Length(14)),
        col("in sat", Constraint::Length(14)),
        col("fees today", Constraint::Length(14)),
        col("alerts", Constraint::Length(7)),
    ];
    let rows = (0..n)
        .map(|i| {
            let style = if i == fleet.cursor { t.selected(true) } else { Style::default() };
            (row(fleet, i, &t), style)
        })
        .collect();
    list(f, body, &t, format!("Fleet · the views show node {}", fleet.current + 1), true, &cols, rows);
    let keys = "j/k move · Enter show that node · n/N next/previous node · 0 back · q quit";
    f.render_widget(Paragraph::new(keys).style(t.dim()), footer);
}
