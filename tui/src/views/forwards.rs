//! The forwards view: totals for the session and today, forwards per minute, then one row per
//! forward with the peers by name and, for failures, the reason in words.

use lnwatch_shared::sanitize::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph};

use super::{Ctx, Spec, View};
use crate::clock::clock;
use crate::detail::Subject;
use crate::keymap::{self, Binding};
use crate::model::days::{Coverage, day_of};
use crate::model::forwards::{ForwardRow, MINUTES, Totals};
use crate::state::Data;
use crate::summary::{Outcome, sat};
use crate::widgets::{Theme, block, caught_up, col, following, list, outcome_style, sparkline, visible};

fn outcome(status: &str) -> Outcome {
    match status {
        "settled" => Outcome::Good,
        "offered" => Outcome::Pending,
        "local_failed" => Outcome::Local,
        _ => Outcome::Bad,
    }
}

/// `settled 12 · failed 3 (2 here) · 80% ok · fees 12.345 sat · moved 1,000 sat`, from
/// (settled, failed downstream, refused here, fees, moved).
fn totals_line(name: &str, (settled, failed, here, fees, moved): (u64, u64, u64, u64, u64)) -> String {
    let resolved = settled + failed + here;
    if resolved == 0 {
        return format!("{name:8} no forwards");
    }
    let here_words = if here > 0 { format!(" ({here} here)") } else { String::new() };
    format!(
        "{name:8} settled {settled} · failed {}{here_words} · {:.0}% ok · fees {} · moved {}",
        failed + here,
        settled as f64 * 100.0 / resolved as f64,
        sat(fees),
        sat(moved)
    )
}

fn session(t: &Totals) -> (u64, u64, u64, u64, u64) {
    (t.settled, t.failed, t.local_failed, t.fees_msat, t.volume_msat)
}

/// Today's line: the UTC day from the node's records, or said to be partial.
fn today_line(cx: &Ctx) -> String {
    let days = &cx.data.model.forwards.days;
    let d = days.today(cx.now);
    let line = totals_line("today", (d.settled, d.failed, d.local_failed, d.fees_msat, d.forwarded_msat));
    match &days.coverage {
        // Read back already: the walk goes on through older days.
        _ if days.exact(day_of(cx.now)) => line,
        Coverage::Exact => line,
        Coverage::Walking { rows, .. } => {
            format!("today    reading the node's forwards… ({} read)", crate::summary::count(*rows, "forward"))
        }
        Coverage::Since { since, why } => format!("{line} · since {} UTC only: {why}", clock(*since)),
    }
}

/// The failure in words and whose it is, with the hint for refusals here.
pub fn reason(r: &ForwardRow) -> String {
    let f = &r.f;
    if !f.is_failure() {
        return String::new();
    }
    let words = f.why();
    match (f.is_local_failure(), words) {
        (true, Some(w)) => match f.hint() {
            Some(h) => format!("{w} — {h}"),
            None => w,
        },
        (true, None) => "refused here".into(),
        (false, Some(w)) => format!("downstream: {w}"),
        (false, None) => "downstream".into(),
    }
}

pub fn draw(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let fw = &cx.data.model.forwards;
    let [top, rest] = Layout::vertical([Constraint::Length(6), Constraint::Min(0)]).areas(area);
    let busiest = fw.session.busiest_pair().map_or_else(
        || "busiest  -".to_string(),
        |(i, o, n)| {
            let name = |c: &str| cx.data.channel_peer(c).unwrap_or_else(|| c.to_owned());
            format!("busiest  {} → {} · {n} settled ({i} → {o})", name(i), name(o))
        },
    );
    let lines: Vec<Line> = [totals_line("session", session(&fw.session)), today_line(cx), busiest]
        .into_iter()
        .map(|l| Line::from(one_line(&l, top.width.saturating_sub(2) as usize)))
        .collect();
    let b = block("Forwards · totals".into(), false, t);
    let inner = b.inner(top);
    f.render_widget(b, top);
    let [text, spark] = Layout::vertical([Constraint::Length(3), Constraint::Length(1)]).areas(inner);
    f.render_widget(Paragraph::new(lines), text);
    let [label, bars] = Layout::horizontal([Constraint::Length(9), Constraint::Min(0)]).areas(spark);
    let data: Vec<u64> = fw.per_minute(cx.now).iter().map(|(s, f)| s + f).collect();
    let n = (bars.width as usize).min(MINUTES);
    let peak = data[MINUTES - n..].iter().max().copied().unwrap_or(0);
    f.render_widget(Paragraph::new("per min").style(t.dim()), label);
    sparkline(f, bars, &data, t.good());

    let rows_all = rows(cx);
    let mut title = format!("Forwards {} · last {} min, peak {peak}/min", rows_all.len(), n);
    let hidden = fw.rows().len() - rows_all.len();
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} hidden by filter"));
    }
    let cursor = cx.cursor;
    title.push_str(&format!(" · {}", following(cursor, rows_all.len())));
    if let Some(w) = cx.sort.words(SORTS) {
        title.push_str(&format!(" · {w}"));
    }
    let selected = cursor.selected(rows_all.len());
    let range = visible(rest, rows_all.len(), selected, cursor.follow);
    let shown = &rows_all[range.clone()];
    let inner_w = rest.width.saturating_sub(2) as usize;
    let amount = |m: Option<u64>| m.map_or_else(|| "?".into(), sat);
    let amount_w = shown.iter().map(|r| amount(r.f.amount_msat()).chars().count()).max().unwrap_or(0).max(6);
    let fee_w = shown.iter().map(|r| amount(r.f.fee_msat).chars().count()).max().unwrap_or(0).max(3);
    let peer_w = if inner_w >= 110 { 16 } else { 12 };
    // The list drops what does not fit: the reason, then the time, then where it came from.
    let fixed = 9 + 15 + (peer_w + 1) + (peer_w + 3) + amount_w + 1 + fee_w + 1;
    let reason_w = inner_w.saturating_sub(fixed).max(1);
    let focused = cx.focused;
    let rows = shown
        .iter()
        .zip(range)
        .map(|(r, i)| {
            let fwd = &r.f;
            let name = |c: &Option<String>| match c.as_deref() {
                Some(c) => cx.data.channel_peer(c).unwrap_or_else(|| c.to_owned()),
                None => "?".into(),
            };
            let fee = if fwd.status == "settled" { amount(fwd.fee_msat) } else { String::new() };
            let cells = vec![
                Cell::from(clock(r.time)),
                Cell::from(caught_up(&fwd.status, r.caught_up)).style(outcome_style(outcome(&fwd.status), t)),
                Cell::from(one_line(&name(&fwd.in_channel), peer_w)),
                Cell::from(format!("→ {}", one_line(&name(&fwd.out_channel), peer_w))),
                Cell::from(format!("{:>amount_w$}", amount(fwd.amount_msat()))),
                Cell::from(format!("{fee:>fee_w$}")),
                Cell::from(one_line(&reason(r), reason_w)),
            ];
            (
                cells,
                if Some(i) == selected && (focused || !cursor.follow) { t.selected(focused) } else { Style::default() },
            )
        })
        .collect();
    let cols = [
        col("UTC", Constraint::Length(8)).optional(2),
        col("status", Constraint::Length(14)),
        col("in", Constraint::Length(peer_w as u16)).optional(1),
        col("  out", Constraint::Length(peer_w as u16 + 2)),
        col("amount", Constraint::Length(amount_w as u16)),
        col("fee", Constraint::Length(fee_w as u16)),
        col("reason", Constraint::Min(1)).optional(3),
    ];
    list(f, rest, t, title, focused, &cols, rows);
}

