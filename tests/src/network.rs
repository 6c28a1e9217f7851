//! A network of real lightningd nodes on a regtest [`Chain`] of the test's own, for end-to-end
//! tests (what pyln-testing's `NodeFactory` does for Core Lightning's plugin authors).
//!
//! Each node runs in its own directory under one temporary directory, with the dev options
//! that make a test network quick (`developer`, `dev-fast-gossip`, `dev-bitcoind-poll=1`) and
//! `lnwatch-regtest-chain` as its Bitcoin backend. Dropping the [`Network`] stops every node
//! and removes the directories, also when the test panicked, after printing each node's log.
//!
//! lightningd comes from `LIGHTNINGD` (see [`lightningd_or_skip`]).

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bitcoin::Amount;
use serde_json::{Map, Value, json};

use crate::backend::CHAIN_DIR_ENV;
use crate::chain::{Chain, address_script};
use crate::rpc::{Rpc, RpcError};
use crate::{wait_until, wait_until_or_none, workspace_bin};

/// How long a node gets to start, sync, open a channel, … before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The lightningd to test against, from `LIGHTNINGD`. Without it, prints one line saying the
/// real-node tests were skipped and how to run them, and returns `None`; under CI (`CI=true`) a missing `LIGHTNINGD`
/// fails the test instead, so CI can never pass without running them.
pub fn lightningd_or_skip(test: &str) -> Option<PathBuf> {
    match std::env::var_os("LIGHTNINGD") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            let how =
                "LIGHTNINGD=$(../shared/cln/install.sh) cargo test --workspace, or LIGHTNINGD=/path/to/lightningd";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but LIGHTNINGD is not set: {how}");
            // One line per test binary, written past the harness's output capture so it is seen.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let line = format!("real-node tests skipped (first: {test}): LIGHTNINGD is not set; run {how}\n");
                let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            });
            None
        }
    }
}

/// When a node's lnwatch-plugin starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginLoad {
    /// `plugin=` on the command line: started with the node.
    AtBoot,
    /// Not at boot; the test starts it with [`Node::plugin_start`].
    Later,
}

/// How to start one node.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub plugin: PluginLoad,
    /// lnwatch-plugin options, e.g. `("lnwatch-redact", "false")`.
    pub plugin_options: Vec<(String, String)>,
    /// lightningd options of this node's own, after the network's (`("log-level", "io")`; a
    /// flag with `""`).
    pub node_options: Vec<(String, String)>,
    /// Environment for lightningd and its plugins.
    pub env: Vec<(String, String)>,
    pub alias: Option<String>,
}

impl NodeSpec {
    pub fn new(plugin: PluginLoad) -> NodeSpec {
        NodeSpec { plugin, plugin_options: Vec::new(), node_options: Vec::new(), env: Vec::new(), alias: None }
    }

    pub fn env(mut self, name: &str, value: &str) -> NodeSpec {
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn alias(mut self, alias: &str) -> NodeSpec {
        self.alias = Some(alias.into());
        self
    }

    pub fn plugin_option(mut self, name: &str, value: &str) -> NodeSpec {
        self.plugin_options.push((name.into(), value.into()));
        self
    }

    pub fn node_option(mut self, name: &str, value: &str) -> NodeSpec {
        self.node_options.push((name.into(), value.into()));
        self
    }
}

/// One running (or stopped) lightningd.
pub struct Node {
    /// `l1`, `l2`, …
    pub name: String,
    /// The lightning dir (`--lightning-dir`); the network dir is `dir/regtest`.
    pub dir: PathBuf,
    pub port: u16,
    pub id: String,
    pub rpc: Rpc,
    pub spec: NodeSpec,
    child: Option<Child>,
}

impl Node {
    /// Calls `method`; a JSON-RPC error fails the test, naming the node.
    pub fn call(&self, method: &str, params: Value) -> Value {
        self.try_call(method, params.clone()).unwrap_or_else(|e| panic!("{}: {method} {params}: {e}", self.name))
    }

    pub fn try_call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        self.rpc.call(method, params)
    }

    /// lnwatch-plugin's socket (the default path, `<lightning-dir>/notif.sock`).
    pub fn socket(&self) -> PathBuf {
        self.dir.join("notif.sock")
    }

    /// The node's log file so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// `lightning-cli plugin start …/lnwatch-plugin` with the spec's options: as the
    /// `options` array of `keyword=value` strings where the node takes one (after v26.06, PR
    /// fce9d6e0b), else flattened onto the call as v26.06 wants them.
    pub fn plugin_start(&self) -> Value {
        let mut params = Map::new();
        params.insert("subcommand".into(), json!("start"));
        params.insert("plugin".into(), json!(workspace_bin("lnwatch-plugin")));
        let version = self.call("getinfo", json!({}))["version"].as_str().unwrap_or_default().to_owned();
        if takes_plugin_options_array(&version) {
            let options: Vec<String> = self.spec.plugin_options.iter().map(|(k, v)| format!("{k}={v}")).collect();
            params.insert("options".into(), json!(options));
        } else {
            for (k, v) in &self.spec.plugin_options {
                params.insert(k.clone(), json!(v));
            }
        }
        self.call("plugin", Value::Object(params))
    }

