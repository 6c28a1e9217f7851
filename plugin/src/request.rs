//! A client's line, read as little as needed: the frame type, a query's `id` kept as the exact
//! text the client sent (so `2^64` or `1e400` come back as they went), its method, and its
//! `params` still unparsed (a refused method costs no parse of them).

use std::borrow::Cow;

use lnwatch_shared::frame::{CodecError, query_error};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::query::{self, Call};

/// What a client asked for.
#[derive(Debug)]
pub enum Request<'a> {
    /// Topics to receive; `None` is all.
    Subscribe(Option<Vec<String>>),
    Query(RawQuery<'a>),
    /// A frame type clients do not send (or one from a newer protocol): ignored.
    Other,
}

/// A query as sent.
#[derive(Debug)]
pub struct RawQuery<'a> {
    /// The `id` as JSON text; `null` when absent.
    pub id: &'a str,
    pub method: Cow<'a, str>,
    pub params: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    params: Option<&'a RawValue>,
    #[serde(default)]
    topics: Option<Vec<String>>,
}

/// Why a line is not a request, and the query `id` to answer with if one could be read.
#[derive(Debug)]
pub struct Unreadable<'a> {
    pub id: &'a str,
    pub why: String,
}

/// What to do with one line from a client.
#[derive(Debug)]
pub enum Taken {
    Subscribe(Option<Vec<String>>),
    /// A query the allowlist admits: ask the node.
    Call(Call),
    /// An `error` frame to send back: the line was too long, unreadable, or refused.
    Refuse(Vec<u8>),
    /// Nothing to do (an empty line, a frame type clients do not send).
    Ignore,
}

/// Takes one line as [`lnwatch_shared::frame::LineBuf`] cut it: every query gets an answer,
/// even one whose line could not be read (with the id it sent when that much was readable).
pub fn take(line: Result<&[u8], CodecError>) -> Taken {
    let line = match line {
        Ok(l) if l.trim_ascii().is_empty() => return Taken::Ignore,
        Ok(l) => l,
        Err(CodecError::TooLong { len, limit }) => {
            let why = format!("a line of {len} bytes is over the {limit}-byte limit for client lines; not read");
            return Taken::Refuse(query::error_line("null", query_error::INVALID, &why));
        }
        Err(e) => return Taken::Refuse(query::error_line("null", query_error::INVALID, &e.to_string())),
    };
    match parse(line) {
        Err(e) => Taken::Refuse(query::error_line(e.id, query_error::INVALID, &format!("not a request: {}", e.why))),
        Ok(Request::Subscribe(topics)) => Taken::Subscribe(topics),
        Ok(Request::Query(q)) => match query::admit(&q) {
            Ok(call) => Taken::Call(call),
            Err(refusal) => Taken::Refuse(refusal),
        },
        Ok(Request::Other) => Taken::Ignore,
    }
}

/// Reads one line (without its newline).
pub fn parse(line: &[u8]) -> Result<Request<'_>, Unreadable<'_>> {
    let text = std::str::from_utf8(line).map_err(|e| Unreadable { id: "null", why: format!("not UTF-8: {e}") })?;
    let l: Line<'_> = serde_json::from_str(text).map_err(|e| Unreadable { id: id_of(text), why: e.to_string() })?;
    match &*l.kind {
        "subscribe" => Ok(Request::Subscribe(l.topics)),
        "query" => {
            let id = l.id.map_or("null", RawValue::get);
            let Some(method) = l.method else {
                return Err(Unreadable { id, why: "a query needs a \"method\"".into() });
            };
            Ok(Request::Query(RawQuery { id, method, params: l.params }))
        }
        _ => Ok(Request::Other),
    }
}

/// The `id` of a line that is JSON but not a well-formed request, so the refusal still reaches
/// the query it answers.
fn id_of(text: &str) -> &str {
    #[derive(Deserialize)]
    struct IdOnly<'a> {
        #[serde(default, borrow)]
        id: Option<&'a RawValue>,
    }
    serde_json::from_str::<IdOnly<'_>>(text).ok().and_then(|l| l.id).map_or("null", RawValue::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kept_as_sent() {
        for id in ["18446744073709551616", "1e400", "-0.0", r#""a\u0000b""#, r#"{"k":[1,2]}"#, "null"] {
            let line = format!(r#"{{"type":"query","id":{id},"method":"getinfo"}}"#);
            let Ok(Request::Query(q)) = parse(line.as_bytes()) else { panic!("{line}") };
            assert_eq!(q.id, id);
        }
        let Ok(Request::Query(q)) = parse(br#"{"type":"query","method":"getinfo"}"#) else { panic!() };
        assert_eq!(q.id, "null");
    }

    #[test]
    fn subscriptions_and_other_frames() {
        assert!(
            matches!(parse(br#"{"type":"subscribe","topics":["a"]}"#), Ok(Request::Subscribe(Some(t))) if t == ["a"])
        );
        assert!(matches!(parse(br#"{"type":"subscribe","topics":null}"#), Ok(Request::Subscribe(None))));
        assert!(matches!(parse(br#"{"type":"subscribe"}"#), Ok(Request::Subscribe(None))));
        assert!(matches!(parse(br#"{"type":"hello","x":1e400}"#), Ok(Request::Other)));
    }

    #[test]
    fn unreadable_lines_keep_their_id_when_there_is_one() {
        let e = parse(br#"{"type":"query","id":5,"method":7}"#).unwrap_err();
        assert_eq!(e.id, "5");
        let e = parse(br#"{"type":"query","id":"x"}"#).unwrap_err();
        assert_eq!((e.id, e.why.contains("method")), (r#""x""#, true));
        assert_eq!(parse(b"{not json").unwrap_err().id, "null");
        assert_eq!(parse(b"\xff\xfe").unwrap_err().id, "null");
        assert_eq!(parse(br#"{"id":3}"#).unwrap_err().id, "3", "no type");
    }
}
