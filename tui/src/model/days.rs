//! Forwards by UTC day, exact against the node's records: the days before the monitor started
//! come from a walk back through `listforwards` ([`crate::catchup::walk`]), what happens after
//! from events and catch-up rounds. Neither counts what the other owns: the walk measures the
//! node's `updated` index, then its `created` index (the boundary), and owns the forwards
//! created up to it and, if changed at all, changed up to it; events own every change after.
//! Changes that arrive before the boundary is known wait (a few, for one round trip).
//!
//! Definitions (the same on every screen and in `lnwatch report`): a forward belongs to the UTC
//! day of its `resolved_time` (`received_time` while unresolved, as for one refused here, which
//! lightningd records without a resolution time); `failed` counts downstream failures and
//! `local_failed` refusals here; `forwarded_msat` sums `out_msat` of settled forwards; a
//! forward's fee is credited to its outgoing channel.

use std::collections::{BTreeMap, HashMap};

use lnwatch_shared::activity::Forward;

/// Days kept: a month, and today.
pub const KEPT: i64 = 31;
/// Changes held while the boundary is measured; past it the oldest are dropped and the days
/// say they are not exact.
const MAX_PENDING: usize = 10_000;

/// The UTC day (days since 1970) of a time in seconds.
pub fn day_of(t: f64) -> i64 {
    (t / 86_400.0).floor() as i64
}

/// What one channel did in a day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelDay {
    /// Fees of settled forwards that left through it.
    pub fees_msat: u64,
    /// Sent on through it by settled forwards.
    pub out_msat: u64,
    /// Came in through it by settled forwards (where liquidity arrives from).
    pub in_msat: u64,
    /// Settled forwards that left through it.
    pub settled: u64,
}

/// One UTC day's forwards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Day {
    pub settled: u64,
    /// Failed further along the route.
    pub failed: u64,
    /// Refused here.
    pub local_failed: u64,
    pub fees_msat: u64,
    pub forwarded_msat: u64,
    /// By short channel id.
    pub channels: HashMap<String, ChannelDay>,
}

impl Day {
    /// Counts a resolved forward into the day.
    pub fn add(&mut self, f: &Forward) {
        if f.status == "offered" {
            return;
        }
        match f.status.as_str() {
            "settled" => {
                let fee = f.fee_msat.unwrap_or(0);
                let out = f.out_msat.unwrap_or(0);
                self.settled += 1;
                self.fees_msat += fee;
                self.forwarded_msat += out;
                if let Some(ch) = self.channel(&f.out_channel) {
                    ch.fees_msat += fee;
                    ch.out_msat += out;
                    ch.settled += 1;
                }
                if let Some(ch) = self.channel(&f.in_channel) {
                    ch.in_msat += f.in_msat.unwrap_or(0);
                }
            }
            "failed" => self.failed += 1,
            "local_failed" => self.local_failed += 1,
            _ => {}
        }
        // Channels are listed whatever became of their forwards.
        self.channel(&f.in_channel);
        self.channel(&f.out_channel);
    }

    /// A channel's sums, added the first time it is named (its id copied only then).
    fn channel(&mut self, scid: &Option<String>) -> Option<&mut ChannelDay> {
        let scid = scid.as_deref()?;
        if !self.channels.contains_key(scid) {
            self.channels.insert(scid.to_owned(), ChannelDay::default());
        }
        self.channels.get_mut(scid)
    }

    /// Failed downstream and refused here.
    pub fn failures(&self) -> u64 {
        self.failed + self.local_failed
    }

    pub fn resolved(&self) -> u64 {
        self.settled + self.failures()
    }

    /// Settled share of resolved forwards, in percent.
    pub fn success_percent(&self) -> Option<f64> {
        let n = self.resolved();
        (n > 0).then(|| self.settled as f64 * 100.0 / n as f64)
    }
}

/// Where the node's records end and events take over.
#[derive(Debug, Clone, PartialEq)]
enum Boundary {
    /// Being measured: changes wait.
    Unknown { pending: Vec<(Forward, f64)> },
    /// The node's `created` and `updated` indexes when the walk began.
    At { created: u64, updated: u64 },
    /// No walk (the node keeps no index, or could not answer): events only, from `since`.
    EventsOnly,
}

/// How far the days are from the node's records.
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// The walk back through the records is under way: `rows` read so far; the days from
    /// `exact_from` on are complete (a whole page dated before them has been read: the walk
    /// goes newest first).
    Walking { rows: u64, exact_from: Option<i64> },
    /// Exact: the records up to the boundary, events after.
    Exact,
    /// Only what the monitor saw since `since` (seconds), and why.
    Since { since: f64, why: String },
}

