//! Walks back through the node's records for the days before now, a page at a time, keeping
//! none: a [`Pager`] pages one subsystem's `list*` by an index backwards from where it is and
//! hands each entry inside the window to its caller; it stops at the first page wholly before
//! the window, an empty page (`autoclean` deletes oldest first) or index 1. An entry made
//! before the window but dated inside it (a forward held across midnight) is found unless a
//! whole page of older entries lies between them.
//!
//! [`Walk`] is the monitor's walk over the forwards: it measures the `updated` index, then the
//! `created` index (the boundary [`Days`] splits counting at), then pages `listforwards` by
//! `created` index. `lnwatch report` pages forwards, sendpays and invoices with pagers of its
//! own ([`crate::report`]).

use serde_json::Value;

use super::{Index, Item, PAGE, Step, Subsystem};
use crate::model::days::{Days, day_of};
use crate::model::money::Money;

/// When a `list*` entry happened, for the day it counts in: a forward's resolution (its
/// receipt while unresolved), a payment part's completion (its start while pending), an
/// invoice's payment (its expiry, once expired).
pub fn time_of(sub: Subsystem, row: &Value) -> Option<f64> {
    let num = |k: &str| row.get(k).and_then(Value::as_f64);
    match sub {
        Subsystem::Forwards => num("resolved_time").or_else(|| num("received_time")),
        Subsystem::Sendpays => num("completed_at").or_else(|| num("created_at")),
        Subsystem::Invoices => num("paid_at").or_else(|| num("expires_at")),
    }
}

/// Pages one subsystem backwards by one index.
#[derive(Debug, Clone, PartialEq)]
pub struct Pager {
    sub: Subsystem,
    index: Index,
    /// The first UTC day of the window.
    from_day: i64,
    /// The next page ends at this index (inclusive); 0: done.
    end: u64,
    limit: u64,
    pub pages: u64,
}

impl Pager {
    /// A pager over the window from `from_day`, starting at the index the node measured.
    pub fn new(sub: Subsystem, index: Index, from_day: i64, current: u64) -> Pager {
        Pager { sub, index, from_day, end: current, limit: PAGE, pages: 0 }
    }

    pub fn done(&self) -> bool {
        self.end == 0
    }

    /// Whether it pages `sub` by `index`.
    pub fn is(&self, sub: Subsystem, index: Index) -> bool {
        self.sub == sub && self.index == index
    }

    /// The question for the next page, if any.
    pub fn next(&self) -> Option<Step> {
        (!self.done()).then(|| {
            let limit = self.limit.min(self.end);
            Step::Page(self.sub, self.index, self.end - limit + 1, limit)
        })
    }

    /// The answer to a page: each entry in the window to `each` (with its time); the next
    /// question, if any.
    pub fn answer(&mut self, step: &Step, result: &Value, mut each: impl FnMut(&Value, f64)) -> Option<Step> {
        let Step::Page(_, _, start, limit) = *step else { return None };
        self.pages += 1;
        let key = format!("{}_index", self.index.name());
        let rows = result.get(self.sub.list().1).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let mut in_window = false;
        for row in rows {
            let at = row.get(&key).and_then(Value::as_u64).unwrap_or(0);
            if at < start || at > self.end {
                continue;
            }
            let Some(time) = time_of(self.sub, row) else { continue };
            if day_of(time) >= self.from_day {
                in_window = true;
                each(row, time);
            }
        }
        self.end = if rows.is_empty() || !in_window { 0 } else { start - 1 };
        // Back towards full pages after a page too large.
        self.limit = (limit * 2).min(PAGE);
        self.next()
    }

    /// The page was over the plugin's answer limit: half as many entries, down to one, which is
    /// then skipped.
    pub fn too_large(&mut self, step: &Step) -> Option<Step> {
        let Step::Page(_, _, _, limit) = *step else { return None };
        if limit > 1 {
            self.limit = limit / 2;
        } else {
            self.end -= 1;
        }
        self.next()
    }
}

