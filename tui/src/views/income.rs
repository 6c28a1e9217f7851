//! The income view: what routing earned per UTC day over the last month, from the node's own
//! records ([`crate::model::days`]): fees as bars, a table of the days (newest first) with the
//! payments sent and invoices paid ([`crate::model::money`]), totals for today, 7 and 30 days,
//! and the channels that earned most with the fee rate they earned at, where liquidity came in
//! (sources) and went out (sinks).

use std::collections::HashMap;

use lnwatch_shared::sanitize::one_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph};

use super::{Ctx, Spec, View};
use crate::detail::Subject;
use crate::keymap::{self, Binding};
use crate::model::days::{ChannelDay, Coverage, Day, day_of};
use crate::model::money::MoneyDay;
use crate::state::Data;
use crate::summary::{sat, sats};
use crate::widgets::{Theme, block, col, list, visible};

/// Days the view covers.
pub const DAYS: i64 = 30;

/// `YYYY-MM-DD` of a UTC day number.
pub fn date(day: i64) -> String {
    crate::clock::date(day as f64 * 86_400.0)
}

/// Fee rate earned, in parts per million of what was forwarded.
fn ppm(fees_msat: u64, forwarded_msat: u64) -> Option<u64> {
    (forwarded_msat > 0).then(|| (fees_msat as u128 * 1_000_000 / forwarded_msat as u128) as u64)
}

/// What `s` sorts the days by.
const SORTS: &[&str] = &["fees", "forwarded", "settled"];

/// The days shown, newest first; or by a column (`s`).
pub fn rows(cx: &Ctx) -> Vec<(i64, Day)> {
    let mut days = cx.data.model.forwards.days.last(DAYS, cx.now);
    days.reverse();
    cx.sort.apply(&mut days, |(_, a), (_, b), column| match column {
        1 => a.fees_msat.cmp(&b.fees_msat),
        2 => a.forwarded_msat.cmp(&b.forwarded_msat),
        _ => a.settled.cmp(&b.settled),
    });
    days
}

/// Every channel's totals over the last `n` days up to `now`.
pub fn channels(data: &Data, n: i64, now: f64) -> HashMap<String, ChannelDay> {
    let mut out: HashMap<String, ChannelDay> = HashMap::new();
    for (_, day) in data.model.forwards.days.within(n, now) {
        for (scid, c) in &day.channels {
            let t = out.entry(scid.clone()).or_default();
            t.fees_msat += c.fees_msat;
            t.out_msat += c.out_msat;
            t.in_msat += c.in_msat;
            t.settled += c.settled;
        }
    }
    out
}

/// Totals of the last `n` days: (settled, failed, fees, forwarded).
fn totals(data: &Data, n: i64, now: f64) -> (u64, u64, u64, u64) {
    data.model.forwards.days.within(n, now).fold((0, 0, 0, 0), |(s, f, fee, fw), (_, d)| {
        (s + d.settled, f + d.failures(), fee + d.fees_msat, fw + d.forwarded_msat)
    })
}

/// Payments and invoices of the last `n` days, once the node's records have been read.
fn money(data: &Data, n: i64, now: f64) -> Option<MoneyDay> {
    let days = data.model.money.as_ref()?;
    let from = day_of(now) - n + 1;
    Some(days.range(from..).fold(MoneyDay::default(), |mut t, (_, d)| {
        t.payments_sent += d.payments_sent;
        t.payments_failed += d.payments_failed;
        t.payment_fees_msat += d.payment_fees_msat;
        t.invoices_paid += d.invoices_paid;
        t.received_msat += d.received_msat;
        t
    }))
}

fn coverage_words(cx: &Ctx) -> Option<String> {
    match &cx.data.model.forwards.days.coverage {
        Coverage::Exact => None,
        Coverage::Walking { rows, .. } => {
            Some(format!("reading the node's forwards… ({} so far)", crate::summary::count(*rows, "forward")))
        }
        Coverage::Since { since, why } => Some(format!("since {} UTC only: {why}", crate::clock::clock(*since))),
    }
}

