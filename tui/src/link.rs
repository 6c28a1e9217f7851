//! The connection to the plugin as the monitor tracks it: up/down state and outages, the
//! plugin run (`hello`), seq bookkeeping that drops replays and counts gaps, and the rates and
//! counters the header shows.

use lnwatch_shared::frame::{Bye, Gap, Hello, bye};

/// Connection to the plugin's socket, as the source task reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEvent {
    Connecting {
        attempt: u32,
    },
    Connected,
    Lost {
        reason: String,
        retry_in: f64,
    },
    /// A connection attempt failed; what is at the socket's path and what to do about it.
    Absent(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Conn {
    Connecting { attempt: u32 },
    Up { since: f64 },
    Down { since: f64, reason: String, retry_at: f64 },
}

/// What an arriving event is, given the seqs seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Replayed after a reconnect: already stored.
    Duplicate,
    /// New; `missed` seqs were skipped before it (the replay did not reach back far enough).
    New { missed: u64 },
}

#[derive(Debug)]
pub struct Link {
    pub socket: String,
    pub conn: Conn,
    pub outages: u32,
    pub hello: Option<Hello>,
    /// Seq bookkeeping for the current plugin instance.
    instance: Option<String>,
    last_seq: u64,
    /// The seq the peer table is as of (events up to it are already in it).
    pub peers_seq: u64,
    pub peers_complete: bool,
    /// Live events per second over the last [`RATE_WINDOW`] seconds.
    pub rate: f64,
    window_start: f64,
    window_count: u64,
    /// Per tick: (when it began, when it ended, live events counted in it), for the last
    /// [`RATE_WINDOW`] seconds.
    samples: std::collections::VecDeque<(f64, f64, u64)>,
    pub events_total: u64,
    /// When lnwatch started: what "since start" counters count from.
    pub started: f64,
    pub missed: u64,
    pub gaps: u64,
    pub bad_lines: u64,
    /// A hello arrived on the current connection.
    greeted: bool,
    /// Connected for a while with no hello: whatever listens there is not lnwatch-plugin.
    pub silent: bool,
    /// Ever connected: until then a failure is "no plugin here", not an outage.
    pub ever_connected: bool,
    /// Why there is no plugin at the socket (until a connection succeeds).
    pub absent: Option<Vec<String>>,
    /// How the last connection ended (the plugin's `bye`, or the socket lost), and when;
    /// cleared by the next hello.
    pub ended: Option<(Ended, f64)>,
    /// The status last handed out by [`Link::status_change`].
    reported: NodeStatus,
    /// Since when the node has not answered (its RPC timed out, or no answer came at all),
    /// while the relay is up; cleared by the next answer.
    pub unanswered_since: Option<f64>,
}

/// How a connection to the plugin ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// The plugin said why ([`Bye`]).
    Bye(Bye),
    /// The socket closed without a word: the plugin or the node went away.
    Lost(String),
}

/// The node as the monitor can tell it.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeStatus {
    /// Not connected yet.
    Unknown,
    Up,
    /// `plugin stop`: the node runs on, the relay does not.
    PluginStopped {
        since: f64,
    },
    /// Stopped, crashed, or its plugin's socket gone; `why` in words.
    Down {
        since: f64,
        why: String,
    },
}

impl NodeStatus {
    /// What the data shown is as of, when it is no longer live: `as of 12:03:04 (why)`.
    pub fn stale(&self) -> Option<String> {
        match self {
            NodeStatus::Unknown | NodeStatus::Up => None,
            NodeStatus::PluginStopped { since } => {
                Some(format!("as of {} (plugin stopped)", crate::clock::clock(*since)))
            }
            NodeStatus::Down { since, .. } => Some(format!("as of {} (node down)", crate::clock::clock(*since))),
        }
    }
}

/// Seconds the event rate is averaged over: events in bursts (a block, a payment's parts)
/// read as a steady rate, not as 0.0 between them.
const RATE_WINDOW: f64 = 10.0;

/// How long a connection may stay without a hello before the socket is called not lnwatch's.
const HELLO_WITHIN: f64 = 3.0;

impl Link {
    pub fn new(socket: String, now: f64) -> Link {
        Link {
            socket,
            conn: Conn::Connecting { attempt: 1 },
            outages: 0,
            hello: None,
            instance: None,
            last_seq: 0,
            peers_seq: 0,
            peers_complete: false,
            rate: 0.0,
            window_start: now,
            window_count: 0,
            samples: Default::default(),
            events_total: 0,
            started: now,
            missed: 0,
            gaps: 0,
            bad_lines: 0,
            greeted: false,
            silent: false,
            ever_connected: false,
            absent: None,
            ended: None,
            reported: NodeStatus::Unknown,
            unanswered_since: None,
        }
    }

