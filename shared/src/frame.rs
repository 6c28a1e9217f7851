//! Wire protocol v1 between lnwatch-plugin and its clients: UTF-8 NDJSON, one object per line,
//! every object tagged with `"type"`. See docs/protocol.md.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::peers::PeerState;

/// Longest line a reader accepts. lightningd's largest notifications (onion messages) are a few
/// KiB; this bound only protects readers from a peer that never sends a newline.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// One line of the socket protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Frame {
    Hello(Hello),
    Peers(Peers),
    Event(Event),
    Gap(Gap),
    Subscribe(Subscribe),
    /// Client → plugin: a read-only call to the node.
    Query(Query),
    /// Plugin → client: a query's answer.
    Result(QueryResult),
    /// Plugin → client: why a query has no answer.
    Error(QueryError),
    /// Plugin → client, the last line before it closes the connection: why it stops.
    Bye(Bye),
    /// A frame type this build does not know; readers skip it.
    #[serde(other)]
    Unknown,
}

/// First frame a client receives.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Hello {
    pub protocol: u32,
    /// `lnwatch-plugin <version>`.
    pub plugin: String,
    /// `LIGHTNINGD_VERSION` of the node, when known.
    pub lightningd: Option<String>,
    pub network: Option<String>,
    /// From `getinfo`; null until the node's RPC has answered.
    pub node_id: Option<String>,
    pub alias: Option<String>,
    /// The seq the first live (non-replayed) event will carry.
    pub next_seq: u64,
    /// Whether the plugin replaces preimages with `"<redacted>"`.
    pub redacted: bool,
    /// Differs for every plugin run: seqs are only comparable within one instance.
    pub instance: String,
}

/// The peer table as of `seq` (every event up to and including `seq` is reflected).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Peers {
    pub seq: u64,
    pub peers: Vec<PeerState>,
    /// True once the table is based on a `listpeers` snapshot; false while it is built from
    /// connect/disconnect events alone (the node's RPC has not answered yet).
    pub complete: bool,
}

/// One notification from lightningd, stamped by the plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    /// Unix time (seconds) the plugin read it from lightningd.
    #[serde(default)]
    pub time: f64,
    /// The JSON-RPC `method` lightningd sent.
    pub topic: String,
    /// The plugin that emitted a custom notification; null for lightningd's own.
    #[serde(default)]
    pub origin: Option<String>,
    /// `params` exactly as lightningd sent them (secrets redacted unless disabled).
    #[serde(default)]
    pub params: Value,
}

/// Why the plugin stops, told to its clients before it closes their connections.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Bye {
    /// One of [`bye`]'s reasons (a newer plugin may send others: say `message`).
    pub reason: String,
    /// The same in words, one line.
    pub message: String,
}

/// The reasons a [`Bye`] gives.
pub mod bye {
    /// `plugin stop` (lightningd still answers its RPC): the node runs on without the relay.
    pub const PLUGIN_STOPPED: &str = "plugin_stopped";
    /// lightningd sent `shutdown` and no longer answers: the node is stopping.
    pub const NODE_STOPPING: &str = "node_stopping";
    /// lightningd closed the plugin's stdin without `shutdown`: it exited or crashed.
    pub const NODE_GONE: &str = "node_gone";
}

/// Events this client missed because it did not read fast enough.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// Number of seqs skipped (counted over all topics).
    pub missed: u64,
    /// The seq of the next event this client will receive.
    pub next_seq: u64,
}

/// Client → plugin: narrow the topics this client receives; `null` means all.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Subscribe {
    #[serde(default)]
    pub topics: Option<Vec<String>>,
}

/// Client → plugin: call one of the node's read-only methods (the plugin's allowlist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// Chosen by the client and echoed in the answer; any JSON value.
    #[serde(default)]
    pub id: Value,
    pub method: String,
    /// An object or array as the method takes it; absent or null for none.
    #[serde(default)]
    pub params: Value,
}

/// The node's `result` for a query, redacted like events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    #[serde(default)]
    pub id: Value,
    #[serde(default)]
    pub result: Value,
}

/// A query that has no result: refused by the plugin or failed at the node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryError {
    #[serde(default)]
    pub id: Value,
    /// The node's JSON-RPC error code, or one of [`query_error`]'s.
    pub code: i64,
    pub message: String,
}

