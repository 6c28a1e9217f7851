//! A walk back through the node's forwards for the days before the monitor started: measure
//! the `updated` index, then the `created` index (the boundary [`Days`] splits counting at),
//! then page `listforwards` by `created` index backwards, a page at a time, counting each
//! entry into its day and keeping none. It stops at the first page wholly before the window,
//! an empty page (entries deleted by `autoclean` go oldest first) or index 1.
//!
//! A forward received before the window and resolved inside it is found unless a whole page
//! of older forwards lies between them (an HTLC held across [`PAGE`] later forwards).

use serde_json::Value;

use super::{Index, Item, PAGE, Step, Subsystem};
use crate::model::days::{Days, day_of};

#[derive(Debug, Clone, PartialEq)]
enum State {
    MeasuringUpdated,
    MeasuringCreated {
        updated: u64,
    },
    /// The next page ends at `end` (inclusive) and holds at most `limit` entries.
    Paging {
        end: u64,
        limit: u64,
    },
    Done,
}

#[derive(Debug, Clone)]
pub struct Walk {
    /// The first UTC day counted.
    from_day: i64,
    state: State,
    /// When it began: without the records, the days count events from then.
    began: f64,
    /// Pages read.
    pub pages: u64,
}

impl Walk {
    /// A walk over the `days` UTC days up to the day of `now`; `days` is reset to wait for it.
    pub fn start(days: &mut Days, window: i64, now: f64) -> (Walk, Step) {
        days.walking();
        let walk = Walk { from_day: day_of(now) - window + 1, state: State::MeasuringUpdated, began: now, pages: 0 };
        (walk, Step::Current(Subsystem::Forwards, Index::Updated))
    }

    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    /// The answer to `step`, counted into `days`; the next question, if any.
    pub fn answer(&mut self, step: &Step, result: &Value, days: &mut Days) -> Option<Step> {
        let index = |i: Index| result.get(i.name()).and_then(Value::as_u64);
        let next = match (self.state.clone(), step) {
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
                days.boundary(created, updated);
                self.page_ending(created, PAGE)
            }
            (State::Paging { end, .. }, Step::Page(_, _, start, limit)) => {
                self.pages += 1;
                let rows = result.get("forwards").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                let mut in_window = false;
                for row in rows {
                    let Some(Item::Forward(f, time)) = Item::of(Subsystem::Forwards, row) else { continue };
                    if f.created_index.is_none_or(|c| c < *start || c > end) {
                        continue;
                    }
                    if day_of(time) >= self.from_day {
                        in_window = true;
                        days.walked(&f);
                    }
                }
                if rows.is_empty() || !in_window || *start <= 1 {
                    None
                } else {
                    self.page_ending(start - 1, (limit * 2).min(PAGE))
                }
            }
            // An answer to a question of an earlier walk.
            _ => return None,
        };
        if next.is_none() {
            self.state = State::Done;
            days.walk_done();
        }
        next
    }

    fn page_ending(&mut self, end: u64, limit: u64) -> Option<Step> {
        if end == 0 {
            return None;
        }
        let limit = limit.min(end);
        self.state = State::Paging { end, limit };
        Some(Step::Page(Subsystem::Forwards, Index::Created, end - limit + 1, limit))
    }

    /// The node could not answer: the days count events only, from when the walk began.
    pub fn failed(&mut self, days: &mut Days, message: &str) {
        self.fail(days, &format!("the node's records could not be read: {message}"));
    }

    /// The page was over the plugin's answer limit: half as many entries, down to one, which is
    /// then skipped.
    pub fn too_large(&mut self, step: &Step, days: &mut Days) -> Option<Step> {
        let (State::Paging { end, .. }, Step::Page(_, _, _, limit)) = (self.state.clone(), step) else {
            return None;
        };
        let next = if *limit > 1 { self.page_ending(end, limit / 2) } else { self.page_ending(end - 1, 1) };
        if next.is_none() {
            self.state = State::Done;
            days.walk_done();
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
        assert!(w.pages <= 3, "{} pages", w.pages);
    }

    #[test]
    fn a_node_without_indexes_leaves_the_days_to_events() {
        let mut days = Days::new(NOW);
        let (mut w, step) = Walk::start(&mut days, 1, NOW);
        assert_eq!(w.answer(&step, &serde_json::json!({}), &mut days), None);
        assert!(matches!(days.coverage, crate::model::days::Coverage::Since { .. }));
    }
}
