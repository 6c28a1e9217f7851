//! Everything the plugin writes to lightningd goes through one task, so messages never
//! interleave and the stdin loop never waits on stdout.
//!
//! Diagnostics become `log` notifications, rate-limited: lightningd turns every plugin log line
//! into a `log` notification for its subscribers, so logging per event would feed on itself.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

enum Out {
    Msg(Vec<u8>),
    Close(oneshot::Sender<()>),
}

/// Handle to the stdout writer task.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Out>,
}

impl Outbox {
    pub fn spawn<W: AsyncWrite + Unpin + Send + 'static>(mut output: W) -> Outbox {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(out) = rx.recv().await {
                match out {
                    Out::Msg(bytes) => {
                        // lightningd needs no delimiter but "\n\n" is what its own libraries send.
                        if output.write_all(&bytes).await.is_err() || output.write_all(b"\n\n").await.is_err() {
                            break;
                        }
                        if rx.is_empty() && output.flush().await.is_err() {
                            break;
                        }
                    }
                    Out::Close(done) => {
                        let _ = output.flush().await;
                        let _ = done.send(());
                        break;
                    }
                }
            }
        });
        Outbox { tx }
    }

    /// Queues one JSON-RPC message (without framing).
    pub fn send(&self, message: Vec<u8>) {
        let _ = self.tx.send(Out::Msg(message));
    }

    /// Writes out everything queued so far, then stops the writer.
    pub async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Out::Close(done)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
        }
    }
}

/// Log levels the plugin uses (lightningd kills a plugin that sends an unknown level).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    Debug,
    Info,
    Unusual,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Unusual => "unusual",
        }
    }
}

/// Token bucket: `BURST` messages at once, then one per `REFILL`.
const BURST: f64 = 20.0;
const REFILL: Duration = Duration::from_secs(1);

struct Bucket {
    tokens: f64,
    last: Instant,
    suppressed: u64,
}

/// Rate-limited logging to lightningd.
#[derive(Clone)]
pub struct Logger {
    outbox: Outbox,
    bucket: Arc<Mutex<Bucket>>,
}

impl Logger {
    pub fn new(outbox: Outbox) -> Logger {
        let bucket = Bucket { tokens: BURST, last: Instant::now(), suppressed: 0 };
        Logger { outbox, bucket: Arc::new(Mutex::new(bucket)) }
    }

    pub fn log(&self, level: Level, message: impl AsRef<str>) {
        let suppressed = {
            let Ok(mut b) = self.bucket.lock() else { return };
            let now = Instant::now();
            b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() / REFILL.as_secs_f64()).min(BURST);
            b.last = now;
            if b.tokens < 1.0 {
                b.suppressed += 1;
                return;
            }
            b.tokens -= 1.0;
            std::mem::take(&mut b.suppressed)
        };
        let mut message = format!("lnwatch: {}", message.as_ref());
        if suppressed > 0 {
            message.push_str(&format!(" ({suppressed} earlier messages suppressed)"));
        }
        let note = json!({"jsonrpc":"2.0","method":"log","params":{"level":level.as_str(),"message":message}});
        self.outbox.send(note.to_string().into_bytes());
    }

    pub fn info(&self, message: impl AsRef<str>) {
        self.log(Level::Info, message)
    }

    pub fn unusual(&self, message: impl AsRef<str>) {
        self.log(Level::Unusual, message)
    }

    pub fn debug(&self, message: impl AsRef<str>) {
        self.log(Level::Debug, message)
    }
}
