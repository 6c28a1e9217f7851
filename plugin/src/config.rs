//! The plugin's configuration, read from lightningd's `init` request.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::options;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Absolute (or cwd-relative, if lightningd gave no directory) socket path.
    pub socket: PathBuf,
    pub replay: usize,
    pub client_queue: usize,
    /// Bytes the event log may hold.
    pub buffer_bytes: usize,
    /// How long the node gets to answer a client's query.
    pub query_timeout: Duration,
    pub redact: bool,
    pub log: bool,
    /// The node's JSON-RPC socket.
    pub rpc_file: PathBuf,
    pub network: Option<String>,
    /// Where to serve Prometheus metrics (`lnwatch-metrics`), if anywhere.
    pub metrics: Option<std::net::SocketAddr>,
}

/// Reads `init` params. The error is a reason fit for `{"disable": …}`.
///
/// `cwd` is the plugin's working directory, which lightningd sets to the network dir; it is
/// used when `configuration.lightning-dir` is missing.
pub fn from_init(params: &Value, cwd: &Path) -> Result<Config, String> {
    let options = &params["options"];
    let conf = &params["configuration"];
    let network_dir = match conf.get("lightning-dir").and_then(Value::as_str) {
        Some(d) => cwd.join(d),
        None => cwd.to_path_buf(),
    };
    // Relative socket paths resolve against the lightning dir, the parent of the network dir.
    let lightning_dir = network_dir.parent().map(Path::to_path_buf).unwrap_or_else(|| network_dir.clone());

    let socket = options::SOCKET.read(options)?;
    let rpc_file = conf.get("rpc-file").and_then(Value::as_str).unwrap_or("lightning-rpc");

    Ok(Config {
        socket: lightning_dir.join(socket),
        replay: options::REPLAY.read(options)?,
        client_queue: options::CLIENT_QUEUE.read(options)?,
        buffer_bytes: options::BUFFER_MB.read(options)?.saturating_mul(1 << 20),
        query_timeout: Duration::from_secs(options::QUERY_TIMEOUT.read(options)? as u64),
        redact: options::REDACT.read(options)?,
        log: options::LOG.read(options)?,
        rpc_file: network_dir.join(rpc_file),
        network: conf.get("network").and_then(Value::as_str).map(str::to_owned),
        metrics: metrics_addr(&options::METRICS.read(options)?)?,
    })
}

/// `HOST:PORT` (a name resolves to its first address), or nothing for an empty value.
fn metrics_addr(value: &str) -> Result<Option<std::net::SocketAddr>, String> {
    use std::net::ToSocketAddrs;
    if value.trim().is_empty() {
        return Ok(None);
    }
    let bad = |why: String| format!("{}={value}: {why} (HOST:PORT, e.g. 127.0.0.1:9750)", options::METRICS.name);
    value.to_socket_addrs().map_err(|e| bad(e.to_string()))?.next().map(Some).ok_or_else(|| bad("no address".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn init(options: Value) -> Value {
        json!({"options": options, "configuration": {"lightning-dir": "/tmp/l1-regtest/regtest",
               "rpc-file": "lightning-rpc", "network": "regtest", "startup": false}})
    }

    #[test]
    fn defaults_resolve_against_the_lightning_dir() {
        let c = from_init(&init(json!({})), Path::new("/somewhere")).unwrap();
        assert_eq!(c.socket, Path::new("/tmp/l1-regtest/notif.sock"));
        assert_eq!(c.rpc_file, Path::new("/tmp/l1-regtest/regtest/lightning-rpc"));
        assert_eq!((c.replay, c.client_queue, c.redact, c.log), (1000, 10_000, true, false));
        assert_eq!(c.network.as_deref(), Some("regtest"));
    }

    #[test]
    fn options_are_read_leniently_and_checked() {
        let c = from_init(
            &init(json!({"lnwatch-socket":"/run/ln.sock","lnwatch-replay":"5",
            "lnwatch-client-queue":7,"lnwatch-redact":false,"lnwatch-log":"true"})),
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(c.socket, Path::new("/run/ln.sock"));
        assert_eq!((c.replay, c.client_queue, c.redact, c.log), (5, 7, false, true));
        for bad in [
            json!({"lnwatch-client-queue":0}),
            json!({"lnwatch-replay":-1}),
            json!({"lnwatch-redact":"maybe"}),
            json!({"lnwatch-socket":""}),
            json!({"lnwatch-replay":1e12}),
        ] {
            assert!(from_init(&init(bad.clone()), Path::new("/")).is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_configuration_falls_back_to_cwd() {
        let c = from_init(&json!({}), Path::new("/ln/bitcoin")).unwrap();
        assert_eq!(c.socket, Path::new("/ln/notif.sock"));
        assert_eq!(c.rpc_file, Path::new("/ln/bitcoin/lightning-rpc"));
    }
}
