//! A blocking client for a node's `lightning-rpc`, for tests: one connection per call.

use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Deserializer, Value, json};

#[derive(Debug)]
pub enum RpcError {
    Io(io::Error),
    /// lightningd answered with a JSON-RPC error.
    Rpc {
        code: i64,
        message: String,
        data: Value,
    },
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpcError::Io(e) => write!(f, "{e}"),
            RpcError::Rpc { code, message, data } => write!(f, "error {code}: {message} {data}"),
        }
    }
}

impl std::error::Error for RpcError {}

#[derive(Debug, Clone)]
pub struct Rpc {
    path: PathBuf,
    timeout: Duration,
}

impl Rpc {
    pub fn new(path: &Path) -> Rpc {
        Rpc { path: path.to_path_buf(), timeout: Duration::from_secs(60) }
    }

    /// Calls `method` with `params` (an object or an array) and returns its `result`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let mut stream = UnixStream::connect(&self.path).map_err(RpcError::Io)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(RpcError::Io)?;
        let request = json!({"jsonrpc":"2.0","id":format!("lnwatch-test:{method}#1"),"method":method,"params":params});
        stream.write_all(request.to_string().as_bytes()).map_err(RpcError::Io)?;
        // Buffered: serde reads a byte at a time, a syscall each on a bare stream.
        let reply = Deserializer::from_reader(io::BufReader::new(&stream))
            .into_iter::<Value>()
            .next()
            .ok_or_else(|| RpcError::Io(io::Error::new(io::ErrorKind::UnexpectedEof, format!("{method}: no reply"))))?
            .map_err(|e| RpcError::Io(io::Error::new(io::ErrorKind::InvalidData, format!("{method}: {e}"))))?;
        if let Some(err) = reply.get("error") {
            return Err(RpcError::Rpc {
                code: err["code"].as_i64().unwrap_or_default(),
                message: err["message"].as_str().unwrap_or_default().to_string(),
                data: err.get("data").cloned().unwrap_or(Value::Null),
            });
        }
        Ok(reply.get("result").cloned().unwrap_or(Value::Null))
    }
}
