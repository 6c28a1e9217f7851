//! Alerts: the moments an operator must hear about when not looking. [`rules`] says, from the
//! monitor's state, which conditions hold now (a peer with channels down, an HTLC near its
//! expiry, …); [`Alerts`] turns that into changes — one `firing` per kind and subject, kept
//! until the condition goes, then one `resolved` — whatever the number of events behind it.
//! The monitor rings and notifies on them ([`crate::notify`]); `lnwatch alerts` prints them and
//! runs a command per change ([`crate::alerts_command`]). Both evaluate the same rules on the
//! same state.

pub mod line;
pub mod rules;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Deserializer, Serialize};

/// What an alert is about. The names are stable: scripts and alerting rules match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    NodeDown,
    ChannelClosing,
    PeerDown,
    HtlcExpiry,
    ForwardFailures,
    PaymentFailed,
    LowOutbound,
    EventsLost,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::NodeDown,
        Kind::ChannelClosing,
        Kind::PeerDown,
        Kind::HtlcExpiry,
        Kind::ForwardFailures,
        Kind::PaymentFailed,
        Kind::LowOutbound,
        Kind::EventsLost,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::NodeDown => "node_down",
            Kind::ChannelClosing => "channel_closing",
            Kind::PeerDown => "peer_down",
            Kind::HtlcExpiry => "htlc_expiry",
            Kind::ForwardFailures => "forward_failures",
            Kind::PaymentFailed => "payment_failed",
            Kind::LowOutbound => "low_outbound",
            Kind::EventsLost => "events_lost",
        }
    }

    /// Whether the rule lists every subject it holds for, so a subject left out is resolved. A
    /// failed payment is not listed once the monitor's payments list has let it go: it stays
    /// firing until the node pays it.
    fn complete(self) -> bool {
        self != Kind::PaymentFailed
    }

    /// The problems list's subject for it: the same entry the events that led to it made
    /// ([`crate::model::Model::apply`]), so an alert raises that entry rather than adding one.
    pub fn problem_subject(self, subject: &str) -> String {
        match self {
            Kind::NodeDown => "node".into(),
            Kind::ChannelClosing => format!("channel:{subject}"),
            Kind::PeerDown => format!("peer:{subject}"),
            Kind::PaymentFailed => format!("payment:{subject}"),
            other => format!("{}:{subject}", other.name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One condition a rule found holding (or, `firing: false`, found put right) now.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub kind: Kind,
    pub subject: String,
    pub severity: Severity,
    /// One line, names by alias.
    pub message: String,
    /// Since when it holds, when the state says; else since the rules first found it.
    pub since: Option<f64>,
    /// Seconds it must hold before it fires (`peer_down_after`, `node_down_after`).
    pub after: f64,
    pub firing: bool,
    /// The node it concerns, for the problems list's peer column.
    pub peer: Option<String>,
}

/// An alert firing now.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub kind: Kind,
    pub subject: String,
    pub severity: Severity,
    /// As the rule last said it (a count or blocks left move on without a new change).
    pub message: String,
    /// When it fired.
    pub at: f64,
    pub peer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Firing,
    Resolved,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Firing => "firing",
            State::Resolved => "resolved",
        }
    }
}

/// An alert fired or resolved: what `lnwatch alerts` prints and the monitor rings for.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: f64,
    pub kind: Kind,
    pub subject: String,
    pub severity: Severity,
    pub message: String,
    pub state: State,
    pub peer: Option<String>,
}

/// Firing alerts kept per kind; past it the oldest of the kind is let go without a word (a
/// wallet failing payments all day must not grow without bound).
const MAX_PER_KIND: usize = 100;

type Key = (Kind, String);

/// The alerts firing, and the conditions waiting out their delay.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    firing: BTreeMap<Key, Alert>,
    /// When each condition still inside its delay was first found.
    waiting: HashMap<Key, f64>,
}

