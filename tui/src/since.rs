//! `lnwatch since`: one catch-up round without the TUI. Connects to the plugin, reads its
//! hello (which names the node), runs a [`Round`] from the named cursor through the plugin's
//! read-only queries, prints what it found (text or JSON) and moves the cursor. For cron:
//! `lnwatch since --cursor daily --json` once a day reports the day.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lnwatch_shared::frame::query_error;

use crate::catchup::cursor::{self, Loaded};
use crate::catchup::{Away, Cursor, InvoiceRow, Item, Round};
use crate::cli::SinceArgs;
use crate::clock::clock;
use crate::headless::{Conn, Names};
use crate::model::forwards::Forwards;
use crate::model::payments::{PayResult, Payments};
use crate::queries::{Ask, Queries};
use crate::summary::{sat, short_id};

/// Everything one round found, each thing once (the created and updated lanes both see a
/// thing made and changed since the cursor).
#[derive(Default)]
struct Found {
    /// When the records were read: a payment whose parts all failed long enough before is over.
    now: f64,
    invoices: BTreeMap<String, InvoiceRow>,
    forwards: Option<Forwards>,
    payments: Option<Payments>,
}

impl Found {
    fn add(&mut self, item: Item) {
        match item {
            Item::Invoice(row) => {
                // A later entry (from the updated lane) knows more.
                let slot = self.invoices.entry(row.label.clone()).or_insert_with(|| row.clone());
                if row.paid || !slot.paid {
                    *slot = row;
                }
            }
            Item::Forward(f, time) => {
                self.forwards.get_or_insert_with(|| Forwards::new(usize::MAX)).apply_caught_up(&f, time);
            }
            Item::Pay(p, time) => {
                self.payments.get_or_insert_with(|| Payments::new(usize::MAX)).apply_caught_up(&p, time, self.now);
            }
        }
    }

    fn away(&self) -> Away {
        let fw = self.forwards.as_ref().map(|f| f.session.clone()).unwrap_or_default();
        let pays = self.payments.as_ref();
        let count = |r| pays.map_or(0, |p| p.count(r) as u64);
        Away {
            invoices_paid: self.invoices.values().filter(|i| i.paid).count() as u64,
            forwards_settled: fw.settled,
            forwards_failed: fw.failed + fw.local_failed,
            fees_msat: fw.fees_msat,
            payments_succeeded: count(PayResult::Succeeded),
            payments_failed: count(PayResult::Failed),
        }
    }
}

pub fn run(socket: &Path, state_dir: &Path, args: &SinceArgs) -> Result<String, String> {
    let timeout = Duration::from_secs(args.timeout.max(1));
    let (mut conn, node) = Conn::named(socket, timeout)?;
    let path = cursor::path(state_dir, &node, &args.cursor);
    let mut warnings = Vec::new();
    let before = match cursor::load(&path) {
        Loaded::Found(c) => Some(c),
        Loaded::Missing => None,
        Loaded::Corrupt { reason, kept } => {
            let kept = kept.map(|k| format!(", kept as {}", k.display())).unwrap_or_default();
            warnings.push(format!("cursor unreadable, starting fresh ({reason}): {}{kept}", path.display()));
            None
        }
    };
    let (mut round, steps) = Round::start(before.clone(), true);
    let mut found = Found { now: crate::now(), ..Found::default() };
    // The monitor's question queue: in flight within the plugin's limit, answers told apart by
    // id, a busy answer asked again.
    let mut queries = Queries::new(0.0);
    steps.into_iter().for_each(|s| queries.ask(Ask::CatchUp(s)));
    let started = Instant::now();
    conn.exchange(&mut queries, |ask, answer, queries| {
        let Ask::CatchUp(step) = ask else { return };
        let next = match answer {
            Ok(result) => {
                let (items, next) = round.answer(&step, result);
                items.into_iter().for_each(|i| found.add(i));
                next
            }
            Err(e) if e.code == query_error::TOO_LARGE => round.too_large(&step),
            Err(e) => {
                round.failed(&step, &e.message);
                Vec::new()
            }
        };
        next.into_iter().for_each(|s| queries.ask(Ask::CatchUp(s)));
    })?;
    let forwards = found.forwards.iter().flat_map(|f| f.rows().iter());
    let channels = forwards.flat_map(|r| [r.f.in_channel.as_deref(), r.f.out_channel.as_deref()]).flatten();
    let destinations = found.payments.iter().flat_map(|p| p.iter()).filter_map(|p| p.destination.clone());
    let names = Names::read(&mut conn, &mut queries, channels, destinations)?;
    let took = started.elapsed();
    let after = round.cursor().clone();
    if !args.keep && round.learnt() {
        cursor::save(&path, &after).map_err(|e| format!("cannot save the cursor to {}: {e}", path.display()))?;
    }
    for e in &round.errors {
        warnings.push(format!("the node could not answer {e}"));
    }
    warnings.extend(round.oversized.iter().cloned());
    for (s, n) in &round.skipped {
        let name = s.name();
        warnings.push(format!("capped: {n} older {name} not fetched (list{name} has them)"));
    }
    let report = Report {
        node: &node,
        name: &args.cursor,
        first_run: round.first_run,
        before,
        after,
        found,
        names,
        warnings,
        took,
    };
    Ok(if args.json { report.json() } else { report.text() })
}

