//! The HTLCs view (`H`): every HTLC in flight on every channel, soonest to expire first, with
//! the blocks left before the node must go on chain to settle it. Those within
//! [`crate::state::Data::htlc_expiry_blocks`] of their expiry are red: a stuck HTLC there
//! closes its channel.

use lnwatch_shared::sanitize::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::Cell;

use super::{Ctx, Spec, View};
use crate::detail::Subject;
use crate::keymap::{self, Binding};
use crate::model::channels::{Channel, Htlc};
use crate::state::Data;
use crate::summary::sat;
use crate::widgets::{Theme, col, list, visible};

/// What `field:` names in this view, in the order [`rows`] gives their values.
const FIELDS: &[&str] = &["peer", "scid", "direction", "state", "payment_hash"];

/// Every HTLC in flight with its channel, soonest to expire first, after the text filter.
pub fn rows<'a>(cx: &Ctx<'a>) -> Vec<(&'a Channel, &'a Htlc)> {
    let mut all: Vec<(&Channel, &Htlc)> =
        cx.data.model.channels.iter().flat_map(|c| c.htlc_list.iter().map(move |h| (c, h))).collect();
    all.sort_by_key(|(_, h)| h.expiry.unwrap_or(u64::MAX));
    if !cx.filter.is_active() {
        return all;
    }
    all.into_iter()
        .filter(|(c, h)| {
            let peer = c.peer_id.as_deref().map(|p| cx.data.name(p)).unwrap_or_default();
            let values = [
                peer.as_str(),
                c.short_channel_id.as_deref().unwrap_or(""),
                &h.direction,
                &h.state,
                h.payment_hash.as_deref().unwrap_or(""),
            ];
            cx.filter.matches_fields(&FIELDS.iter().copied().zip(values).collect::<Vec<_>>())
        })
        .collect()
}

pub fn draw(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let all = rows(cx);
    let height = cx.data.model.height;
    let near = cx.data.htlc_expiry_blocks;
    let close = all.iter().filter(|(_, h)| h.blocks_left(height).is_some_and(|n| n <= near as i64)).count();
    let mut title = format!("HTLCs in flight {} · soonest expiry first", all.len());
    if close > 0 {
        title.push_str(&format!(" · {close} within {near} blocks of expiry"));
    }
    if height.is_none() {
        title.push_str(" · block height not known yet");
    }
    let selected = cx.cursor.selected(all.len());
    let range = visible(area, all.len(), selected, false);
    let cells: Vec<_> = all[range.clone()]
        .iter()
        .zip(range)
        .map(|((c, h), i)| {
            let left = h.blocks_left(height);
            let style = match left {
                Some(n) if n <= near as i64 => t.alarm(),
                _ => Style::default(),
            };
            let peer = c.peer_id.as_deref().map(|p| cx.data.name(p)).unwrap_or_else(|| "?".into());
            let row = vec![
                Cell::from(format!("{:>6}", left.map_or_else(|| "?".into(), |n| n.to_string()))).style(style),
                Cell::from(format!("{:>8}", h.expiry.map_or_else(|| "?".into(), |e| e.to_string()))),
                Cell::from(h.direction.clone()),
                Cell::from(format!("{:>16}", h.amount_msat.map_or_else(|| "?".into(), sat))),
                Cell::from(one_line(&peer, 16)),
                Cell::from(one_line(c.short_channel_id.as_deref().unwrap_or("-"), 13)),
                Cell::from(one_line(&h.state, 26)),
            ];
            (row, if Some(i) == selected { t.selected(cx.focused) } else { Style::default() })
        })
        .collect();
    let cols = [
        col("  left", Constraint::Length(6)),
        col("  expiry", Constraint::Length(8)),
        col("dir", Constraint::Length(3)),
        col("          amount", Constraint::Length(16)),
        col("peer", Constraint::Length(16)),
        col("scid", Constraint::Length(13)).optional(1),
        col("state", Constraint::Min(5)).optional(2),
    ];
    list(f, area, t, title, cx.focused, &cols, cells);
}

/// Its keys, most useful first.
const COMMANDS: &[Binding] = &[
    keymap::moves("move over the HTLCs"),
    keymap::detail("the HTLC's channel: its peer, balances and every HTLC on it"),
];

pub struct Htlcs;

impl View for Htlcs {
    fn spec(&self) -> &'static Spec {
        &Spec {
            name: "htlcs",
            about: "every HTLC in flight, soonest expiry first, with blocks left (red within --htlc-expiry-blocks); also H",
            commands: COMMANDS,
            fields: FIELDS,
            sorts: &[],
            follows: false,
        }
    }

    fn len(&self, cx: &Ctx<'_>) -> usize {
        rows(cx).len()
    }

    fn open(&self, cx: &Ctx<'_>, i: usize) -> Option<Subject> {
        rows(cx).get(i).map(|(c, _)| Subject::Channel(Box::new((*c).clone())))
    }

    /// HTLCs are the node's: `c` leaves them.
    fn clear(&self, _data: &mut Data) {}

    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme) {
        draw(cx, f, area, t)
    }
}