/// Codes of the errors the plugin itself gives to queries (the node's own codes pass through).
pub mod query_error {
    /// The method is not on the read-only allowlist.
    pub const NOT_ALLOWED: i64 = -32601;
    /// `params` is not of the form the allowlist gives for the method.
    pub const BAD_PARAMS: i64 = -32602;
    /// The client already has [`super::MAX_QUERIES_IN_FLIGHT`] queries unanswered.
    pub const BUSY: i64 = -32010;
    /// The node did not answer within the plugin's query timeout.
    pub const TIMEOUT: i64 = -32011;
    /// The answer is over [`super::MAX_RESULT_BYTES`]: ask for less (`limit`, `start`).
    pub const TOO_LARGE: i64 = -32012;
    /// The node's RPC socket could not be reached or answered with something else.
    pub const UNAVAILABLE: i64 = -32013;
    /// The plugin holds as many unread answers (all clients together) as it allows.
    pub const OVERLOADED: i64 = -32014;
    /// The line was not a request the plugin could read (too long, not JSON, no method).
    pub const INVALID: i64 = -32600;
}

/// Queries one client may have unanswered at once.
pub const MAX_QUERIES_IN_FLIGHT: usize = 4;
/// Largest result the plugin relays, well under [`MAX_LINE`] so every reader accepts it.
pub const MAX_RESULT_BYTES: usize = 8 * 1024 * 1024;

/// Why a line was not a frame.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("line is {len} bytes, over the {limit}-byte limit")]
    TooLong { len: usize, limit: usize },
    #[error("not a protocol frame: {0}")]
    Json(#[from] serde_json::Error),
}

/// An `event` frame with `params` left as raw JSON text: what a client that only stores and
/// filters events needs, without building a `Value` per event.
#[derive(Debug, Deserialize)]
pub struct EventRef<'a> {
    pub seq: u64,
    #[serde(default)]
    pub time: f64,
    #[serde(borrow)]
    pub topic: Cow<'a, str>,
    #[serde(default, borrow)]
    pub origin: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub params: Option<&'a RawValue>,
}

/// A decoded line: events borrowed and raw, other frames in full.
#[derive(Debug)]
pub enum Line<'a> {
    Event(EventRef<'a>),
    Frame(Frame),
}

/// Decodes one line, taking the fast path for `event` frames (the plugin writes `"type"` first).
pub fn decode_line(line: &[u8]) -> Result<Line<'_>, CodecError> {
    let line = trim_newline(line);
    if line.starts_with(br#"{"type":"event","#) {
        if line.len() > MAX_LINE {
            return Err(CodecError::TooLong { len: line.len(), limit: MAX_LINE });
        }
        // Validating UTF-8 once lets serde borrow strings without re-validating each.
        let text = std::str::from_utf8(line).map_err(<serde_json::Error as serde::de::Error>::custom)?;
        return Ok(Line::Event(serde_json::from_str(text)?));
    }
    match decode(line)? {
        // An event written by someone else, fields in another order: same result, slower path.
        Frame::Event(_) => {
            let text = std::str::from_utf8(line).map_err(<serde_json::Error as serde::de::Error>::custom)?;
            Ok(Line::Event(serde_json::from_str(text)?))
        }
        other => Ok(Line::Frame(other)),
    }
}

/// Decodes one line (without or with its trailing `\n`).
pub fn decode(line: &[u8]) -> Result<Frame, CodecError> {
    if line.len() > MAX_LINE {
        return Err(CodecError::TooLong { len: line.len(), limit: MAX_LINE });
    }
    Ok(serde_json::from_slice(trim_newline(line))?)
}