struct Report<'a> {
    node: &'a str,
    name: &'a str,
    first_run: bool,
    before: Option<Cursor>,
    after: Cursor,
    found: Found,
    names: Names,
    warnings: Vec<String>,
    took: Duration,
}

impl Report<'_> {
    fn forwards(&self) -> impl Iterator<Item = &crate::model::forwards::ForwardRow> {
        self.found.forwards.iter().flat_map(|f| f.rows().iter())
    }

    fn payments(&self) -> impl Iterator<Item = &crate::model::payments::Payment> {
        self.found.payments.iter().flat_map(|p| p.iter())
    }

    /// The JSON line. Rows are serialized straight from the round's state, one at a time: a
    /// capped round of 100,000 forwards would cost ~5 KB each as `Value`s.
    fn json(&self) -> String {
        let out = JsonReport {
            node_id: self.node,
            cursor: self.name,
            first_run: self.first_run,
            from: self.before.as_ref(),
            to: &self.after,
            summary: self.found.away(),
            invoices: Rows(|| self.found.invoices.values().map(InvoiceOut::of)),
            forwards: Rows(|| self.forwards().map(|r| ForwardOut::of(r, &self.names))),
            payments: Rows(|| self.payments().map(|p| PaymentOut::of(p, &self.names))),
            warnings: &self.warnings,
            seconds: self.took.as_secs_f64(),
        };
        let mut line = crate::json_out::to_line(&out);
        line.push('\n');
        line
    }

    fn text(&self) -> String {
        let one = crate::headless::one_line;
        let mut out = crate::headless::warning_lines(&self.warnings);
        if self.first_run {
            out.push(format!(
                "node {}: cursor \"{}\" starts now; the next run prints what happens from here",
                one(&short_id(self.node)),
                one(self.name)
            ));
            return lines(out);
        }
        out.push(format!(
            "node {}, since cursor \"{}\": {}",
            one(&short_id(self.node)),
            one(self.name),
            self.found.away().words()
        ));
        let when = |t: Option<f64>| t.map_or_else(|| "        ".into(), clock);
        for i in self.found.invoices.values() {
            let state = if i.paid { "paid" } else { "open" };
            let amount = i.msat.map_or_else(|| "any".into(), sat);
            out.push(format!("{} invoice {state} {amount} {}", when(i.paid_at), one(&i.label)));
        }
        for r in self.forwards() {
            let f = &r.f;
            let fee = if f.status == "settled" {
                format!(" fee {}", f.fee_msat.map_or_else(|| "?".into(), sat))
            } else {
                String::new()
            };
            let why = f.why().map(|w| format!(" ({})", one(&w))).unwrap_or_default();
            out.push(format!(
                "{} forward {} {} → {} {}{fee}{why}",
                when(Some(r.time)),
                one(&f.status),
                one(&self.names.channel(f.in_channel.as_deref())),
                one(&self.names.channel(f.out_channel.as_deref())),
                f.amount_msat().map_or_else(|| "?".into(), sat),
            ));
        }
        for p in self.payments() {
            out.push(format!(
                "{} payment {} {} to {}",
                when(Some(p.first)),
                p.result().word(),
                p.amount_msat().map_or_else(|| "?".into(), sat),
                one(&p.destination.as_deref().map(|d| self.names.nodes.name(d)).unwrap_or_else(|| "?".into())),
            ));
        }
        lines(out)
    }
}

