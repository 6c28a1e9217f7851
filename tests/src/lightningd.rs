//! The simulated lightningd.
//!
//! It does what lightningd does to a plugin (see cln-protocol notes in docs/protocol.md):
//! starts it with the network dir as cwd and `LIGHTNINGD_PLUGIN=1`/`LIGHTNINGD_VERSION` set,
//! talks JSON-RPC 2.0 on its stdin/stdout with every message followed by `"\n\n"` and string ids
//! (`cln:getmanifest#0`), serves `lightning-rpc`, and treats anything on the plugin's stdout
//! that is not a JSON-RPC 2.0 object as fatal, as lightningd does (it kills the plugin).

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::rpc_server::{RpcAnswers, RpcServer};

/// How the simulated node is set up.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// `LIGHTNINGD_VERSION`; also decides payload shapes a test sends.
    pub version: String,
    pub network: String,
    /// Plugin options set on the node; `init` passes these over the manifest's defaults, as
    /// lightningd does.
    pub plugin_options: Map<String, Value>,
    /// `true`: loaded with `plugin=` at startup; `false`: `lightning-cli plugin start`.
    pub startup: bool,
    pub allow_deprecated_apis: bool,
    pub rpc: RpcAnswers,
    /// The RPC socket appears only after this long.
    pub rpc_delay: Duration,
    /// Use this directory as the lightning dir instead of a fresh temporary one.
    pub lightning_dir: Option<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            version: "v25.12.1".into(),
            network: "regtest".into(),
            plugin_options: Map::new(),
            startup: false,
            allow_deprecated_apis: true,
            rpc: RpcAnswers::default(),
            rpc_delay: Duration::ZERO,
            lightning_dir: None,
        }
    }
}

impl SimOptions {
    pub fn option(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.plugin_options.insert(name.into(), value.into());
        self
    }
}

#[derive(Debug)]
pub enum SimError {
    Io(io::Error),
    /// The plugin did something lightningd kills plugins for.
    Fatal(String),
    /// No reply in time.
    Timeout(String),
    /// `init` answered `disable`.
    Disabled(String),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Io(e) => write!(f, "i/o: {e}"),
            SimError::Fatal(m) => write!(f, "lightningd would kill the plugin: {m}"),
            SimError::Timeout(m) => write!(f, "timed out: {m}"),
            SimError::Disabled(m) => write!(f, "plugin disabled itself: {m}"),
        }
    }
}

impl std::error::Error for SimError {}

impl From<io::Error> for SimError {
    fn from(e: io::Error) -> Self {
        SimError::Io(e)
    }
}

/// What the plugin wrote that was not a reply.
#[derive(Debug, Default)]
struct Seen {
    logs: Vec<Value>,
    fatal: Option<String>,
    stdout_closed: bool,
}

enum Plugin {
    Process(Child),
    InProcess(Option<thread::JoinHandle<()>>),
}

pub struct Lightningd {
    _tmp: Option<tempfile::TempDir>,
    lightning_dir: PathBuf,
    network_dir: PathBuf,
    opts: SimOptions,
    stdin: Option<BufWriter<Box<dyn Write + Send>>>,
    replies: mpsc::Receiver<Value>,
    seen: Arc<Mutex<Seen>>,
    plugin: Plugin,
    next_id: u64,
    rpc: RpcServer,
    /// Option defaults declared in the manifest.
    defaults: Map<String, Value>,
}