impl Alerts {
    /// Takes what the rules found at `now` for the kinds in `evaluated` (the others are left as
    /// they are: their state is not known now, as while the node is down) and returns what
    /// changed, firing before resolved.
    pub fn sync(&mut self, found: Vec<Condition>, evaluated: &[Kind], now: f64) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut holding: std::collections::HashSet<Key> = Default::default();
        for c in found {
            let key = (c.kind, c.subject.clone());
            if !c.firing {
                if let Some(a) = self.firing.remove(&key) {
                    changes.push(change(&a, c.message, now, State::Resolved));
                }
                continue;
            }
            holding.insert(key.clone());
            if let Some(a) = self.firing.get_mut(&key) {
                a.message = c.message;
                a.severity = c.severity;
                continue;
            }
            let since = c.since.unwrap_or_else(|| *self.waiting.entry(key.clone()).or_insert(now));
            if now - since < c.after {
                self.waiting.entry(key).or_insert(since);
                continue;
            }
            self.waiting.remove(&key);
            let alert = Alert {
                kind: c.kind,
                subject: c.subject,
                severity: c.severity,
                message: c.message,
                at: now,
                peer: c.peer,
            };
            changes.push(change(&alert, alert.message.clone(), now, State::Firing));
            self.firing.insert(key, alert);
            self.bound(c.kind);
        }
        let gone = |k: &Key| evaluated.contains(&k.0) && !holding.contains(k);
        self.waiting.retain(|k, _| !gone(k));
        let resolved: Vec<Key> = self.firing.keys().filter(|k| k.0.complete() && gone(k)).cloned().collect();
        for key in resolved {
            if let Some(a) = self.firing.remove(&key) {
                changes.push(change(&a, a.message.clone(), now, State::Resolved));
            }
        }
        changes
    }

    fn bound(&mut self, kind: Kind) {
        let of_kind: Vec<(f64, Key)> =
            self.firing.iter().filter(|(k, _)| k.0 == kind).map(|(k, a)| (a.at, k.clone())).collect();
        if of_kind.len() > MAX_PER_KIND
            && let Some((_, oldest)) = of_kind.into_iter().min_by(|a, b| a.0.total_cmp(&b.0))
        {
            self.firing.remove(&oldest);
        }
    }

    pub fn is_firing(&self, kind: Kind, subject: &str) -> bool {
        self.firing.contains_key(&(kind, subject.to_owned()))
    }

    /// Firing now, most severe first, then newest first.
    pub fn firing(&self) -> Vec<&Alert> {
        let mut v: Vec<&Alert> = self.firing.values().collect();
        v.sort_by(|a, b| a.severity.cmp(&b.severity).then(b.at.total_cmp(&a.at)));
        v
    }

    pub fn len(&self) -> usize {
        self.firing.len()
    }

    pub fn is_empty(&self) -> bool {
        self.firing.is_empty()
    }
}

fn change(a: &Alert, message: String, now: f64, state: State) -> Change {
    Change {
        at: now,
        kind: a.kind,
        subject: a.subject.clone(),
        severity: a.severity,
        message,
        state,
        peer: a.peer.clone(),
    }
}

/// The `[alerts]` section: which rules run and their thresholds. Defaults are what an
/// operator of a routing node would want on day one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    pub channel_closing: bool,
    pub peer_down: bool,
    pub peer_down_after: u64,
    pub node_down: bool,
    pub node_down_after: u64,
    pub htlc_expiry: bool,
    pub htlc_expiry_blocks: u64,
    #[serde(deserialize_with = "at_most_1000")]
    pub forward_failures: u64,
    pub payment_failed: bool,
    #[serde(deserialize_with = "percent")]
    pub low_outbound_pct: u64,
    pub events_lost: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<String>,
    pub exec_timeout: u64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            channel_closing: true,
            peer_down: true,
            peer_down_after: 300,
            node_down: true,
            node_down_after: 30,
            htlc_expiry: true,
            htlc_expiry_blocks: crate::state::DEFAULT_HTLC_EXPIRY_BLOCKS,
            forward_failures: 10,
            payment_failed: true,
            low_outbound_pct: 0,
            events_lost: true,
            exec: None,
            exec_timeout: 10,
        }
    }
}

fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v > 100 {
        return Err(serde::de::Error::custom(format!("{v} is not a percentage (0 to 100)")));
    }
    Ok(v)
}

