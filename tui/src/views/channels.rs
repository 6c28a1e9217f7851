//! The channels view: one row per channel, trouble first, balances as a bar and numbers.

use lnwatch_shared::sanitize::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::Cell;

use super::{Ctx, Spec, View};
use crate::clock::ago;
use crate::detail::Subject;
use crate::keymap::{self, Binding};
use crate::model::channels::Channel;
use crate::state::Data;
use crate::summary::sats;
use crate::widgets::{Theme, col, list, visible};

/// `ours` of `capacity` as a bar of `width` cells: filled for our side, shaded for theirs.
pub fn balance_bar(ours: u64, capacity: u64, width: usize) -> String {
    if capacity == 0 || width == 0 {
        return " ".repeat(width);
    }
    let filled = ((ours.min(capacity) as u128 * width as u128 + capacity as u128 / 2) / capacity as u128) as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn state_style(c: &Channel, t: &Theme) -> Style {
    if c.is_normal() {
        t.good()
    } else if c.is_closing() {
        if c.state == "CLOSED" || c.state == "ONCHAIN" { t.dim() } else { t.fg(Color::Red) }
    } else {
        t.fg(Color::Yellow)
    }
}

pub fn draw(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let rows_all = rows(cx);
    let channels = &cx.data.model.channels;
    let normal = channels.iter().filter(|c| c.is_normal()).count();
    let closing = channels.iter().filter(|c| c.is_closing()).count();
    let other = channels.len() - normal - closing;
    let mut title = format!("Channels {} · {normal} normal", channels.len());
    if other > 0 {
        title.push_str(&format!(" · {other} opening or stuck"));
    }
    if closing > 0 {
        title.push_str(&format!(" · {closing} closing or closed"));
    }
    let hidden = channels.len() - rows_all.len();
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} hidden by filter"));
    }
    title.push_str(" · amounts in sat");
    if let Some(w) = cx.sort.words(SORTS) {
        title.push_str(&format!(" · {w}"));
    }
    let selected = cx.cursor.selected(rows_all.len());
    let range = visible(area, rows_all.len(), selected, false);
    let inner_w = area.width.saturating_sub(2) as usize;
    let shown = &rows_all[range.clone()];
    let amount = |m: Option<u64>| m.map_or_else(|| "?".into(), sats);
    // Amount columns are as wide as their widest value: never cut.
    let width_of = |f: &dyn Fn(&Channel) -> String, min: usize| {
        shown.iter().map(|c| f(c).chars().count()).max().unwrap_or(0).max(min)
    };
    let cap_w = width_of(&|c| amount(c.capacity_msat), 8);
    let ours_w = width_of(&|c| amount(c.local_msat), 7);
    let theirs_w = width_of(&|c| amount(c.remote_msat()), 7);
    // What each channel earned over 7 days (its fees as the outgoing channel).
    let earned = crate::views::income::channels(cx.data, 7, cx.now);
    let earned_of = |c: &Channel| {
        let scid = c.short_channel_id.as_deref()?;
        earned.get(scid).map(|e| sats(e.fees_msat))
    };
    let earned_w = width_of(&|c| earned_of(c).unwrap_or_default(), 8);
    let ppm = |f: Option<crate::model::channels::Fee>| f.map_or_else(String::new, |f| f.ppm.to_string());
    // state 15, peer 16, scid 13, for 6, capacity, ours, theirs, htlcs 5, one apart; the
    // list drops what does not fit: the bar first, then theirs, their fee, 7 days' fees, the age,
    // our fee, the scid, the HTLCs.
    let fixed =
        15 + 1 + 16 + 1 + 13 + 1 + 6 + 1 + cap_w + 1 + ours_w + 1 + theirs_w + 1 + 5 + 1 + 5 + 1 + 5 + 1 + earned_w;
    let spare = inner_w.saturating_sub(fixed + 1);
    // The note (who closed, peer down) first, as wide as it is worth reading; the bar gets the rest.
    const NOTE: usize = 18;
    let bar_w = if spare >= NOTE + 1 + 8 { ((spare - NOTE - 1) / 2).clamp(8, 20) } else { 0 };
    let with_bar = bar_w >= 6;
    let note_w = spare.saturating_sub(if with_bar { bar_w + 1 } else { 0 });
    let peer_down = |c: &Channel| cx.data.peer_link(c) == Some(false);
    let rows = shown
        .iter()
        .zip(range)
        .map(|(c, i)| {
            let style = state_style(c, t);
            let peer = c.peer_id.as_deref().map(|p| cx.data.name(p)).unwrap_or_else(|| "?".into());
            let for_ = c.since.map_or_else(|| "?".into(), |s| ago(cx.now - s));
            let bar = match (c.local_msat, c.capacity_msat) {
                (Some(l), Some(cap)) => balance_bar(l, cap, bar_w),
                _ => String::new(),
            };
            let note = match c.closed_by() {
                Some(by) => by.to_owned(),
                None if peer_down(c) => "peer not connected".into(),
                None => c.message.clone().unwrap_or_default(),
            };
            let cells = vec![
                Cell::from(one_line(&c.state_words(), 15)).style(style),
                Cell::from(one_line(&peer, 16)),
                Cell::from(one_line(c.short_channel_id.as_deref().unwrap_or("-"), 13)),
                Cell::from(for_),
                Cell::from(format!("{:>cap_w$}", amount(c.capacity_msat))),
                Cell::from(bar).style(t.fg(Color::Cyan)),
                Cell::from(format!("{:>ours_w$}", amount(c.local_msat))),
                Cell::from(format!("{:>theirs_w$}", amount(c.remote_msat()))),
                Cell::from(format!("{:>5}", ppm(c.fee))),
                Cell::from(format!("{:>5}", ppm(c.their_fee))),
                Cell::from(format!("{:>earned_w$}", earned_of(c).unwrap_or_default())),
                Cell::from(if c.htlcs > 0 { c.htlcs.to_string() } else { String::new() }),
                Cell::from(one_line(&note, note_w.max(1))).style(t.dim()),
            ];
            let focused = cx.focused;
            (cells, if Some(i) == selected { t.selected(focused) } else { Style::default() })
        })
        .collect();
    let cols = [
        col("state", Constraint::Length(15)),
        col("peer", Constraint::Length(16)),
        col("scid", Constraint::Length(13)).optional(3),
        col("for", Constraint::Length(6)).optional(5),
        col("capacity", Constraint::Length(cap_w as u16)),
        col("balance", Constraint::Length(bar_w as u16)).when(with_bar).optional(9),
        col("ours", Constraint::Length(ours_w as u16)),
        col("theirs", Constraint::Length(theirs_w as u16)).optional(8),
        col("  ppm", Constraint::Length(5)).optional(4),
        col("their", Constraint::Length(5)).optional(7),
        col(" 7d fees", Constraint::Length(earned_w as u16)).optional(6),
        col("htlcs", Constraint::Length(5)).optional(2),
        // A note too narrow to read is left out, not cut to a letter.
        col("", Constraint::Min(0)).when(note_w >= NOTE),
    ];
    list(f, area, t, title, cx.focused, &cols, rows);
}