    /// The status, if it is not of the kind last handed out (a node down stays one change
    /// however many reconnects fail).
    pub fn status_change(&mut self) -> Option<NodeStatus> {
        let now = self.status();
        let changed = std::mem::discriminant(&now) != std::mem::discriminant(&self.reported);
        self.reported = now.clone();
        changed.then_some(now)
    }

    /// The plugin said why it stops; the connection closes next.
    pub fn bye(&mut self, b: Bye, now: f64) {
        self.ended = Some((Ended::Bye(b), now));
    }

    /// Up, down (and since when, why), or the relay stopped with the node running.
    pub fn status(&self) -> NodeStatus {
        match (&self.conn, &self.ended) {
            (Conn::Up { .. }, None) if self.greeted => NodeStatus::Up,
            (_, Some((Ended::Bye(b), since))) if b.reason == bye::PLUGIN_STOPPED => {
                NodeStatus::PluginStopped { since: *since }
            }
            (_, Some((Ended::Bye(b), since))) => NodeStatus::Down { since: *since, why: b.message.clone() },
            (_, Some((Ended::Lost(why), since))) => NodeStatus::Down { since: *since, why: why.clone() },
            _ => NodeStatus::Unknown,
        }
    }

    /// Records a `hello`; true if it starts a new plugin run (seqs start again, history kept).
    pub fn hello(&mut self, h: Hello) -> bool {
        let restarted = self.instance.is_some() && self.instance.as_deref() != Some(h.instance.as_str());
        if self.instance.as_deref() != Some(h.instance.as_str()) {
            self.instance = Some(h.instance.clone());
            self.last_seq = 0;
            self.peers_seq = 0;
        }
        self.hello = Some(h);
        self.unanswered_since = None;
        self.greeted = true;
        self.silent = false;
        self.ended = None;
        restarted
    }

    /// The node answered a question (`ok`), or it could not (timed out, unreachable).
    pub fn answered(&mut self, ok: bool, now: f64) {
        if ok {
            self.unanswered_since = None;
        } else {
            self.unanswered_since.get_or_insert(now);
        }
    }

    pub fn gap(&mut self, g: &Gap) {
        self.missed += g.missed;
        self.gaps += 1;
        self.last_seq = g.next_seq.saturating_sub(1);
    }

    pub fn arrival(&mut self, seq: u64) -> Arrival {
        if seq <= self.last_seq {
            return Arrival::Duplicate;
        }
        let missed = if self.last_seq > 0 { seq - self.last_seq - 1 } else { 0 };
        if missed > 0 {
            self.missed += missed;
            self.gaps += 1;
        }
        self.last_seq = seq;
        self.events_total += 1;
        // The replay a connection starts with is history, not activity: only live events
        // (from hello's next_seq on) count toward the rate.
        if self.hello.as_ref().is_none_or(|h| seq >= h.next_seq) {
            self.window_count += 1;
        }
        Arrival::New { missed }
    }

    pub fn source(&mut self, s: SourceEvent, now: f64) {
        self.conn = match s {
            SourceEvent::Connecting { attempt } => Conn::Connecting { attempt },
            SourceEvent::Connected => {
                self.greeted = false;
                self.silent = false;
                self.ever_connected = true;
                self.absent = None;
                Conn::Up { since: now }
            }
            SourceEvent::Absent(lines) => {
                self.absent = Some(lines);
                return;
            }
            SourceEvent::Lost { reason, retry_in } => {
                // An outage is a connection that was up and went; never having one is not.
                if !matches!(self.conn, Conn::Down { .. }) && self.ever_connected {
                    self.outages += 1;
                }
                let since = match &self.conn {
                    Conn::Down { since, .. } => *since,
                    _ => now,
                };
                if self.ended.is_none() && self.ever_connected {
                    let why = format!("lost the plugin's socket ({reason})");
                    self.ended = Some((Ended::Lost(why), since));
                }
                Conn::Down { since, reason, retry_at: now + retry_in }
            }
        };
    }

    /// The event rate over the last second or more; a connection that stays silent.
    pub fn tick(&mut self, now: f64) {
        if let Conn::Up { since } = self.conn {
            self.silent = !self.greeted && now - since >= HELLO_WITHIN;
        }
        if now - self.window_start >= 1.0 {
            self.samples.push_back((self.window_start, now, self.window_count));
            self.window_start = now;
            self.window_count = 0;
            while self.samples.front().is_some_and(|(_, end, _)| now - end > RATE_WINDOW) {
                self.samples.pop_front();
            }
            let n: u64 = self.samples.iter().map(|(_, _, n)| n).sum();
            let from = self.samples.front().map_or(now, |(start, _, _)| *start);
            self.rate = n as f64 / (now - from).max(1.0);
        }
    }
}
