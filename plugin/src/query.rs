//! Read-only queries from clients: one call to the node per query, on its own connection and
//! task, so a slow answer holds up nothing but itself. The answer is one `result` or `error`
//! line for the client's writer, redacted like events.

use std::path::PathBuf;
use std::time::Duration;

use lnwatch_shared::frame::{self, Frame, MAX_RESULT_BYTES, QUERY_METHODS, Query, QueryError, query_error};
use lnwatch_shared::redact::{REDACTED, redact_raw};
use serde_json::Value;

use crate::rpc::{self, CallError, Reply};

/// What answering needs, shared by every client.
#[derive(Debug, Clone)]
pub struct Queries {
    pub rpc_file: PathBuf,
    pub redact: bool,
    /// How long the node gets to answer (`wait` included: ask again after it).
    pub timeout: Duration,
}

impl Queries {
    /// The refusal for a query that must not reach the node, if it must not.
    pub fn refuse(q: &Query) -> Option<Vec<u8>> {
        if !QUERY_METHODS.contains(&q.method.as_str()) {
            let message = format!(
                "{:?} is not a read-only method lnwatch relays; allowed: {}",
                q.method,
                QUERY_METHODS.join(", ")
            );
            return Some(error(&q.id, query_error::NOT_ALLOWED, message));
        }
        if !matches!(q.params, Value::Object(_) | Value::Array(_) | Value::Null) {
            return Some(error(&q.id, query_error::BAD_PARAMS, "params must be an object, an array or null".into()));
        }
        None
    }

    /// The `result` or `error` line for an allowed query.
    pub async fn answer(&self, q: Query) -> Vec<u8> {
        let params = if q.params.is_null() { Value::Object(Default::default()) } else { q.params };
        match rpc::request(&self.rpc_file, &q.method, &params, self.timeout, MAX_RESULT_BYTES).await {
            Ok(Reply::Result(raw)) => {
                let text = if self.redact { redact_raw(raw.get(), REDACTED).0 } else { raw.get().into() };
                result_line(&q.id, &text)
            }
            Ok(Reply::Error(err)) => {
                let code = err.get("code").and_then(Value::as_i64).unwrap_or(query_error::UNAVAILABLE);
                let message = err.get("message").and_then(Value::as_str).map_or_else(|| err.to_string(), str::to_owned);
                error(&q.id, code, message)
            }
            Err(e @ CallError::Timeout { .. }) => error(&q.id, query_error::TIMEOUT, e.to_string()),
            Err(CallError::TooLarge { method, limit }) => error(
                &q.id,
                query_error::TOO_LARGE,
                format!("{method}: the answer is over {limit} bytes; ask for less (limit, start, or a filter)"),
            ),
            Err(CallError::Io(e)) => error(&q.id, query_error::UNAVAILABLE, format!("the node's RPC: {e}")),
        }
    }
}

/// The refusal for one query too many.
pub fn busy(id: &Value) -> Vec<u8> {
    let message = format!("{} queries are already unanswered; wait for one", frame::MAX_QUERIES_IN_FLIGHT);
    error(id, query_error::BUSY, message)
}

fn error(id: &Value, code: i64, message: String) -> Vec<u8> {
    frame::encode(&Frame::Error(QueryError { id: id.clone(), code, message }))
}

/// Written by hand so the node's text goes out as it came, not parsed and printed again.
fn result_line(id: &Value, result: &str) -> Vec<u8> {
    let id = serde_json::to_string(id).unwrap_or_else(|_| "null".into());
    let mut line = Vec::with_capacity(result.len() + id.len() + 32);
    line.extend_from_slice(br#"{"type":"result","id":"#);
    line.extend_from_slice(id.as_bytes());
    line.extend_from_slice(br#","result":"#);
    line.extend_from_slice(result.as_bytes());
    line.extend_from_slice(b"}\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_read_only_methods_with_sane_params_pass() {
        let q = |method: &str, params: Value| Query { id: json!(1), method: method.into(), params };
        assert!(Queries::refuse(&q("listforwards", json!({"limit": 5}))).is_none());
        assert!(Queries::refuse(&q("getinfo", Value::Null)).is_none());
        assert!(Queries::refuse(&q("listpays", json!(["02ab"]))).is_none());
        for bad in ["pay", "listconfigs", "listdatastore", "getlog", "stop", ""] {
            let line = Queries::refuse(&q(bad, Value::Null)).expect(bad);
            let Ok(Frame::Error(e)) = frame::decode(&line) else { panic!("{bad}: not an error frame") };
            assert_eq!((e.id, e.code), (json!(1), query_error::NOT_ALLOWED));
        }
        let line = Queries::refuse(&q("getinfo", json!("x"))).unwrap();
        assert!(matches!(frame::decode(&line), Ok(Frame::Error(QueryError { code: query_error::BAD_PARAMS, .. }))));
    }

    #[test]
    fn results_are_valid_frames_with_the_node_text() {
        let line = result_line(&json!({"k": [1]}), r#"{"n":340282366920938463463374607431768211455}"#);
        let text = std::str::from_utf8(&line).unwrap();
        assert!(text.contains("340282366920938463463374607431768211455"), "{text}");
        assert!(matches!(frame::decode(&line), Ok(Frame::Result(r)) if r.id == json!({"k": [1]})));
    }
}
