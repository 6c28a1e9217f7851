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

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use lnwatch_shared::frame::query_error;
use serde::Serialize;
use serde_json::{Value, json};

use crate::catchup::walk::Pager;
use crate::catchup::{Index, Item, Step, Subsystem};
use crate::cli::ReportArgs;
use crate::headless::{Conn, Names};
use crate::model::days::{Day, day_of};
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

/// A payment's parts as far as the walk has read them.
#[derive(Debug, Default)]
struct Payment {
    /// The latest completion of a part, and the fees of completed parts.
    completed: Option<f64>,
    fees_msat: u64,
    failed: Option<f64>,
}

/// What the walks have summed.
#[derive(Debug, Default)]
struct Sums {
    forwards: BTreeMap<i64, Day>,
    payments: HashMap<String, Payment>,
    invoices: BTreeMap<i64, (u64, u64)>,
}

impl Sums {
    fn row(&mut self, sub: Subsystem, row: &Value, time: f64) {
        match (sub, Item::of(sub, row)) {
            (Subsystem::Forwards, Some(Item::Forward(f, _))) => self.forwards.entry(day_of(time)).or_default().add(&f),
            (Subsystem::Sendpays, Some(Item::Pay(p, _))) => {
                let pay = self.payments.entry(p.payment_hash.clone()).or_default();
                match p.status {
                    lnwatch_shared::activity::PartStatus::Succeeded => {
                        pay.completed = Some(pay.completed.map_or(time, |t| t.max(time)));
                        let fee = p.sent_msat.zip(p.amount_msat).map_or(0, |(s, a)| s.saturating_sub(a));
                        pay.fees_msat += fee;
                    }
                    lnwatch_shared::activity::PartStatus::Failed => {
                        pay.failed = Some(pay.failed.map_or(time, |t| t.max(time)));
                    }
                    lnwatch_shared::activity::PartStatus::Started => {}
                }
            }
            (Subsystem::Invoices, Some(Item::Invoice(inv))) if inv.paid => {
                let received = lnwatch_shared::notification::msat(row.get("amount_received_msat")).unwrap_or(0);
                let d = self.invoices.entry(day_of(time)).or_default();
                d.0 += 1;
                d.1 += received;
            }
            _ => {}
        }
    }

    /// The `n` days up to `today`, oldest first, empty days included.
    fn days(&self, n: i64, today: i64) -> Vec<DayRow> {
        let mut pays: BTreeMap<i64, (u64, u64, u64)> = BTreeMap::new();
        for p in self.payments.values() {
            match (p.completed, p.failed) {
                (Some(t), _) => {
                    let d = pays.entry(day_of(t)).or_default();
                    d.0 += 1;
                    d.2 += p.fees_msat;
                }
                (None, Some(t)) => pays.entry(day_of(t)).or_default().1 += 1,
                (None, None) => {}
            }
        }
        (today - n + 1..=today)
            .map(|day| {
                let f = self.forwards.get(&day).cloned().unwrap_or_default();
                let (sent, failed, pay_fees) = pays.get(&day).copied().unwrap_or_default();
                let (paid, received) = self.invoices.get(&day).copied().unwrap_or_default();
                DayRow {
                    day: crate::clock::date(day as f64 * 86_400.0),
                    forwards_settled: f.settled,
                    forwards_failed: f.failures(),
                    forwards_local_failed: f.local_failed,
                    forwarded_msat: f.forwarded_msat,
                    fees_msat: f.fees_msat,
                    payments_sent: sent,
                    payments_failed: failed,
                    payment_fees_msat: pay_fees,
                    invoices_paid: paid,
                    received_msat: received,
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

/// The three walks: which subsystem pages by which index.
const WALKS: [(Subsystem, Index); 3] = [
    (Subsystem::Forwards, Index::Created),
    (Subsystem::Sendpays, Index::Created),
    (Subsystem::Invoices, Index::Updated),
];

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
    WALKS.iter().for_each(|(s, i)| queries.ask(Ask::Walk(Step::Current(*s, *i))));
    let mut pagers: Vec<Pager> = Vec::new();
    let mut sums = Sums::default();
    let mut warnings = Vec::new();
    conn.exchange(&mut queries, |ask, answer, queries| {
        let Ask::Walk(step) = ask else { return };
        let (Step::Current(sub, index) | Step::Page(sub, index, _, _)) = step;
        let next = match (&step, answer) {
            (Step::Current(..), Ok(result)) => match result.get(index.name()).and_then(Value::as_u64) {
                Some(current) => {
                    let pager = Pager::new(sub, index, from_day, current);
                    let next = pager.next();
                    pagers.push(pager);
                    next
                }
                None => {
                    warnings.push(format!("the node keeps no {} index for {}", index.name(), sub.name()));
                    None
                }
            },
            (Step::Page(..), Ok(result)) => match pagers.iter_mut().find(|p| p.is(sub, index)) {
                Some(pager) => pager.answer(&step, result, |row, time| sums.row(sub, row, time)),
                None => None,
            },
            (_, Err(e)) if e.code == query_error::TOO_LARGE => {
                pagers.iter_mut().find(|p| p.is(sub, index)).and_then(|p| p.too_large(&step))
            }
            (_, Err(e)) => {
                warnings.push(format!("the node could not answer {} ({}): {}", sub.name(), index.name(), e.message));
                None
            }
        };
        if let Some(next) = next {
            queries.ask(Ask::Walk(next));
        }
    })?;
    let channels = sums.forwards.values().flat_map(|d| d.channels.keys()).map(String::as_str);
    let channels: Vec<&str> = channels.collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let names = Names::read(&mut conn, &mut queries, channels.iter().copied(), std::iter::empty())?;
    let report = Report {
        node: &node,
        alias: names.nodes.alias(&node).map(str::to_owned),
        days: sums.days(days, today),
        channels: sums.channels(&names),
        warnings,
        pages: pagers.iter().map(|p| p.pages).sum(),
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
        let one = |s: &str| lnwatch_shared::sanitize::sanitize(s).into_owned();
        let mut out = Vec::new();
        for w in &self.warnings {
            out.push(format!("warning: {}", one(w)));
        }
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
