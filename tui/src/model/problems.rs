//! What an operator should look at, one entry per subject (a peer, a channel, a payment, the
//! forwards through one channel, a warning's text): a repeat counts on the same entry and
//! moves it up, and what puts the subject right again (the peer back, a forward settled through
//! the channel, the payment made) marks it resolved rather than leaving it to look current.

use std::collections::VecDeque;
use std::sync::Arc;

/// Subjects kept; past it the one least recently seen goes.
const MAX_PROBLEMS: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What it is about: one entry per subject.
    pub subject: String,
    /// When it was last seen.
    pub time: f64,
    /// When it was first seen.
    pub first: f64,
    /// How many times it was seen.
    pub count: u64,
    /// When something put it right, if anything has since it was last seen.
    pub resolved: Option<f64>,
    /// The topic of the event that last showed it: the topic toggles hide it with its events.
    pub topic: Arc<str>,
    /// The peer it concerns, shown by alias.
    pub peer: Option<String>,
    pub text: String,
    /// An alert fired on it ([`crate::alerts`]): drawn with the alert's mark until resolved.
    pub alert: bool,
}

/// The problems, least recently seen first.
#[derive(Debug, Clone, Default)]
pub struct Problems {
    list: VecDeque<Problem>,
    /// How many are not resolved: with none, what could resolve one costs nothing per event.
    open: usize,
}

impl Problems {
    /// `subject` seen again (or for the first time), as `text`.
    pub fn seen(&mut self, subject: String, topic: &Arc<str>, time: f64, peer: Option<&str>, text: String) {
        self.put(subject, topic, time, peer, text, false);
    }

    /// An alert fired on `subject`: its entry (the one the events made, if any) says so, moves
    /// up and is marked, without counting as seen again.
    pub fn alert(&mut self, subject: String, topic: &Arc<str>, time: f64, peer: Option<&str>, text: String) {
        self.put(subject, topic, time, peer, text, true);
    }

    fn put(&mut self, subject: String, topic: &Arc<str>, time: f64, peer: Option<&str>, text: String, alert: bool) {
        let old = self.list.iter().position(|p| p.subject == subject).and_then(|i| self.list.remove(i));
        let open = old.as_ref().is_some_and(|p| p.resolved.is_none());
        if !open {
            self.open += 1;
        }
        let (first, count) = old.as_ref().map_or((time, 0), |p| (p.first, p.count));
        // An alert counts nothing; an event on an entry an alert marked keeps the mark.
        let (count, alert) = match alert {
            true => (count.max(1), true),
            false => (count + 1, open && old.as_ref().is_some_and(|p| p.alert)),
        };
        let peer = peer.map(str::to_owned).or_else(|| old.and_then(|p| p.peer));
        if self.list.len() >= MAX_PROBLEMS && self.list.pop_front().is_some_and(|p| p.resolved.is_none()) {
            self.open -= 1;
        }
        self.list.push_back(Problem {
            subject,
            time,
            first,
            count,
            resolved: None,
            topic: topic.clone(),
            peer,
            text,
            alert,
        });
    }

    /// Something put right at `time` the subject `subject()` names; the name is only made
    /// when some problem is open.
    pub fn resolve(&mut self, subject: impl FnOnce() -> String, time: f64) {
        if self.open == 0 {
            return;
        }
        let subject = subject();
        if let Some(p) = self.list.iter_mut().find(|p| p.subject == subject && p.resolved.is_none()) {
            p.resolved = Some(time);
            self.open -= 1;
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Problem> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Open ones (not resolved).
    pub fn open(&self) -> usize {
        self.open
    }

    pub fn clear(&mut self) {
        self.list.clear();
        self.open = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_subject_counted_and_resolved() {
        let topic: Arc<str> = "disconnect".into();
        let mut p = Problems::default();
        for i in 0..188 {
            p.seen("peer:02aa".into(), &topic, i as f64, Some("02aa"), "peer down with 1 channel".into());
        }
        p.seen("payment:77".into(), &topic, 200.0, None, "payment failed".into());
        assert_eq!(p.len(), 2, "188 repeats are one entry");
        let peer = p.iter().find(|x| x.subject == "peer:02aa").unwrap();
        assert_eq!((peer.count, peer.first, peer.time, peer.resolved), (188, 0.0, 187.0, None));
        p.resolve(|| "peer:02aa".into(), 300.0);
        assert_eq!(p.open(), 1);
        assert_eq!(p.iter().find(|x| x.subject == "peer:02aa").unwrap().resolved, Some(300.0));
        // Seen again: open again, and the newest.
        p.seen("peer:02aa".into(), &topic, 400.0, Some("02aa"), "peer down with 1 channel".into());
        assert_eq!(p.iter().last().map(|x| (x.count, x.resolved)), Some((189, None)));
        assert_eq!(p.open(), 2);
        for i in 0..(MAX_PROBLEMS * 2) {
            p.seen(format!("warning:{i}"), &topic, 500.0, None, "w".into());
        }
        assert_eq!(p.len(), MAX_PROBLEMS);
        assert_eq!(p.open(), p.iter().filter(|x| x.resolved.is_none()).count(), "the count follows evictions");
        p.clear();
        assert_eq!(p.open(), 0);
    }
}
