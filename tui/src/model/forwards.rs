//! Forwards: one row per HTLC routed through the node (its offered and resolved events merged),
//! totals for the session, the UTC days of the last month ([`Days`], exact against the node's
//! records) and forwards per minute for the last hour.

use std::collections::{HashMap, VecDeque};

use lnwatch_shared::activity::Forward;

use super::days::Days;
use super::ledger::{Index, Ledger};

/// Minutes the per-minute counts cover.
pub const MINUTES: usize = 60;

#[derive(Debug, Clone, PartialEq)]
pub struct ForwardRow {
    /// Arrival order of the row, for keeping the key index right as old rows go.
    order: u64,
    /// When it was first seen and when it last changed (resolved).
    pub first: f64,
    pub time: f64,
    pub f: Forward,
    /// Learnt from the node's records after an outage, not from a live event.
    pub caught_up: bool,
}

/// Counts of resolved forwards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub settled: u64,
    /// Failed further along the route.
    pub failed: u64,
    /// Refused here.
    pub local_failed: u64,
    pub fees_msat: u64,
    /// Amount forwarded (out) by settled forwards.
    pub volume_msat: u64,
    /// Settled forwards per (in, out) channel pair.
    pairs: HashMap<(String, String), u64>,
}

impl Totals {
    fn add(&mut self, f: &Forward) {
        match f.status.as_str() {
            "settled" => {
                self.settled += 1;
                self.fees_msat += f.fee_msat.unwrap_or(0);
                self.volume_msat += f.out_msat.unwrap_or(0);
                let pair = (f.in_channel.clone().unwrap_or_default(), f.out_channel.clone().unwrap_or_default());
                // A node routing through many pairs keeps only the busiest few thousand.
                if self.pairs.len() < 10_000 || self.pairs.contains_key(&pair) {
                    *self.pairs.entry(pair).or_default() += 1;
                }
            }
            "local_failed" => self.local_failed += 1,
            _ => self.failed += 1,
        }
    }

    pub fn resolved(&self) -> u64 {
        self.settled + self.failed + self.local_failed
    }

    /// Settled share of resolved forwards, in percent.
    pub fn success_percent(&self) -> Option<f64> {
        let n = self.resolved();
        (n > 0).then(|| self.settled as f64 * 100.0 / n as f64)
    }

    /// The pair of channels that settled the most forwards, and how many.
    pub fn busiest_pair(&self) -> Option<(&str, &str, u64)> {
        self.pairs
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|((i, o), n)| (i.as_str(), o.as_str(), *n))
    }
}

#[derive(Debug, Clone)]
pub struct Forwards {
    rows: VecDeque<ForwardRow>,
    by_key: HashMap<String, u64>,
    next_order: u64,
    max_rows: usize,
    pub session: Totals,
    /// By UTC day: the node's records up to a boundary, then what this monitor learns.
    pub days: Days,
    /// Resolved forwards per minute, newest last: (minute since 1970, settled, failed).
    minutes: VecDeque<(i64, u64, u64)>,
    /// Resolutions counted, by the node's indexes: counted once even after their row is gone.
    pub counted: Ledger,
    /// Forwards refused here in the last [`REFUSED_WINDOW`] (their times), and the latest one:
    /// what the `forward_failures` alert counts.
    refused: VecDeque<f64>,
    pub last_refused: Option<Forward>,
}

/// Seconds the `forward_failures` alert counts refusals over.
pub const REFUSED_WINDOW: f64 = 600.0;
/// Refusals remembered at most: more than any threshold (`forward_failures` ≤ 1,000).
const MAX_REFUSED: usize = 10_000;

impl Forwards {
    pub fn new(max_rows: usize) -> Forwards {
        Forwards {
            rows: VecDeque::new(),
            by_key: HashMap::new(),
            next_order: 0,
            max_rows: max_rows.max(1),
            session: Totals::default(),
            days: Days::new(0.0),
            minutes: VecDeque::new(),
            counted: Ledger::default(),
            refused: VecDeque::new(),
            last_refused: None,
        }
    }