impl Lightningd {
    /// Starts the plugin binary at `binary` as lightningd would.
    pub fn spawn(binary: &Path, opts: SimOptions) -> Result<Lightningd, SimError> {
        let (tmp, lightning_dir, network_dir) = dirs(&opts)?;
        let mut child = Command::new(binary)
            .current_dir(&network_dir)
            .env("LIGHTNINGD_PLUGIN", "1")
            .env("LIGHTNINGD_VERSION", &opts.version)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin: Box<dyn Write + Send> = Box::new(child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?);
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?);
        Ok(Self::attach(tmp, lightning_dir, network_dir, opts, stdin, stdout, Plugin::Process(child)))
    }

    /// Runs the plugin library on a thread of this process, over real pipes.
    pub fn in_process(opts: SimOptions) -> Result<Lightningd, SimError> {
        let (tmp, lightning_dir, network_dir) = dirs(&opts)?;
        let (plugin_stdin, our_stdin) = io::pipe()?;
        let (our_stdout, plugin_stdout) = io::pipe()?;
        let env =
            lnwatch_plugin::PluginEnv { lightningd_version: Some(opts.version.clone()), cwd: network_dir.clone() };
        let (in_fd, out_fd): (OwnedFd, OwnedFd) = (plugin_stdin.into(), plugin_stdout.into());
        let handle = thread::Builder::new().name("lnwatch-plugin".into()).spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                let (Ok(input), Ok(output)) = (
                    tokio::net::unix::pipe::Receiver::from_owned_fd(in_fd),
                    tokio::net::unix::pipe::Sender::from_owned_fd(out_fd),
                ) else {
                    return;
                };
                let _ = lnwatch_plugin::run(input, output, env).await;
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        })?;
        Ok(Self::attach(
            tmp,
            lightning_dir,
            network_dir,
            opts,
            Box::new(our_stdin),
            Box::new(our_stdout),
            Plugin::InProcess(Some(handle)),
        ))
    }

    fn attach(
        tmp: Option<tempfile::TempDir>,
        lightning_dir: PathBuf,
        network_dir: PathBuf,
        opts: SimOptions,
        stdin: Box<dyn Write + Send>,
        stdout: Box<dyn Read + Send>,
        plugin: Plugin,
    ) -> Lightningd {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tx, replies) = mpsc::channel();
        {
            let seen = seen.clone();
            thread::spawn(move || watch_stdout(stdout, tx, &seen));
        }
        let rpc = RpcServer::start(&network_dir.join("lightning-rpc"), opts.rpc.clone(), opts.rpc_delay);
        Lightningd {
            _tmp: tmp,
            lightning_dir,
            network_dir,
            opts,
            stdin: Some(BufWriter::with_capacity(256 * 1024, stdin)),
            replies,
            seen,
            plugin,
            next_id: 0,
            rpc,
            defaults: Map::new(),
        }
    }

    /// `getmanifest` then `init`; an error if the plugin disables itself or misbehaves.
    pub fn start(&mut self) -> Result<(), SimError> {
        self.getmanifest()?;
        let result = self.init()?;
        match result.get("disable").and_then(Value::as_str) {
            Some(reason) => Err(SimError::Disabled(reason.to_owned())),
            None => Ok(()),
        }
    }

    /// Sends `getmanifest` and returns the `result`, checking what lightningd checks.
    pub fn getmanifest(&mut self) -> Result<Value, SimError> {
        let params = json!({"allow-deprecated-apis": self.opts.allow_deprecated_apis});
        let result = self.call("getmanifest", params)?;
        if result.get("nonnumericids").is_some_and(|v| v != &json!(true)) {
            return Err(SimError::Fatal("nonnumericids must be true if present".into()));
        }
        if result.get("dynamic") == Some(&json!(true))
            && result.get("featurebits").is_some_and(|f| f.as_object().is_some_and(|o| !o.is_empty()))
        {
            return Err(SimError::Fatal("a dynamic plugin may not set featurebits".into()));
        }
        for o in result.get("options").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(name), Some(default)) = (o.get("name").and_then(Value::as_str), o.get("default")) {
                self.defaults.insert(name.to_owned(), default.clone());
            }
        }
        Ok(result)
    }

    /// Sends `init` with the configured options and returns the `result`.
    pub fn init(&mut self) -> Result<Value, SimError> {
        let mut options = self.defaults.clone();
        options.extend(self.opts.plugin_options.clone());
        let params = json!({
            "options": options,
            "configuration": {
                "lightning-dir": self.network_dir.to_string_lossy(),
                "rpc-file": "lightning-rpc",
                "startup": self.opts.startup,
                "network": self.opts.network,
                "feature_set": {"init":"0898880a8a59a1","node":"8898880a8a59a1","channel":"","invoice":"02000002024100",
                                "bolt12_offer":"","bolt12_invreq":"","bolt12_invoice":"020000"}
            }
        });
        self.call("init", params)
    }

    /// Sends a request and waits for its reply (the whole reply object: `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, SimError> {
        self.next_id += 1;
        // lightningd's ids: `cln:<method>#N`, prefixed by the caller's id for `plugin start`.
        let id = if self.opts.startup || method != "getmanifest" {
            format!("cln:{method}#{}", self.next_id)
        } else {
            format!("cli:plugin#28456/cln:{method}#{}", self.next_id)
        };
        self.write_message(&json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}))?;
        self.flush()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.check()?;
            match self.replies.recv_timeout(Duration::from_millis(20)) {
                Ok(reply) if reply["id"] == json!(id) => return Ok(reply),
                Ok(other) => return Err(SimError::Fatal(format!("reply to an unknown id: {other}"))),
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(mpsc::RecvTimeoutError::Timeout) => return Err(SimError::Timeout(format!("no reply to {method}"))),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.check()?;
                    return Err(SimError::Fatal(format!("plugin closed its stdout before replying to {method}")));
                }
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value, SimError> {
        let reply = self.request(method, params)?;
        match reply.get("result") {
            Some(r) => Ok(r.clone()),
            None => Err(SimError::Fatal(format!("{method} failed: {reply}"))),
        }
    }

    /// Sends a notification (built-in shape: `params` as given) and flushes.
    pub fn notify(&mut self, method: &str, params: Value) -> Result<(), SimError> {
        self.write_message(&json!({"jsonrpc":"2.0","method":method,"params":params}))?;
        self.flush()
    }

    /// Sends a custom notification as lightningd ≥ v25.09 relays it: top-level `origin`.
    pub fn notify_custom(&mut self, method: &str, origin: &str, params: Value) -> Result<(), SimError> {
        self.write_message(&json!({"jsonrpc":"2.0","method":method,"origin":origin,"params":params}))?;
        self.flush()
    }

    /// Queues one message (any JSON) with lightningd's framing, without flushing.
    pub fn write_message(&mut self, message: &Value) -> Result<(), SimError> {
        let mut bytes = serde_json::to_vec(message).map_err(io::Error::other)?;
        bytes.extend_from_slice(b"\n\n");
        self.write_raw(&bytes)
    }

    /// Queues raw bytes for the plugin's stdin, without flushing.
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "stdin closed"))?;
        stdin.write_all(bytes)?;
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), SimError> {
        if let Some(s) = self.stdin.as_mut() {
            s.flush()?;
        }
        Ok(())
    }

    /// Replays the notifications of a recorded session (requests in it are skipped).
    pub fn replay_recording(&mut self, raw: &str) -> Result<usize, SimError> {
        let mut n = 0;
        for message in crate::fixtures::messages(raw) {
            if message.contains(r#""id":"#) && message.starts_with(r#"{"jsonrpc":"2.0","id""#) {
                continue;
            }
            self.write_raw(message.as_bytes())?;
            self.write_raw(b"\n\n")?;
            n += 1;
        }
        self.flush()?;
        Ok(n)
    }

    /// Sends `shutdown` as lightningd does on stop.
    pub fn shutdown(&mut self) -> Result<(), SimError> {
        self.notify("shutdown", json!({"shutdown": {}}))
    }

    /// Closes the plugin's stdin: lightningd is gone (or `--help` finished).
    pub fn close_stdin(&mut self) {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.flush();
        }
    }

    /// Waits for the plugin to exit. `None` if it is still running after `timeout`.
    /// For an in-process plugin the status is always success.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match &mut self.plugin {
                Plugin::Process(child) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Some(status);
                    }
                }
                Plugin::InProcess(handle) => {
                    if handle.as_ref().is_none_or(|h| h.is_finished()) {
                        if let Some(h) = handle.take() {
                            let _ = h.join();
                        }
                        return Some(std::os::unix::process::ExitStatusExt::from_raw(0));
                    }
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// An error if the plugin has written anything lightningd would have killed it for.
    pub fn check(&self) -> Result<(), SimError> {
        match self.seen.lock().ok().and_then(|s| s.fatal.clone()) {
            Some(f) => Err(SimError::Fatal(f)),
            None => Ok(()),
        }
    }

    /// `log` notifications received so far.
    pub fn logs(&self) -> Vec<Value> {
        self.seen.lock().map(|s| s.logs.clone()).unwrap_or_default()
    }

    pub fn stdout_closed(&self) -> bool {
        self.seen.lock().is_ok_and(|s| s.stdout_closed)
    }

    /// The plugin's process id (`None` in-process).
    pub fn pid(&self) -> Option<u32> {
        match &self.plugin {
            Plugin::Process(c) => Some(c.id()),
            Plugin::InProcess(_) => None,
        }
    }

    /// `--lightning-dir`: the parent of the network dir.
    pub fn lightning_dir(&self) -> &Path {
        &self.lightning_dir
    }

    /// The network dir: the plugin's cwd and `configuration.lightning-dir`.
    pub fn network_dir(&self) -> &Path {
        &self.network_dir
    }

    /// Where the plugin puts its socket with the default `lnwatch-socket`.
    pub fn default_socket(&self) -> PathBuf {
        self.lightning_dir.join("notif.sock")
    }

    /// The fake `lightning-rpc`.
    pub fn rpc(&self) -> &RpcServer {
        &self.rpc
    }
}