/// Walks back through the sendpays (by `created` index) and the invoices (by `updated`) into
/// fresh [`Money`]: each subsystem's index is measured, then paged.
#[derive(Debug, Clone, Default)]
pub struct MoneyWalk {
    from_day: i64,
    /// Subsystems measured or paging; a subsystem the node could not answer is dropped.
    pagers: Vec<Pager>,
    measuring: usize,
    pub money: Money,
    /// What the node could not answer.
    pub errors: Vec<String>,
}

/// The money walks: which subsystem pages by which index.
const MONEY: [(Subsystem, Index); 2] = [(Subsystem::Sendpays, Index::Created), (Subsystem::Invoices, Index::Updated)];

impl MoneyWalk {
    /// A walk over the `window` UTC days up to the day of `now`, and its first questions.
    pub fn start(window: i64, now: f64) -> (MoneyWalk, Vec<Step>) {
        let walk = MoneyWalk { from_day: day_of(now) - window + 1, measuring: MONEY.len(), ..MoneyWalk::default() };
        (walk, MONEY.iter().map(|(s, i)| Step::Current(*s, *i)).collect())
    }

    /// Whether `step` is one of its questions.
    pub fn asks(step: &Step) -> bool {
        let (Step::Current(s, i) | Step::Page(s, i, _, _)) = *step;
        MONEY.contains(&(s, i))
    }

    pub fn done(&self) -> bool {
        self.measuring == 0 && self.pagers.iter().all(Pager::done)
    }

    /// Pages read.
    pub fn pages(&self) -> u64 {
        self.pagers.iter().map(|p| p.pages).sum()
    }

    /// The answer to `step`; the next question, if any.
    pub fn answer(&mut self, step: &Step, result: &Value) -> Option<Step> {
        match *step {
            Step::Current(sub, index) => {
                self.measuring = self.measuring.saturating_sub(1);
                let Some(current) = result.get(index.name()).and_then(Value::as_u64) else {
                    self.errors.push(format!("{} ({}): no index in the node's answer", sub.name(), index.name()));
                    return None;
                };
                let pager = Pager::new(sub, index, self.from_day, current);
                let next = pager.next();
                self.pagers.push(pager);
                next
            }
            Step::Page(sub, index, _, _) => {
                let money = &mut self.money;
                let pager = self.pagers.iter_mut().find(|p| p.is(sub, index))?;
                pager.answer(step, result, |row, time| match Item::of(sub, row) {
                    Some(Item::Pay(p, _)) => money.part(&p, time),
                    // `msat` is what was received (`amount_received_msat`) once paid.
                    Some(Item::Invoice(inv)) if inv.paid => money.invoice_paid(inv.msat.unwrap_or(0), time),
                    _ => {}
                })
            }
        }
    }

    /// The page was over the plugin's answer limit.
    pub fn too_large(&mut self, step: &Step) -> Option<Step> {
        let (Step::Current(sub, index) | Step::Page(sub, index, _, _)) = *step;
        self.pagers.iter_mut().find(|p| p.is(sub, index))?.too_large(step)
    }

    /// The node could not answer `step`: that subsystem ends where it is, said.
    pub fn failed(&mut self, step: &Step, message: &str) {
        let (Step::Current(sub, index) | Step::Page(sub, index, _, _)) = *step;
        if matches!(step, Step::Current(..)) {
            self.measuring = self.measuring.saturating_sub(1);
        }
        self.pagers.retain(|p| !p.is(sub, index));
        self.errors.push(format!("{} ({}): {message}", sub.name(), index.name()));
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    MeasuringUpdated,
    MeasuringCreated { updated: u64 },
    Paging(Pager),
    Done,
}

#[derive(Debug, Clone)]
pub struct Walk {
    /// The first UTC day counted.
    from_day: i64,
    state: State,
    /// When it began: without the records, the days count events from then.
    began: f64,
}

impl Walk {
    /// A walk over the `days` UTC days up to the day of `now`; `days` is reset to wait for it.
    pub fn start(days: &mut Days, window: i64, now: f64) -> (Walk, Step) {
        days.walking();
        let walk = Walk { from_day: day_of(now) - window + 1, state: State::MeasuringUpdated, began: now };
        (walk, Step::Current(Subsystem::Forwards, Index::Updated))
    }

    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    /// Pages read so far.
    pub fn pages(&self) -> u64 {
        match &self.state {
            State::Paging(p) => p.pages,
            _ => 0,
        }
    }

