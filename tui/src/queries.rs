//! What the monitor asks the node through the plugin, and which answer is which. Pure: the
//! app asks, the main loop sends [`Queries::take_lines`] on the socket, answers come back as
//! frames. Never more than the plugin's in-flight limit is outstanding; the rest wait here.

use std::collections::{HashMap, VecDeque};

use lnwatch_shared::frame::{self, Frame, MAX_QUERIES_IN_FLIGHT, Query};
use serde_json::{Value, json};

/// A question, named by what its answer is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ask {
    /// One invoice's details (`expires_at`, status) by label.
    Invoice(String),
    /// A node's gossip (`alias`) by id.
    Node(String),
    /// Every channel's state, balances and HTLCs (`listpeerchannels`).
    Channels,
    /// The node itself: its chain height (`getinfo`).
    Info,
    /// One step of a catch-up round.
    CatchUp(crate::catchup::Step),
}

impl Ask {
    fn query(&self, id: u64) -> Query {
        let (method, params) = match self {
            Ask::Invoice(label) => ("listinvoices", json!({ "label": label })),
            Ask::Node(id) => ("listnodes", json!({ "id": id })),
            Ask::Channels => ("listpeerchannels", json!({})),
            Ask::Info => ("getinfo", json!({})),
            Ask::CatchUp(step) => step.query(),
        };
        Query { id: json!(id), method: method.into(), params }
    }
}

/// Longest queue of unsent questions; past it the oldest are forgotten (a later event asks
/// again what is still needed).
const MAX_QUEUED: usize = 10_000;

#[derive(Debug, Default)]
pub struct Queries {
    next_id: u64,
    queue: VecDeque<Ask>,
    /// Catch-up pages: sent after the rest and never in every slot, so an alias or an
    /// invoice's expiry is not kept waiting behind a long catch-up.
    bulk: VecDeque<Ask>,
    in_flight: HashMap<u64, Ask>,
}

impl Queries {
    /// Queues `ask` unless the same question is already waiting or out.
    pub fn ask(&mut self, ask: Ask) {
        if self.queue.contains(&ask) || self.bulk.contains(&ask) || self.in_flight.values().any(|a| *a == ask) {
            return;
        }
        if matches!(ask, Ask::CatchUp(_)) {
            // A round has at most one step per lane waiting: nothing to bound here.
            self.bulk.push_back(ask);
            return;
        }
        if self.queue.len() >= MAX_QUEUED {
            self.queue.pop_front();
        }
        self.queue.push_back(ask);
    }

    /// The query lines to send now: as many as the plugin takes at once.
    pub fn take_lines(&mut self) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        loop {
            let bulk_out = self.in_flight.values().filter(|a| matches!(a, Ask::CatchUp(_))).count();
            let next = if self.in_flight.len() >= MAX_QUERIES_IN_FLIGHT {
                None
            } else if let Some(ask) = self.queue.pop_front() {
                Some(ask)
            } else if bulk_out < MAX_QUERIES_IN_FLIGHT - 1 {
                self.bulk.pop_front()
            } else {
                None
            };
            let Some(ask) = next else { break };
            self.next_id += 1;
            lines.push(frame::encode(&Frame::Query(ask.query(self.next_id))));
            self.in_flight.insert(self.next_id, ask);
        }
        lines
    }

    /// What an answer with this id was for; `None` for one not asked on this connection.
    pub fn answered(&mut self, id: &Value) -> Option<Ask> {
        id.as_u64().and_then(|id| self.in_flight.remove(&id))
    }

    /// A new connection: nothing asked before is coming back.
    pub fn reset(&mut self) {
        self.queue.clear();
        self.bulk.clear();
        self.in_flight.clear();
    }

    pub fn pending(&self) -> usize {
        self.queue.len() + self.bulk.len() + self.in_flight.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(lines: &[Vec<u8>]) -> Vec<Value> {
        lines
            .iter()
            .map(|l| match frame::decode(l) {
                Ok(Frame::Query(q)) => q.id,
                other => panic!("not a query: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn at_most_the_plugin_limit_is_out_and_answers_free_slots() {
        let mut q = Queries::default();
        for i in 0..6 {
            q.ask(Ask::Invoice(format!("inv-{i}")));
        }
        q.ask(Ask::Invoice("inv-0".into()));
        let first = q.take_lines();
        assert_eq!(ids(&first), [json!(1), json!(2), json!(3), json!(4)]);
        assert!(q.take_lines().is_empty());
        assert_eq!(q.answered(&json!(2)), Some(Ask::Invoice("inv-1".into())));
        assert_eq!(q.answered(&json!(2)), None, "answered once");
        assert_eq!(q.answered(&json!("2")), None);
        assert_eq!(ids(&q.take_lines()), [json!(5)]);
        assert_eq!(q.pending(), 5);
        q.reset();
        assert_eq!(q.pending(), 0);
        assert_eq!(q.answered(&json!(1)), None);
    }

    #[test]
    fn catch_up_pages_go_after_the_rest_and_leave_a_slot_free() {
        use crate::catchup::{Index, Step, Subsystem};
        let mut q = Queries::default();
        for start in 1..=5 {
            q.ask(Ask::CatchUp(Step::Page(Subsystem::Forwards, Index::Created, start, 1000)));
        }
        q.ask(Ask::Node("02aa".into()));
        let sent = q.take_lines();
        assert_eq!(sent.len(), MAX_QUERIES_IN_FLIGHT, "the node question and three pages");
        assert_eq!(q.answered(&json!(1)), Some(Ask::Node("02aa".into())), "the node question first");
        assert!(q.take_lines().is_empty(), "pages never take the last slot");
        q.ask(Ask::Info);
        assert_eq!(q.take_lines().len(), 1, "which stays for questions like this one");
    }
}
