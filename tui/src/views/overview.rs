//! The overview: the node, counters since lnwatch started, event rates of the busiest topics
//! and the latest problems. Laid out to read whole at 80×24.

use lnwatch_shared::sanitize::{one_line, sanitize};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};

use super::{Ctx, Spec, View};
use crate::clock::{ago, clock};
use crate::keymap::{self, Binding};
use crate::link::NodeStatus;
use crate::model::Problem;
use crate::model::payments::PayResult;
use crate::model::rates::{BUCKET, BUCKETS};
use crate::state::Data;
use crate::summary::{sat, sats, short_id};
use crate::widgets::{Theme, block, col, list, sparkline};

/// Topics with a sparkline of their own.
const RATE_ROWS: usize = 4;

fn node_lines(cx: &Ctx, width: usize) -> Vec<Line<'static>> {
    let m = &cx.data.model;
    let hello = cx.link.hello.as_ref();
    let id = hello.and_then(|h| h.node_id.as_deref()).map(short_id).unwrap_or_else(|| "?".into());
    let alias = hello.and_then(|h| h.alias.as_deref()).filter(|a| lnwatch_shared::sanitize::visible(a)).unwrap_or("");
    let network = hello.and_then(|h| h.network.as_deref()).unwrap_or("?");
    let version = hello.and_then(|h| h.lightningd.as_deref()).unwrap_or("");
    let height = m.height.map_or_else(|| "?".into(), |h| h.to_string());
    let crate::model::channels::Open { list: open, normal, ours_msat: ours, capacity_msat: capacity } =
        m.channels.open();
    // What the node says can move now (reserves and HTLCs taken off), once it has said.
    let sum = |f: fn(&&crate::model::channels::Channel) -> Option<u64>| open.iter().filter_map(f).reduce(|a, b| a + b);
    let can = |word: &str, m: Option<u64>| m.map_or_else(String::new, |m| format!(" (can {word} {})", sats(m)));
    let spendable = can("send", sum(|c| c.spendable_msat));
    let receivable = can("receive", sum(|c| c.receivable_msat));
    let peers = &cx.data.peers;
    let fw = &m.forwards.session;
    let pays = &m.payments;
    let lines = [
        format!("{} {id} · {network} {version} · block {height}", one_line(alias, 32)),
        format!("peers {}/{} up · channels {normal}/{} normal", peers.connected_count(), peers.len(), open.len()),
        format!(
            "out {} sat of {}{spendable} · in {}{receivable}{}{}",
            sats(ours),
            sats(capacity),
            sats(capacity.saturating_sub(ours)),
            match (m.channels.closing_msat(), m.channels.closing_back_in()) {
                (0, _) => String::new(),
                (c, Some(n)) => format!(" · closing {} (back in ≤{n} blocks)", sats(c)),
                (c, None) => format!(" · closing {}", sats(c)),
            },
            m.onchain.map_or_else(String::new, |o| match o.unconfirmed_msat {
                0 => format!(" · on chain {}", sats(o.confirmed_msat)),
                u => format!(" · on chain {} (+{} unconfirmed)", sats(o.confirmed_msat), sats(u)),
            }),
        ),
        format!(
            "forwards {} settled, {} failed · fees {} · payments {} paid, {} failed",
            fw.settled,
            fw.failed + fw.local_failed,
            sat(fw.fees_msat),
            pays.count(PayResult::Succeeded),
            pays.count(PayResult::Failed),
        ),
        format!(
            "invoices {} paid · {} events since {} UTC · {} missed",
            m.invoices_paid,
            cx.link.events_total,
            clock(cx.link.started),
            cx.link.missed
        ),
    ];
    lines.into_iter().map(|l| Line::from(one_line(&l, width))).collect()
}

/// Alerts listed at the top at most; the rest are counted.
const ALERT_ROWS: usize = 3;