    /// The answer to `step`, counted into `days`; the next question, if any.
    pub fn answer(&mut self, step: &Step, result: &Value, days: &mut Days) -> Option<Step> {
        let index = |i: Index| result.get(i.name()).and_then(Value::as_u64);
        let next = match (&mut self.state, step) {
            (State::MeasuringUpdated, Step::Current(_, Index::Updated)) => match index(Index::Updated) {
                Some(updated) => {
                    self.state = State::MeasuringCreated { updated };
                    return Some(Step::Current(Subsystem::Forwards, Index::Created));
                }
                None => return self.fail(days, "no index in the node's answer"),
            },
            (State::MeasuringCreated { updated }, Step::Current(_, Index::Created)) => {
                let Some(created) = index(Index::Created) else {
                    return self.fail(days, "no index in the node's answer");
                };
                days.boundary(created, *updated);
                let pager = Pager::new(Subsystem::Forwards, Index::Created, self.from_day, created);
                let next = pager.next();
                self.state = State::Paging(pager);
                next
            }
            (State::Paging(pager), Step::Page(..)) => {
                let mut newest: Option<i64> = None;
                let next = pager.answer(step, result, |row, _| {
                    if let Some(t) = time_of(Subsystem::Forwards, row) {
                        newest = newest.max(Some(day_of(t)));
                    }
                    if let Some(Item::Forward(f, _)) = Item::of(Subsystem::Forwards, row) {
                        days.walked(&f);
                    }
                });
                if let Some(day) = newest {
                    days.page_walked(day);
                }
                next
            }
            // An answer to a question of an earlier walk.
            _ => return None,
        };
        if next.is_none() {
            self.finish(days);
        }
        next
    }

    fn finish(&mut self, days: &mut Days) {
        if let State::Paging(p) = &self.state {
            days.walk_done(p.pages);
        }
        self.state = State::Done;
    }

    /// The node could not answer: the days count events only, from when the walk began.
    pub fn failed(&mut self, days: &mut Days, message: &str) {
        self.fail(days, &format!("the node's records could not be read: {message}"));
    }

    /// The page was over the plugin's answer limit: half as many entries, down to one, which is
    /// then skipped.
    pub fn too_large(&mut self, step: &Step, days: &mut Days) -> Option<Step> {
        let State::Paging(pager) = &mut self.state else { return None };
        let next = pager.too_large(step);
        if next.is_none() {
            self.finish(days);
        }
        next
    }

