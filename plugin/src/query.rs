//! Read-only queries from clients: one call to the node per query, on its own connection and
//! task, so a slow answer holds up nothing but itself. The answer is one `result` or `error`
//! line for the client's writer, redacted like events.

use std::path::PathBuf;
use std::time::Duration;

use lnwatch_shared::frame::{self, MAX_RESULT_BYTES, query_error};
use lnwatch_shared::redact::{REDACTED, is_secret_key, replace_raw};
use serde_json::Value;

use crate::allowlist::{self, Refusal};
use crate::budget::{Budget, Reservation};
use crate::request::RawQuery;
use crate::rpc::{self, CallError, Reply};

/// What answering needs, shared by every client.
#[derive(Debug, Clone)]
pub struct Queries {
    pub rpc_file: PathBuf,
    pub redact: bool,
    /// How long the node gets to answer (`wait` included: ask again after it).
    pub timeout: Duration,
    /// Room for answers across all clients.
    pub budget: Budget,
}

/// A query that may reach the node.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The client's `id`, as the JSON text it sent.
    pub id: Box<str>,
    pub method: &'static str,
    pub params: Value,
}

/// Checks a query against the allowlist: the call to make, or the refusal line. The method is
/// checked before `params` is parsed, so refusing costs little.
pub fn admit(q: &RawQuery<'_>) -> Result<Call, Vec<u8>> {
    let refuse = |r: Refusal| match r {
        Refusal::NotAllowed(m) => error_line(q.id, query_error::NOT_ALLOWED, &m),
        Refusal::BadParams(m) => error_line(q.id, query_error::BAD_PARAMS, &m),
    };
    let method = allowlist::check_method(&q.method).map_err(refuse)?;
    let params = match q.params {
        None => Value::Null,
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| error_line(q.id, query_error::BAD_PARAMS, &format!("{}: params: {e}", method.name)))?,
    };
    allowlist::check_params(method, &params).map_err(refuse)?;
    Ok(Call { id: q.id.into(), method: method.name, params })
}

impl Queries {
    /// The `result` or `error` line for an admitted call, and the room it holds until written.
    pub async fn answer(&self, call: Call) -> (Vec<u8>, Reservation) {
        let mut room = self.budget.reserve();
        let params = if call.params.is_null() { Value::Object(Default::default()) } else { call.params };
        let reply =
            rpc::request(&self.rpc_file, call.method, &params, self.timeout, MAX_RESULT_BYTES, Some(&mut room)).await;
        let line = match reply {
            Ok(Reply::Result(raw)) => {
                let quoted = serde_json::to_string(REDACTED).unwrap_or_default();
                let text = replace_raw(raw.get(), |key| match key {
                    // Peer logs hold raw wire messages; no level is asked for, and none relayed.
                    "log" => Some("[]"),
                    k if self.redact && is_secret_key(k) => Some(quoted.as_str()),
                    _ => None,
                })
                .0;
                result_line(&call.id, &text)
            }
            Ok(Reply::Error(err)) => {
                let code = err.get("code").and_then(Value::as_i64).unwrap_or(query_error::UNAVAILABLE);
                let message = err.get("message").and_then(Value::as_str).map_or_else(|| err.to_string(), str::to_owned);
                error_line(&call.id, code, &message)
            }
            Err(e @ CallError::Timeout { .. }) => error_line(&call.id, query_error::TIMEOUT, &e.to_string()),
            Err(CallError::TooLarge { method, limit }) => error_line(
                &call.id,
                query_error::TOO_LARGE,
                &format!("{method}: the answer is over {limit} bytes; ask for less (limit, start, or a filter)"),
            ),
            Err(CallError::NoRoom { method }) => self.no_room(&call.id, &method),
            Err(CallError::Io(e)) => error_line(&call.id, query_error::UNAVAILABLE, &format!("the node's RPC: {e}")),
        };
        // The line itself must fit what is held, or the budget would not bound it.
        if !room.cover(line.len()) {
            return (self.no_room(&call.id, call.method), room);
        }
        (line, room)
    }