/// The alerts firing, most severe and newest first: one line each.
fn alerts(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let firing = cx.alerts.firing();
    let more = firing.len().saturating_sub(ALERT_ROWS);
    let title = match more {
        0 => format!("Alerts · {} firing", firing.len()),
        n => format!("Alerts · {} firing · {n} more in the problems below", firing.len()),
    };
    let b = block(title, false, t).border_style(t.alarm());
    let inner = b.inner(area);
    f.render_widget(b, area);
    let lines: Vec<Line> = firing
        .iter()
        .take(ALERT_ROWS)
        .map(|a| {
            let head = format!("⚑ {} {} {} ", clock(a.at), a.severity.name(), a.kind.name());
            let rest = one_line(&a.message, (inner.width as usize).saturating_sub(head.chars().count()).max(1));
            let style = if a.severity == crate::alerts::Severity::Info { t.warn() } else { t.alarm() };
            Line::from(vec![Span::styled(head, style), Span::raw(rest)])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    // Alerts first, when any fire; the problems list gives up the room.
    let firing = cx.alerts.len().min(ALERT_ROWS) as u16;
    let alert_rows = if firing > 0 { firing + 2 } else { 0 };
    let [top, node, rates, problems] = Layout::vertical([
        Constraint::Length(alert_rows),
        Constraint::Length(7),
        Constraint::Length(RATE_ROWS as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(area);
    if firing > 0 {
        alerts(cx, f, top, t);
    }
    let height = cx.data.model.height.map_or_else(|| "?".into(), |h| h.to_string());
    let title = match cx.link.status() {
        NodeStatus::Up => "Node · up".to_owned(),
        NodeStatus::Unknown => "Node".to_owned(),
        NodeStatus::PluginStopped { since } => {
            format!("Node · PLUGIN STOPPED since {} UTC · lightningd still running", clock(since))
        }
        NodeStatus::Down { since, why } => {
            format!("Node · DOWN since {} UTC · last block {height} · {why}", clock(since))
        }
    };
    let b = block(title, false, t);
    let inner = b.inner(node);
    f.render_widget(b, node);
    f.render_widget(Paragraph::new(node_lines(cx, inner.width as usize)), inner);

    let window = (BUCKET * BUCKETS as f64 / 60.0) as u32;
    let b = block(format!("Busiest topics · events per {BUCKET:.0} s, last {window} min"), false, t);
    let inner = b.inner(rates);
    f.render_widget(b, rates);
    let mut busiest = cx.data.model.rates.busiest(usize::MAX, cx.now);
    busiest.retain(|(topic, _)| cx.data.store.is_enabled(topic));
    busiest.truncate(RATE_ROWS);
    if busiest.is_empty() {
        f.render_widget(Paragraph::new("no events in the last minutes").style(t.dim()), inner);
    }
    let name_w = 22u16.min(inner.width / 3);
    for (k, (topic, total)) in busiest.iter().enumerate() {
        let row = Rect { y: inner.y + k as u16, height: 1, ..inner };
        if row.y >= inner.y + inner.height {
            break;
        }
        let [name, count, bars] =
            Layout::horizontal([Constraint::Length(name_w), Constraint::Length(7), Constraint::Min(0)]).areas(row);
        f.render_widget(Paragraph::new(one_line(topic, name_w as usize)), name);
        f.render_widget(Paragraph::new(format!("{total:>6}")).style(t.dim()), count);
        let series = cx.data.model.rates.series(topic, cx.now);
        sparkline(f, bars, &series, t.fg(ratatui::style::Color::Cyan));
    }

    let all = rows(cx);
    let hidden = cx.data.model.problems.len() - all.len();
    let height = problems.height.saturating_sub(2) as usize;
    let text_w = (problems.width as usize).saturating_sub(2 + 9 + 17 + 6).max(1);
    let rows = all
        .iter()
        .take(height)
        .map(|p| {
            let who = p.peer.as_deref().map(|id| cx.data.name(id)).unwrap_or_default();
            // Repeats count on one row; a subject put right is said so and dimmed.
            let mut what = sanitize(&p.text).into_owned();
            if p.alert {
                what = format!("⚑ {what}");
            }
            if p.count > 1 {
                what = format!("×{} {what} (since {})", p.count, clock(p.first));
            }
            let style = match p.resolved {
                Some(_) => {
                    what = format!("resolved · {what}");
                    t.dim()
                }
                None => t.bad(),
            };
            let cells = vec![
                Cell::from(clock(p.time)),
                Cell::from(ago(cx.now - p.time)).style(t.dim()),
                Cell::from(one_line(&who, 16)),
                Cell::from(Line::from(Span::styled(one_line(&what, text_w), style))),
            ];
            (cells, if p.resolved.is_some() { t.dim() } else { Style::default() })
        })
        .collect();
    let open = all.iter().filter(|p| p.resolved.is_none()).count();
    let mut title = match all.len() {
        0 if hidden == 0 => "Problems · none since lnwatch started".to_string(),
        n if open == n => format!("Problems {n} · newest first"),
        n => format!("Problems {open} open of {n} · newest first"),
    };
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} hidden by topics or filter"));
    }
    let cols = [
        col("UTC", Constraint::Length(8)),
        col("ago", Constraint::Length(5)),
        col("peer", Constraint::Length(16)),
        col("what", Constraint::Min(1)),
    ];
    list(f, problems, t, title, cx.focused, &cols, rows);
}

/// The overview's problems, newest first: those of topics not switched off, after the filter.
pub fn rows<'a>(cx: &Ctx<'a>) -> Vec<&'a Problem> {
    let store = &cx.data.store;
    cx.data
        .model
        .problems
        .iter()
        .rev()
        // A topic switched off hides its problems; the monitor's own (node down) have none.
        .filter(|p| !store.hides(&p.topic))
        .filter(|p| {
            !cx.filter.is_active() || {
                let peer = p.peer.as_deref().map(|id| cx.data.name(id)).unwrap_or_default();
                cx.filter
                    .matches_fields(&FIELDS.iter().copied().zip([peer.as_str(), &p.text, &p.topic]).collect::<Vec<_>>())
            }
        })
        .collect()
}

/// What `field:` names in this view, in the order [`rows`] gives their values.
const FIELDS: &[&str] = &["peer", "what", "topic"];

/// Its keys, most useful first.
const COMMANDS: &[Binding] = &[
    keymap::moves("move over the problems"),
    keymap::clears("forget the problems; the counters stay"),
    keymap::filters("narrows the problems and the rates by topic and text, as the topic toggles do"),
];

pub struct Overview;

impl View for Overview {
    fn spec(&self) -> &'static Spec {
        &Spec {
            name: "overview",
            about: "alerts, the node, counters since start, event rates and latest problems",
            commands: COMMANDS,
            fields: FIELDS,
            sorts: &[],
            follows: false,
        }
    }

    fn len(&self, cx: &Ctx<'_>) -> usize {
        rows(cx).len()
    }

    fn clear(&self, data: &mut Data) {
        data.model.problems.clear();
    }

    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme) {
        draw(cx, f, area, t)
    }
}
