//! One socket client: hello, peers and replay first, then live events, filtered by the
//! client's subscription; `gap` when it fell behind.
//!
//! What a client costs beyond the shared log is bounded: small lines are coalesced into one
//! buffer of at most [`BATCH_BYTES`], large ones are written straight from the log's shared
//! copy. A client is let go as soon as it hangs up, event or not; one that only closed its
//! sending side (a shell pipeline after its `subscribe`) is still served.
//!
//! Queries run as tasks of the client's reader, at most [`MAX_QUERIES_IN_FLIGHT`] at a time from
//! the query to its answer's write; the answers join the event lines in the writer, between
//! batches.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use interprocess::local_socket::tokio::Stream;
use lnwatch_shared::frame::{self, Frame, Gap, LineBuf, MAX_QUERIES_IN_FLIGHT};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::budget::Reservation;
use crate::conn::Conn;
use crate::hub::{Attached, Hub, Item};
use crate::outbox::Logger;
use crate::query::{self, Queries};
use crate::request::{self, Taken};

/// Topics a client asked for; `None` is everything.
type Filter = Option<HashSet<Box<str>>>;

/// Longest line a client may send: subscriptions and queries are small.
pub const MAX_CLIENT_LINE: usize = 64 * 1024;
/// Refusals a client may run up at once (lines not read, methods or params refused, queries
/// over its limit), and how many it gets back per second: past them it is disconnected, so
/// junk costs the plugin a bounded amount of work.
pub const REFUSAL_BURST: f64 = 1000.0;
const REFUSALS_PER_SECOND: f64 = 100.0;
/// Small lines are coalesced into writes of about this size.
const BATCH_BYTES: usize = 64 * 1024;
/// Lines this long are written from the log's shared copy, never copied per client.
const DIRECT_BYTES: usize = 16 * 1024;
/// How often a client that closed its sending side is checked for having gone entirely.
const HALF_CLOSED_CHECK: Duration = Duration::from_secs(1);

/// Entries taken from the log per wake-up.
const BATCH_ITEMS: usize = 1024;

/// Serves one client until it goes away or the hub closes.
pub async fn serve(stream: Stream, hub: Arc<Hub>, queries: Queries, log: Logger) {
    let stream = match Conn::new(stream) {
        Ok(conn) => Arc::new(conn),
        Err(e) => {
            log.unusual(format!("a client could not be served: {e}"));
            return;
        }
    };
    let attached = hub.attach();
    let _counted = Counted::new(hub.clone());
    let (filter_tx, filter_rx) = watch::channel(None);
    // Room for every answer in flight and as many refusals.
    let (answers_tx, answers) = mpsc::channel(MAX_QUERIES_IN_FLIGHT * 2);
    let mut writer = Writer {
        send: stream.clone(),
        hub,
        filter_rx,
        filter: None,
        last_seq: attached.last_seq,
        lagged: false,
        buf: Vec::new(),
    };
    // Whichever ends first ends the client: the writer on a write error or when the hub
    // closes, the reader when the client hangs up.
    tokio::select! {
        _ = writer.run(attached, answers) => {}
        () = read_requests(stream, filter_tx, Requests { queries, answers: answers_tx, log }) => {}
    }
}

/// Counts the client among the hub's while it is served.
struct Counted(Arc<Hub>);

