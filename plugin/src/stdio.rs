//! The plugin side of lightningd's JSON-RPC: one loop reading stdin in order.
//!
//! lightningd writes one compact JSON object per line followed by a blank line. The loop reads
//! eagerly and never waits on anything but stdin: replies and logs go through the [`Outbox`],
//! events into the [`Hub`], which never blocks.

use std::borrow::Cow;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use interprocess::local_socket::tokio::Listener;
use interprocess::local_socket::traits::tokio::Listener as _;
use lnwatch_shared::frame::LineBuf;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::task::JoinSet;

use crate::budget::Budget;
use crate::config::{self, Config};
use crate::hub::{Hub, NodeInfo};
use crate::outbox::{Logger, Outbox};
use crate::query::Queries;
use crate::socket::{self, SocketFile};
use crate::{client, manifest, rpc};

/// What the plugin knows of its surroundings: lightningd sets both (cwd = network dir,
/// `LIGHTNINGD_VERSION`); tests and the demo pass their own.
#[derive(Debug, Clone)]
pub struct PluginEnv {
    pub lightningd_version: Option<String>,
    pub cwd: PathBuf,
}

impl PluginEnv {
    pub fn from_process() -> PluginEnv {
        PluginEnv {
            lightningd_version: std::env::var("LIGHTNINGD_VERSION").ok(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }
}

/// Why the loop ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Exit {
    /// stdin closed: lightningd is gone, or this was `lightningd --help`.
    Eof,
    /// lightningd sent `shutdown`.
    Shutdown,
    /// `init` was answered with `disable`.
    Disabled(String),
}

/// Longest message accepted from lightningd. Its messages are at most a few MiB; this only
/// bounds memory should something else be writing to stdin.
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;
/// How long clients get to drain their queues when the plugin stops.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

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

#[derive(Serialize)]
struct Reply<'a, T: Serialize> {
    jsonrpc: &'static str,
    id: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

/// Everything that exists once `init` succeeded.
struct Running {
    config: Config,
    hub: Arc<Hub>,
    tasks: JoinSet<()>,
    clients: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    /// Shared with the accept task, which replaces it when it recreates a deleted socket;
    /// removed from the disk when the last holder drops it.
    _socket: Arc<std::sync::Mutex<SocketFile>>,
}

struct Plugin {
    env: PluginEnv,
    outbox: Outbox,
    log: Logger,
    running: Option<Running>,
    dropped_before_init: u64,
}

/// Runs the plugin protocol until stdin ends, `shutdown` arrives, or `init` disables it.
/// Must run inside a tokio runtime.
pub async fn run<R, W>(mut input: R, output: W, env: PluginEnv) -> io::Result<Exit>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let outbox = Outbox::spawn(output);
    let log = Logger::new(outbox.clone());
    let mut plugin = Plugin { env, outbox, log, running: None, dropped_before_init: 0 };
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
                Err(e) => plugin.log.unusual(format!("skipped a message from lightningd: {e}")),
            }
        }
        // One wake-up per read, however many events it held.
        if let Some(r) = &plugin.running {
            r.hub.flush();
        }
    };
    plugin.stop().await;
    Ok(exit)
}

impl Plugin {
    fn handle(&mut self, line: &[u8]) -> Option<Exit> {
        let msg = match Incoming::parse(line) {
            Ok(m) => m,
            Err(e) => {
                self.log.unusual(format!("skipped a message from lightningd that is not JSON-RPC: {e}"));
                return None;
            }
        };
        match (msg.id, msg.method.as_deref()) {
            (Some(id), Some(method)) => self.request(id, method, msg.params),
            (None, Some(method)) => self.notification(method, msg.origin().as_deref(), msg.params),
            // A reply to a request: the plugin sends none on stdout.
            _ => None,
        }
    }

    fn request(&mut self, id: &RawValue, method: &str, params: Option<&RawValue>) -> Option<Exit> {
        match method {
            "getmanifest" => {
                self.reply(id, Ok(manifest::manifest(self.env.lightningd_version.as_deref())));
                None
            }
            "init" => {
                if self.running.is_some() {
                    self.reply(id, Err((-32600, "init was already received".into())));
                    return None;
                }
                let params = params.and_then(|p| serde_json::from_str::<Value>(p.get()).ok()).unwrap_or(Value::Null);
                match self.init(&params) {
                    Ok(()) => {
                        self.reply(id, Ok(json!({})));
                        if let Some(r) = &self.running {
                            let redaction = if r.config.redact { "on" } else { "off" };
                            self.log.info(format!(
                                "relaying notifications on {} (redaction {redaction})",
                                r.config.socket.display()
                            ));
                        }
                        None
                    }
                    Err(reason) => {
                        self.reply(id, Ok(json!({ "disable": reason })));
                        Some(Exit::Disabled(reason))
                    }
                }
            }
            other => {
                self.reply(id, Err((-32601, format!("lnwatch-plugin has no method {other:?}"))));
                None
            }
        }
    }

    fn reply(&self, id: &RawValue, outcome: Result<Value, (i64, String)>) {
        let (result, error) = match outcome {
            Ok(v) => (Some(v), None),
            Err((code, message)) => (None, Some(json!({"code": code, "message": message}))),
        };
        let reply = Reply { jsonrpc: "2.0", id, result, error };
        if let Ok(bytes) = serde_json::to_vec(&reply) {
            self.outbox.send(bytes);
        }
    }