/// Encodes a frame as one `\n`-terminated line.
pub fn encode(frame: &Frame) -> Vec<u8> {
    // Serializing a Frame cannot fail: every map key is a string and no type has a fallible
    // Serialize impl. Fall back to an empty object rather than panic should that ever change.
    let mut out = serde_json::to_vec(frame).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits a byte stream into lines, bounding the memory a line may take.
///
/// A line over `max_line` bytes is reported once as [`CodecError::TooLong`] and the rest of it
/// is discarded up to its newline, so one bad line costs neither memory nor the lines after it.
#[derive(Debug)]
pub struct LineBuf {
    buf: Vec<u8>,
    start: usize,
    /// `buf[..scanned]` holds no newline past `start`: each byte is searched once, so a long
    /// line arriving in many reads costs linear time.
    scanned: usize,
    max_line: usize,
    /// Inside an over-long line: bytes dropped so far.
    discarding: Option<usize>,
}

impl LineBuf {
    pub fn new(max_line: usize) -> Self {
        LineBuf { buf: Vec::with_capacity(64 * 1024), start: 0, scanned: 0, max_line, discarding: None }
    }

    /// Appends bytes read from the stream.
    pub fn extend(&mut self, data: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned = self.scanned.saturating_sub(self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet returned as a line.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next complete line, without its `\n`.
    pub fn next_line(&mut self) -> Option<Result<&[u8], CodecError>> {
        let limit = self.max_line;
        loop {
            let from = self.scanned.max(self.start);
            match memchr::memchr(b'\n', &self.buf[from..]) {
                Some(at) => {
                    let (begin, len) = (self.start, from + at - self.start);
                    self.start = from + at + 1;
                    self.scanned = self.start;
                    if let Some(dropped) = self.discarding.take() {
                        return Some(Err(CodecError::TooLong { len: dropped + len, limit }));
                    }
                    if len > limit {
                        return Some(Err(CodecError::TooLong { len, limit }));
                    }
                    return Some(Ok(&self.buf[begin..begin + len]));
                }
                None if self.buf.len() - self.start > limit => {
                    *self.discarding.get_or_insert(0) += self.buf.len() - self.start;
                    self.buf.clear();
                    self.start = 0;
                    self.scanned = 0;
                    continue;
                }
                None => {
                    self.scanned = self.buf.len();
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn frames_round_trip() {
        let frames = vec![
            Frame::Hello(Hello {
                protocol: 1,
                plugin: "lnwatch-plugin 0.1.0".into(),
                next_seq: 7,
                ..Default::default()
            }),
            Frame::Peers(Peers { seq: 6, peers: vec![], complete: true }),
            Frame::Event(Event {
                seq: 7,
                time: 1.5,
                topic: "connect".into(),
                origin: None,
                params: json!({"connect":{"id":"02"}}),
            }),
            Frame::Gap(Gap { missed: 3, next_seq: 11 }),
            Frame::Subscribe(Subscribe { topics: Some(vec!["connect".into()]) }),
            Frame::Query(Query { id: json!(7), method: "listforwards".into(), params: json!({"limit": 10}) }),
            Frame::Result(QueryResult { id: json!("a"), result: json!({"forwards": []}) }),
            Frame::Error(QueryError { id: json!(null), code: query_error::BUSY, message: "busy".into() }),
            Frame::Bye(Bye { reason: bye::PLUGIN_STOPPED.into(), message: "stopped".into() }),
        ];
        for f in frames {
            let line = encode(&f);
            assert_eq!(line.last(), Some(&b'\n'));
            assert_eq!(decode(&line).unwrap(), f);
        }
    }

    #[test]
    fn unknown_types_and_fields_are_tolerated() {
        assert_eq!(decode(br#"{"type":"future","x":1}"#).unwrap(), Frame::Unknown);
        let f = decode(br#"{"type":"gap","missed":1,"next_seq":2,"extra":true}"#).unwrap();
        assert_eq!(f, Frame::Gap(Gap { missed: 1, next_seq: 2 }));
        assert!(matches!(
            decode(br#"{"type":"subscribe","topics":null}"#).unwrap(),
            Frame::Subscribe(Subscribe { topics: None })
        ));
    }

    #[test]
    fn bad_lines_are_typed_errors() {
        for bad in [&b"not json"[..], b"{}", b"[1,2]", br#"{"type":"gap"}"#, b"\xff\xfe", b""] {
            assert!(matches!(decode(bad), Err(CodecError::Json(_))), "{:?}", bad);
        }
    }

    #[test]
    fn line_buf_splits_across_reads() {
        let mut lb = LineBuf::new(100);
        lb.extend(b"ab");
        assert!(lb.next_line().is_none());
        lb.extend(b"c\nde\n\nf");
        assert_eq!(lb.next_line().unwrap().unwrap(), b"abc");
        assert_eq!(lb.next_line().unwrap().unwrap(), b"de");
        assert_eq!(lb.next_line().unwrap().unwrap(), b"");
        assert!(lb.next_line().is_none());
        assert_eq!(lb.pending(), 1);
    }

    proptest! {
        #[test]
        fn line_buf_gives_the_same_lines_however_the_bytes_arrive(
            text in "[ab\n]{0,200}", cuts in proptest::collection::vec(1usize..40, 0..20), max in 1usize..30,
        ) {
            let mut lb = LineBuf::new(max);
            let mut got: Vec<Result<Vec<u8>, usize>> = Vec::new();
            let mut rest = text.as_bytes();
            for cut in cuts.into_iter().chain(std::iter::once(usize::MAX)) {
                let (now, later) = rest.split_at(cut.min(rest.len()));
                lb.extend(now);
                rest = later;
                while let Some(line) = lb.next_line() {
                    got.push(line.map(<[u8]>::to_vec).map_err(|e| match e { CodecError::TooLong { len, .. } => len, _ => 0 }));
                }
            }
            // Every complete line, or its length when over the limit.
            let mut want: Vec<Result<Vec<u8>, usize>> = text.split('\n').map(|l| {
                if l.len() > max { Err(l.len()) } else { Ok(l.as_bytes().to_vec()) }
            }).collect();
            want.pop(); // the text after the last newline is not a line yet
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn line_buf_discards_an_overlong_line_and_recovers() {
        let mut lb = LineBuf::new(4);
        lb.extend(b"0123456789");
        assert!(lb.next_line().is_none());
        lb.extend(b"abc\nok\n");
        assert!(matches!(lb.next_line(), Some(Err(CodecError::TooLong { len: 13, limit: 4 }))));
        assert_eq!(lb.next_line().unwrap().unwrap(), b"ok");
        lb.extend(b"toolong\nfine\n");
        assert!(matches!(lb.next_line(), Some(Err(CodecError::TooLong { len: 7, limit: 4 }))));
        assert_eq!(lb.next_line().unwrap().unwrap(), b"fine");
    }

    #[test]
    fn decode_line_takes_events_raw_and_the_rest_whole() {
        let l =
            br#"{"type":"event","seq":3,"time":1.5,"topic":"connect","origin":null,"params":{"connect":{"id":"02"}}}"#;
        let Line::Event(e) = decode_line(l).unwrap() else { panic!() };
        assert_eq!((e.seq, e.time, &*e.topic, e.origin), (3, 1.5, "connect", None));
        assert_eq!(e.params.unwrap().get(), r#"{"connect":{"id":"02"}}"#);
        // Field order does not matter.
        let l = br#"{"seq":4,"topic":"x","type":"event","params":null}"#;
        let Line::Event(e) = decode_line(l).unwrap() else { panic!() };
        assert_eq!((e.seq, &*e.topic, e.params.is_none()), (4, "x", true));
        assert!(matches!(
            decode_line(br#"{"type":"gap","missed":1,"next_seq":2}"#).unwrap(),
            Line::Frame(Frame::Gap(_))
        ));
        assert!(decode_line(br#"{"type":"event","seq":"x"}"#).is_err());
    }

    proptest! {
        #[test]
        fn decode_line_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut line = br#"{"type":"event","#.to_vec();
            line.extend(bytes);
            let _ = decode_line(&line);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn decode_never_panics_on_near_frames(t in "(hello|peers|event|gap|subscribe|x)",
                                               body in "[-a-z0-9:,\\[\\]{}\"\\\\. ]{0,64}") {
            let _ = decode(format!(r#"{{"type":"{t}",{body}}}"#).as_bytes());
        }

        #[test]
        fn line_buf_yields_every_line(lines in proptest::collection::vec("[a-z]{0,20}", 0..20),
                                      cut in 1usize..7) {
            let joined: Vec<u8> = lines.iter().flat_map(|l| l.bytes().chain([b'\n'])).collect();
            let mut lb = LineBuf::new(64);
            let mut got = vec![];
            for chunk in joined.chunks(cut) {
                lb.extend(chunk);
                while let Some(l) = lb.next_line() {
                    got.push(String::from_utf8(l.unwrap().to_vec()).unwrap());
                }
            }
            prop_assert_eq!(got, lines);
        }
    }
}