fn at_most_1000<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v > 1000 {
        return Err(serde::de::Error::custom(format!("{v} is over 1000 (0 turns the rule off)")));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(kind: Kind, subject: &str, after: f64) -> Condition {
        Condition {
            kind,
            subject: subject.into(),
            severity: Severity::Warning,
            message: format!("{subject} is off"),
            since: None,
            after,
            firing: true,
            peer: None,
        }
    }

    #[test]
    fn one_firing_per_subject_after_its_delay_then_one_resolved() {
        let mut a = Alerts::default();
        let all = &Kind::ALL;
        // Waits out its delay, counted from when it was first found.
        assert!(a.sync(vec![cond(Kind::PeerDown, "02aa", 2.0)], all, 100.0).is_empty());
        assert!(a.sync(vec![cond(Kind::PeerDown, "02aa", 2.0)], all, 101.0).is_empty());
        let fired = a.sync(vec![cond(Kind::PeerDown, "02aa", 2.0)], all, 102.0);
        assert_eq!(
            fired.iter().map(|c| (c.kind, c.state, c.at)).collect::<Vec<_>>(),
            [(Kind::PeerDown, State::Firing, 102.0)]
        );
        // Held for an hour: nothing new; its message follows the rule's.
        for t in 103..3700 {
            let mut c = cond(Kind::PeerDown, "02aa", 2.0);
            c.message = format!("down {t}");
            assert!(a.sync(vec![c], all, t as f64).is_empty());
        }
        assert_eq!(a.firing()[0].message, "down 3699");
        // Gone: resolved once.
        let resolved = a.sync(vec![], all, 3800.0);
        assert_eq!(resolved.len(), 1);
        assert_eq!((resolved[0].state, resolved[0].message.as_str()), (State::Resolved, "down 3699"));
        assert!(a.sync(vec![], all, 3801.0).is_empty());
        assert!(a.is_empty());
    }

    #[test]
    fn a_condition_gone_inside_its_delay_never_fires_and_starts_over() {
        let mut a = Alerts::default();
        let all = &Kind::ALL;
        a.sync(vec![cond(Kind::PeerDown, "02aa", 5.0)], all, 0.0);
        a.sync(vec![], all, 3.0);
        assert!(a.sync(vec![cond(Kind::PeerDown, "02aa", 5.0)], all, 6.0).is_empty(), "the delay starts again");
        assert_eq!(a.sync(vec![cond(Kind::PeerDown, "02aa", 5.0)], all, 11.0).len(), 1);
    }

    #[test]
    fn kinds_not_evaluated_stay_and_payments_resolve_only_when_paid() {
        let mut a = Alerts::default();
        let all = &Kind::ALL;
        a.sync(vec![cond(Kind::PeerDown, "02aa", 0.0), cond(Kind::PaymentFailed, "77", 0.0)], all, 0.0);
        // The node went down: only node_down is known; the peer stays firing.
        let changes = a.sync(vec![cond(Kind::NodeDown, "03nn", 0.0)], &[Kind::NodeDown], 1.0);
        assert_eq!(changes.len(), 1);
        assert_eq!(a.len(), 3);
        // A payment no longer listed is not resolved; one paid is.
        let changes = a.sync(vec![], &[Kind::PaymentFailed], 2.0);
        assert!(changes.is_empty());
        let mut paid = cond(Kind::PaymentFailed, "77", 0.0);
        paid.firing = false;
        paid.message = "payment 77 paid".into();
        let changes = a.sync(vec![paid], &[Kind::PaymentFailed], 3.0);
        assert_eq!((changes[0].state, changes[0].message.as_str()), (State::Resolved, "payment 77 paid"));
    }

    #[test]
    fn a_kind_keeps_at_most_its_bound() {
        let mut a = Alerts::default();
        for i in 0..(MAX_PER_KIND + 20) {
            a.sync(vec![cond(Kind::PaymentFailed, &i.to_string(), 0.0)], &[], i as f64);
        }
        assert_eq!(a.len(), MAX_PER_KIND);
        assert!(!a.is_firing(Kind::PaymentFailed, "0") && a.is_firing(Kind::PaymentFailed, "119"));
    }
}
