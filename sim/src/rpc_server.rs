//! A fake `lightning-rpc`: answers `getinfo` and `listpeers` from configurable values and any
//! other method from a function, records every call, and can come up late, as lightningd's RPC
//! socket does at startup.

use std::io::{BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

/// What the fake node answers.
#[derive(Debug, Clone)]
pub struct RpcAnswers {
    pub getinfo: Value,
    pub listpeers: Value,
    /// How long the node takes to answer each call.
    pub answer_delay: Duration,
    /// Every other method: `Some(result)`, or `None` for lightningd's "Unknown command".
    pub other: Option<Answerer>,
}

/// Answers a method with its params; shared by every connection.
#[derive(Clone)]
pub struct Answerer(pub Arc<AnswerFn>);

pub type AnswerFn = dyn Fn(&str, &Value) -> Option<Value> + Send + Sync;

impl std::fmt::Debug for Answerer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answerer(..)")
    }
}

impl Default for RpcAnswers {
    fn default() -> Self {
        RpcAnswers {
            getinfo: json!({"id":"0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0",
                            "alias":"SLEEPYCHIPMUNK","network":"regtest","version":"v25.12.1","blockheight":110}),
            listpeers: json!({"peers":[]}),
            answer_delay: Duration::ZERO,
            other: None,
        }
    }
}

pub struct RpcServer {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    calls: Arc<Mutex<Vec<String>>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl RpcServer {
    /// Starts serving at `path` after `delay` (the socket does not exist before).
    pub fn start(path: &Path, answers: RpcAnswers, delay: Duration) -> RpcServer {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(answers);
        let calls = Arc::new(Mutex::new(Vec::new()));
        // Without a delay the socket exists when this returns, as lightningd's does once up.
        let bound = if delay.is_zero() { UnixListener::bind(path).ok() } else { None };
        let thread = {
            let (path, stop, answers, calls) = (path.to_path_buf(), stop.clone(), answers.clone(), calls.clone());
            thread::spawn(move || serve(&path, bound, delay, &stop, &answers, &calls))
        };
        RpcServer { path: path.to_path_buf(), stop, calls, thread: Some(thread) }
    }

    /// Methods called so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops answering and removes the socket, as a lightningd that is shutting down does.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(
    path: &Path,
    bound: Option<UnixListener>,
    delay: Duration,
    stop: &AtomicBool,
    answers: &Arc<RpcAnswers>,
    calls: &Arc<Mutex<Vec<String>>>,
) {
    let deadline = std::time::Instant::now() + delay;
    while std::time::Instant::now() < deadline {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    let Some(listener) = bound.or_else(|| UnixListener::bind(path).ok()) else { return };
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let snapshot = answers.clone();
                let calls = calls.clone();
                thread::spawn(move || answer(stream, &snapshot, &calls));
            }
            Err(_) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn answer(stream: UnixStream, answers: &RpcAnswers, calls: &Mutex<Vec<String>>) {
    let _ = stream.set_nonblocking(false);
    let Ok(mut out) = stream.try_clone() else { return };
    let requests = serde_json::Deserializer::from_reader(BufReader::new(stream)).into_iter::<Value>();
    for request in requests {
        let Ok(request) = request else { return };
        let method = request["method"].as_str().unwrap_or_default().to_owned();
        if let Ok(mut c) = calls.lock() {
            c.push(method.clone());
        }
        thread::sleep(answers.answer_delay);
        let body = match method.as_str() {
            "getinfo" => json!({"result": answers.getinfo}),
            "listpeers" => json!({"result": answers.listpeers}),
            _ => match answers.other.as_ref().and_then(|a| (a.0)(&method, &request["params"])) {
                Some(result) => json!({ "result": result }),
                None => json!({"error": {"code": -32601, "message": format!("Unknown command '{method}'")}}),
            },
        };
        let mut reply = json!({"jsonrpc":"2.0","id":request["id"]});
        if let (Some(r), Some(b)) = (reply.as_object_mut(), body.as_object()) {
            r.extend(b.clone());
        }
        // lightningd ends every reply with a blank line.
        if out.write_all(format!("{reply}\n\n").as_bytes()).is_err() {
            return;
        }
    }
}