    fn init(&mut self, params: &Value) -> Result<(), String> {
        let config = config::from_init(params, &self.env.cwd)?;
        let (listener, socket) = socket::bind(&config.socket)?;
        let info = NodeInfo {
            lightningd: self.env.lightningd_version.clone(),
            network: config.network.clone(),
            ..NodeInfo::default()
        };
        let hub = Arc::new(Hub::new(config.replay, config.client_queue, config.buffer_bytes, config.redact, info));
        let clients = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let socket = Arc::new(std::sync::Mutex::new(socket));
        let mut tasks = JoinSet::new();
        let queries = Queries {
            rpc_file: config.rpc_file.clone(),
            redact: config.redact,
            timeout: config.query_timeout,
            budget: Budget::default(),
        };
        let served = Served { hub: hub.clone(), queries, clients: clients.clone(), log: self.log.clone() };
        tasks.spawn(accept(listener, socket.clone(), served));
        tasks.spawn({
            let (rpc_file, hub, log) = (config.rpc_file.clone(), hub.clone(), self.log.clone());
            async move { rpc::snapshot(&rpc_file, hub, log).await }
        });
        self.running = Some(Running { config, hub, tasks, clients, _socket: socket });
        Ok(())
    }

    fn notification(&mut self, method: &str, origin: Option<&str>, params: Option<&RawValue>) -> Option<Exit> {
        let Some(running) = &self.running else {
            // lightningd only notifies initialised plugins; count rather than log each.
            self.dropped_before_init += 1;
            return (method == "shutdown").then_some(Exit::Shutdown);
        };
        if method == "log" && (!running.config.log || (running.config.redact && params.is_some_and(is_io_log))) {
            return None;
        }
        running.hub.publish(method, origin, params);
        (method == "shutdown").then_some(Exit::Shutdown)
    }

    /// Stops accepting, lets clients drain briefly, removes the socket, flushes stdout.
    async fn stop(self) {
        if self.dropped_before_init > 0 {
            self.log
                .unusual(format!("{} notifications arrived before init and were dropped", self.dropped_before_init));
        }
        if let Some(mut running) = self.running {
            running.tasks.abort_all();
            running.hub.close();
            let mut clients = running.clients.lock().await;
            let drained =
                tokio::time::timeout(DRAIN_GRACE, async { while clients.join_next().await.is_some() {} }).await;
            if drained.is_err() {
                clients.abort_all();
            }
            // `running._socket` is dropped here, removing the socket file.
        }
        self.outbox.close().await;
    }
}

/// Whether a `log` notification is an `io` line: a hex dump of wire messages, where a
/// preimage (in `update_fulfill_htlc`) cannot be told from the bytes around it, so with
/// redaction on such lines are dropped rather than scrubbed.
fn is_io_log(params: &RawValue) -> bool {
    #[derive(Deserialize)]
    struct Level<'a> {
        #[serde(borrow)]
        level: Option<Cow<'a, str>>,
    }
    #[derive(Deserialize)]
    struct Log<'a> {
        #[serde(borrow)]
        log: Option<Level<'a>>,
        #[serde(borrow)]
        level: Option<Cow<'a, str>>,
    }
    serde_json::from_str::<Log<'_>>(params.get())
        .ok()
        .and_then(|l| l.log.and_then(|i| i.level).or(l.level))
        .is_some_and(|level| level == "io")
}

/// How often the socket's path is checked for having been deleted or replaced.
const SOCKET_CHECK: Duration = Duration::from_secs(1);

/// What every accepted client is served with.
struct Served {
    hub: Arc<Hub>,
    queries: Queries,
    clients: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    log: Logger,
}

async fn accept(mut listener: Listener, socket: Arc<std::sync::Mutex<SocketFile>>, served: Served) {
    let Served { hub, queries, clients, log } = served;
    let mut check = tokio::time::interval(SOCKET_CHECK);
    // The last problem reported about the path, so it is said once, not every second.
    let mut reported: Option<String> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(stream) => {
                    let mut set = clients.lock().await;
                    // Reap finished clients so the set does not grow with uptime.
                    while set.try_join_next().is_some() {}
                    set.spawn(client::serve(stream, hub.clone(), queries.clone(), log.clone()));
                    log.debug(format!("client connected ({} connected)", set.len()));
                }
                Err(e) => {
                    log.unusual(format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = check.tick() => {
                if let Some(relistened) = keep_socket(&socket, &mut reported, &log) {
                    listener = relistened;
                }
            }
        }
    }
}

/// Recreates the socket if somebody deleted it (under the same claim rules as at `init`);
/// says once, in the node's log, why new clients cannot connect when it cannot.
fn keep_socket(socket: &std::sync::Mutex<SocketFile>, reported: &mut Option<String>, log: &Logger) -> Option<Listener> {
    let mut file = socket.lock().unwrap_or_else(|e| e.into_inner());
    let path = file.path().to_path_buf();
    let problem = match file.state() {
        socket::PathState::Ours => None,
        socket::PathState::Missing => match socket::bind(&path) {
            Ok((listener, new_file)) => {
                // The old file is gone, and the new one may reuse its inode number: dropping
                // the old record could remove the new socket.
                std::mem::forget(std::mem::replace(&mut *file, new_file));
                log.info(format!("socket {} was deleted; listening again", path.display()));
                *reported = None;
                return Some(listener);
            }
            Err(reason) => Some(format!("socket {} was deleted and cannot be recreated: {reason}", path.display())),
        },
        socket::PathState::Replaced => Some(format!(
            "socket {} was replaced by something else; leaving it alone, so new clients cannot connect \
             (remove it and lnwatch-plugin listens again, or restart the plugin)",
            path.display()
        )),
    };
    if problem != *reported {
        if let Some(p) = &problem {
            log.unusual(p);
        }
        *reported = problem;
    }
    None
}