#[derive(serde::Serialize)]
struct JsonReport<'a, I, F, P> {
    node_id: &'a str,
    cursor: &'a str,
    first_run: bool,
    from: Option<&'a Cursor>,
    to: &'a Cursor,
    summary: Away,
    invoices: I,
    forwards: F,
    payments: P,
    warnings: &'a [String],
    seconds: f64,
}

/// A JSON array made from an iterator as it is written.
struct Rows<F>(F);

impl<F, I> serde::Serialize for Rows<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

#[derive(serde::Serialize)]
struct InvoiceOut<'a> {
    label: &'a str,
    paid: bool,
    msat: Option<u64>,
    paid_at: Option<f64>,
    expires_at: Option<f64>,
}

impl<'a> InvoiceOut<'a> {
    fn of(i: &'a InvoiceRow) -> Self {
        InvoiceOut { label: &i.label, paid: i.paid, msat: i.msat, paid_at: i.paid_at, expires_at: i.expires_at }
    }
}

#[derive(serde::Serialize)]
struct ForwardOut<'a> {
    status: &'a str,
    in_channel: Option<&'a str>,
    out_channel: Option<&'a str>,
    in_peer_alias: Option<&'a str>,
    out_peer_alias: Option<&'a str>,
    in_htlc_id: Option<u64>,
    in_msat: Option<u64>,
    out_msat: Option<u64>,
    fee_msat: Option<u64>,
    failcode: Option<u64>,
    failreason: Option<&'a str>,
    failure_reason: Option<&'a str>,
    received_time: Option<f64>,
    resolved_time: Option<f64>,
}

impl<'a> ForwardOut<'a> {
    fn of(r: &'a crate::model::forwards::ForwardRow, names: &'a Names) -> Self {
        let f = &r.f;
        ForwardOut {
            status: &f.status,
            in_channel: f.in_channel.as_deref(),
            out_channel: f.out_channel.as_deref(),
            in_peer_alias: names.peer_alias(f.in_channel.as_deref()),
            out_peer_alias: names.peer_alias(f.out_channel.as_deref()),
            in_htlc_id: f.in_htlc_id,
            in_msat: f.in_msat,
            out_msat: f.out_msat,
            fee_msat: f.fee_msat,
            failcode: f.failcode,
            failreason: f.failreason.as_deref(),
            failure_reason: f.failure_reason.as_deref(),
            received_time: f.received_time,
            resolved_time: f.resolved_time,
        }
    }
}

#[derive(serde::Serialize)]
struct PaymentOut<'a> {
    payment_hash: &'a str,
    destination: Option<&'a str>,
    destination_alias: Option<&'a str>,
    result: &'static str,
    amount_msat: Option<u64>,
    sent_msat: Option<u64>,
    parts: usize,
    first: f64,
    last: f64,
}

impl<'a> PaymentOut<'a> {
    fn of(p: &'a crate::model::payments::Payment, names: &'a Names) -> Self {
        PaymentOut {
            payment_hash: &p.payment_hash,
            destination: p.destination.as_deref(),
            destination_alias: p.destination.as_deref().and_then(|d| names.nodes.alias(d)),
            result: p.result().word(),
            amount_msat: p.amount_msat(),
            sent_msat: p.sent_msat(),
            parts: p.parts.len(),
            first: p.first,
            last: p.last,
        }
    }
}

fn lines(lines: Vec<String>) -> String {
    lines.into_iter().map(|l| l + "\n").collect()
}