/// The rows in the view's own order, after the text filter.
fn filtered<'a>(cx: &Ctx<'a>) -> Vec<&'a Channel> {
    let all = cx.data.model.channels.sorted();
    if !cx.filter.is_active() {
        return all;
    }
    all.into_iter()
        .filter(|c| {
            let peer = c.peer_id.as_deref().map(|p| cx.data.name(p)).unwrap_or_default();
            let state = c.state_words();
            let fee = c.fee.map(|f| f.words()).unwrap_or_default();
            let values = [
                peer.as_str(),
                c.peer_id.as_deref().unwrap_or(""),
                c.short_channel_id.as_deref().unwrap_or(""),
                c.channel_id.as_deref().unwrap_or(""),
                &state,
                c.cause.as_deref().unwrap_or(""),
                &fee,
                "channel_state_changed channel_opened coin_movement balance_snapshot",
            ];
            cx.filter.matches_fields(&FIELDS.iter().copied().zip(values).collect::<Vec<_>>())
        })
        .collect()
}

/// Channels: trouble first, then normal ones, then closing and closed; or by a column (`s`).
pub fn rows<'a>(cx: &Ctx<'a>) -> Vec<&'a Channel> {
    let mut rows = filtered(cx);
    let earned = crate::views::income::channels(cx.data, 7, cx.now);
    let fees = |c: &Channel| c.short_channel_id.as_deref().and_then(|s| earned.get(s)).map_or(0, |e| e.fees_msat);
    cx.sort.apply(&mut rows, |a, b, column| match column {
        1 => a.capacity_msat.cmp(&b.capacity_msat),
        2 => a.local_msat.cmp(&b.local_msat),
        3 => a.remote_msat().cmp(&b.remote_msat()),
        4 => a.fee.map(|f| f.ppm).cmp(&b.fee.map(|f| f.ppm)),
        _ => fees(a).cmp(&fees(b)),
    });
    rows
}

/// What `s` sorts the channels by.
const SORTS: &[&str] = &["capacity", "ours", "theirs", "fee", "7d fees"];

/// What `field:` names in this view, in the order [`rows`] gives their values.
const FIELDS: &[&str] = &["peer", "peer_id", "scid", "channel_id", "state", "cause", "fee", "topic"];

/// Its keys, most useful first.
const COMMANDS: &[Binding] = &[
    keymap::sorts("sort by capacity, ours, theirs, our fee, 7 days' fees (S: the other way)"),
    keymap::moves("move over the channels"),
    keymap::detail("a channel's detail: the peer and its link, ids, balances, HTLCs, who closed it and why"),
];

pub struct Channels;

impl View for Channels {
    fn spec(&self) -> &'static Spec {
        &Spec {
            name: "channels",
            about: "one row per channel, trouble first: state and time in it, capacity, our and their side",
            commands: COMMANDS,
            fields: FIELDS,
            sorts: SORTS,
            follows: false,
        }
    }

    fn len(&self, cx: &Ctx<'_>) -> usize {
        rows(cx).len()
    }

    fn open(&self, cx: &Ctx<'_>, i: usize) -> Option<Subject> {
        rows(cx).get(i).map(|c| Subject::Channel(Box::new((*c).clone())))
    }

    /// Channels are the node's; `c` leaves them.
    fn clear(&self, _data: &mut Data) {}

    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme) {
        draw(cx, f, area, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_round_to_the_nearest_cell() {
        assert_eq!(balance_bar(500, 1000, 4), "██░░");
        assert_eq!(balance_bar(0, 1000, 3), "░░░");
        assert_eq!(balance_bar(2000, 1000, 2), "██");
        assert_eq!(balance_bar(1, 0, 2), "  ");
    }
}