#[derive(Debug, Clone)]
pub struct Days {
    days: BTreeMap<i64, Day>,
    boundary: Boundary,
    pub coverage: Coverage,
    /// Changes dropped while the boundary was measured (over [`MAX_PENDING`]).
    pub dropped: u64,
    /// Pages of `listforwards` the last walk read.
    pub pages: u64,
}

impl Days {
    /// Events only, from `now`, until a walk begins.
    pub fn new(now: f64) -> Days {
        Days {
            days: BTreeMap::new(),
            boundary: Boundary::EventsOnly,
            coverage: Coverage::Since { since: now, why: "not read from the node yet".into() },
            dropped: 0,
            pages: 0,
        }
    }

    /// A walk begins: what was counted is forgotten (the records say it again) and changes
    /// wait for the boundary.
    pub fn walking(&mut self) {
        self.days.clear();
        self.dropped = 0;
        self.boundary = Boundary::Unknown { pending: Vec::new() };
        self.coverage = Coverage::Walking { rows: 0, exact_from: None };
    }

    /// The walk measured the node's indexes: the waiting changes after them are counted.
    pub fn boundary(&mut self, created: u64, updated: u64) {
        let old = std::mem::replace(&mut self.boundary, Boundary::At { created, updated });
        if let Boundary::Unknown { pending } = old {
            for (f, time) in pending.iter().filter(|(f, _)| after(f, created, updated)) {
                self.count(f, *time);
            }
        }
    }

    /// The walk could not be done: events only, from `since`, and why.
    pub fn events_only(&mut self, since: f64, why: &str) {
        let old = std::mem::replace(&mut self.boundary, Boundary::EventsOnly);
        if let Boundary::Unknown { pending } = old {
            pending.iter().for_each(|(f, time)| self.count(f, *time));
        }
        self.coverage = Coverage::Since { since, why: why.to_owned() };
    }

    /// A forward from the walk: counted if it is the walk's (see the module's comment).
    pub fn walked(&mut self, f: &Forward) {
        if let Boundary::At { created, updated } = self.boundary
            && f.created_index.is_some_and(|c| c <= created)
            && f.updated_index.is_none_or(|u| u <= updated)
            && let Some(t) = f.resolved_time.or(f.received_time)
        {
            self.count(f, t);
        }
        if let Coverage::Walking { rows, .. } = &mut self.coverage {
            *rows += 1;
        }
    }

    /// The walk read a page whose newest entry is dated `newest_day`: the days after it are
    /// complete.
    pub fn page_walked(&mut self, newest_day: i64) {
        if let Coverage::Walking { exact_from, .. } = &mut self.coverage {
            *exact_from = Some(exact_from.map_or(newest_day + 1, |d| d.min(newest_day + 1)));
        }
    }

    /// Whether the day `day` is exact from the node's records.
    pub fn exact(&self, day: i64) -> bool {
        match &self.coverage {
            Coverage::Exact => true,
            Coverage::Walking { exact_from, .. } => exact_from.is_some_and(|d| d <= day),
            Coverage::Since { .. } => false,
        }
    }

    /// The walk ended after reading `pages` pages.
    pub fn walk_done(&mut self, pages: u64) {
        self.pages = pages;
        if matches!(self.coverage, Coverage::Walking { .. }) {
            self.coverage = Coverage::Exact;
        }
    }

    /// A resolution learnt from an event or a catch-up round (each once: the caller dedupes),
    /// at `time` if the forward does not say when.
    pub fn changed(&mut self, f: &Forward, time: f64) {
        match &mut self.boundary {
            Boundary::Unknown { pending } => {
                if pending.len() >= MAX_PENDING {
                    pending.remove(0);
                    self.dropped += 1;
                }
                pending.push((f.clone(), time));
            }
            Boundary::At { created, updated } => {
                if after(f, *created, *updated) {
                    self.count(f, time);
                }
            }
            Boundary::EventsOnly => self.count(f, time),
        }
    }

    fn count(&mut self, f: &Forward, time: f64) {
        let day = day_of(f.resolved_time.or(f.received_time).unwrap_or(time));
        if let Some(newest) = self.days.keys().next_back().copied()
            && day <= newest - KEPT
        {
            return;
        }
        self.days.entry(day).or_default().add(f);
        while self.days.len() as i64 > KEPT {
            self.days.pop_first();
        }
    }

    /// The day `day`, if anything happened in it.
    pub fn get(&self, day: i64) -> Option<&Day> {
        self.days.get(&day)
    }

    /// The day of `now`.
    pub fn today(&self, now: f64) -> Day {
        self.days.get(&day_of(now)).cloned().unwrap_or_default()
    }

