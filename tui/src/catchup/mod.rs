//! Catching up from Core Lightning's own indexes: what the node recorded past a [`Cursor`]
//! (invoices, forwards, sendpays), fetched through the plugin's read-only queries. Pure: a
//! round says which questions to ask ([`Step`]), takes the answers and hands back what it
//! found ([`Item`]) and the cursor moved past it. The monitor runs rounds on connect, after a
//! plugin restart or a `gap`, and shortly after live activity (so the cursor stays current);
//! `lnwatch since` runs one round headless.
//!
//! Each subsystem has two lanes, `created` (new things) and `updated` (status changes: an
//! invoice paid, a forward resolved, a part completed). A full round first asks `wait` with
//! `nextvalue: 0` for each lane's current index, so it knows how far to go and can cap a lane
//! that is too far behind to the newest [`CAP`] entries; then it pages with `index`/`start`/
//! `limit`. A first run (no cursor) only learns the current indexes: nothing is "missed" yet.

pub mod cursor;
pub mod walk;

use std::collections::HashMap;

use lnwatch_shared::activity::{self, Forward, PayNote};
use lnwatch_shared::notification;
use serde_json::{Value, json};

pub use self::cursor::{Cursor, Indexes};
pub use crate::model::ledger::Index;

/// Entries asked for per query.
pub const PAGE: u64 = 1000;
/// Entries fetched per lane and round at most; past it the oldest are skipped (and counted).
pub const CAP: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subsystem {
    Invoices,
    Forwards,
    Sendpays,
}

impl Subsystem {
    pub const ALL: [Subsystem; 3] = [Subsystem::Invoices, Subsystem::Forwards, Subsystem::Sendpays];

    pub fn name(self) -> &'static str {
        match self {
            Subsystem::Invoices => "invoices",
            Subsystem::Forwards => "forwards",
            Subsystem::Sendpays => "sendpays",
        }
    }

    fn list(self) -> (&'static str, &'static str) {
        match self {
            Subsystem::Invoices => ("listinvoices", "invoices"),
            Subsystem::Forwards => ("listforwards", "forwards"),
            Subsystem::Sendpays => ("listsendpays", "payments"),
        }
    }
}

/// One question of a round.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// The lane's current index (`wait` returns at once for `nextvalue: 0`).
    Current(Subsystem, Index),
    /// Up to `limit` entries ([`PAGE`], fewer after an answer too large) from `start` on.
    Page(Subsystem, Index, u64, u64),
}

impl Step {
    pub fn query(&self) -> (&'static str, Value) {
        match self {
            Step::Current(s, i) => ("wait", json!({"subsystem": s.name(), "indexname": i.name(), "nextvalue": 0})),
            Step::Page(s, i, start, limit) => (s.list().0, json!({"index": i.name(), "start": start, "limit": limit})),
        }
    }
}

/// An invoice as `listinvoices` tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceRow {
    pub label: String,
    pub msat: Option<u64>,
    pub paid: bool,
    pub paid_at: Option<f64>,
    pub expires_at: Option<f64>,
    pub preimage: Option<String>,
    /// `local_offer_id`: a BOLT12 invoice's offer.
    pub offer_id: Option<String>,
}

/// Something the node recorded, with when it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Invoice(InvoiceRow),
    Forward(Box<Forward>, f64),
    Pay(Box<PayNote>, f64),
}