    /// `lightning-cli plugin stop lnwatch-plugin`.
    pub fn plugin_stop(&self) -> Value {
        self.call("plugin", json!({"subcommand":"stop","plugin":"lnwatch-plugin"}))
    }

    /// The node's channel with `peer`, from `listpeerchannels`.
    pub fn channel_with(&self, peer: &str) -> Option<Value> {
        let r = self.try_call("listpeerchannels", json!({"id": peer})).ok()?;
        r["channels"].as_array()?.last().cloned()
    }

    /// `stop`, then waits for the process to exit (killing it after `DEADLINE`).
    pub fn stop(&mut self) {
        if self.running() {
            let _ = self.try_call("stop", json!({}));
        }
        self.reap();
    }

    fn reap(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let deadline = Instant::now() + DEADLINE;
        while matches!(child.try_wait(), Ok(None)) {
            if Instant::now() > deadline {
                eprintln!("{}: lightningd did not stop in {DEADLINE:?}; killing it", self.name);
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn height(&self) -> Option<u64> {
        self.try_call("getinfo", json!({})).ok()?["blockheight"].as_u64()
    }
}

pub struct Network {
    /// Names this network's recordings (see [`Network::start`]).
    name: String,
    lightningd: PathBuf,
    pub chain: Chain,
    nodes: Vec<Node>,
    record_dir: Option<PathBuf>,
    tmp: tempfile::TempDir,
}

impl Network {
    /// Starts one node per spec, named `l1`, `l2`, …, on a fresh chain, and waits until each
    /// answers and has synced. With `LNWATCH_RECORD_DIR` set, every node also runs
    /// `lnwatch-recorder`, and what lightningd sent it is saved there as `<name>-l1.raw`, … when
    /// the network is dropped.
    pub fn start(name: &str, lightningd: &Path, specs: Vec<NodeSpec>) -> Network {
        let tmp = tempfile::Builder::new().prefix("lnw").tempdir().expect("a temporary directory");
        let chain = Chain::open(&tmp.path().join("chain")).expect("the chain directory");
        // v26.06 aborts if it accepts a channel at block 0: start above it.
        chain.mine(1, &[]).expect("mine");
        let record_dir = std::env::var_os("LNWATCH_RECORD_DIR").map(PathBuf::from);
        let mut net = Network {
            name: name.into(),
            lightningd: lightningd.to_path_buf(),
            chain,
            nodes: Vec::new(),
            record_dir,
            tmp,
        };
        for (i, spec) in specs.into_iter().enumerate() {
            let node = net.spawn(&format!("l{}", i + 1), spec);
            net.nodes.push(node);
        }
        for i in 0..net.nodes.len() {
            let node = &mut net.nodes[i];
            let id = wait_until(&format!("{} to answer getinfo", node.name), DEADLINE, || {
                node.try_call("getinfo", json!({})).ok().and_then(|i| i["id"].as_str().map(str::to_owned))
            });
            node.id = id;
        }
        net.wait_synced();
        net
    }

    fn spawn(&self, name: &str, spec: NodeSpec) -> Node {
        let dir = self.tmp.path().join(name);
        fs::create_dir_all(&dir).expect("node directory");
        let port = free_port();
        let mut cmd = Command::new(&self.lightningd);
        cmd.arg(format!("--lightning-dir={}", dir.display()))
            .args(["--network=regtest", "--developer", "--dev-fast-gossip", "--dev-bitcoind-poll=1"])
            // `developer` turns deprecated APIs off; operators' nodes have them on by default.
            // `LNWATCH_DEPRECATED_APIS=false` takes them away, as the next releases will.
            .arg(format!("--allow-deprecated-apis={}", deprecated_apis()))
            .args(["--log-level=debug", "--dev-fail-on-subdaemon-fail"])
            .arg(format!("--log-file={}", dir.join("log").display()))
            .arg(format!("--addr=127.0.0.1:{port}"))
            .arg("--disable-plugin=bcli")
            .arg(format!("--plugin={}", workspace_bin("lnwatch-regtest-chain").display()))
            .env(CHAIN_DIR_ENV, self.chain.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::from(fs::File::create(dir.join("stdout")).expect("stdout file")))
            .stderr(Stdio::from(fs::File::create(dir.join("stderr")).expect("stderr file")));
        if let Some(alias) = &spec.alias {
            cmd.arg(format!("--alias={alias}"));
        }
        for (k, v) in &spec.node_options {
            // An empty value: a flag (`dev-no-reconnect`), which takes none.
            cmd.arg(if v.is_empty() { format!("--{k}") } else { format!("--{k}={v}") });
        }
        cmd.envs(spec.env.iter().map(|(k, v)| (k, v)));
        if spec.plugin == PluginLoad::AtBoot {
            cmd.arg(format!("--plugin={}", workspace_bin("lnwatch-plugin").display()));
            for (k, v) in &spec.plugin_options {
                cmd.arg(format!("--{k}={v}"));
            }
        }
        if self.record_dir.is_some() {
            cmd.arg(format!("--plugin={}", workspace_bin("lnwatch-recorder").display()))
                .env("LNWATCH_RECORD_FILE", dir.join("recording.raw"));
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("{}: {e}", self.lightningd.display()));
        let rpc = Rpc::new(&dir.join("regtest").join("lightning-rpc"));
        Node { name: name.into(), dir, port, id: String::new(), rpc, spec, child: Some(child) }
    }

    /// SIGKILLs node `i`'s lightningd, as a crash would end it (its plugins see their input
    /// close), and waits until it is gone.
    pub fn kill(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        if let Some(mut child) = node.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts node `i` again on its directory (a new port), as an operator restarting it would,
    /// and waits until it answers.
    pub fn restart(&mut self, i: usize) {
        let (name, spec) = (self.nodes[i].name.clone(), self.nodes[i].spec.clone());
        let mut node = self.spawn(&name, spec);
        node.id = self.nodes[i].id.clone();
        wait_until(&format!("{name} to answer getinfo again"), DEADLINE, || node.try_call("getinfo", json!({})).ok());
        self.nodes[i] = node;
    }

    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    pub fn node_mut(&mut self, i: usize) -> &mut Node {
        &mut self.nodes[i]
    }

    /// Waits until every running node has processed the chain's tip.
    pub fn wait_synced(&mut self) {
        let tip = u64::from(self.chain.height().expect("chain height"));
        for node in self.nodes.iter_mut() {
            if !node.running() {
                continue;
            }
            let node = &*node;
            let mut seen = None;
            let what = format!("{} to reach block {tip}", node.name);
            let reached = wait_until_or_none(DEADLINE, || {
                seen = node.height();
                seen.filter(|h| *h >= tip)
            });
            assert!(reached.is_some(), "timed out after {DEADLINE:?} waiting for {what}: getinfo says {seen:?}");
        }
    }

    /// Mines `n` blocks (the first with the whole mempool) and waits for every node.
    pub fn mine(&mut self, n: u32) -> u32 {
        let tip = self.chain.mine(n, &[]).expect("mine");
        self.wait_synced();
        tip
    }

    /// Gives each node `(index, sat)` an on-chain output, in one block, and waits until their
    /// wallets count it as confirmed.
    pub fn fund(&mut self, outputs: &[(usize, u64)]) {
        let mut pay = Vec::new();
        for &(i, sat) in outputs {
            let addr = self.nodes[i].call("newaddr", json!({}));
            let addr = addr["p2tr"].as_str().or(addr["bech32"].as_str()).expect("newaddr gives an address").to_owned();
            pay.push((address_script(&addr).expect("a regtest address"), Amount::from_sat(sat)));
        }
        self.chain.mine(1, &pay).expect("mine");
        self.wait_synced();
        for &(i, sat) in outputs {
            let node = &self.nodes[i];
            wait_until(&format!("{} to see its {sat} sat", node.name), DEADLINE, || {
                let funds = node.try_call("listfunds", json!({})).ok()?;
                let confirmed: u64 = funds["outputs"]
                    .as_array()?
                    .iter()
                    .filter(|o| o["status"] == "confirmed")
                    .filter_map(|o| o["amount_msat"].as_u64())
                    .sum();
                (confirmed >= sat * 1000).then_some(())
            });
        }
    }

    /// Connects node `a` to node `b`.
    pub fn connect(&self, a: usize, b: usize) {
        let (na, nb) = (&self.nodes[a], &self.nodes[b]);
        na.call("connect", json!({"id": nb.id, "host": "127.0.0.1", "port": nb.port}));
    }

    /// Opens a channel of `sat` from `a` to `b` (connecting first) and waits until its funding
    /// transaction is in the mempool. Mine to confirm it, then [`Network::wait_normal`].
    pub fn open_channel(&self, a: usize, b: usize, sat: u64) -> String {
        self.connect(a, b);
        let r = self.nodes[a].call("fundchannel", json!({"id": self.nodes[b].id, "amount": sat, "announce": true}));
        let txid = r["txid"].as_str().expect("fundchannel gives a txid").to_owned();
        wait_until(&format!("funding {txid} in the mempool"), DEADLINE, || {
            let pool = self.chain.mempool().ok()?;
            pool.iter().any(|tx| tx.compute_txid().to_string() == txid).then_some(())
        });
        txid
    }

    /// Waits until both ends of the channel between `a` and `b` are `CHANNELD_NORMAL`; returns
    /// its short channel id.
    pub fn wait_normal(&self, a: usize, b: usize) -> String {
        let (na, nb) = (&self.nodes[a], &self.nodes[b]);
        let what = format!("the {}–{} channel to be CHANNELD_NORMAL", na.name, nb.name);
        wait_until(&what, DEADLINE, || {
            let ca = na.channel_with(&nb.id)?;
            let cb = nb.channel_with(&na.id)?;
            let normal = ca["state"] == "CHANNELD_NORMAL" && cb["state"] == "CHANNELD_NORMAL";
            normal.then(|| ca["short_channel_id"].as_str().map(str::to_owned)).flatten()
        })
    }

    /// Waits until node `at` knows both directions of channel `scid` from gossip.
    pub fn wait_gossip(&self, at: usize, scid: &str) {
        let node = &self.nodes[at];
        wait_until(&format!("{} to learn {scid} from gossip", node.name), DEADLINE, || {
            let r = node.try_call("listchannels", json!({"short_channel_id": scid})).ok()?;
            (r["channels"].as_array()?.len() == 2).then_some(())
        });
    }

    fn save_recordings(&self, dir: &Path) {
        let bins = workspace_bin("lnwatch-plugin").parent().map(Path::to_path_buf).unwrap_or_default();
        let libexec = self.lightningd.parent().and_then(Path::parent).map(|p| p.join("libexec")).unwrap_or_default();
        for node in &self.nodes {
            let Ok(raw) = fs::read_to_string(node.dir.join("recording.raw")) else { continue };
            // Neutral paths, as in the older recordings.
            let raw = raw
                .replace(&node.dir.display().to_string(), &format!("/tmp/{}-regtest", node.name))
                .replace(&bins.display().to_string(), "/home/op/plugins")
                .replace(&libexec.display().to_string(), "/usr/local/libexec");
            let path = dir.join(format!("{}-{}.raw", self.name, node.name));
            if let Err(e) = fs::create_dir_all(dir).and_then(|()| fs::write(&path, raw)) {
                eprintln!("recording {}: {e}", path.display());
            }
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for node in &self.nodes {
                let log = node.log();
                // gossipd's seeker says "no peers" every 5 s: it would push out what matters.
                let lines: Vec<&str> = log.lines().filter(|l| !l.contains("gossipd: seeker")).collect();
                let tail = &lines[lines.len().saturating_sub(80)..];
                eprintln!("──── {} ({}) log, last {} lines ────\n{}", node.name, node.id, tail.len(), tail.join("\n"));
                let stderr = fs::read_to_string(node.dir.join("stderr")).unwrap_or_default();
                if !stderr.trim().is_empty() {
                    eprintln!("──── {} stderr ────\n{stderr}", node.name);
                }
            }
        }
        // Ask every node to stop first, then wait for each: they shut down in parallel.
        for node in self.nodes.iter_mut() {
            if node.running() {
                let _ = node.try_call("stop", json!({}));
            }
        }
        for node in self.nodes.iter_mut() {
            node.reap();
        }
        if let Some(dir) = self.record_dir.clone() {
            self.save_recordings(&dir);
        }
    }
}

/// Whether `plugin start` takes an `options` array: releases after v26.06, and master builds
/// past it (`git describe` `v26.06-258-g090f4b0e6`).
pub fn takes_plugin_options_array(version: &str) -> bool {
    let v = version.trim_start_matches('v');
    let (release, past) = match v.split_once('-') {
        Some((release, rest)) => (release, rest.split('-').next().is_some_and(|n| n.parse::<u32>().is_ok())),
        None => (v, false),
    };
    let mut parts = release.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) > (26, 6) || ((major, minor) == (26, 6) && past && release.matches('.').count() == 1)
}

/// Whether the nodes run with deprecated APIs (`LNWATCH_DEPRECATED_APIS`, default `true`, as
/// an operator's node has them).
pub fn deprecated_apis() -> bool {
    std::env::var("LNWATCH_DEPRECATED_APIS").map_or(true, |v| v != "false")
}

/// A TCP port free on loopback now (for a node, a metrics endpoint, a Prometheus).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn options_array_from_the_version() {
        use super::takes_plugin_options_array as takes;
        assert!(takes("v26.06-258-g090f4b0e6") && takes("v26.09") && takes("v26.12.1") && takes("v27.03rc1"));
        assert!(!takes("v26.06.6") && !takes("v26.06") && !takes("v25.12.1") && !takes("v26.06.6-3-gabc"));
    }
}
