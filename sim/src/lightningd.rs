//! The simulated lightningd's conversation with a plugin: JSON-RPC 2.0 on its stdin with every
//! message followed by `"\n\n"` and string ids (`cln:getmanifest#1`), `getmanifest` and `init`
//! checked as lightningd checks them, notifications in every shape lightningd sends. The
//! process is [`PluginProcess`]'s, the directories [`NodeDir`]'s, its stdout is policed by
//! [`StdoutWatch`], and `lightning-rpc` is served by [`RpcServer`].

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::node_dir::NodeDir;
use crate::plugin_process::{Pipes, PluginProcess};
use crate::rpc_server::{RpcAnswers, RpcServer};
use crate::stdout_watch::StdoutWatch;

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

pub struct Lightningd {
    dir: NodeDir,
    opts: SimOptions,
    stdin: Option<BufWriter<Box<dyn Write + Send>>>,
    stdout: StdoutWatch,
    plugin: PluginProcess,
    next_id: u64,
    rpc: RpcServer,
    /// Option defaults declared in the manifest.
    defaults: Map<String, Value>,
}

impl Lightningd {
    /// Starts the plugin binary at `binary` as lightningd would.
    pub fn spawn(binary: &Path, opts: SimOptions) -> Result<Lightningd, SimError> {
        let dir = NodeDir::new(opts.lightning_dir.as_deref(), &opts.network)?;
        let (plugin, pipes) = PluginProcess::spawn(binary, dir.network_dir(), &opts.version)?;
        Ok(Self::attach(dir, opts, plugin, pipes))
    }

    /// Runs the plugin library on a thread of this process, over real pipes.
    pub fn in_process(opts: SimOptions) -> Result<Lightningd, SimError> {
        let dir = NodeDir::new(opts.lightning_dir.as_deref(), &opts.network)?;
        let (plugin, pipes) = PluginProcess::in_process(dir.network_dir(), &opts.version)?;
        Ok(Self::attach(dir, opts, plugin, pipes))
    }

    fn attach(dir: NodeDir, opts: SimOptions, plugin: PluginProcess, pipes: Pipes) -> Lightningd {
        let rpc = RpcServer::start(&dir.network_dir().join("lightning-rpc"), opts.rpc.clone(), opts.rpc_delay);
        Lightningd {
            dir,
            opts,
            stdin: Some(BufWriter::with_capacity(256 * 1024, pipes.stdin)),
            stdout: StdoutWatch::start(pipes.stdout),
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
                "lightning-dir": self.dir.network_dir().to_string_lossy(),
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
        let id = self.request_id(method);
        self.write_message(&json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}))?;
        self.flush()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.check()?;
            match self.stdout.replies.recv_timeout(Duration::from_millis(20)) {
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

    /// lightningd's ids are strings, `cln:<method>#N`. A plugin started with `plugin start` gets
    /// its `getmanifest` as part of that command, so lightningd prefixes the caller's id
    /// (`cli:plugin#28456/cln:getmanifest#1`).
    fn request_id(&mut self, method: &str) -> String {
        self.next_id += 1;
        let own = format!("cln:{method}#{}", self.next_id);
        if !self.opts.startup && method == "getmanifest" { format!("cli:plugin#28456/{own}") } else { own }
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

    /// Stops as lightningd does (`lightning-cli stop`): its RPC goes quiet, then plugins get
    /// `shutdown`.
    pub fn shutdown(&mut self) -> Result<(), SimError> {
        self.rpc.stop();
        self.notify("shutdown", json!({"shutdown": {}}))
    }

    /// `plugin stop` of this plugin: `shutdown`, while lightningd goes on answering its RPC.
    pub fn plugin_stop(&mut self) -> Result<(), SimError> {
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
        self.plugin.wait_exit(timeout)
    }

    /// An error if the plugin has written anything lightningd would have killed it for.
    pub fn check(&self) -> Result<(), SimError> {
        match self.stdout.fatal() {
            Some(f) => Err(SimError::Fatal(f)),
            None => Ok(()),
        }
    }

    /// `log` notifications received so far.
    pub fn logs(&self) -> Vec<Value> {
        self.stdout.logs()
    }

    pub fn stdout_closed(&self) -> bool {
        self.stdout.closed()
    }

    /// The plugin's process id (`None` in-process).
    pub fn pid(&self) -> Option<u32> {
        self.plugin.pid()
    }

    /// `--lightning-dir`: the parent of the network dir.
    pub fn lightning_dir(&self) -> &Path {
        self.dir.lightning_dir()
    }

    /// The network dir: the plugin's cwd and `configuration.lightning-dir`.
    pub fn network_dir(&self) -> &Path {
        self.dir.network_dir()
    }

    /// Where the plugin puts its socket with the default `lnwatch-socket`.
    pub fn default_socket(&self) -> PathBuf {
        self.dir.lightning_dir().join("notif.sock")
    }

    /// The fake `lightning-rpc`.
    pub fn rpc(&self) -> &RpcServer {
        &self.rpc
    }
}

impl Drop for Lightningd {
    fn drop(&mut self) {
        self.close_stdin();
        if self.wait_exit(Duration::from_secs(3)).is_none() {
            self.plugin.kill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;
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
        let socket = std::os::unix::net::UnixStream::connect(ln.default_socket()).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
        let mut lines = std::io::BufRead::lines(BufReader::new(socket)).map(|l| l.unwrap());
        assert!(lines.next().unwrap().starts_with(r#"{"type":"hello""#));
        assert!(lines.any(|l| l.starts_with(r#"{"type":"event""#)));
        ln.shutdown().unwrap();
        assert!(ln.wait_exit(Duration::from_secs(5)).is_some());
        assert!(!ln.default_socket().exists());
        ln.check().unwrap();
    }
}
