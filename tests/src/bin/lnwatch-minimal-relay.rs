//! The baseline the relay's latency is measured against (`lnwatch-bench latency-ratio`): a
//! plugin that does the least a relay can. It answers `getmanifest` and `init`, listens on
//! `minimal.sock` in the lightning dir, and writes each notification's bytes, exactly as
//! lightningd sent them, to every client as one line: no parsing, no sequence number, no queue,
//! no redaction. Whatever lnwatch-plugin's latency has above this is its own.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

fn main() {
    let clients: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
    let mut stdin = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
    let mut stdout = std::io::stdout().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let message = line.trim_ascii_end();
        if message.is_empty() {
            continue;
        }
        // lightningd writes `"id"` among the first keys of a request, never in a notification's
        // envelope: only requests (two per run) are parsed.
        let head = &message[..message.len().min(64)];
        if head.windows(5).any(|w| w == b"\"id\":") {
            let Ok(request) = serde_json::from_slice::<Value>(message) else { continue };
            let result = match request["method"].as_str() {
                Some("getmanifest") => {
                    json!({"options": [], "rpcmethods": [], "subscriptions": ["*"], "dynamic": true})
                }
                Some("init") => {
                    listen(Arc::clone(&clients));
                    json!({})
                }
                _ => json!({}),
            };
            let reply = json!({"jsonrpc": "2.0", "id": request["id"], "result": result});
            let _ = writeln!(stdout, "{reply}\n");
            let _ = stdout.flush();
            continue;
        }
        let mut clients = clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain_mut(|c| c.write_all(&line).is_ok());
    }
}

/// Accepts clients on `../minimal.sock` (the plugin's cwd is the network dir).
fn listen(clients: Arc<Mutex<Vec<UnixStream>>>) {
    let path = std::path::Path::new("../minimal.sock");
    let _ = std::fs::remove_file(path);
    let Ok(listener) = UnixListener::bind(path) else { return };
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            clients.lock().unwrap_or_else(|e| e.into_inner()).push(stream);
        }
    });
}