    pub fn rows(&self) -> &VecDeque<ForwardRow> {
        &self.rows
    }

    /// Applies one `forward_event`. A forward resolved twice (a replay) counts once.
    pub fn apply(&mut self, f: &Forward, time: f64) {
        self.merge(f, time, false);
    }

    /// Applies a `listforwards` entry; true if it told something new (a forward not seen, or
    /// its resolution), which is then counted.
    pub fn apply_caught_up(&mut self, f: &Forward, time: f64) -> bool {
        self.merge(f, time, true)
    }

    fn merge(&mut self, f: &Forward, time: f64, caught_up: bool) -> bool {
        let key = f.key();
        let resolved = f.status != "offered";
        let existing = self.by_key.get(&key).and_then(|order| self.index_of(*order));
        let counted = match existing {
            Some(i) => {
                let row = &mut self.rows[i];
                let was_resolved = row.f.status != "offered";
                if resolved || !was_resolved {
                    // Resolutions lack some of the offer's fields (v26.06 has no created_index).
                    let mut merged = f.clone();
                    merge_missing(&mut merged, &row.f);
                    row.f = merged;
                    row.time = time;
                }
                resolved && !was_resolved
            }
            None => {
                self.push(f.clone(), time, key, caught_up);
                resolved
            }
        };
        // The node's index of the resolution, when it gives one, decides across rows that are
        // gone (a catch-up cut off and run again, a replay after the row left the view).
        // Recorded whether or not the row already had it, so it is known once the row is gone.
        let fresh = !resolved
            || match (f.updated_index, f.created_index) {
                (Some(u), _) => self.counted.count(Index::Updated, u),
                (None, Some(c)) => self.counted.count(Index::Created, c),
                (None, None) => true,
            };
        let counted = counted && fresh;
        if counted {
            let t = f.resolved_time.unwrap_or(time);
            self.count(f, t);
        }
        counted
    }

    fn count(&mut self, f: &Forward, time: f64) {
        self.session.add(f);
        if f.is_local_failure() {
            // Counted once, as the totals are; kept in time order for the window.
            let at = self.refused.partition_point(|t| *t <= time);
            self.refused.insert(at, time);
            while self.refused.len() > MAX_REFUSED || self.refused.front().is_some_and(|t| time - t > REFUSED_WINDOW) {
                self.refused.pop_front();
            }
            self.last_refused = Some(f.clone());
        }
        self.days.changed(f, time);
        let minute = (time / 60.0).floor() as i64;
        let settled = u64::from(f.status == "settled");
        let newest = self.minutes.back().map(|(m, _, _)| *m);
        match self.minutes.iter_mut().rev().find(|(m, _, _)| *m == minute) {
            Some(m) => {
                m.1 += settled;
                m.2 += 1 - settled;
            }
            None if newest.is_none_or(|m| m < minute) => {
                self.minutes.push_back((minute, settled, 1 - settled));
                while self.minutes.len() > MINUTES {
                    self.minutes.pop_front();
                }
            }
            None => {}
        }
    }

    /// Forwards refused here in the [`REFUSED_WINDOW`] up to `now`.
    pub fn refused_within(&self, now: f64) -> usize {
        self.refused.len() - self.refused.partition_point(|t| now - t > REFUSED_WINDOW)
    }

    /// Settled and failed forwards in each of the last [`MINUTES`] minutes up to `now`, oldest
    /// first (zeros where nothing happened).
    pub fn per_minute(&self, now: f64) -> Vec<(u64, u64)> {
        let last = (now / 60.0).floor() as i64;
        (0..MINUTES as i64)
            .rev()
            .map(|ago| {
                let m = last - ago;
                self.minutes.iter().find(|(x, _, _)| *x == m).map_or((0, 0), |(_, s, f)| (*s, *f))
            })
            .collect()
    }

