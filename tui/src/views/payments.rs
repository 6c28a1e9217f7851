//! The payments view: the node's outgoing payments, one row per payment hash with its parts
//! and attempts gathered, and for failures the decoded reason and where it happened.

use lnwatch_shared::sanitize::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::Cell;

use super::{Ctx, Spec, View};
use crate::clock::clock;
use crate::detail::Subject;
use crate::keymap::{self, Binding};
use crate::model::payments::{PayResult, Payment};
use crate::state::Data;
use crate::summary::{Outcome, sat};
use crate::widgets::{Theme, caught_up, col, following, list, outcome_style, visible};

fn outcome(r: PayResult) -> Outcome {
    match r {
        PayResult::Succeeded => Outcome::Good,
        PayResult::Pending => Outcome::Pending,
        PayResult::Failed => Outcome::Bad,
    }
}

/// Why it failed and where: `incorrect or unknown payment details at carol (103x2x0)`.
fn failure(cx: &Ctx, p: &Payment) -> String {
    let Some(e) = p.error() else { return String::new() };
    let mut out = crate::detail::error_words(e);
    if let Some(n) = &e.node {
        out.push_str(&format!(" at {}", cx.data.name(n)));
    }
    if let Some(c) = &e.channel {
        out.push_str(&format!(" ({c})"));
    }
    out
}

pub fn draw(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let pays = &cx.data.model.payments;
    let rows_all = rows(cx);
    let mut title = format!(
        "Payments out {} · {} paid · {} failed · {} pending",
        pays.len(),
        pays.count(PayResult::Succeeded),
        pays.count(PayResult::Failed),
        pays.count(PayResult::Pending)
    );
    let hidden = pays.len() - rows_all.len();
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} hidden by filter"));
    }
    let cursor = cx.cursor;
    title.push_str(&format!(" · {}", following(cursor, rows_all.len())));
    if let Some(w) = cx.sort.words(SORTS) {
        title.push_str(&format!(" · {w}"));
    }
    title.push_str(" · incoming: the invoices pane (1)");
    let selected = cursor.selected(rows_all.len());
    let range = visible(area, rows_all.len(), selected, cursor.follow);
    let shown = &rows_all[range.clone()];
    let inner_w = area.width.saturating_sub(2) as usize;
    let amount = |m: Option<u64>| m.map_or_else(|| "?".into(), sat);
    let fee = |p: &Payment| match (p.sent_msat(), p.amount_msat()) {
        (Some(s), Some(a)) if s >= a && p.result() == PayResult::Succeeded => sat(s - a),
        _ => String::new(),
    };
    let amount_w = shown.iter().map(|p| amount(p.amount_msat()).chars().count()).max().unwrap_or(0).max(6);
    let fee_w = shown.iter().map(|p| fee(p).chars().count()).max().unwrap_or(0).max(3);
    let with_time = inner_w >= 90;
    let with_parts = inner_w >= 100;
    let fixed = if with_time { 9 } else { 0 } + 9 + 17 + amount_w + 1 + fee_w + 1 + if with_parts { 14 + 7 } else { 0 };
    let why_w = inner_w.saturating_sub(fixed).max(1);
    let focused = cx.focused;
    let rows = shown
        .iter()
        .zip(range)
        .map(|(p, i)| {
            let result = p.result();
            let dest = p.destination.as_deref().map(|d| cx.data.name(d)).unwrap_or_else(|| "?".into());
            let parts = match (p.parts.len(), p.attempts()) {
                (1, _) => "1".to_string(),
                (n, 1) => format!("{n}"),
                (n, a) => format!("{n} in {a} calls"),
            };
            let cells = vec![
                Cell::from(clock(p.first)),
                Cell::from(caught_up(result.word(), p.caught_up)).style(outcome_style(outcome(result), t)),
                Cell::from(one_line(&dest, 16)),
                Cell::from(format!("{:>amount_w$}", amount(p.amount_msat()))),
                Cell::from(format!("{:>fee_w$}", fee(p))),
                Cell::from(parts),
                Cell::from(format!("{:>5.1}s", p.duration())),
                Cell::from(one_line(&failure(cx, p), why_w)),
            ];
            (
                cells,
                if Some(i) == selected && (focused || !cursor.follow) { t.selected(focused) } else { Style::default() },
            )
        })
        .collect();
    let cols = [
        col("UTC", Constraint::Length(8)).when(with_time),
        col("result", Constraint::Length(8)),
        col("to", Constraint::Length(16)),
        col("amount", Constraint::Length(amount_w as u16)),
        col("fee", Constraint::Length(fee_w as u16)),
        col("parts", Constraint::Length(13)).when(with_parts),
        col("took", Constraint::Length(6)).when(with_parts),
        col("why", Constraint::Min(1)),
    ];
    list(f, area, t, title, focused, &cols, rows);
}

/// The rows in the view's own order, after the text filter.
fn filtered<'a>(cx: &Ctx<'a>) -> Vec<&'a Payment> {
    let mut all: Vec<&Payment> = cx.data.model.payments.iter().collect();
    if !all.is_sorted_by(|a, b| a.first <= b.first) {
        all.sort_by(|a, b| a.first.total_cmp(&b.first));
    }
    if !cx.filter.is_active() {
        return all;
    }
    all.into_iter()
        .filter(|p| {
            let dest = p.destination.as_deref().map(|d| cx.data.name(d)).unwrap_or_default();
            let error = p.error().map(|e| e.message.as_str()).unwrap_or("");
            let topics = "sendpay_success sendpay_failure pay_part_start pay_part_end pay_success pay_failure";
            let values =
                [p.result().word(), &dest, p.destination.as_deref().unwrap_or(""), &p.payment_hash, error, topics];
            cx.filter.matches_fields(&FIELDS.iter().copied().zip(values).collect::<Vec<_>>())
        })
        .collect()
}

/// Payments, oldest first (by their first part); or by a column (`s`).
pub fn rows<'a>(cx: &Ctx<'a>) -> Vec<&'a Payment> {
    let mut rows = filtered(cx);
    let fee = |p: &Payment| p.sent_msat().zip(p.amount_msat()).map(|(s, a)| s.saturating_sub(a));
    cx.sort.apply(&mut rows, |a, b, column| match column {
        1 => a.amount_msat().cmp(&b.amount_msat()),
        2 => fee(a).cmp(&fee(b)),
        3 => a.result().word().cmp(b.result().word()),
        _ => a.destination.cmp(&b.destination),
    });
    rows
}

/// What `s` sorts the payments by.
const SORTS: &[&str] = &["amount", "fee", "status", "destination"];

/// What `field:` names in this view, in the order [`rows`] gives their values.
const FIELDS: &[&str] = &["status", "peer", "destination", "payment_hash", "error", "topic"];

/// Its keys, most useful first.
const COMMANDS: &[Binding] = &[
    keymap::sorts("sort by amount, fee, status, destination (S: the other way)"),
    keymap::moves("move over the payments"),
    keymap::detail("a payment's detail: every part and attempt, the error and the node where it happened"),
    keymap::follows("last row, following new payments again (the title says following or held)"),
    keymap::clears("clear the list; the totals stay"),
];

pub struct Payments;

impl View for Payments {
    fn spec(&self) -> &'static Spec {
        &Spec {
            name: "payments",
            about: "one row per payment sent, its parts and attempts gathered, why it failed and where",
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
        rows(cx).get(i).map(|p| Subject::Payment(Box::new((*p).clone())))
    }

    fn clear(&self, data: &mut Data) {
        data.model.payments.clear();
    }

    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme) {
        draw(cx, f, area, t)
    }
}