impl Counted {
    fn new(hub: Arc<Hub>) -> Counted {
        hub.clients.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Counted(hub)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

struct Writer {
    send: Arc<Conn>,
    hub: Arc<Hub>,
    filter_rx: watch::Receiver<Filter>,
    filter: Filter,
    /// Seq of the newest event taken from the log (sent or filtered out).
    last_seq: u64,
    lagged: bool,
    buf: Vec<u8>,
}

impl Writer {
    async fn run(&mut self, attached: Attached, mut answers: mpsc::Receiver<Answer>) -> std::io::Result<()> {
        let Attached { preamble, replay, mut cursor, mut wake, .. } = attached;
        self.buf.extend_from_slice(&preamble);
        for item in replay {
            self.take(&item).await?;
        }
        self.flush().await?;
        loop {
            while let Ok(answer) = answers.try_recv() {
                self.send_line(&answer.line).await?;
            }
            wake.borrow_and_update();
            let batch = self.hub.read(cursor, BATCH_ITEMS);
            if batch.finished {
                return Ok(());
            }
            if batch.items.is_empty() {
                self.flush().await?;
                // Woken by any append after `borrow_and_update`, so nothing is missed.
                tokio::select! {
                    changed = wake.changed() => if changed.is_err() {
                        return Ok(());
                    },
                    Some(answer) = answers.recv() => self.send_line(&answer.line).await?,
                }
                continue;
            }
            self.lagged |= batch.lagged;
            cursor = batch.cursor;
            for item in &batch.items {
                self.take(item).await?;
            }
            self.flush().await?;
        }
    }

    async fn take(&mut self, item: &Item) -> std::io::Result<()> {
        match item {
            Item::Event { seq, topic, line } => {
                if self.lagged {
                    self.lagged = false;
                    let missed = seq.saturating_sub(self.last_seq + 1);
                    self.hub.dropped.fetch_add(missed, std::sync::atomic::Ordering::Relaxed);
                    let gap = Frame::Gap(Gap { missed, next_seq: *seq });
                    self.buf.extend_from_slice(&frame::encode(&gap));
                    // A `peers` frame may have been among the lost entries: resend the table.
                    self.buf.extend_from_slice(&self.hub.peers_line());
                }
                self.last_seq = *seq;
                if self.filter_rx.has_changed().unwrap_or(false) {
                    self.filter = self.filter_rx.borrow_and_update().clone();
                }
                if self.filter.as_ref().is_none_or(|f| f.contains(&**topic)) {
                    self.send_line(line).await?;
                }
                Ok(())
            }
            Item::Control(line) => self.send_line(line).await,
        }
    }

    async fn send_line(&mut self, line: &[u8]) -> std::io::Result<()> {
        if line.len() >= DIRECT_BYTES {
            self.flush().await?;
            return self.send.write_all(line).await;
        }
        self.buf.extend_from_slice(line);
        if self.buf.len() >= BATCH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.send.write_all(&self.buf).await?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// What the reader needs besides the stream and the filter.
struct Requests {
    queries: Queries,
    answers: mpsc::Sender<Answer>,
    log: Logger,
}

/// A `result` or `error` line for the writer. `_slot` is the query's place among the client's
/// [`MAX_QUERIES_IN_FLIGHT`], held until the line is written: a client that does not read
/// cannot pile up answers.
struct Answer {
    line: Vec<u8>,
    _slot: Option<OwnedSemaphorePermit>,
    _room: Option<Reservation>,
}

impl Answer {
    fn refusal(line: Vec<u8>) -> Answer {
        Answer { line, _slot: None, _room: None }
    }
}

/// A token bucket of refusals: a client that keeps sending what is refused is let go.
struct Refusals {
    tokens: f64,
    at: std::time::Instant,
}

impl Refusals {
    fn new() -> Refusals {
        Refusals { tokens: REFUSAL_BURST, at: std::time::Instant::now() }
    }

    /// Takes one; false once the client has used up its allowance.
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * REFUSALS_PER_SECOND;
        self.tokens = (self.tokens + refill).min(REFUSAL_BURST) - 1.0;
        self.at = now;
        self.tokens >= 0.0
    }
}

/// Reads client lines: `subscribe` updates the filter, `query` starts a query task; a line that
/// cannot be read, a refused query or one over the limit is answered with an `error` frame
/// (the query's id echoed as sent). Returns when the client has hung up, which ends its
/// queries, or has run out of refusals.
async fn read_requests(recv: Arc<Conn>, filter: watch::Sender<Filter>, requests: Requests) {
    let Requests { queries, answers, log } = requests;
    let slots = Arc::new(Semaphore::new(MAX_QUERIES_IN_FLIGHT));
    let mut in_flight = JoinSet::new();
    let mut lines = LineBuf::new(MAX_CLIENT_LINE);
    let mut chunk = vec![0u8; 8192];
    let mut refusals = Refusals::new();
    loop {
        match recv.read(&mut chunk).await {
            Err(_) => return,
            Ok(0) => {
                // End of what the client sends: gone, or only done sending. Keep the filter
                // (the sender stays alive) and look again now and then.
                while !recv.hung_up() {
                    tokio::time::sleep(HALF_CLOSED_CHECK).await;
                }
                return;
            }
            Ok(n) => lines.extend(&chunk[..n]),
        }
        while let Some(line) = lines.next_line() {
            let refusal = match request::take(line) {
                Taken::Ignore => None,
                Taken::Subscribe(topics) => {
                    let _ = filter.send(topics.map(|t| t.into_iter().map(Into::into).collect()));
                    None
                }
                Taken::Refuse(line) => Some(line),
                Taken::Call(call) => {
                    while in_flight.try_join_next().is_some() {}
                    match slots.clone().try_acquire_owned() {
                        Err(_) => Some(query::busy(&call.id)),
                        Ok(slot) => {
                            let (queries, answers) = (queries.clone(), answers.clone());
                            in_flight.spawn(async move {
                                let (line, room) = queries.answer(call).await;
                                let _ = answers.send(Answer { line, _slot: Some(slot), _room: Some(room) }).await;
                            });
                            None
                        }
                    }
                }
            };
            let Some(line) = refusal else { continue };
            if !refusals.take() {
                log.info(format!("a client was disconnected after {REFUSAL_BURST} refused requests in a burst"));
                return;
            }
            // Refusals are small and take no slot; when the channel is full the client is not
            // reading, and dropping a refusal costs it least.
            drop(answers.try_send(Answer::refusal(line)));
        }
    }
}