    fn fail(&mut self, days: &mut Days, why: &str) -> Option<Step> {
        self.state = State::Done;
        days.events_only(self.began, why);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lnwatch_sim::records::Records;

    const DAY: f64 = 86_400.0;
    const NOW: f64 = 20_000.0 * DAY + 50_000.0;

    /// Runs a walk against `records` answering as lightningd does.
    fn walk(records: &Records, days: &mut Days, window: i64) -> Walk {
        let (mut w, mut step) = Walk::start(days, window, NOW);
        loop {
            let (method, params) = step.query();
            let answer = records.answer(method, &params).unwrap();
            match w.answer(&step, &answer, days) {
                Some(next) => step = next,
                None => return w,
            }
        }
    }

    /// The walk goes newest first: today is exact once a page wholly before it is read, long
    /// before the walk through the older days ends, with what the whole walk says of it.
    #[test]
    fn today_is_exact_as_soon_as_the_walk_has_passed_it() {
        let mut r = Records::default();
        let n = 30_000u64;
        for i in 0..n {
            let status = if i % 10 == 0 { "local_failed" } else { "settled" };
            r.forward("1x1x0", "2x1x0", 1_000_000 + i, 1_000, status, NOW - (n - i) as f64 * 86.4);
        }
        let mut days = Days::new(NOW);
        let today = day_of(NOW);
        let (mut w, mut step) = Walk::start(&mut days, 30, NOW);
        let mut exact_at = None;
        loop {
            let (method, params) = step.query();
            let next = w.answer(&step, &r.answer(method, &params).unwrap(), &mut days);
            if exact_at.is_none() && days.exact(today) {
                exact_at = Some((w.pages(), days.today(NOW)));
            }
            match next {
                Some(s) => step = s,
                None => break,
            }
        }
        let (pages, then) = exact_at.expect("today became exact");
        assert!(w.done() && pages < 2 + days.pages / 10, "exact after {pages} of {} pages", days.pages);
        assert_eq!(then, days.today(NOW));
        assert!(days.today(NOW).settled > 0);
    }

    #[test]
    fn the_walk_counts_each_day_from_the_records_and_stops_before_the_window() {
        let mut r = Records::default();
        // 3,000 forwards over ten days, one every five minutes, some failed, some refused here.
        let n = 3_000u64;
        for i in 0..n {
            let t = NOW - (n - i) as f64 * 288.0;
            let status = match i % 10 {
                0 => "failed",
                1 => "local_failed",
                _ => "settled",
            };
            r.forward("1x1x0", "2x1x0", 1_000_000 + i, 1_000 + i, status, t);
        }
        let mut days = Days::new(NOW);
        let w = walk(&r, &mut days, 3);
        assert!(w.done());
        assert_eq!(days.coverage, crate::model::days::Coverage::Exact);
        // What a client aggregating `listforwards` whole would say, for the three days.
        let all = r.answer("listforwards", &serde_json::json!({})).unwrap();
        for (day, got) in days.last(3, NOW) {
            let mut want = crate::model::days::Day::default();
            for f in all["forwards"].as_array().unwrap() {
                let t = f["resolved_time"].as_f64().or(f["received_time"].as_f64()).unwrap();
                if day_of(t) != day {
                    continue;
                }
                match f["status"].as_str().unwrap() {
                    "settled" => {
                        want.settled += 1;
                        want.fees_msat += f["fee_msat"].as_u64().unwrap();
                        want.forwarded_msat += f["out_msat"].as_u64().unwrap();
                    }
                    "failed" => want.failed += 1,
                    _ => want.local_failed += 1,
                }
            }
            assert!(want.resolved() > 0);
            assert_eq!(
                (got.settled, got.failed, got.local_failed, got.fees_msat, got.forwarded_msat),
                (want.settled, want.failed, want.local_failed, want.fees_msat, want.forwarded_msat),
                "day {day}"
            );
        }
        // Three days of 288 forwards are three pages or so, not the ten days' three thousand.
        assert!(days.pages <= 3, "{} pages", days.pages);
    }

    #[test]
    fn a_node_without_indexes_leaves_the_days_to_events() {
        let mut days = Days::new(NOW);
        let (mut w, step) = Walk::start(&mut days, 1, NOW);
        assert_eq!(w.answer(&step, &serde_json::json!({}), &mut days), None);
        assert!(matches!(days.coverage, crate::model::days::Coverage::Since { .. }));
    }

    #[test]
    fn a_page_too_large_is_halved_then_its_entry_skipped() {
        let mut p = Pager::new(Subsystem::Forwards, Index::Created, 0, 10);
        let step = p.next().unwrap();
        assert_eq!(step, Step::Page(Subsystem::Forwards, Index::Created, 1, 10));
        let half = p.too_large(&step).unwrap();
        assert_eq!(half, Step::Page(Subsystem::Forwards, Index::Created, 6, 5));
        let mut step = half;
        while let Step::Page(_, _, _, l) = step
            && l > 1
        {
            step = p.too_large(&step).unwrap();
        }
        assert_eq!(step, Step::Page(Subsystem::Forwards, Index::Created, 10, 1));
        assert_eq!(p.too_large(&step), Some(Step::Page(Subsystem::Forwards, Index::Created, 9, 1)), "index 10 skipped");
    }
}
