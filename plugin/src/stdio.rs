//! lightningd's JSON-RPC framing on the plugin's stdin and stdout: one loop reading stdin in
//! order, cutting it into messages, and the shape of a reply. What each message means is
//! [`crate::dispatch`]'s.
//!
//! lightningd writes one compact JSON object per line followed by a blank line. The loop reads
//! eagerly and never waits on anything but stdin: replies and logs go through the
//! [`crate::outbox::Outbox`], events into the [`crate::hub::Hub`], which never blocks.

use std::borrow::Cow;
use std::io;

use lnwatch_shared::frame::LineBuf;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

use crate::dispatch::{Exit, Plugin, PluginEnv};
use crate::outbox::Outbox;

/// Longest message accepted from lightningd. Its messages are at most a few MiB; this only
/// bounds memory should something else be writing to stdin.
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;
/// One message from lightningd, fields borrowed from its line.
#[derive(Deserialize)]
pub struct Incoming<'a> {
    #[serde(borrow)]
    pub id: Option<&'a RawValue>,
    #[serde(borrow)]
    pub method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub origin: Option<&'a RawValue>,
    #[serde(borrow)]
    pub params: Option<&'a RawValue>,
}

impl<'a> Incoming<'a> {
    /// Parses one line from lightningd.
    pub fn parse(line: &'a [u8]) -> Result<Incoming<'a>, serde_json::Error> {
        // Validating UTF-8 once up front lets serde skip re-validating every string it borrows.
        std::str::from_utf8(line).map_err(serde::de::Error::custom).and_then(serde_json::from_str)
    }

    /// The emitting plugin of a custom notification (v25.09+: top level).
    pub fn origin(&self) -> Option<Cow<'a, str>> {
        self.origin.and_then(|o| serde_json::from_str::<Cow<'a, str>>(o.get()).ok())
    }
}

/// A reply to lightningd's request `id`: its result, or an error code and message.
pub fn reply(id: &RawValue, outcome: Result<Value, (i64, String)>) -> Vec<u8> {
    let (result, error) = match outcome {
        Ok(v) => (Some(v), None),
        Err((code, message)) => (None, Some(json!({"code": code, "message": message}))),
    };
    // Serializing a Value with string keys cannot fail.
    serde_json::to_vec(&Reply { jsonrpc: "2.0", id, result, error }).unwrap_or_default()
}

#[derive(Serialize)]
struct Reply<'a, T: Serialize> {
    jsonrpc: &'static str,
    id: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

/// Runs the plugin protocol until stdin ends, `shutdown` arrives, or `init` disables it.
/// Must run inside a tokio runtime.
pub async fn run<R, W>(mut input: R, output: W, env: PluginEnv) -> io::Result<Exit>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut plugin = Plugin::new(Outbox::spawn(output), env);
    let mut lines = LineBuf::new(MAX_MESSAGE);
    let mut chunk = vec![0u8; 256 * 1024];
    let exit = 'read: loop {
        let n = match input.read(&mut chunk).await {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => 0,
        };
        if n == 0 {
            break Exit::Eof;
        }
        lines.extend(&chunk[..n]);
        while let Some(line) = lines.next_line() {
            match line {
                Ok(line) if line.trim_ascii().is_empty() => {}
                Ok(line) => {
                    if let Some(exit) = plugin.handle(line) {
                        break 'read exit;
                    }
                }
                Err(e) => plugin.skipped(&e),
            }
        }
        // One wake-up per read, however many events it held.
        plugin.flush();
    };
    plugin.stop(&exit).await;
    Ok(exit)
}
