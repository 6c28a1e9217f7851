//! Events per topic over the last few minutes, in fixed buckets: what the overview's
//! sparklines draw. Topics are the store's interned names, so the map stays as small as the
//! topic list.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Seconds per bucket.
pub const BUCKET: f64 = 10.0;
/// Buckets kept: five minutes.
pub const BUCKETS: usize = 30;

#[derive(Debug, Default, Clone)]
pub struct Rates {
    /// Per topic: (bucket number, count), newest last.
    topics: HashMap<Arc<str>, VecDeque<(i64, u64)>>,
}

impl Rates {
    pub fn add(&mut self, topic: &Arc<str>, time: f64) {
        let b = (time / BUCKET).floor() as i64;
        let q = self.topics.entry(topic.clone()).or_default();
        match q.back_mut() {
            Some((last, n)) if *last == b => *n += 1,
            // Late events (a clock step back) count in the newest bucket.
            Some((last, n)) if *last > b => *n += 1,
            _ => q.push_back((b, 1)),
        }
        while q.front().is_some_and(|(f, _)| *f <= b - BUCKETS as i64) {
            q.pop_front();
        }
    }

    /// Topics counted (they are the store's names: as bounded as its list).
    pub fn topics(&self) -> usize {
        self.topics.len()
    }

    /// A topic's counts per bucket up to `now`, oldest first, zeros included.
    pub fn series(&self, topic: &str, now: f64) -> Vec<u64> {
        let last = (now / BUCKET).floor() as i64;
        let q = self.topics.get(topic);
        (0..BUCKETS as i64)
            .rev()
            .map(|ago| q.and_then(|q| q.iter().find(|(b, _)| *b == last - ago)).map_or(0, |(_, n)| *n))
            .collect()
    }

    /// The `n` topics with the most events in the window ending `now`, busiest first.
    pub fn busiest(&self, n: usize, now: f64) -> Vec<(Arc<str>, u64)> {
        let first = (now / BUCKET).floor() as i64 - BUCKETS as i64;
        let mut v: Vec<(Arc<str>, u64)> = self
            .topics
            .iter()
            .map(|(t, q)| (t.clone(), q.iter().filter(|(b, _)| *b > first).map(|(_, c)| c).sum()))
            .filter(|(_, total)| *total > 0)
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_slide_and_the_busiest_lead() {
        let mut r = Rates::default();
        let (a, b): (Arc<str>, Arc<str>) = ("block_added".into(), "forward_event".into());
        for i in 0..5 {
            r.add(&b, 1000.0 + i as f64);
        }
        r.add(&a, 1015.0);
        let s = r.series("forward_event", 1019.0);
        assert_eq!(s.len(), BUCKETS);
        assert_eq!(s[BUCKETS - 2..], [5, 0]);
        assert_eq!(r.busiest(1, 1019.0), vec![(b.clone(), 5)]);
        // Five minutes later the window is empty.
        assert!(r.busiest(3, 1000.0 + BUCKET * BUCKETS as f64 + 20.0).is_empty());
        r.add(&b, 2000.0);
        assert_eq!(r.topics[&b].len(), 1, "old buckets go");
    }
}
