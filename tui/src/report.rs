//! `lnwatch report`: what the node earned, paid and received per UTC day for the last N days,
//! from its own records, for cron and scripts. Three walks back through the records, a page at
//! a time and nothing kept but the days' sums ([`crate::catchup::walk::Pager`]): `listforwards`
//! by `created` index, `listsendpays` by `created`, `listinvoices` by `updated`.
//!
//! Definitions, the same as on screen: a forward belongs to the UTC day of its
//! `resolved_time` (`received_time` while unresolved); `forwards_failed` counts `failed` and
//! `local_failed` (`forwards_local_failed` the part refused here); `forwarded_msat` sums
//! `out_msat` of settled forwards; a forward's fee is credited to its outgoing channel. A
//! payment (one payment hash) is sent on the day its last part completed, its fee what the
//! completed parts cost over what they delivered; one that never completed and has a failed
//! part is failed on the day of its last failure. An invoice is paid on the day of `paid_at`
//! and received `amount_received_msat`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lnwatch_shared::frame::query_error;
use serde::Serialize;
use serde_json::{Value, json};

use crate::catchup::walk::{MoneyWalk, Pager};
use crate::catchup::{Index, Item, Step, Subsystem};
use crate::cli::ReportArgs;
use crate::headless::{Conn, Names};
use crate::model::days::{Day, day_of};
use crate::model::money::Money;
use crate::queries::{Ask, Queries};
use crate::summary::sat;

/// One UTC day of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayRow {
    pub day: String,
    pub forwards_settled: u64,
    pub forwards_failed: u64,
    pub forwards_local_failed: u64,
    pub forwarded_msat: u64,
    pub fees_msat: u64,
    pub payments_sent: u64,
    pub payments_failed: u64,
    pub payment_fees_msat: u64,
    pub invoices_paid: u64,
    pub received_msat: u64,
}

impl DayRow {
    fn add(&mut self, o: &DayRow) {
        self.forwards_settled += o.forwards_settled;
        self.forwards_failed += o.forwards_failed;
        self.forwards_local_failed += o.forwards_local_failed;
        self.forwarded_msat += o.forwarded_msat;
        self.fees_msat += o.fees_msat;
        self.payments_sent += o.payments_sent;
        self.payments_failed += o.payments_failed;
        self.payment_fees_msat += o.payment_fees_msat;
        self.invoices_paid += o.invoices_paid;
        self.received_msat += o.received_msat;
    }
}

/// One channel with a forward in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelRow {
    pub short_channel_id: String,
    pub peer_id: Option<String>,
    pub peer_alias: Option<String>,
    pub fees_msat: u64,
    pub forwarded_msat: u64,
    pub forwards_settled: u64,
}

/// What the walks have summed.
#[derive(Debug, Default)]
struct Sums {
    forwards: BTreeMap<i64, Day>,
    money: Money,
}

impl Sums {
    /// The `n` days up to `today`, oldest first, empty days included.
    fn days(&self, n: i64, today: i64) -> Vec<DayRow> {
        let money = self.money.days();
        (today - n + 1..=today)
            .map(|day| {
                let f = self.forwards.get(&day).cloned().unwrap_or_default();
                let m = money.get(&day).copied().unwrap_or_default();
                DayRow {
                    day: crate::clock::date(day as f64 * 86_400.0),
                    forwards_settled: f.settled,
                    forwards_failed: f.failures(),
                    forwards_local_failed: f.local_failed,
                    forwarded_msat: f.forwarded_msat,
                    fees_msat: f.fees_msat,
                    payments_sent: m.payments_sent,
                    payments_failed: m.payments_failed,
                    payment_fees_msat: m.payment_fees_msat,
                    invoices_paid: m.invoices_paid,
                    received_msat: m.received_msat,
                }
            })
            .collect()
    }

    /// Every channel with a forward in the window, most fees first.
    fn channels(&self, names: &Names) -> Vec<ChannelRow> {
        let mut by: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
        for day in self.forwards.values() {
            for (scid, c) in &day.channels {
                let t = by.entry(scid).or_default();
                t.0 += c.fees_msat;
                t.1 += c.out_msat;
                t.2 += c.settled;
            }
        }
        let mut rows: Vec<ChannelRow> = by
            .into_iter()
            .map(|(scid, (fees, forwarded, settled))| ChannelRow {
                short_channel_id: scid.to_owned(),
                peer_id: names.peer_id(scid).map(str::to_owned),
                peer_alias: names.peer_alias(Some(scid)).map(str::to_owned),
                fees_msat: fees,
                forwarded_msat: forwarded,
                forwards_settled: settled,
            })
            .collect();
        rows.sort_by(|a, b| b.fees_msat.cmp(&a.fees_msat).then(b.forwarded_msat.cmp(&a.forwarded_msat)));
        rows
    }
}

