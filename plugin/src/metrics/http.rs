//! The scrape endpoint: just enough HTTP/1.1 for Prometheus (`GET /metrics`, one request per
//! connection). A client that sends nothing, or too much, is cut off; nothing it does reaches
//! the relay.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::Shared;
use crate::hub::Hub;
use crate::outbox::Logger;

/// A request's head must arrive within this, and fit in this many bytes.
const HEAD_WITHIN: Duration = Duration::from_secs(5);
const MAX_HEAD: usize = 8 * 1024;
/// Scrapes served at once; more wait for the accept.
const MAX_CONNECTIONS: usize = 8;

pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves until the plugin stops (the task is aborted with the others).
pub async fn serve(listener: std::net::TcpListener, rpc_file: PathBuf, hub: Arc<Hub>, metrics: Shared, log: Logger) {
    let listener = match listener.set_nonblocking(true).and_then(|()| TcpListener::from_std(listener)) {
        Ok(l) => l,
        Err(e) => {
            log.unusual(format!("metrics: cannot serve: {e}"));
            return;
        }
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (rpc_file, hub, metrics) = (rpc_file.clone(), hub.clone(), metrics.clone());
        tokio::spawn(async move {
            let _ = one(stream, &rpc_file, &hub, &metrics).await;
            drop(permit);
        });
    }
}

async fn one(mut stream: TcpStream, rpc_file: &std::path::Path, hub: &Hub, metrics: &Shared) -> std::io::Result<()> {
    let head = match tokio::time::timeout(HEAD_WITHIN, read_head(&mut stream)).await {
        Ok(Some(Ok(head))) => head,
        _ => return Ok(()),
    };
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = target.split('?').next().unwrap_or_default();
    let (status, content_type, body) = match (method, path) {
        ("GET", "/metrics") => ("200 OK", CONTENT_TYPE, super::scrape(rpc_file, hub, metrics).await),
        ("GET", "/") => ("200 OK", "text/plain; charset=utf-8", "lnwatch-plugin: metrics at /metrics\n".into()),
        ("GET", _) => ("404 Not Found", "text/plain; charset=utf-8", "not found: try /metrics\n".into()),
        _ => ("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n".into()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// The request's head, up to the blank line; `None` if the client closed or sent too much.
async fn read_head(stream: &mut TcpStream) -> Option<std::io::Result<String>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(Ok(String::from_utf8_lossy(&buf[..end]).into_owned()));
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
}
