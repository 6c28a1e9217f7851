//! lightningd's side of the plugin's stdout: every JSON object must carry `"jsonrpc":"2.0"`,
//! anything else is what lightningd kills a plugin for. Replies go to the conversation; `log`
//! notifications are checked (level, string message) and kept; the first fatal fault is kept.

use std::io::{BufReader, Read};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::{Value, json};

/// What the plugin wrote that was not a reply.
#[derive(Debug, Default)]
struct Seen {
    logs: Vec<Value>,
    fatal: Option<String>,
    stdout_closed: bool,
}

/// Reads the plugin's stdout on a thread of its own.
pub struct StdoutWatch {
    seen: Arc<Mutex<Seen>>,
    pub replies: mpsc::Receiver<Value>,
}

impl StdoutWatch {
    pub fn start(stdout: Box<dyn Read + Send>) -> StdoutWatch {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tx, replies) = mpsc::channel();
        let mine = seen.clone();
        thread::spawn(move || watch_stdout(stdout, tx, &mine));
        StdoutWatch { seen, replies }
    }

    /// What lightningd would have killed the plugin for, if anything.
    pub fn fatal(&self) -> Option<String> {
        self.seen.lock().ok().and_then(|s| s.fatal.clone())
    }

    /// `log` notifications received so far.
    pub fn logs(&self) -> Vec<Value> {
        self.seen.lock().map(|s| s.logs.clone()).unwrap_or_default()
    }

    pub fn closed(&self) -> bool {
        self.seen.lock().is_ok_and(|s| s.stdout_closed)
    }
}

/// Reads the plugin's stdout as lightningd does: a stream of JSON objects, each of which must
/// carry `"jsonrpc":"2.0"`. Replies go to `replies`; `log` notifications are checked and kept.
fn watch_stdout(stdout: Box<dyn Read + Send>, replies: mpsc::Sender<Value>, seen: &Mutex<Seen>) {
    let fatal = |msg: String| {
        if let Ok(mut s) = seen.lock() {
            s.fatal.get_or_insert(msg);
        }
    };
    for message in serde_json::Deserializer::from_reader(BufReader::new(stdout)).into_iter::<Value>() {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                fatal(format!("Failed to parse RPC JSON response: {e}"));
                break;
            }
        };
        if message.get("jsonrpc") != Some(&json!("2.0")) {
            fatal(format!("JSON-RPC message does not contain \"jsonrpc\" field: {message}"));
            break;
        }
        if message.get("id").is_some() {
            let _ = replies.send(message);
            continue;
        }
        match message.get("method").and_then(Value::as_str) {
            Some("log") => {
                let level =
                    message["params"].get("level").and_then(Value::as_str).unwrap_or("info").to_ascii_lowercase();
                if !["trace", "debug", "info", "unusual", "broken", "warn", "error"].contains(&level.as_str()) {
                    fatal(format!("Unknown log level {level}"));
                    break;
                }
                if !message["params"]["message"].is_string() {
                    fatal("log message must be a string".into());
                    break;
                }
                if let Ok(mut s) = seen.lock() {
                    s.logs.push(message);
                }
            }
            // lightningd drops undeclared custom notifications with a warning; lnwatch declares
            // none, so any is a bug worth failing on.
            other => fatal(format!("undeclared notification {other:?}")),
        }
    }
    if let Ok(mut s) = seen.lock() {
        s.stdout_closed = true;
    }
}