pub fn draw(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let [summary, bars, rest] =
        Layout::vertical([Constraint::Length(5), Constraint::Length(7), Constraint::Min(3)]).areas(area);

    // Totals, and whether the days are exact.
    let line = |name: &str, n: i64| {
        let (settled, failed, fees, forwarded) = totals(cx.data, n, cx.now);
        let rate = ppm(fees, forwarded).map_or_else(String::new, |p| format!(" · {p} ppm"));
        let money = money(cx.data, n, cx.now).map_or_else(String::new, |m| {
            format!(
                " · paid {} (fees {}) · received {} in {}",
                m.payments_sent,
                sat(m.payment_fees_msat),
                sat(m.received_msat),
                crate::summary::count(m.invoices_paid, "invoice")
            )
        });
        format!(
            "{name:8} fees {} · {settled} settled · {failed} failed · forwarded {} sat{rate}{money}",
            sat(fees),
            sats(forwarded)
        )
    };
    let b = block("Income · UTC days, from the node's records".into(), false, t);
    let inner = b.inner(summary);
    f.render_widget(b, summary);
    let mut lines = [line("today", 1), line("7 days", 7), line("30 days", DAYS)];
    if let Some(w) = coverage_words(cx) {
        lines[0] = format!("{} · {w}", lines[0]);
    }
    let width = inner.width as usize;
    f.render_widget(Paragraph::new(lines.iter().map(|l| Line::from(one_line(l, width))).collect::<Vec<_>>()), inner);

    // Fees per day as bars, oldest left, today right.
    let days = cx.data.model.forwards.days.last(DAYS, cx.now);
    let b = block("Fees per day (sat), last 30 days, today right".into(), false, t);
    let inner = b.inner(bars);
    f.render_widget(b, bars);
    let bar_w = ((inner.width as usize).saturating_sub(DAYS as usize) / DAYS as usize).clamp(1, 3) as u16;
    // As many of the latest days as fit: today always shows.
    let fit = ((inner.width + 1) / (bar_w + 1)) as usize;
    let data: Vec<Bar> = days[days.len().saturating_sub(fit)..]
        .iter()
        .map(|(_, d)| Bar::default().value(d.fees_msat / 1000).text_value(String::new()).style(t.good()))
        .collect();
    let chart = BarChart::default().data(BarGroup::default().bars(&data)).bar_width(bar_w).bar_gap(1);
    f.render_widget(chart, inner);

    // The days, and the channels that earned.
    let [table, side] = if rest.width >= 160 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest)
    } else {
        [rest, Rect::default()]
    };
    day_table(cx, f, table, t);
    if side.width > 0 {
        let [channels, peers] = Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(side);
        channel_table(cx, f, channels, t);
        peer_table(cx, f, peers, t);
    }
}

/// The peers that earned most over 30 days: their channels' fees together.
fn peer_table(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let mut by: HashMap<String, (u64, u64)> = HashMap::new();
    for (scid, c) in channels(cx.data, DAYS, cx.now) {
        let peer = cx.data.model.channels.find(&scid).and_then(|ch| ch.peer_id.clone()).unwrap_or(scid);
        let e = by.entry(peer).or_default();
        e.0 += c.fees_msat;
        e.1 += c.out_msat;
    }
    let mut peers: Vec<(String, (u64, u64))> = by.into_iter().filter(|(_, (fees, _))| *fees > 0).collect();
    peers.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let height = area.height.saturating_sub(3) as usize;
    let cells: Vec<_> = peers
        .iter()
        .take(height)
        .map(|(peer, (fees, out))| {
            let rate = ppm(*fees, *out).map_or_else(String::new, |p| p.to_string());
            let row = vec![
                Cell::from(one_line(&cx.data.name(peer), 20)),
                Cell::from(format!("{:>11}", sat(*fees))),
                Cell::from(format!("{rate:>5}")),
                Cell::from(format!("{:>11}", sats(*out))),
            ];
            (row, Style::default())
        })
        .collect();
    let cols = [
        col("peer", Constraint::Length(20)),
        col("       fees", Constraint::Length(11)),
        col("  ppm", Constraint::Length(5)),
        col("   sink sat", Constraint::Length(11)).optional(1),
    ];
    list(f, area, t, "Peers by fees, 30 days".into(), false, &cols, cells);
}