    pub fn clear(&mut self) {
        self.rows.clear();
        self.by_key.clear();
    }

    /// The row of the forward with this [`Forward::key`], if still kept.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut ForwardRow> {
        let i = self.by_key.get(key).and_then(|o| self.index_of(*o))?;
        self.rows.get_mut(i)
    }

    fn index_of(&self, order: u64) -> Option<usize> {
        let first = self.rows.front()?.order;
        let i = order.checked_sub(first)? as usize;
        (self.rows.get(i)?.order == order).then_some(i)
    }

    fn push(&mut self, f: Forward, time: f64, key: String, caught_up: bool) {
        if self.rows.len() >= self.max_rows
            && let Some(old) = self.rows.pop_front()
        {
            self.by_key.remove(&old.f.key());
        }
        let order = self.next_order;
        self.next_order += 1;
        self.by_key.insert(key, order);
        self.rows.push_back(ForwardRow { order, first: time, time, f, caught_up });
    }
}

fn merge_missing(new: &mut Forward, old: &Forward) {
    macro_rules! keep {
        ($($f:ident),*) => { $( if new.$f.is_none() { new.$f = old.$f.clone(); } )* };
    }
    keep!(payment_hash, in_channel, out_channel, in_htlc_id, in_msat, out_msat, fee_msat, received_time, created_index);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fwd(status: &str, htlc: u64, fee: u64) -> Forward {
        Forward {
            status: status.into(),
            in_channel: Some("103x1x0".into()),
            out_channel: Some("105x1x0".into()),
            in_htlc_id: Some(htlc),
            out_msat: Some(1_000_000),
            fee_msat: Some(fee),
            ..Default::default()
        }
    }

    #[test]
    fn offered_then_resolved_is_one_row_counted_once() {
        let mut f = Forwards::new(100);
        let day = 20_000.0 * 86_400.0;
        f.apply(&Forward { created_index: Some(7), ..fwd("offered", 1, 10) }, day + 60.0);
        f.apply(&fwd("settled", 1, 10), day + 61.0);
        f.apply(&fwd("settled", 1, 10), day + 62.0);
        f.apply(&fwd("local_failed", 2, 0), day + 65.0);
        f.apply(&fwd("failed", 3, 0), day + 125.0);
        assert_eq!(f.rows().len(), 3);
        assert_eq!(f.rows()[0].f.status, "settled");
        assert_eq!(f.rows()[0].f.created_index, Some(7), "the offer's fields survive the resolution");
        let t = f.days.today(day + 130.0);
        assert_eq!((t.settled, t.local_failed, t.failed, t.fees_msat), (1, 1, 1, 10));
        assert_eq!(t.success_percent().map(|p| p.round()), Some(33.0));
        assert_eq!(f.session.busiest_pair(), Some(("103x1x0", "105x1x0", 1)));
        let pm = f.per_minute(day + 130.0);
        assert_eq!(pm.len(), MINUTES);
        assert_eq!(pm[MINUTES - 2..], [(1, 1), (0, 1)]);
        // The next day starts from zero; the session goes on.
        assert_eq!(f.days.today(day + 86_400.0).resolved(), 0);
        f.apply(&fwd("settled", 4, 5), day + 86_400.0 + 1.0);
        assert_eq!(f.days.today(day + 86_401.0).settled, 1);
        assert_eq!(f.session.settled, 2);
    }

    #[test]
    fn rows_are_bounded_and_the_index_follows() {
        let mut f = Forwards::new(3);
        for h in 0..5 {
            f.apply(&fwd("offered", h, 1), h as f64);
        }
        assert_eq!(f.rows().len(), 3);
        assert_eq!(f.by_key.len(), 3);
        f.apply(&fwd("settled", 4, 1), 10.0);
        assert_eq!(f.rows().back().unwrap().f.status, "settled");
        assert_eq!(f.rows().len(), 3);
    }
}
