//! A minimal client for the node's `lightning-rpc` socket, and the peer snapshot taken with it.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lnwatch_shared::peers::from_listpeers;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::hub::Hub;
use crate::outbox::Logger;

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Calls `method` and returns its `result`; a JSON-RPC error becomes an `io::Error`.
pub async fn call(rpc_file: &Path, method: &str, params: Value) -> io::Result<Value> {
    tokio::time::timeout(CALL_TIMEOUT, call_inner(rpc_file, method, params))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("{method} did not answer in {CALL_TIMEOUT:?}")))?
}

async fn call_inner(rpc_file: &Path, method: &str, params: Value) -> io::Result<Value> {
    let mut stream = UnixStream::connect(rpc_file).await?;
    let request = json!({"jsonrpc":"2.0","id":format!("lnwatch:{method}#1"),"method":method,"params":params});
    stream.write_all(request.to_string().as_bytes()).await?;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{method}: connection closed before a reply"),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        // Replies end with "\n\n"; only then is a parse attempt worth it.
        if !buf.ends_with(b"\n\n") {
            continue;
        }
        let mut reply: Value = match serde_json::from_slice(&buf) {
            Ok(v) => v,
            Err(e) if e.is_eof() => continue,
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{method}: bad reply: {e}"))),
        };
        if let Some(err) = reply.get("error") {
            return Err(io::Error::other(format!("{method}: {err}")));
        }
        return Ok(reply.get_mut("result").map(Value::take).unwrap_or(Value::Null));
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
