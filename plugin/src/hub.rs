//! The relay hub: stamps events, keeps the event log and the peer table, and hands clients what
//! they have not sent yet.
//!
//! One bounded log serves both the replay to new clients and every client's queue: each client
//! keeps a cursor into it. Publishing never waits; a client whose cursor falls behind the oldest
//! entry lost those entries and is told so with a `gap` frame. Clients are woken once per batch
//! the stdin loop reads, not once per event, so a burst costs one socket write per client per
//! batch. Memory is bounded by the log's capacity, in entries and in bytes, whatever the clients
//! do.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use lnwatch_shared::frame::{self, Frame, Hello, Peers};
use lnwatch_shared::interner::Interner;
use lnwatch_shared::notification::{self, PeerChange};
use lnwatch_shared::peers::{PeerState, PeerTable};
use lnwatch_shared::ring::Ring;
use serde_json::value::RawValue;
use tokio::sync::watch;

use crate::event::write_event_line;

/// One frame, shared by the log and every client batch holding it.
#[derive(Debug)]
pub enum Item {
    Event {
        seq: u64,
        topic: Arc<str>,
        line: Vec<u8>,
    },
    /// Frames every client gets whatever it subscribed to (`hello`, `peers`).
    Control(Vec<u8>),
}

pub type Shared = Arc<Item>;

impl Item {
    /// Bytes of the frame line(s).
    pub fn bytes(&self) -> usize {
        match self {
            Item::Event { line, .. } | Item::Control(line) => line.len(),
        }
    }
}

/// Topic names kept for sharing; past this, names are allocated per event.
const MAX_TOPIC_NAMES: usize = 256;

/// What a new client is sent before live events.
pub struct Attached {
    /// `hello` and `peers` lines.
    pub preamble: Vec<u8>,
    /// The replay: up to `lnwatch-replay` newest events, oldest first.
    pub replay: Vec<Shared>,
    /// Log position of the first live entry.
    pub cursor: u64,
    /// Changes whenever entries are appended or the hub closes.
    pub wake: watch::Receiver<u64>,
    /// The seq of the newest event covered by the preamble and replay (0 if none yet).
    pub last_seq: u64,
}

/// A slice of the log for one client.
pub struct Slice {
    pub items: Vec<Shared>,
    /// Where the client continues.
    pub cursor: u64,
    /// Entries were dropped between the client's cursor and `items`.
    pub lagged: bool,
    /// The hub is closed and nothing is left for this client.
    pub finished: bool,
}

/// Node facts for `hello`.
#[derive(Debug, Clone, Default)]
pub struct NodeInfo {
    pub lightningd: Option<String>,
    pub network: Option<String>,
    pub node_id: Option<String>,
    pub alias: Option<String>,
}

struct State {
    next_seq: u64,
    log: Ring<Shared>,
    /// Bytes of the lines in `log`, kept under `max_bytes` (the newest entry always stays).
    bytes: usize,
    max_bytes: usize,
    /// Log position of `log[0]`.
    first: u64,
    replay: usize,
    peers: PeerTable,
    peers_complete: bool,
    /// Peer changes seen since the pending `listpeers` was requested, to apply again on top of
    /// its answer.
    since_snapshot_request: Option<Vec<(PeerChange, f64)>>,
    info: NodeInfo,
    topics: Interner,
    /// Notifications published, by topic (the interned names: bounded).
    topic_counts: std::collections::HashMap<Arc<str>, u64>,
    closed: bool,
}

impl State {
    fn end(&self) -> u64 {
        self.first + self.log.len() as u64
    }

    fn append(&mut self, item: Shared) {
        self.bytes += item.bytes();
        if let Some(old) = self.log.push(item) {
            self.first += 1;
            self.bytes -= old.bytes();
        }
        while self.bytes > self.max_bytes && self.log.len() > 1 {
            let Some(old) = self.log.pop_oldest() else { break };
            self.first += 1;
            self.bytes -= old.bytes();
        }
    }
}

pub struct Hub {
    state: Mutex<State>,
    wake: watch::Sender<u64>,
    redact: bool,
    instance: String,
    /// Clients served now, and events they missed (told as `gap`s) since start: the metrics'.
    pub clients: std::sync::atomic::AtomicUsize,
    pub dropped: std::sync::atomic::AtomicU64,
}

