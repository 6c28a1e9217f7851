//! What the monitor asks the node through the plugin, and which answer is which. Pure: the
//! app asks, the main loop sends [`Queries::take_lines`] on the socket, answers come back as
//! frames. Never more than the plugin's in-flight limit is outstanding; the rest wait here. A
//! question unanswered after [`ANSWER_WITHIN`] seconds is given up, whatever the plugin does,
//! so its slot is never lost.

use std::collections::{HashMap, HashSet, VecDeque};

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
    /// The on-chain wallet (`listfunds`).
    Funds,
    /// Channels closed for good (`listclosedchannels`): closing transactions, final amounts.
    Closed,
    /// The bookkeeper's income events of one UTC day (`bkpr-listincome`), to check the day by.
    Income(i64),
    /// The node's word on a payment whose parts all failed (`listpays` by hash).
    Pays(String),
    /// One step of a catch-up round.
    CatchUp(crate::catchup::Step),
    /// One step of the walk back through the forwards for the days before the monitor.
    Walk(crate::catchup::Step),
}

impl Ask {
    /// Pages of the node's records: sent after the rest.
    fn is_bulk(&self) -> bool {
        matches!(self, Ask::CatchUp(_) | Ask::Walk(_))
    }

    fn query(&self, id: u64) -> Query {
        let (method, params) = match self {
            Ask::Invoice(label) => ("listinvoices", json!({ "label": label })),
            Ask::Node(id) => ("listnodes", json!({ "id": id })),
            Ask::Pays(hash) => ("listpays", json!({ "payment_hash": hash })),
            Ask::Channels => ("listpeerchannels", json!({})),
            Ask::Info => ("getinfo", json!({})),
            Ask::Funds => ("listfunds", json!({})),
            Ask::Closed => ("listclosedchannels", json!({})),
            Ask::Income(day) => (
                "bkpr-listincome",
                json!({"consolidate_fees": true, "start_time": day * 86_400, "end_time": (day + 1) * 86_400 - 1}),
            ),
            Ask::CatchUp(step) | Ask::Walk(step) => step.query(),
        };
        Query { id: json!(id), method: method.into(), params }
    }
}

/// Longest queue of unsent questions; past it the oldest are forgotten (a later event asks
/// again what is still needed).
const MAX_QUEUED: usize = 10_000;
/// Seconds a question may stay unanswered. Longer than the plugin's own query timeout
/// (`lnwatch-query-timeout`, 30 s by default), which answers first when it can.
pub const ANSWER_WITHIN: f64 = 45.0;

#[derive(Debug, Default)]
pub struct Queries {
    next_id: u64,
    queue: VecDeque<Ask>,
    /// Catch-up pages: sent after the rest, each kind never in every slot while the other
    /// waits, so an alias is not kept waiting behind a long catch-up, nor the catch-up behind
    /// a thousand aliases.
    bulk: VecDeque<Ask>,
    /// Sent and not answered: what, and when it was sent.
    in_flight: HashMap<u64, (Ask, f64)>,
    /// Asked again on the next tick: the plugin had no room for their answers.
    later: Vec<Ask>,
    /// Everything in `queue`, `bulk`, `later` and `in_flight`: asking twice is found in
    /// constant time.
    pending: HashSet<Ask>,
    /// The time as of the last [`Queries::tick`].
    now: f64,
}

impl Queries {
    /// No questions yet, the clock at `now`.
    pub fn new(now: f64) -> Queries {
        Queries { now, ..Queries::default() }
    }

    /// Queues `ask` unless the same question is already waiting or out.
    pub fn ask(&mut self, ask: Ask) {
        if self.pending.contains(&ask) {
            return;
        }
        self.pending.insert(ask.clone());
        if ask.is_bulk() {
            // A round has at most one step per lane waiting: nothing to bound here.
            self.bulk.push_back(ask);
            return;
        }
        if self.queue.len() >= MAX_QUEUED
            && let Some(old) = self.queue.pop_front()
        {
            self.pending.remove(&old);
        }
        self.queue.push_back(ask);
    }

