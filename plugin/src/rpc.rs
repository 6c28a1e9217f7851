//! A minimal client for the node's `lightning-rpc` socket, and the peer snapshot taken with it.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lnwatch_shared::peers::from_listpeers;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::budget::Reservation;
use crate::hub::Hub;
use crate::outbox::Logger;

const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The snapshot's answers are small; this only bounds memory.
const SNAPSHOT_MAX_BYTES: usize = 256 * 1024 * 1024;

/// How a call ended at the node.
#[derive(Debug)]
pub enum Reply {
    /// The `result` member, as the node wrote it.
    Result(Box<RawValue>),
    /// The `error` member.
    Error(Value),
}

/// Why a call has no reply.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{method} did not answer in {after:?}")]
    Timeout { method: String, after: Duration },
    #[error("{method}: the reply is over {limit} bytes")]
    TooLarge { method: String, limit: usize },
    /// The plugin's budget for answers clients have not read yet is spent.
    #[error("{method}: no room left in the plugin's answer budget")]
    NoRoom { method: String },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Calls `method` and returns its `result`; a JSON-RPC error becomes an `io::Error`.
pub async fn call(rpc_file: &Path, method: &str, params: Value) -> io::Result<Value> {
    let reply =
        request(rpc_file, method, &params, CALL_TIMEOUT, SNAPSHOT_MAX_BYTES, None).await.map_err(|e| match e {
            CallError::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })?;
    match reply {
        Reply::Result(raw) => {
            serde_json::from_str(raw.get()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        }
        Reply::Error(err) => Err(io::Error::other(format!("{method}: {err}"))),
    }
}

/// One call on its own connection, given up after `timeout`, once the reply passes
/// `max_bytes`, or when `room` (if given) cannot cover what has arrived.
pub async fn request(
    rpc_file: &Path,
    method: &str,
    params: &Value,
    timeout: Duration,
    max_bytes: usize,
    room: Option<&mut Reservation>,
) -> Result<Reply, CallError> {
    tokio::time::timeout(timeout, request_inner(rpc_file, method, params, max_bytes, room))
        .await
        .map_err(|_| CallError::Timeout { method: method.to_owned(), after: timeout })?
}

async fn request_inner(
    rpc_file: &Path,
    method: &str,
    params: &Value,
    max_bytes: usize,
    mut room: Option<&mut Reservation>,
) -> Result<Reply, CallError> {
    #[derive(Deserialize)]
    struct Answer {
        result: Option<Box<RawValue>>,
        error: Option<Value>,
    }
    let mut stream = UnixStream::connect(rpc_file).await?;
    let request = json!({"jsonrpc":"2.0","id":format!("lnwatch:{method}#1"),"method":method,"params":params});
    stream.write_all(request.to_string().as_bytes()).await?;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            let e = io::Error::new(io::ErrorKind::UnexpectedEof, format!("{method}: connection closed before a reply"));
            return Err(e.into());
        }
        // Twice what arrived: while the answer is parsed and its line built, two copies live.
        if room.as_mut().is_some_and(|r| !r.cover(2 * (buf.len() + n))) {
            return Err(CallError::NoRoom { method: method.to_owned() });
        }
        buf.extend_from_slice(&chunk[..n]);
        // The envelope adds a few dozen bytes to the result.
        if buf.len() > max_bytes.saturating_add(256) {
            return Err(CallError::TooLarge { method: method.to_owned(), limit: max_bytes });
        }
        // Replies end with "\n\n"; only then is a parse attempt worth it.
        if !buf.ends_with(b"\n\n") {
            continue;
        }
        let answer: Answer = match serde_json::from_slice(&buf) {
            Ok(v) => v,
            Err(e) if e.is_eof() => continue,
            Err(e) => {
                let e = io::Error::new(io::ErrorKind::InvalidData, format!("{method}: bad reply: {e}"));
                return Err(e.into());
            }
        };
        return Ok(match (answer.result, answer.error) {
            (_, Some(err)) => Reply::Error(err),
            (Some(raw), None) => {
                if raw.get().len() > max_bytes {
                    return Err(CallError::TooLarge { method: method.to_owned(), limit: max_bytes });
                }
                Reply::Result(raw)
            }
            (None, None) => Reply::Result(RawValue::from_string("null".into()).map_err(io::Error::other)?),
        });
    }
}

/// Fetches `getinfo` and `listpeers` until the node answers, then hands them to the hub.
/// At lightningd startup the RPC socket may not exist yet, so failures are retried with a
/// capped exponential backoff; the first failure is logged once, not every retry.
pub async fn snapshot(rpc_file: &Path, hub: Arc<Hub>, log: Logger) {
    let mut delay = Duration::from_millis(50);
    let mut failures = 0u32;
    loop {
        match fetch(rpc_file, &hub).await {
            Ok((info, peers)) => {
                let peers = from_listpeers(&peers);
                if failures > 0 {
                    log.info(format!("node RPC answered after {failures} attempts; {} peers", peers.len()));
                }
                let text = |k: &str| info.get(k).and_then(Value::as_str).map(str::to_owned);
                hub.apply_snapshot(text("id"), text("alias"), peers);
                return;
            }
            Err(e) => {
                failures += 1;
                if failures == 1 {
                    log.debug(format!("node RPC not ready ({e}); retrying"));
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn fetch(rpc_file: &Path, hub: &Hub) -> io::Result<(Value, Value)> {
    let info = call(rpc_file, "getinfo", json!({})).await?;
    hub.snapshot_requested();
    let peers = call(rpc_file, "listpeers", json!({})).await?;
    Ok((info, peers))
}
