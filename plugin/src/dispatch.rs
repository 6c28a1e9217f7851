//! What lightningd's messages mean to the plugin: `getmanifest` and `init` answered, the
//! socket and its tasks started at `init`, notifications published to the hub, and the stop
//! (on `shutdown` or end of input). The framing is [`crate::stdio`]'s.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::budget::Budget;
use crate::config::{self, Config};
use crate::hub::{Hub, NodeInfo};
use crate::listen::{Served, accept};
use crate::outbox::{Logger, Outbox};
use crate::query::Queries;
use crate::socket::{self, SocketFile};
use crate::stdio::{self, Incoming};
use crate::{manifest, rpc};
use lnwatch_shared::frame;

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

/// How long clients get to drain their queues when the plugin stops.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

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

pub struct Plugin {
    env: PluginEnv,
    outbox: Outbox,
    log: Logger,
    running: Option<Running>,
    dropped_before_init: u64,
}

impl Plugin {
    pub fn new(outbox: Outbox, env: PluginEnv) -> Plugin {
        let log = Logger::new(outbox.clone());
        Plugin { env, outbox, log, running: None, dropped_before_init: 0 }
    }

    /// A line from lightningd that could not be cut out (too long).
    pub fn skipped(&self, e: &impl std::fmt::Display) {
        self.log.unusual(format!("skipped a message from lightningd: {e}"));
    }

    /// Wakes the clients once for everything published since the last flush.
    pub fn flush(&self) {
        if let Some(r) = &self.running {
            r.hub.flush();
        }
    }

    /// Handles one message; `Some` when the plugin is to stop.
    pub fn handle(&mut self, line: &[u8]) -> Option<Exit> {
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
        self.outbox.send(stdio::reply(id, outcome));
    }

    fn init(&mut self, params: &Value) -> Result<(), String> {
        let config = config::from_init(params, &self.env.cwd)?;
        // Both listen or neither: a metrics address in use must not leave a socket behind.
        let metrics = match config.metrics {
            Some(addr) => Some(
                std::net::TcpListener::bind(addr)
                    .map_err(|e| format!("{}={addr}: cannot listen: {e}", crate::options::METRICS.name))?,
            ),
            None => None,
        };
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
        if let Some(listener) = metrics {
            let shared = std::sync::Arc::new(tokio::sync::Mutex::new(crate::metrics::Metrics::new()));
            let (rpc_file, log) = (config.rpc_file.clone(), self.log.clone());
            tasks.spawn(crate::metrics::follow(rpc_file.clone(), shared.clone(), log.clone()));
            tasks.spawn(crate::metrics::http::serve(listener, rpc_file, hub.clone(), shared, log));
        }
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
    /// Ends the relay for `exit`: clients are told why (see [`bye`]), get a moment to read what
    /// they have left, and the socket goes.
    pub async fn stop(self, exit: &Exit) {
        if self.dropped_before_init > 0 {
            self.log
                .unusual(format!("{} notifications arrived before init and were dropped", self.dropped_before_init));
        }
        if let Some(mut running) = self.running {
            running.tasks.abort_all();
            let bye = bye(exit, &running.config.rpc_file).await;
            running.hub.close(bye);
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

/// How long lightningd gets to show it still answers after `shutdown`.
const ALIVE_WITHIN: Duration = Duration::from_secs(1);

/// Why the plugin stops, for its clients. lightningd sends `shutdown` both for `plugin stop` and
/// when it is itself stopping, and then no longer answers RPC: a `getinfo` answered tells the
/// two apart. Input that ends without `shutdown` means lightningd exited or crashed.
async fn bye(exit: &Exit, rpc_file: &std::path::Path) -> Option<frame::Bye> {
    let (reason, message) = match exit {
        Exit::Eof => {
            (frame::bye::NODE_GONE, "lightningd closed the plugin's input without shutdown: it exited or crashed")
        }
        Exit::Shutdown => {
            let alive = tokio::time::timeout(ALIVE_WITHIN, rpc::call(rpc_file, "getinfo", json!({})));
            if matches!(alive.await, Ok(Ok(_))) {
                (frame::bye::PLUGIN_STOPPED, "lnwatch-plugin was stopped (plugin stop); lightningd is still running")
            } else {
                (frame::bye::NODE_STOPPING, "lightningd is shutting down")
            }
        }
        Exit::Disabled(_) => return None,
    };
    Some(frame::Bye { reason: reason.into(), message: message.into() })
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