/// What the hub has counted, for the metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub topics: Vec<(Arc<str>, u64)>,
    pub peers_connected: usize,
    pub node_id: Option<String>,
}

impl Hub {
    pub fn new(replay: usize, client_queue: usize, max_bytes: usize, redact: bool, info: NodeInfo) -> Hub {
        let state = State {
            next_seq: 1,
            log: Ring::new(replay.max(client_queue).max(1)),
            bytes: 0,
            max_bytes,
            first: 0,
            replay,
            peers: PeerTable::new(),
            peers_complete: false,
            since_snapshot_request: None,
            info,
            topics: Interner::new(MAX_TOPIC_NAMES),
            topic_counts: Default::default(),
            closed: false,
        };
        // Start time and pid: unique enough to tell plugin runs apart.
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let instance = format!("{:x}-{:x}", nanos, std::process::id());
        Hub {
            state: Mutex::new(state),
            wake: watch::channel(0).0,
            redact,
            instance,
            clients: Default::default(),
            dropped: Default::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than stopping the relay would, so carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stamps and logs one notification; clients see it after the next [`Hub::flush`].
    /// Returns its seq. Never waits on clients.
    pub fn publish(&self, topic: &str, origin: Option<&str>, params: Option<&RawValue>) -> u64 {
        let time_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let change = if notification::changes_peers(topic) {
            params
                .and_then(|p| serde_json::from_str(p.get()).ok())
                .and_then(|v| notification::peer_change(&notification::parse(topic, origin, &v)))
        } else {
            None
        };
        let mut line = Vec::with_capacity(params.map_or(0, |p| p.get().len()) + 112);
        let mut st = self.lock();
        let seq = st.next_seq;
        st.next_seq += 1;
        write_event_line(&mut line, seq, time_ms, topic, origin, params, self.redact);
        if let Some(change) = change {
            let time = time_ms as f64 / 1000.0;
            st.peers.apply(&change, time);
            if let Some(newer) = &mut st.since_snapshot_request {
                newer.push((change, time));
            }
        }
        let topic = st.topics.intern(topic);
        *st.topic_counts.entry(topic.clone()).or_default() += 1;
        st.append(Arc::new(Item::Event { seq, topic, line }));
        seq
    }

    /// Notifications by topic, peers connected (the table `connect`/`disconnect` keep), the
    /// node's id.
    pub fn counts(&self) -> Counts {
        let st = self.lock();
        Counts {
            topics: st.topic_counts.iter().map(|(t, n)| (t.clone(), *n)).collect(),
            peers_connected: st.peers.connected_count(),
            node_id: st.info.node_id.clone(),
        }
    }

    /// Wakes clients for everything logged so far.
    pub fn flush(&self) {
        let end = self.lock().end();
        self.wake.send_replace(end);
    }

    /// Marks the moment `listpeers` is requested: peer changes from here on win over its answer.
    pub fn snapshot_requested(&self) {
        self.lock().since_snapshot_request = Some(Vec::new());
    }

    /// Records what `getinfo` and `listpeers` said, and sends every client a fresh `hello` (now
    /// with the node's id) and the resulting peer table.
    pub fn apply_snapshot(&self, node_id: Option<String>, alias: Option<String>, peers: Vec<PeerState>) {
        {
            let mut st = self.lock();
            st.info.node_id = node_id;
            st.info.alias = alias;
            let newer = st.since_snapshot_request.take().unwrap_or_default();
            st.peers.apply_snapshot_before(peers, &newer);
            st.peers_complete = true;
            let mut lines = self.hello_line(&st);
            lines.extend_from_slice(&peers_line(&st));
            st.append(Arc::new(Item::Control(lines)));
        }
        self.flush();
    }

    /// The current `peers` frame line.
    pub fn peers_line(&self) -> Vec<u8> {
        peers_line(&self.lock())
    }

    /// Registers a new client. Atomic with `publish`: nothing is missed or sent twice between
    /// the replay and the live stream.
    pub fn attach(&self) -> Attached {
        let st = self.lock();
        let mut preamble = self.hello_line(&st);
        preamble.extend_from_slice(&peers_line(&st));
        let mut replay: Vec<Shared> =
            st.log.iter().rev().filter(|i| matches!(***i, Item::Event { .. })).take(st.replay).cloned().collect();
        replay.reverse();
        let mut wake = self.wake.subscribe();
        wake.borrow_and_update();
        Attached { preamble, replay, cursor: st.end(), wake, last_seq: st.next_seq - 1 }
    }

    /// Up to `max` entries from `cursor` on.
    pub fn read(&self, cursor: u64, max: usize) -> Slice {
        let st = self.lock();
        let lagged = cursor < st.first;
        let from = cursor.max(st.first);
        let start = (from - st.first) as usize;
        let items: Vec<Shared> = st.log.iter().skip(start).take(max).cloned().collect();
        let cursor = from + items.len() as u64;
        Slice { finished: st.closed && items.is_empty(), items, cursor, lagged }
    }

    /// Stops the relay: clients send what they have left and `bye` (why, when known), then
    /// finish.
    pub fn close(&self, bye: Option<frame::Bye>) {
        let mut st = self.lock();
        if let Some(b) = bye {
            st.append(Arc::new(Item::Control(frame::encode(&Frame::Bye(b)))));
        }
        st.closed = true;
        drop(st);
        self.flush();
    }

    fn hello_line(&self, st: &State) -> Vec<u8> {
        frame::encode(&Frame::Hello(Hello {
            protocol: lnwatch_shared::PROTOCOL_VERSION,
            plugin: concat!("lnwatch-plugin ", env!("CARGO_PKG_VERSION")).to_owned(),
            lightningd: st.info.lightningd.clone(),
            network: st.info.network.clone(),
            node_id: st.info.node_id.clone(),
            alias: st.info.alias.clone(),
            next_seq: st.next_seq,
            redacted: self.redact,
            instance: self.instance.clone(),
        }))
    }
}

fn peers_line(st: &State) -> Vec<u8> {
    frame::encode(&Frame::Peers(Peers { seq: st.next_seq - 1, peers: st.peers.to_vec(), complete: st.peers_complete }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    fn seqs(b: &Slice) -> Vec<u64> {
        b.items.iter().filter_map(|i| if let Item::Event { seq, .. } = **i { Some(seq) } else { None }).collect()
    }

    #[test]
    fn replay_is_the_newest_events_and_live_continues_after_it() {
        let hub = Hub::new(2, 4, usize::MAX, true, NodeInfo::default());
        for _ in 0..3 {
            hub.publish("block_added", None, Some(&raw("{}")));
        }
        let a = hub.attach();
        assert_eq!(a.last_seq, 3);
        assert_eq!(a.replay.len(), 2);
        hub.publish("block_added", None, Some(&raw("{}")));
        let b = hub.read(a.cursor, 10);
        assert_eq!((seqs(&b), b.lagged, b.cursor), (vec![4], false, a.cursor + 1));
    }

    #[test]
    fn the_log_keeps_to_its_byte_budget() {
        let hub = Hub::new(100, 100, 1000, true, NodeInfo::default());
        let a = hub.attach();
        let big = raw(&format!("\"{}\"", "x".repeat(300)));
        for _ in 0..10 {
            hub.publish("x", None, Some(&big));
        }
        let b = hub.read(a.cursor, 100);
        assert!(b.lagged);
        assert!(b.items.iter().map(|i| i.bytes()).sum::<usize>() <= 1000);
        assert_eq!(seqs(&b).last(), Some(&10));
        // One entry past the budget on its own is still kept: the newest always is.
        let huge = raw(&format!("\"{}\"", "x".repeat(5000)));
        hub.publish("x", None, Some(&huge));
        assert_eq!(seqs(&hub.read(b.cursor, 100)), [11]);
    }

    #[test]
    fn a_client_behind_the_log_is_told_it_lagged() {
        let hub = Hub::new(0, 3, usize::MAX, true, NodeInfo::default());
        let a = hub.attach();
        for _ in 0..5 {
            hub.publish("x", None, None);
        }
        let b = hub.read(a.cursor, 10);
        assert!(b.lagged);
        assert_eq!(seqs(&b), [3, 4, 5]);
        let c = hub.read(b.cursor, 10);
        assert!(c.items.is_empty() && !c.lagged && !c.finished);
        hub.close(None);
        assert!(hub.read(b.cursor, 10).finished);
    }
}
