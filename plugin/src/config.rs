//! The plugin's configuration, read from lightningd's `init` request.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::manifest::{DEFAULT_BUFFER_MB, DEFAULT_CLIENT_QUEUE, DEFAULT_REPLAY, DEFAULT_SOCKET};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Absolute (or cwd-relative, if lightningd gave no directory) socket path.
    pub socket: PathBuf,
    pub replay: usize,
    pub client_queue: usize,
    /// Bytes the event log may hold.
    pub buffer_bytes: usize,
    pub redact: bool,
    pub log: bool,
    /// The node's JSON-RPC socket.
    pub rpc_file: PathBuf,
    pub network: Option<String>,
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

    let socket = match options.get("lnwatch-socket") {
        None | Some(Value::Null) => DEFAULT_SOCKET.to_owned(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => return Err(format!("lnwatch-socket must be a non-empty path, got {other}")),
    };
    let rpc_file = conf.get("rpc-file").and_then(Value::as_str).unwrap_or("lightning-rpc");

    Ok(Config {
        socket: lightning_dir.join(socket),
        replay: int_option(options, "lnwatch-replay", DEFAULT_REPLAY, 0)?,
        client_queue: int_option(options, "lnwatch-client-queue", DEFAULT_CLIENT_QUEUE, 1)?,
        buffer_bytes: int_option(options, "lnwatch-buffer-mb", DEFAULT_BUFFER_MB, 1)?.saturating_mul(1 << 20),
        redact: bool_option(options, "lnwatch-redact", true)?,
        log: bool_option(options, "lnwatch-log", false)?,
        rpc_file: network_dir.join(rpc_file),
        network: conf.get("network").and_then(Value::as_str).map(str::to_owned),
    })
}

/// Upper bound for the size options: far above any sensible setting, low enough that a typo
/// cannot make the plugin reserve gigabytes.
const MAX_COUNT: u64 = 10_000_000;

fn int_option(options: &Value, name: &str, default: u64, min: u64) -> Result<usize, String> {
    let n = match options.get(name) {
        None | Some(Value::Null) => default,
        Some(Value::Number(n)) => {
            n.as_u64().ok_or_else(|| format!("{name} must be a whole number ≥ {min}, got {n}"))?
        }
        // Older lightningd versions pass some option values as strings.
        Some(Value::String(s)) => {
            s.trim().parse().map_err(|_| format!("{name} must be a whole number ≥ {min}, got {s:?}"))?
        }
        Some(other) => return Err(format!("{name} must be a whole number ≥ {min}, got {other}")),
    };
    if !(min..=MAX_COUNT).contains(&n) {
        return Err(format!("{name} must be between {min} and {MAX_COUNT}, got {n}"));
    }
    Ok(n as usize)
}

fn bool_option(options: &Value, name: &str, default: bool) -> Result<bool, String> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(format!("{name} must be true or false, got {s:?}")),
        },
        Some(other) => Err(format!("{name} must be true or false, got {other}")),
    }
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
