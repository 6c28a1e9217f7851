//! One socket client: hello, peers and replay first, then live events, filtered by the
//! client's subscription; `gap` when it fell behind.

use std::collections::HashSet;
use std::sync::Arc;

use interprocess::local_socket::tokio::Stream;
use lnwatch_shared::frame::{self, Frame, Gap, LineBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use crate::hub::{Attached, Hub, Item};
use crate::outbox::Logger;

/// Topics a client asked for; `None` is everything.
type Filter = Option<HashSet<Box<str>>>;

/// Longest line a client may send: subscriptions are tiny.
const MAX_CLIENT_LINE: usize = 64 * 1024;
/// Flush the replay to the socket in pieces of about this size.
const BATCH_BYTES: usize = 256 * 1024;

/// Entries taken from the log per wake-up.
const BATCH_ITEMS: usize = 1024;

/// Serves one client until it goes away or the hub closes.
pub async fn serve(stream: Stream, hub: Arc<Hub>, log: Logger) {
    let attached = hub.attach();
    // `&Stream` reads and writes, so both tasks share it.
    let stream = Arc::new(stream);
    let (filter_tx, filter_rx) = watch::channel(None);
    let reader = tokio::spawn(read_requests(stream.clone(), filter_tx, log.clone()));
    let mut writer = Writer {
        send: stream,
        hub,
        filter_rx,
        filter: None,
        last_seq: attached.last_seq,
        lagged: false,
        buf: Vec::new(),
    };
    let _ = writer.run(attached).await;
    reader.abort();
}

struct Writer {
    send: Arc<Stream>,
    hub: Arc<Hub>,
    filter_rx: watch::Receiver<Filter>,
    filter: Filter,
    /// Seq of the newest event taken from the log (sent or filtered out).
    last_seq: u64,
    lagged: bool,
    buf: Vec<u8>,
}

impl Writer {
    async fn run(&mut self, attached: Attached) -> std::io::Result<()> {
        let Attached { preamble, replay, mut cursor, mut wake, .. } = attached;
        self.buf.extend_from_slice(&preamble);
        for item in replay {
            self.take(&item);
            if self.buf.len() >= BATCH_BYTES {
                self.flush().await?;
            }
        }
        self.flush().await?;
        loop {
            wake.borrow_and_update();
            let batch = self.hub.read(cursor, BATCH_ITEMS);
            if batch.finished {
                return Ok(());
            }
            if batch.items.is_empty() {
                // Woken by any append after `borrow_and_update`, so nothing is missed.
                if wake.changed().await.is_err() {
                    return Ok(());
                }
                continue;
            }
            self.lagged |= batch.lagged;
            cursor = batch.cursor;
            for item in &batch.items {
                self.take(item);
            }
            self.flush().await?;
        }
    }

    fn take(&mut self, item: &Item) {
        match item {
            Item::Event { seq, topic, line } => {
                if self.lagged {
                    self.lagged = false;
                    let gap = Frame::Gap(Gap { missed: seq.saturating_sub(self.last_seq + 1), next_seq: *seq });
                    self.buf.extend_from_slice(&frame::encode(&gap));
                    // A `peers` frame may have been among the lost entries: resend the table.
                    self.buf.extend_from_slice(&self.hub.peers_line());
                }
                self.last_seq = *seq;
                if self.filter_rx.has_changed().unwrap_or(false) {
                    self.filter = self.filter_rx.borrow_and_update().clone();
                }
                if self.filter.as_ref().is_none_or(|f| f.contains(&**topic)) {
                    self.buf.extend_from_slice(line);
                }
            }
            Item::Control(line) => self.buf.extend_from_slice(line),
        }
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            (&*self.send).write_all(&self.buf).await?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Reads client lines: `subscribe` updates the filter, anything else is ignored (and noted).
async fn read_requests(recv: Arc<Stream>, filter: watch::Sender<Filter>, log: Logger) {
    let mut lines = LineBuf::new(MAX_CLIENT_LINE);
    let mut chunk = vec![0u8; 8192];
    loop {
        match (&*recv).read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => lines.extend(&chunk[..n]),
        }
        while let Some(line) = lines.next_line() {
            if line.as_ref().is_ok_and(|l| l.trim_ascii().is_empty()) {
                continue;
            }
            match line.map(frame::decode) {
                Ok(Ok(Frame::Subscribe(s))) => {
                    let _ = filter.send(s.topics.map(|t| t.into_iter().map(Into::into).collect()));
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) | Err(e) => log.debug(format!("ignored a client line: {e}")),
            }
        }
    }
}
