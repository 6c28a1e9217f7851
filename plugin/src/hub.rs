//! The relay hub: stamps events, keeps the replay ring and the peer table, and fans events out
//! to clients.
//!
//! Fan-out is one `tokio::sync::broadcast` ring: publishing never waits, and a client that falls
//! more than `lnwatch-client-queue` events behind loses the oldest ones and is told so with a
//! `gap` frame. Memory is bounded by that ring whatever the clients do.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use lnwatch_shared::frame::{self, Frame, Hello, Peers};
use lnwatch_shared::notification;
use lnwatch_shared::peers::{PeerState, PeerTable};
use lnwatch_shared::ring::Ring;
use serde_json::value::RawValue;
use tokio::sync::broadcast;

use crate::event::write_event_line;

/// One frame, shared by every client queue and the replay ring.
#[derive(Debug)]
pub enum Item {
    Event {
        seq: u64,
        topic: Box<str>,
        line: Box<[u8]>,
    },
    /// Frames every client gets whatever it subscribed to (`hello`, `peers`).
    Control(Box<[u8]>),
}

pub type Shared = Arc<Item>;

/// What a new client is sent before live events.
pub struct Attached {
    /// `hello` and `peers` lines.
    pub preamble: Vec<u8>,
    /// The replay ring, oldest first.
    pub replay: Vec<Shared>,
    pub live: broadcast::Receiver<Shared>,
    /// The seq of the newest event covered by the preamble and replay (0 if none yet).
    pub last_seq: u64,
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
    replay: Ring<Shared>,
    peers: PeerTable,
    peers_complete: bool,
    info: NodeInfo,
    tx: Option<broadcast::Sender<Shared>>,
}

pub struct Hub {
    state: Mutex<State>,
    redact: bool,
    instance: String,
}

impl Hub {
    pub fn new(replay: usize, client_queue: usize, redact: bool, info: NodeInfo) -> Hub {
        let (tx, _) = broadcast::channel(client_queue.max(1));
        let state = State {
            next_seq: 1,
            replay: Ring::new(replay),
            peers: PeerTable::new(),
            peers_complete: false,
            info,
            tx: Some(tx),
        };
        // Start time and pid: unique enough to tell plugin runs apart.
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let instance = format!("{:x}-{:x}", nanos, std::process::id());
        Hub { state: Mutex::new(state), redact, instance }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than stopping the relay would, so carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stamps and relays one notification. Returns its seq. Never waits on clients.
    pub fn publish(&self, topic: &str, origin: Option<&str>, params: Option<&RawValue>) -> u64 {
        let time_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let change = match topic {
            "connect" | "disconnect" => params
                .and_then(|p| serde_json::from_str(p.get()).ok())
                .and_then(|v| notification::peer_change(&notification::decode(topic, origin, &v))),
            _ => None,
        };
        let mut line = Vec::with_capacity(params.map_or(0, |p| p.get().len()) + 96);
        let mut st = self.lock();
        let seq = st.next_seq;
        st.next_seq += 1;
        write_event_line(&mut line, seq, time_ms, topic, origin, params, self.redact);
        if let Some(change) = &change {
            st.peers.apply(change, time_ms as f64 / 1000.0);
        }
        let item = Arc::new(Item::Event { seq, topic: topic.into(), line: line.into() });
        st.replay.push(item.clone());
        if let Some(tx) = &st.tx {
            // An error only means no client is connected.
            let _ = tx.send(item);
        }
        seq
    }

    /// Records what `getinfo` and `listpeers` said, and sends every client a fresh `hello` (now
    /// with the node's id) and the resulting peer table.
    pub fn apply_snapshot(&self, node_id: Option<String>, alias: Option<String>, peers: Vec<PeerState>) {
        let mut st = self.lock();
        st.info.node_id = node_id;
        st.info.alias = alias;
        st.peers.apply_snapshot(peers);
        st.peers_complete = true;
        let mut lines = self.hello_line(&st);
        lines.extend_from_slice(&peers_line(&st));
        if let Some(tx) = &st.tx {
            let _ = tx.send(Arc::new(Item::Control(lines.into())));
        }
    }

    /// The current `peers` frame line.
    pub fn peers_line(&self) -> Vec<u8> {
        peers_line(&self.lock())
    }

    /// Registers a new client. Atomic with `publish`: nothing is missed or sent twice between
    /// the replay and the live stream.
    pub fn attach(&self) -> Option<Attached> {
        let st = self.lock();
        let live = st.tx.as_ref()?.subscribe();
        let mut preamble = self.hello_line(&st);
        preamble.extend_from_slice(&peers_line(&st));
        Some(Attached { preamble, replay: st.replay.iter().cloned().collect(), live, last_seq: st.next_seq - 1 })
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

    /// Stops the fan-out: clients drain what is queued, then see the stream end.
    pub fn close(&self) {
        self.lock().tx = None;
    }

    pub fn client_count(&self) -> usize {
        self.lock().tx.as_ref().map_or(0, |tx| tx.receiver_count())
    }
}

fn peers_line(st: &State) -> Vec<u8> {
    frame::encode(&Frame::Peers(Peers { seq: st.next_seq - 1, peers: st.peers.to_vec(), complete: st.peers_complete }))
}
