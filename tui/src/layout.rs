//! Where each pane goes for a terminal size. Narrow or short terminals drop the side panes
//! rather than squeeze everything; the app asks the same function which panes exist, so focus
//! never lands on one that is not drawn.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::keymap::Pane;

pub struct Areas {
    pub header: Rect,
    pub footer: Rect,
    /// Everything between the header and the footer: where a view other than events goes.
    pub body: Rect,
    pub topics: Rect,
    pub events: Rect,
    pub peers: Rect,
    pub invoices: Rect,
}

pub fn areas(area: Rect) -> Areas {
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let bottom_h = if body.height >= 12 { (u32::from(body.height) * 2 / 5).max(5) as u16 } else { 0 };
    let [top, bottom] = Layout::vertical([Constraint::Min(0), Constraint::Length(bottom_h)]).areas(body);
    let topics_w = if top.width >= 50 { (top.width / 4).clamp(18, 28) } else { 0 };
    let [topics, events] = Layout::horizontal([Constraint::Length(topics_w), Constraint::Min(0)]).areas(top);
    let [peers, invoices] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    Areas { header, footer, body, topics, events, peers, invoices }
}

/// Whether `pane` is drawn on a terminal of `area`.
pub fn shown(area: Rect, pane: Pane) -> bool {
    let a = areas(area);
    let r = match pane {
        Pane::Topics => a.topics,
        Pane::Events => a.events,
        Pane::Peers => a.peers,
        Pane::Invoices => a.invoices,
        Pane::View(_) => a.body,
    };
    r.width > 0 && r.height > 0
}