    /// The query lines to send now: as many as the plugin takes at once.
    pub fn take_lines(&mut self) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        loop {
            // Neither kind takes every slot while the other waits: a thousand aliases to ask
            // do not hold up the catch-up, nor a long catch-up an invoice's expiry.
            let bulk_out = self.in_flight.values().filter(|(a, _)| a.is_bulk()).count();
            let queue_out = self.in_flight.len() - bulk_out;
            let next = if self.in_flight.len() >= MAX_QUERIES_IN_FLIGHT {
                None
            } else if !self.queue.is_empty() && (self.bulk.is_empty() || queue_out < MAX_QUERIES_IN_FLIGHT - 1) {
                self.queue.pop_front()
            } else if bulk_out < MAX_QUERIES_IN_FLIGHT - 1 {
                self.bulk.pop_front()
            } else {
                None
            };
            let Some(ask) = next else { break };
            self.next_id += 1;
            lines.push(frame::encode(&Frame::Query(ask.query(self.next_id))));
            self.in_flight.insert(self.next_id, (ask, self.now));
        }
        lines
    }

    /// What an answer with this id was for; `None` for one not asked on this connection (or
    /// given up on).
    pub fn answered(&mut self, id: &Value) -> Option<Ask> {
        let (ask, _) = id.as_u64().and_then(|id| self.in_flight.remove(&id))?;
        self.pending.remove(&ask);
        Some(ask)
    }

    /// An answer that could not be had now (the plugin holds as many unread answers as it
    /// allows): the question is asked again on the next tick, not at once, so an overloaded
    /// plugin is not asked in a loop.
    pub fn retry_later(&mut self, ask: Ask) {
        self.pending.insert(ask.clone());
        self.later.push(ask);
    }

    /// Moves the clock on; returns the questions given up on for want of an answer (their
    /// slots are free again). Questions put off are queued again.
    pub fn tick(&mut self, now: f64) -> Vec<Ask> {
        self.now = now;
        for ask in std::mem::take(&mut self.later) {
            self.pending.remove(&ask);
            self.ask(ask);
        }
        let late: Vec<u64> =
            self.in_flight.iter().filter(|(_, (_, sent))| now - sent >= ANSWER_WITHIN).map(|(id, _)| *id).collect();
        late.into_iter()
            .filter_map(|id| self.in_flight.remove(&id))
            .map(|(ask, _)| {
                self.pending.remove(&ask);
                ask
            })
            .collect()
    }

    /// A new connection: nothing asked before is coming back.
    pub fn reset(&mut self) {
        self.queue.clear();
        self.bulk.clear();
        self.in_flight.clear();
        self.later.clear();
        self.pending.clear();
    }

    pub fn pending(&self) -> usize {
        self.queue.len() + self.bulk.len() + self.later.len() + self.in_flight.len()
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
    fn questions_unanswered_in_time_free_their_slots() {
        let mut q = Queries::default();
        q.tick(100.0);
        for i in 0..6 {
            q.ask(Ask::Invoice(format!("inv-{i}")));
        }
        assert_eq!(q.take_lines().len(), MAX_QUERIES_IN_FLIGHT);
        assert!(q.take_lines().is_empty());
        assert!(q.tick(100.0 + ANSWER_WITHIN - 1.0).is_empty());
        let late = q.tick(100.0 + ANSWER_WITHIN);
        assert_eq!(late.len(), MAX_QUERIES_IN_FLIGHT);
        assert_eq!(q.take_lines().len(), 2, "the slots are free for the rest");
        assert_eq!(q.answered(&json!(1)), None, "an answer after giving up is not taken");
        // What was given up may be asked again.
        q.ask(Ask::Invoice("inv-0".into()));
        assert_eq!(q.pending(), 3);
    }

    #[test]
    fn what_the_plugin_had_no_room_for_is_asked_again_on_the_tick() {
        let mut q = Queries::new(0.0);
        q.ask(Ask::Info);
        assert_eq!(q.take_lines().len(), 1);
        let ask = q.answered(&json!(1)).unwrap();
        q.retry_later(ask);
        q.ask(Ask::Info);
        assert!(q.take_lines().is_empty(), "not at once, and not twice");
        assert_eq!(q.pending(), 1);
        q.tick(1.0);
        assert_eq!(ids(&q.take_lines()), [json!(2)]);
    }

    #[test]
    fn asking_again_is_found_without_a_scan() {
        let mut q = Queries::default();
        for i in 0..50_000 {
            q.ask(Ask::Invoice(format!("inv-{i}")));
            q.ask(Ask::Invoice(format!("inv-{i}")));
        }
        assert_eq!(q.pending(), MAX_QUEUED, "bounded, each once");
        q.ask(Ask::Invoice("inv-49999".into()));
        q.ask(Ask::Invoice("inv-0".into()));
        assert_eq!(q.pending(), MAX_QUEUED, "an old one forgotten when the queue was full is forgotten here too");
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

    /// A thousand aliases to ask (a node with a thousand peers) do not hold up the catch-up:
    /// a page goes out with the first questions, and the next as soon as it is answered.
    #[test]
    fn many_questions_leave_a_slot_for_the_catch_up() {
        use crate::catchup::{Index, Step, Subsystem};
        let mut q = Queries::default();
        for i in 0..1000 {
            q.ask(Ask::Node(format!("02{i:064x}")));
        }
        let page = |start| Ask::Walk(Step::Page(Subsystem::Forwards, Index::Created, start, 1000));
        q.ask(page(1));
        let sent = q.take_lines();
        assert_eq!(sent.len(), MAX_QUERIES_IN_FLIGHT);
        let page_id = (1..=MAX_QUERIES_IN_FLIGHT as u64).map(|id| json!(id)).find(|id| {
            let ask = q.in_flight.get(&id.as_u64().unwrap()).map(|(a, _)| a.clone());
            ask == Some(page(1))
        });
        assert!(page_id.is_some(), "the page is out with the first questions");
        assert_eq!(q.answered(&page_id.unwrap()), Some(page(1)));
        q.ask(page(1001));
        let next = q.take_lines();
        assert_eq!(next.len(), 1);
        assert!(String::from_utf8_lossy(&next[0]).contains("listforwards"), "the next page at once");
    }
}
