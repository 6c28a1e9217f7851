//! A plugin that holds every HTLC offered to its node (the `htlc_accepted` hook left
//! unanswered) until the file named by `LNWATCH_RELEASE_FILE` exists, then lets them all go on:
//! how a test keeps an HTLC in flight while blocks are mined.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Deserializer, Value, json};

fn send(out: &Mutex<io::Stdout>, id: &Value, result: Value) {
    let mut bytes = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": id, "result": result})).unwrap_or_default();
    bytes.extend_from_slice(b"\n\n");
    if let Ok(mut o) = out.lock() {
        let _ = o.write_all(&bytes);
        let _ = o.flush();
    }
}

fn main() {
    let release = std::env::var_os("LNWATCH_RELEASE_FILE").map(PathBuf::from);
    let out = Arc::new(Mutex::new(io::stdout()));
    // HTLCs held: their request ids, answered once the release file appears.
    let held: Arc<Mutex<Option<Vec<Value>>>> = Arc::new(Mutex::new(Some(Vec::new())));
    {
        let (out, held) = (out.clone(), held.clone());
        std::thread::spawn(move || {
            while !release.as_ref().is_some_and(|p| p.exists()) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let ids = held.lock().ok().and_then(|mut h| h.take()).unwrap_or_default();
            ids.iter().for_each(|id| send(&out, id, json!({"result": "continue"})));
        });
    }
    for msg in Deserializer::from_reader(io::stdin().lock()).into_iter::<Value>() {
        let Ok(msg) = msg else { return };
        let (Some(id), Some(method)) = (msg.get("id"), msg["method"].as_str()) else {
            if msg["method"] == "shutdown" {
                return;
            }
            continue;
        };
        match method {
            "getmanifest" => send(
                &out,
                id,
                json!({"options": [], "rpcmethods": [], "subscriptions": ["shutdown"],
                    "hooks": [{"name": "htlc_accepted"}], "dynamic": true, "nonnumericids": true}),
            ),
            "htlc_accepted" => {
                let mut h = held.lock().unwrap_or_else(|e| e.into_inner());
                match h.as_mut() {
                    Some(list) => list.push(id.clone()),
                    None => send(&out, id, json!({"result": "continue"})),
                }
            }
            _ => send(&out, id, json!({})),
        }
    }
}