impl Item {
    /// Decodes one entry of a `list*` answer; `None` for one without what names it.
    pub fn of(sub: Subsystem, row: &Value) -> Option<Item> {
        let num = |k: &str| row.get(k).and_then(Value::as_f64);
        match sub {
            Subsystem::Invoices => {
                let label = match row.get("label")? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let paid = row.get("status").and_then(Value::as_str) == Some("paid");
                Some(Item::Invoice(InvoiceRow {
                    label,
                    msat: notification::msat(row.get("amount_received_msat").or(row.get("amount_msat"))),
                    paid,
                    paid_at: num("paid_at"),
                    expires_at: num("expires_at"),
                    preimage: row.get("payment_preimage").and_then(Value::as_str).map(str::to_owned),
                    offer_id: row.get("local_offer_id").and_then(Value::as_str).map(str::to_owned),
                }))
            }
            Subsystem::Forwards => {
                // A `listforwards` entry has the notification's fields, flat.
                let f = activity::forward(&notification::parse("forward_event", None, row))?;
                let time = f.resolved_time.or(f.received_time).unwrap_or(0.0);
                Some(Item::Forward(Box::new(f), time))
            }
            Subsystem::Sendpays => {
                let p = activity::sendpay_row(row)?;
                let time = num("completed_at").or(num("created_at")).unwrap_or(0.0);
                Some(Item::Pay(Box::new(p), time))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Lane {
    Measuring,
    /// Paging up to `end` (the index measured), or until a short page when not measured.
    Paging {
        end: Option<u64>,
    },
    Done,
}

/// One round of catching up.
#[derive(Debug, Clone)]
pub struct Round {
    cursor: Cursor,
    /// No cursor before: learn the current indexes, fetch nothing.
    pub first_run: bool,
    lanes: Vec<(Subsystem, Index, Lane)>,
    /// Entries skipped past [`CAP`], per subsystem (created lanes).
    pub skipped: Vec<(Subsystem, u64)>,
    /// Questions the node could not answer (an old node without `wait` or `index`).
    pub errors: Vec<String>,
    /// Entries skipped because even alone they are over the plugin's answer limit.
    pub oversized: Vec<String>,
    /// Per lane, where a run of answers too large began (see [`Round::too_large`]).
    oversize: HashMap<(Subsystem, Index), u64>,
}

impl Round {
    /// A round from `cursor` (`None`: a first run). `measure` asks each lane's current index
    /// first (needed to cap); without it the lanes page until a short page.
    pub fn start(cursor: Option<Cursor>, measure: bool) -> (Round, Vec<Step>) {
        let first_run = cursor.is_none();
        let measure = measure || first_run;
        let cursor = cursor.unwrap_or_default();
        let mut lanes = Vec::new();
        let mut steps = Vec::new();
        for s in Subsystem::ALL {
            for i in [Index::Created, Index::Updated] {
                if measure {
                    lanes.push((s, i, Lane::Measuring));
                    steps.push(Step::Current(s, i));
                } else {
                    lanes.push((s, i, Lane::Paging { end: None }));
                    let from = cursor.of(s).get(i) + 1;
                    steps.push(Step::Page(s, i, from, PAGE));
                }
            }
        }
        let round = Round {
            cursor,
            first_run,
            lanes,
            skipped: Vec::new(),
            errors: Vec::new(),
            oversized: Vec::new(),
            oversize: HashMap::new(),
        };
        (round, steps)
    }

    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// Whether the cursor it ends with is worth keeping: a first run the node could not answer
    /// learnt nothing, and zeros kept would make the next run fetch the node's whole history.
    pub fn learnt(&self) -> bool {
        !self.first_run || self.errors.is_empty()
    }

    pub fn done(&self) -> bool {
        self.lanes.iter().all(|(_, _, l)| *l == Lane::Done)
    }

    fn lane(&mut self, s: Subsystem, i: Index) -> &mut Lane {
        &mut self.lanes.iter_mut().find(|(ls, li, _)| *ls == s && *li == i).expect("every lane is listed").2
    }

    fn at(&mut self, s: Subsystem, i: Index) -> &mut u64 {
        self.cursor.of_mut(s).at(i)
    }

    /// The answer to `step`: what it found, and the questions that follow.
    pub fn answer(&mut self, step: &Step, result: &Value) -> (Vec<Item>, Vec<Step>) {
        match *step {
            Step::Current(s, i) => {
                let Some(now) = result.get(i.name()).and_then(Value::as_u64) else {
                    // Not the shape `wait` answers with: no reason to move the cursor.
                    self.failed(step, "no index in its answer");
                    return (Vec::new(), Vec::new());
                };
                let at = *self.at(s, i);
                if self.first_run || now <= at {
                    // A first run starts here; an index behind the cursor is a node restored
                    // from an older database: follow it.
                    *self.at(s, i) = now;
                    *self.lane(s, i) = Lane::Done;
                    return (Vec::new(), Vec::new());
                }
                let mut from = at + 1;
                if now - at > CAP {
                    from = now - CAP + 1;
                    if i == Index::Created {
                        self.skipped.push((s, from - at - 1));
                    }
                }
                *self.lane(s, i) = Lane::Paging { end: Some(now) };
                (Vec::new(), vec![Step::Page(s, i, from, PAGE)])
            }
            Step::Page(s, i, start, limit) => {
                self.close_oversized(s, i, start);
                let rows = result.get(s.list().1).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                let key = format!("{}_index", i.name());
                let mut last = start.saturating_sub(1);
                let mut items = Vec::with_capacity(rows.len());
                for row in rows {
                    let idx = row.get(&key).and_then(Value::as_u64).unwrap_or(0);
                    if idx < start {
                        continue;
                    }
                    last = last.max(idx);
                    items.extend(Item::of(s, row));
                }
                let at = self.at(s, i);
                *at = (*at).max(last);
                let end = match *self.lane(s, i) {
                    Lane::Paging { end } => end,
                    _ => None,
                };
                let more = rows.len() as u64 >= limit && end.is_none_or(|e| last < e);
                if more {
                    // Back towards full pages after a page too large.
                    return (items, vec![Step::Page(s, i, last + 1, (limit * 2).min(PAGE))]);
                }
                if let Some(e) = end {
                    let at = self.at(s, i);
                    *at = (*at).max(e);
                }
                *self.lane(s, i) = Lane::Done;
                (items, Vec::new())
            }
        }
    }

    /// The node refused `step`: that lane ends where it is.
    pub fn failed(&mut self, step: &Step, message: &str) {
        let (Step::Current(s, i) | Step::Page(s, i, _, _)) = *step;
        self.errors.push(format!("{} ({}): {message}", s.name(), i.name()));
        *self.lane(s, i) = Lane::Done;
    }

    /// The answer to `step` was over the plugin's size limit: ask for half as many entries; at
    /// one entry, that entry is skipped (and reported in [`Round::oversized`]) and the lane
    /// moves on past it, so one huge entry never stops a lane.
    pub fn too_large(&mut self, step: &Step) -> Vec<Step> {
        let Step::Page(s, i, start, limit) = *step else {
            self.failed(step, "the answer is too large");
            return Vec::new();
        };
        if limit > 1 {
            return vec![Step::Page(s, i, start, limit / 2)];
        }
        // The first entry from `start` on is too large; its index is `start` unless the lane
        // has gaps there (entries updated again leave their old updated_index unused), which
        // the next answer that fits tells.
        self.oversize.entry((s, i)).or_insert(start);
        *self.at(s, i) = (*self.at(s, i)).max(start);
        let end = match *self.lane(s, i) {
            Lane::Paging { end } => end,
            _ => None,
        };
        if end.is_some_and(|e| start >= e) {
            self.close_oversized(s, i, start + 1);
            *self.lane(s, i) = Lane::Done;
            return Vec::new();
        }
        vec![Step::Page(s, i, start + 1, 1)]
    }

    /// An answer from `start` fit: what was too large before it is reported.
    fn close_oversized(&mut self, s: Subsystem, i: Index, start: u64) {
        let Some(from) = self.oversize.remove(&(s, i)) else { return };
        let to = start - 1;
        let at = if from == to { format!("index {from}") } else { format!("an index from {from} to {to}") };
        self.oversized.push(format!(
            "one of the node's {} ({} {at}) is too large to fetch through the plugin; skipped (list{} has it)",
            s.name(),
            i.name(),
            s.name()
        ));
    }
}

/// What a round brought that was not already known, as "while you were away" says it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Away {
    pub invoices_paid: u64,
    pub forwards_settled: u64,
    pub forwards_failed: u64,
    pub fees_msat: u64,
    pub payments_succeeded: u64,
    pub payments_failed: u64,
}

impl Away {
    pub fn is_empty(&self) -> bool {
        *self == Away::default()
    }

    /// A forward by its final status (`offered` ones are not counted).
    pub fn add_forward(&mut self, status: &str, fee_msat: Option<u64>) {
        match status {
            "settled" => {
                self.forwards_settled += 1;
                self.fees_msat += fee_msat.unwrap_or(0);
            }
            "failed" | "local_failed" => self.forwards_failed += 1,
            _ => {}
        }
    }

    /// A payment by its result (pending ones are not counted).
    pub fn add_payment(&mut self, result: crate::model::payments::PayResult) {
        use crate::model::payments::PayResult;
        match result {
            PayResult::Succeeded => self.payments_succeeded += 1,
            PayResult::Failed => self.payments_failed += 1,
            PayResult::Pending => {}
        }
    }

    /// `3 invoices paid, 12 forwards (+840 sat fees), 2 forwards failed, 1 payment failed`.
    pub fn words(&self) -> String {
        use crate::summary::{count, sat};
        let mut parts = Vec::new();
        if self.invoices_paid > 0 {
            parts.push(format!("{} paid", count(self.invoices_paid, "invoice")));
        }
        if self.forwards_settled > 0 {
            parts.push(format!("{} (+{} fees)", count(self.forwards_settled, "forward"), sat(self.fees_msat)));
        }
        if self.forwards_failed > 0 {
            parts.push(format!("{} failed", count(self.forwards_failed, "forward")));
        }
        if self.payments_succeeded > 0 {
            parts.push(format!("{} made", count(self.payments_succeeded, "payment")));
        }
        if self.payments_failed > 0 {
            parts.push(format!("{} failed", count(self.payments_failed, "payment")));
        }
        if parts.is_empty() { "nothing new".into() } else { parts.join(", ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwards(from: u64, n: u64) -> Value {
        let rows: Vec<Value> = (from..from + n)
            .map(|i| {
                json!({"in_channel":"1x1x0","in_htlc_id":i,"out_channel":"2x1x0","in_msat":1001,"out_msat":1000,
                "fee_msat":1,"status":"settled","received_time":1.0,"resolved_time":2.0,"created_index":i,"updated_index":i})
            })
            .collect();
        json!({ "forwards": rows })
    }

    /// Answers a round as a node with `n` forwards and nothing else would.
    fn run(round: &mut Round, mut steps: Vec<Step>, n: u64) -> Vec<Item> {
        let mut items = Vec::new();
        let mut asked = 0;
        while let Some(step) = steps.pop() {
            asked += 1;
            assert!(asked < 1000, "a round that does not end");
            let result = match &step {
                Step::Current(Subsystem::Forwards, i) => json!({ i.name(): n }),
                Step::Current(_, i) => json!({ i.name(): 0 }),
                Step::Page(Subsystem::Forwards, _, start, limit) => {
                    forwards(*start, (*limit).min((n + 1).saturating_sub(*start)))
                }
                Step::Page(s, ..) => json!({ s.list().1: [] }),
            };
            let (found, next) = round.answer(&step, &result);
            items.extend(found);
            steps.extend(next);
        }
        assert!(round.done());
        items
    }

    #[test]
    fn a_first_run_only_learns_where_the_node_is() {
        let (mut r, steps) = Round::start(None, false);
        assert_eq!(steps.len(), 6, "{steps:?}");
        assert!(steps.iter().all(|s| matches!(s, Step::Current(..))));
        assert!(run(&mut r, steps, 42).is_empty());
        assert_eq!(r.cursor().forwards, Indexes { created: 42, updated: 42 });
        assert!(r.learnt());
        // A first run the node could not answer is not worth keeping.
        let (mut r, _) = Round::start(None, false);
        r.failed(&Step::Current(Subsystem::Forwards, Index::Created), "Unknown command");
        assert!(!r.learnt());
    }

    #[test]
    fn pages_from_the_cursor_to_the_measured_end() {
        let c = Cursor { forwards: Indexes { created: 10, updated: 10 }, ..Cursor::default() };
        let (mut r, steps) = Round::start(Some(c), true);
        let items = run(&mut r, steps, 2_500);
        // Both lanes see the 2,490 new forwards (the app merges them by HTLC).
        assert_eq!(items.len(), 2 * 2_490);
        assert_eq!(r.cursor().forwards, Indexes { created: 2_500, updated: 2_500 });
        assert!(r.skipped.is_empty());
        let Item::Forward(f, t) = &items[0] else { panic!() };
        assert_eq!((f.in_htlc_id, *t), (Some(11), 2.0));
    }

    #[test]
    fn a_lane_too_far_behind_is_capped_to_the_newest() {
        let mut c = Cursor::default();
        c.forwards.created = 5;
        c.forwards.updated = CAP * 2;
        let (mut r, steps) = Round::start(Some(c), true);
        let items = run(&mut r, steps, CAP * 2);
        assert_eq!(items.len() as u64, CAP);
        assert_eq!(r.skipped, vec![(Subsystem::Forwards, CAP * 2 - CAP - 5)]);
        assert_eq!(r.cursor().forwards.created, CAP * 2);
    }

    #[test]
    fn an_unmeasured_round_pages_until_a_short_page_and_errors_end_a_lane() {
        let c = Cursor { forwards: Indexes { created: 3, updated: 3 }, ..Cursor::default() };
        let (mut r, steps) = Round::start(Some(c), false);
        assert!(steps.contains(&Step::Page(Subsystem::Forwards, Index::Created, 4, PAGE)));
        let (items, next) = r.answer(&Step::Page(Subsystem::Forwards, Index::Created, 4, PAGE), &forwards(4, 2));
        assert_eq!((items.len(), next.len()), (2, 0));
        assert_eq!(r.cursor().forwards.created, 5);
        r.failed(&Step::Page(Subsystem::Invoices, Index::Created, 1, PAGE), "Unknown command");
        assert_eq!(r.errors, ["invoices (created): Unknown command"]);
        // An answer without the index is an error too, not an index of 0.
        let (mut m, _) = Round::start(Some(Cursor::default()), true);
        m.answer(&Step::Current(Subsystem::Forwards, Index::Created), &json!({}));
        assert_eq!(m.errors, ["forwards (created): no index in its answer"]);
        assert!(!r.done());
    }

    #[test]
    fn pages_too_large_shrink_to_one_entry_which_is_skipped_and_said() {
        // Forward 300 is too large to fetch even alone; every page holding it is too.
        let c = Cursor { forwards: Indexes { created: 0, updated: 600 }, ..Cursor::default() };
        let (mut r, mut steps) = Round::start(Some(c), true);
        let (mut items, mut asked) = (Vec::new(), 0);
        while let Some(step) = steps.pop() {
            asked += 1;
            assert!(asked < 200, "a round that does not end");
            let next = match &step {
                Step::Current(Subsystem::Forwards, i) => r.answer(&step, &json!({ i.name(): 600 })).1,
                Step::Current(_, i) => r.answer(&step, &json!({ i.name(): 0 })).1,
                Step::Page(Subsystem::Forwards, _, start, limit) => {
                    let n = (*limit).min(601u64.saturating_sub(*start));
                    if (*start..start + n).contains(&300) {
                        r.too_large(&step)
                    } else {
                        let (found, next) = r.answer(&step, &forwards(*start, n));
                        items.extend(found);
                        next
                    }
                }
                Step::Page(s, ..) => r.answer(&step, &json!({ s.list().1: [] })).1,
            };
            steps.extend(next);
        }
        assert!(r.done());
        assert_eq!(items.len(), 599, "every other forward");
        assert_eq!(r.cursor().forwards.created, 600);
        assert_eq!(r.oversized.len(), 1, "{:?}", r.oversized);
        assert!(r.oversized[0].contains("forwards (created index 300)"), "{:?}", r.oversized);
        // Alone at the end of a lane, it is said too.
        let c = Cursor { forwards: Indexes { created: 599, updated: 600 }, ..Cursor::default() };
        let (mut r, _) = Round::start(Some(c), true);
        r.answer(&Step::Current(Subsystem::Forwards, Index::Created), &json!({"created": 600}));
        assert!(r.too_large(&Step::Page(Subsystem::Forwards, Index::Created, 600, 1)).is_empty());
        assert_eq!(r.cursor().forwards.created, 600);
        assert!(r.oversized[0].contains("index 600"), "{:?}", r.oversized);
    }

    #[test]
    fn list_rows_decode() {
        let inv = json!({"label":"coffee","status":"paid","amount_received_msat":5000,"paid_at":100,"expires_at":200,
            "payment_preimage":"<redacted>","created_index":1});
        let Some(Item::Invoice(row)) = Item::of(Subsystem::Invoices, &inv) else { panic!() };
        assert_eq!((row.paid, row.msat, row.paid_at), (true, Some(5000), Some(100.0)));
        let sp = json!({"payment_hash":"ab","groupid":1,"partid":2,"status":"failed","amount_msat":7000,
            "destination":"03cc","created_at":10,"created_index":4});
        let Some(Item::Pay(p, t)) = Item::of(Subsystem::Sendpays, &sp) else { panic!() };
        assert_eq!((p.status, p.partid, t), (activity::PartStatus::Failed, Some(2), 10.0));
        assert!(Item::of(Subsystem::Forwards, &json!({"in_channel":"1x1x1"})).is_none());
    }

    #[test]
    fn away_in_words() {
        let a =
            Away { invoices_paid: 3, forwards_settled: 12, fees_msat: 840_000, payments_failed: 1, ..Away::default() };
        assert_eq!(a.words(), "3 invoices paid, 12 forwards (+840 sat fees), 1 payment failed");
        assert_eq!(Away::default().words(), "nothing new");
    }
}