/// The rows in the view's own order, after the text filter.
fn filtered<'a>(cx: &Ctx<'a>) -> Vec<&'a ForwardRow> {
    let rows = cx.data.model.forwards.rows();
    let mut all: Vec<&ForwardRow> = rows.iter().collect();
    if !all.is_sorted_by(|a, b| a.time <= b.time) {
        all.sort_by(|a, b| a.time.total_cmp(&b.time));
    }
    if !cx.filter.is_active() {
        return all;
    }
    all.into_iter()
        .filter(|r| {
            let f = &r.f;
            let name = |c: &Option<String>| c.as_deref().and_then(|c| cx.data.channel_peer(c)).unwrap_or_default();
            let reason = f.why().unwrap_or_default();
            let (peer_in, peer_out) = (name(&f.in_channel), name(&f.out_channel));
            let values = [
                f.status.as_str(),
                f.in_channel.as_deref().unwrap_or(""),
                f.out_channel.as_deref().unwrap_or(""),
                &peer_in,
                &peer_out,
                &reason,
                f.payment_hash.as_deref().unwrap_or(""),
                "forward_event",
            ];
            cx.filter.matches_fields(&FIELDS.iter().copied().zip(values).collect::<Vec<_>>())
        })
        .collect()
}

/// Forwards, oldest first (by their last change: rows caught up after an outage go where
/// they happened, not where they arrived); or by a column (`s`).
pub fn rows<'a>(cx: &Ctx<'a>) -> Vec<&'a ForwardRow> {
    let mut rows = filtered(cx);
    cx.sort.apply(&mut rows, |a, b, column| match column {
        1 => a.f.amount_msat().cmp(&b.f.amount_msat()),
        2 => a.f.fee_msat.cmp(&b.f.fee_msat),
        3 => a.f.status.cmp(&b.f.status),
        _ => a.f.out_channel.cmp(&b.f.out_channel),
    });
    rows
}

/// What `s` sorts the forwards by.
const SORTS: &[&str] = &["amount", "fee", "status", "out"];

/// What `field:` names in this view, in the order [`rows`] gives their values (`peer` is
/// either end's).
const FIELDS: &[&str] = &["status", "in", "out", "peer", "peer", "reason", "payment_hash", "topic"];

/// Its keys, most useful first.
const COMMANDS: &[Binding] = &[
    keymap::sorts("sort by amount, fee, status, outgoing channel (S: the other way)"),
    keymap::moves("move over the forwards"),
    keymap::detail("a forward's detail: both channels and their peers, amounts, the fee, why it failed and a hint"),
    keymap::follows("last row, following new forwards again (the title says following or held)"),
    keymap::clears("clear the list; the totals stay"),
];

pub struct Forwards;

impl View for Forwards {
    fn spec(&self) -> &'static Spec {
        &Spec {
            name: "forwards",
            about: "one row per HTLC routed, its fee or why it failed; session and today totals",
            commands: COMMANDS,
            fields: FIELDS,
            sorts: SORTS,
            follows: true,
        }
    }

    fn len(&self, cx: &Ctx<'_>) -> usize {
        rows(cx).len()
    }

    fn open(&self, cx: &Ctx<'_>, i: usize) -> Option<Subject> {
        rows(cx).get(i).map(|r| Subject::Forward(Box::new((*r).clone())))
    }

    fn clear(&self, data: &mut Data) {
        data.model.forwards.clear();
    }

    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme) {
        draw(cx, f, area, t)
    }
}