impl Drop for Lightningd {
    fn drop(&mut self) {
        self.close_stdin();
        if self.wait_exit(Duration::from_secs(3)).is_none()
            && let Plugin::Process(child) = &mut self.plugin
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn dirs(opts: &SimOptions) -> io::Result<(Option<tempfile::TempDir>, PathBuf, PathBuf)> {
    let (tmp, lightning_dir) = match &opts.lightning_dir {
        Some(d) => (None, d.clone()),
        None => {
            let t = tempfile::Builder::new().prefix("lnwatch-sim-").tempdir()?;
            let d = t.path().to_path_buf();
            (Some(t), d)
        }
    };
    let network_dir = lightning_dir.join(&opts.network);
    std::fs::create_dir_all(&network_dir)?;
    Ok((tmp, lightning_dir, network_dir))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A stand-in plugin: a shell script.
    fn script(dir: &Path, body: &str) -> PathBuf {
        let path = dir.join("plugin.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn stray_stdout_is_fatal_as_in_lightningd() {
        let dir = tempfile::tempdir().unwrap();
        let bin = script(dir.path(), "echo 'starting up...'; sleep 5");
        let mut ln = Lightningd::spawn(&bin, SimOptions::default()).unwrap();
        let r = ln.getmanifest();
        assert!(matches!(&r, Err(SimError::Fatal(m)) if m.contains("parse")), "{r:?}");
    }

    #[test]
    fn json_without_jsonrpc_is_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let bin = script(dir.path(), r#"echo '{"id":"x","result":{}}'; sleep 5"#);
        let mut ln = Lightningd::spawn(&bin, SimOptions::default()).unwrap();
        assert!(matches!(ln.getmanifest(), Err(SimError::Fatal(m)) if m.contains("jsonrpc")));
    }

    #[test]
    fn plugin_sees_lightningds_environment() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("env");
        let bin =
            script(dir.path(), &format!("echo \"$LIGHTNINGD_PLUGIN $LIGHTNINGD_VERSION $(pwd)\" > {}", out.display()));
        let mut ln = Lightningd::spawn(&bin, SimOptions::default()).unwrap();
        assert!(ln.wait_exit(Duration::from_secs(5)).is_some());
        let seen = std::fs::read_to_string(&out).unwrap();
        assert_eq!(seen.trim(), format!("1 v25.12.1 {}", ln.network_dir().display()));
    }

    #[test]
    fn in_process_plugin_relays_over_a_real_socket() {
        let mut ln = Lightningd::in_process(SimOptions::default()).unwrap();
        ln.start().unwrap();
        let mut c = crate::client::Client::connect(&ln.default_socket()).unwrap();
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
        let frames =
            c.frames_until(Duration::from_secs(5), |f| matches!(f, lnwatch_shared::frame::Frame::Event(_))).unwrap();
        assert!(matches!(&frames[0], lnwatch_shared::frame::Frame::Hello(_)));
        ln.shutdown().unwrap();
        assert!(ln.wait_exit(Duration::from_secs(5)).is_some());
        assert!(!ln.default_socket().exists());
        ln.check().unwrap();
    }
}