    /// The days with something in them among the `n` up to the day of `now`, oldest first,
    /// borrowed: what the sums over a period read.
    pub fn within(&self, n: i64, now: f64) -> impl Iterator<Item = (i64, &Day)> {
        let today = day_of(now);
        self.days.range(today - n + 1..=today).map(|(d, day)| (*d, day))
    }

    /// The `n` days up to the day of `now`, oldest first, empty ones included.
    pub fn last(&self, n: i64, now: f64) -> Vec<(i64, Day)> {
        let today = day_of(now);
        (today - n + 1..=today).map(|d| (d, self.days.get(&d).cloned().unwrap_or_default())).collect()
    }
}

/// Whether a change is after the boundary: changed after `updated`, or (never changed, as a
/// refusal here) created after `created`. One without either index (an old node) is.
fn after(f: &Forward, created: u64, updated: u64) -> bool {
    match (f.updated_index, f.created_index) {
        (Some(u), _) => u > updated,
        (None, Some(c)) => c > created,
        (None, None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400.0;
    const T: f64 = 20_000.0 * DAY + 3_600.0;

    fn fwd(status: &str, created: u64, updated: Option<u64>, t: f64) -> Forward {
        Forward {
            status: status.into(),
            in_channel: Some("1x1x0".into()),
            out_channel: Some("2x1x0".into()),
            in_htlc_id: Some(created),
            in_msat: Some(1_001_000),
            out_msat: Some(1_000_000),
            fee_msat: Some(1_000),
            received_time: Some(t - 1.0),
            resolved_time: (status != "local_failed").then_some(t),
            created_index: Some(created),
            updated_index: updated,
            ..Forward::default()
        }
    }

    /// Every change is counted by the walk or by the events, never both, whichever way they
    /// interleave: here the walk reads after some changes past its boundary already happened.
    #[test]
    fn the_walk_and_the_events_split_the_changes_at_the_boundary() {
        let mut d = Days::new(T);
        d.walking();
        // Before the boundary is known: one resolution from before it, one after.
        d.changed(&fwd("settled", 3, Some(2), T), T);
        d.changed(&fwd("settled", 4, Some(5), T), T);
        d.boundary(4, 4);
        // The walk reads the records as they are now: #4 already resolved (updated 5: the
        // events' one), #3 (the walk's), a refusal here (created 2, the walk's), #1 resolved
        // yesterday.
        d.walked(&fwd("settled", 4, Some(5), T));
        d.walked(&fwd("settled", 3, Some(2), T));
        d.walked(&fwd("local_failed", 2, None, T));
        d.walked(&fwd("failed", 1, Some(1), T - DAY));
        // After: a refusal (created 6), a resolution (updated 6), a replay of #3's (updated 2).
        d.changed(&fwd("local_failed", 6, None, T), T);
        d.changed(&fwd("settled", 5, Some(6), T), T);
        d.changed(&fwd("settled", 3, Some(2), T), T);
        d.walk_done(1);
        let today = d.today(T);
        assert_eq!((today.settled, today.failed, today.local_failed), (3, 0, 2));
        assert_eq!((today.fees_msat, today.forwarded_msat), (3_000, 3_000_000));
        assert_eq!(
            today.channels["2x1x0"],
            ChannelDay { fees_msat: 3_000, out_msat: 3_000_000, in_msat: 0, settled: 3 }
        );
        assert_eq!(today.channels["1x1x0"].in_msat, 3_003_000);
        assert_eq!(d.get(day_of(T - DAY)).unwrap().failed, 1);
        assert_eq!(d.coverage, Coverage::Exact);
        let week = d.last(7, T);
        assert_eq!((week.len(), week[6].0, week[5].1.failed), (7, day_of(T), 1));
    }

    #[test]
    fn without_a_walk_events_count_from_a_time_said() {
        let mut d = Days::new(T);
        d.walking();
        d.changed(&fwd("settled", 3, Some(2), T), T);
        d.events_only(T - 60.0, "the node keeps no index");
        d.changed(&fwd("settled", 4, Some(3), T), T);
        assert_eq!(d.today(T).settled, 2);
        assert!(matches!(d.coverage, Coverage::Since { .. }));
    }

    #[test]
    fn days_older_than_a_month_are_not_kept() {
        let mut d = Days::new(T);
        for i in 0..40 {
            d.changed(&fwd("settled", i, Some(i), T - i as f64 * DAY), T);
        }
        assert_eq!(d.last(40, T).iter().filter(|(_, day)| day.settled > 0).count(), KEPT as usize);
        d.changed(&fwd("settled", 99, Some(99), T - 35.0 * DAY), T);
        assert!(d.get(day_of(T - 35.0 * DAY)).is_none());
    }
}