/// Runs the report and returns what to print.
pub fn run(socket: &Path, args: &ReportArgs) -> Result<String, String> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let started = Instant::now();
    let (mut conn, node) = Conn::named(socket, timeout)?;
    let now = crate::now();
    let today = day_of(now);
    let days = i64::from(args.days.max(1));
    let from_day = today - days + 1;
    let mut queries = Queries::new(0.0);
    queries.ask(Ask::Walk(Step::Current(Subsystem::Forwards, Index::Created)));
    let (mut money, steps) = MoneyWalk::start(days, now);
    steps.into_iter().for_each(|s| queries.ask(Ask::Walk(s)));
    let mut forwards: Option<Pager> = None;
    let mut sums = Sums::default();
    let mut warnings = Vec::new();
    conn.exchange(&mut queries, |ask, answer, queries| {
        let Ask::Walk(step) = ask else { return };
        let next = if MoneyWalk::asks(&step) {
            match answer {
                Ok(result) => money.answer(&step, result),
                Err(e) if e.code == query_error::TOO_LARGE => money.too_large(&step),
                Err(e) => {
                    money.failed(&step, &e.message);
                    None
                }
            }
        } else {
            match (&step, answer, forwards.as_mut()) {
                (Step::Current(_, i), Ok(result), _) => {
                    let current = result.get(i.name()).and_then(Value::as_u64);
                    let pager = current.map(|c| Pager::new(Subsystem::Forwards, Index::Created, from_day, c));
                    let next = pager.as_ref().and_then(Pager::next);
                    forwards = pager;
                    if forwards.is_none() {
                        warnings.push("forwards (created): no index in the node's answer".into());
                    }
                    next
                }
                (Step::Page(..), Ok(result), Some(p)) => p.answer(&step, result, |row, time| {
                    if let Some(Item::Forward(f, _)) = Item::of(Subsystem::Forwards, row) {
                        sums.forwards.entry(day_of(time)).or_default().add(&f);
                    }
                }),
                (_, Err(e), Some(p)) if e.code == query_error::TOO_LARGE => p.too_large(&step),
                (_, Err(e), _) => {
                    warnings.push(format!("forwards (created): {}", e.message));
                    None
                }
                _ => None,
            }
        };
        if let Some(next) = next {
            queries.ask(Ask::Walk(next));
        }
    })?;
    warnings.extend(money.errors.iter().map(|e| format!("the node could not answer {e}")));
    sums.money = money.money.clone();
    let pages = forwards.map_or(0, |p| p.pages) + money.pages();
    let channels = sums.forwards.values().flat_map(|d| d.channels.keys()).map(String::as_str);
    let channels: Vec<&str> = channels.collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let names = Names::read(&mut conn, &mut queries, channels.iter().copied(), std::iter::empty())?;
    let report = Report {
        node: &node,
        alias: names.nodes.alias(&node).map(str::to_owned),
        days: sums.days(days, today),
        channels: sums.channels(&names),
        warnings,
        pages,
        took: started.elapsed(),
    };
    Ok(if args.json { report.json() } else { report.text() })
}

struct Report<'a> {
    node: &'a str,
    alias: Option<String>,
    days: Vec<DayRow>,
    channels: Vec<ChannelRow>,
    warnings: Vec<String>,
    pages: u64,
    took: Duration,
}

impl Report<'_> {
    fn totals(&self) -> DayRow {
        let mut t = DayRow { day: "total".into(), ..DayRow::default() };
        self.days.iter().for_each(|d| t.add(d));
        t
    }

    fn json(&self) -> String {
        let mut totals = serde_json::to_value(self.totals()).unwrap_or_default();
        if let Some(t) = totals.as_object_mut() {
            t.remove("day");
        }
        let out = json!({
            "node_id": self.node, "days": self.days, "totals": totals, "channels": self.channels,
            "warnings": self.warnings, "pages": self.pages, "seconds": self.took.as_secs_f64(),
        });
        format!("{}\n", crate::json_out::to_line(&out))
    }

    fn text(&self) -> String {
        let one = crate::headless::one_line;
        let mut out = crate::headless::warning_lines(&self.warnings);
        let name = self.alias.clone().unwrap_or_else(|| crate::summary::short_id(self.node));
        out.push(format!("node {}: the last {} UTC days, oldest first", one(&name), self.days.len()));
        out.push(format!(
            "{:10} {:>8} {:>8} {:>16} {:>14} {:>6} {:>6} {:>14} {:>6} {:>16}",
            "day",
            "settled",
            "failed",
            "forwarded sat",
            "fees sat",
            "paid",
            "failed",
            "pay fees sat",
            "inv",
            "received sat"
        ));
        let line = |d: &DayRow| {
            let msat = |m: u64| sat(m).trim_end_matches(" sat").to_owned();
            format!(
                "{:10} {:>8} {:>8} {:>16} {:>14} {:>6} {:>6} {:>14} {:>6} {:>16}",
                d.day,
                d.forwards_settled,
                d.forwards_failed,
                msat(d.forwarded_msat),
                msat(d.fees_msat),
                d.payments_sent,
                d.payments_failed,
                msat(d.payment_fees_msat),
                d.invoices_paid,
                msat(d.received_msat)
            )
        };
        out.extend(self.days.iter().map(line));
        out.push(line(&self.totals()));
        if !self.channels.is_empty() {
            out.push("channels by fees:".into());
            for c in self.channels.iter().take(10) {
                let peer = c.peer_alias.clone().or(c.peer_id.as_deref().map(crate::summary::short_id));
                out.push(format!(
                    "  {:14} {:16} fees {} · forwarded {} · {} settled",
                    one(&c.short_channel_id),
                    one(&peer.unwrap_or_else(|| "?".into())),
                    sat(c.fees_msat),
                    sat(c.forwarded_msat),
                    c.forwards_settled
                ));
            }
        }
        out.into_iter().map(|l| l + "\n").collect()
    }
}
