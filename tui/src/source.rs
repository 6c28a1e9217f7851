//! The socket source: connects to the plugin, turns lines into messages, sends the app's
//! queries, and reconnects with a capped backoff when the socket goes away (plugin restarted,
//! node stopped).

use std::path::{Path, PathBuf};
use std::time::Duration;

use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::traits::tokio::Stream as _;
use interprocess::local_socket::{GenericFilePath, ToFsName};
use lnwatch_shared::frame::{LineBuf, MAX_LINE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::app::{Msg, SourceEvent};
use crate::decode::{Decoder, Received};

const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Runs until the receiving side of `tx` is gone. Lines from `queries` are written to the
/// current connection; those queued while there was none are dropped (the app asks again).
/// Messages go out tagged with `node`, the socket's place in the fleet.
pub async fn run(
    path: PathBuf,
    node: usize,
    tx: mpsc::Sender<(usize, Msg)>,
    mut queries: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let tx = Tagged { node, tx };
    let mut retry = FIRST_RETRY;
    if tx.send(Msg::Source(SourceEvent::Connecting { attempt: 1 })).await.is_err() {
        return;
    }
    loop {
        let reason = match connect(&path).await {
            Ok(stream) => {
                retry = FIRST_RETRY;
                while queries.try_recv().is_ok() {}
                if tx.send(Msg::Source(SourceEvent::Connected)).await.is_err() {
                    return;
                }
                serve(stream, &tx, &mut queries).await
            }
            Err(e) => {
                let lines = crate::diagnose::diagnose(&path);
                if tx.send(Msg::Source(SourceEvent::Absent(lines))).await.is_err() {
                    return;
                }
                e
            }
        };
        let lost = SourceEvent::Lost { reason, retry_in: retry.as_secs_f64() };
        if tx.send(Msg::Source(lost)).await.is_err() {
            return;
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(MAX_RETRY);
    }
}

async fn connect(path: &Path) -> Result<Stream, String> {
    let name = path.to_fs_name::<GenericFilePath>().map_err(|e| e.to_string())?;
    Stream::connect(name).await.map_err(|e| e.to_string())
}

/// Reads until the stream ends and writes queries meanwhile; returns why it ended. Lines read
/// in one go are sent as one batch; the bounded channel makes a UI that cannot keep up slow
/// this reader down, and the plugin then reports what was dropped with a `gap`.
/// The sending side of the fleet's channel, with this source's node index on every message.
struct Tagged {
    node: usize,
    tx: mpsc::Sender<(usize, Msg)>,
}

impl Tagged {
    async fn send(&self, msg: Msg) -> Result<(), mpsc::error::SendError<(usize, Msg)>> {
        self.tx.send((self.node, msg)).await
    }
}

async fn serve(stream: Stream, tx: &Tagged, queries: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> String {
    // `&Stream` reads and writes; a cancelled read loses nothing.
    let (mut recv, mut send) = (&stream, &stream);
    let mut lines = LineBuf::new(MAX_LINE);
    let mut decoder = Decoder::default();
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let read = tokio::select! {
            read = recv.read(&mut chunk) => read,
            Some(line) = queries.recv() => {
                if let Err(e) = send.write_all(&line).await {
                    return e.to_string();
                }
                continue;
            }
        };
        let n = match read {
            Ok(0) => return "the plugin closed the connection".into(),
            Ok(n) => n,
            Err(e) => return e.to_string(),
        };
        lines.extend(&chunk[..n]);
        let mut batch = Vec::new();
        while let Some(line) = lines.next_line() {
            batch.push(match line {
                Ok(l) => decoder.line(l),
                Err(e) => Received::Bad(e.to_string()),
            });
        }
        if !batch.is_empty() && tx.send(Msg::Batch(batch)).await.is_err() {
            return "closing".into();
        }
    }
}