    fn no_room(&self, id: &str, method: &str) -> Vec<u8> {
        let n = self.budget.refused();
        let mib = self.budget.total() >> 20;
        let message = format!(
            "{method}: the plugin already holds {mib} MiB of answers its clients have not read; ask again once they \
             do ({n} queries refused so far)"
        );
        error_line(id, query_error::OVERLOADED, &message)
    }
}

/// The refusal for one query too many.
pub fn busy(id: &str) -> Vec<u8> {
    let message = format!("{} queries are already unanswered; wait for one", frame::MAX_QUERIES_IN_FLIGHT);
    error_line(id, query_error::BUSY, &message)
}

/// An `error` frame for the query whose id is the JSON text `id`. Written by hand, like
/// [`result_line`], so the id goes back exactly as it came.
pub fn error_line(id: &str, code: i64, message: &str) -> Vec<u8> {
    let message = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".into());
    let mut line = Vec::with_capacity(message.len() + id.len() + 48);
    line.extend_from_slice(br#"{"type":"error","id":"#);
    line.extend_from_slice(id.as_bytes());
    line.extend_from_slice(br#","code":"#);
    line.extend_from_slice(code.to_string().as_bytes());
    line.extend_from_slice(br#","message":"#);
    line.extend_from_slice(message.as_bytes());
    line.extend_from_slice(b"}\n");
    line
}

/// Written by hand so the node's text goes out as it came, not parsed and printed again.
fn result_line(id: &str, result: &str) -> Vec<u8> {
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
    use crate::request::{Request, parse};
    use lnwatch_shared::frame::Frame;
    use serde_json::json;

    fn admit_line(line: &str) -> Result<Call, Vec<u8>> {
        let Ok(Request::Query(q)) = parse(line.as_bytes()) else { panic!("not a query: {line}") };
        admit(&q)
    }

    #[test]
    fn refusals_echo_the_id_exactly_and_name_the_reason() {
        for id in ["18446744073709551616", "1e400", r#""x""#, "[1,{}]"] {
            let line = admit_line(&format!(r#"{{"type":"query","id":{id},"method":"listconfigs"}}"#)).unwrap_err();
            let text = std::str::from_utf8(&line).unwrap();
            assert!(text.starts_with(&format!(r#"{{"type":"error","id":{id},"code":-32601,"#)), "{text}");
            assert!(text.ends_with("}\n") && !text[..text.len() - 1].contains('\n'));
        }
        let line = admit_line(r#"{"type":"query","id":1,"method":"listpeers","params":{"level":"io"}}"#).unwrap_err();
        let Ok(Frame::Error(e)) = frame::decode(&line) else { panic!() };
        assert_eq!(e.code, query_error::BAD_PARAMS);
        assert!(e.message.contains("level"), "{}", e.message);
        let line =
            admit_line(r#"{"type":"query","id":1,"method":"listforwards","params":{"start":1e400}}"#).unwrap_err();
        assert!(matches!(frame::decode(&line), Ok(Frame::Error(e)) if e.code == query_error::BAD_PARAMS));
    }

    #[test]
    fn admitted_calls_carry_their_params() {
        let c = admit_line(r#"{"type":"query","id":7,"method":"listpays","params":[null,"aa"]}"#);
        assert!(c.is_err(), "a payment hash is 64 hex digits");
        let c = admit_line(r#"{"type":"query","id":7,"method":"listforwards","params":{"limit":5}}"#).unwrap();
        assert_eq!(c, Call { id: "7".into(), method: "listforwards", params: json!({"limit": 5}) });
    }

    #[test]
    fn results_are_valid_frames_with_the_node_text() {
        let line = result_line(r#"{"k":[1]}"#, r#"{"n":340282366920938463463374607431768211455}"#);
        let text = std::str::from_utf8(&line).unwrap();
        assert!(text.contains("340282366920938463463374607431768211455"), "{text}");
        assert!(matches!(frame::decode(&line), Ok(Frame::Result(r)) if r.id == json!({"k": [1]})));
    }
}