fn day_table(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let all = rows(cx);
    let money = cx.data.model.money.as_ref();
    let selected = cx.cursor.selected(all.len());
    let range = visible(area, all.len(), selected, false);
    let cells: Vec<_> = all[range.clone()]
        .iter()
        .zip(range)
        .map(|((day, d), i)| {
            let failed = if d.local_failed > 0 {
                format!("{} ({} here)", d.failures(), d.local_failed)
            } else {
                d.failures().to_string()
            };
            let rate = ppm(d.fees_msat, d.forwarded_msat).map_or_else(String::new, |p| p.to_string());
            let m = money.and_then(|m| m.get(day)).copied().unwrap_or_default();
            let row = vec![
                Cell::from(date(*day)),
                Cell::from(format!("{:>8}", d.settled)),
                Cell::from(format!("{failed:>12}")),
                Cell::from(format!("{:>13}", sats(d.forwarded_msat))),
                Cell::from(format!("{:>13}", sat(d.fees_msat))),
                Cell::from(format!("{rate:>5}")),
                Cell::from(format!("{:>5}", m.payments_sent)),
                Cell::from(format!("{:>11}", sat(m.payment_fees_msat))),
                Cell::from(format!("{:>13}", sats(m.received_msat))),
            ];
            (row, if Some(i) == selected { t.selected(cx.focused) } else { Style::default() })
        })
        .collect();
    let cols = [
        col("day", Constraint::Length(10)),
        col(" settled", Constraint::Length(8)),
        col("      failed", Constraint::Length(12)).optional(1),
        col("forwarded sat", Constraint::Length(13)),
        col("         fees", Constraint::Length(13)),
        col("  ppm", Constraint::Length(5)).optional(2),
        col(" paid", Constraint::Length(5)).optional(5),
        col("   pay fees", Constraint::Length(11)).optional(4),
        col(" received sat", Constraint::Length(13)).optional(3),
    ];
    let title = cx.sort.words(SORTS).map_or_else(|| "Days, newest first".to_owned(), |w| format!("Days, {w}"));
    list(f, area, t, title, cx.focused, &cols, cells);
}

fn channel_table(cx: &Ctx, f: &mut Frame, area: Rect, t: &Theme) {
    let by = channels(cx.data, DAYS, cx.now);
    let mut earners: Vec<(&String, &ChannelDay)> =
        by.iter().filter(|(_, c)| c.fees_msat > 0 || c.in_msat > 0).collect();
    earners.sort_by(|a, b| b.1.fees_msat.cmp(&a.1.fees_msat).then(b.1.out_msat.cmp(&a.1.out_msat)).then(a.0.cmp(b.0)));
    let height = area.height.saturating_sub(3) as usize;
    let cells: Vec<_> = earners
        .iter()
        .take(height)
        .map(|(scid, c)| {
            let peer = cx.data.channel_peer(scid).unwrap_or_default();
            let rate = ppm(c.fees_msat, c.out_msat).map_or_else(String::new, |p| p.to_string());
            let row = vec![
                Cell::from(one_line(&peer, 14)),
                Cell::from(one_line(scid, 13)),
                Cell::from(format!("{:>11}", sat(c.fees_msat))),
                Cell::from(format!("{rate:>5}")),
                Cell::from(format!("{:>11}", sats(c.out_msat))),
                Cell::from(format!("{:>11}", sats(c.in_msat))),
            ];
            (row, Style::default())
        })
        .collect();
    let cols = [
        col("peer", Constraint::Length(14)),
        col("scid", Constraint::Length(13)).optional(1),
        col("       fees", Constraint::Length(11)),
        col("  ppm", Constraint::Length(5)),
        col("   sink sat", Constraint::Length(11)).optional(2),
        col(" source sat", Constraint::Length(11)).optional(3),
    ];
    let title = "Channels by fees, 30 days (sink: out, source: in)".to_string();
    list(f, area, t, title, false, &cols, cells);
}

/// Its keys, most useful first.
const COMMANDS: &[Binding] = &[
    keymap::moves("move over the days"),
    keymap::sorts("sort the days by fees, forwarded, settled (S: the other way)"),
];

pub struct Income;

impl View for Income {
    fn spec(&self) -> &'static Spec {
        &Spec {
            name: "income",
            about: "fees earned per UTC day for 30 days, from the node's forwards: bars, the days, totals for today, 7 and 30 days, the channels that earned and at what rate, sources and sinks",
            commands: COMMANDS,
            fields: &[],
            sorts: SORTS,
            follows: false,
        }
    }

    fn len(&self, cx: &Ctx<'_>) -> usize {
        rows(cx).len()
    }

    fn open(&self, cx: &Ctx<'_>, i: usize) -> Option<Subject> {
        rows(cx).get(i).map(|(day, _)| Subject::Day(*day))
    }

    /// The days are the node's records: `c` leaves them.
    fn clear(&self, _data: &mut Data) {}

    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme) {
        draw(cx, f, area, t)
    }
}
