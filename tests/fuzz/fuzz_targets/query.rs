//! What a socket client may send: any bytes, cut into lines as the plugin cuts them, each taken
//! as the plugin takes it (`request::take`: the query parser, the allowlist and every refusal).
//! Every refusal must be one `error` line any client decodes, echoing the query's id exactly
//! as sent; every admitted call must be an allowlisted method whose params pass its table
//! again, and never carry `listpeers`' `level`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lnwatch_plugin::allowlist;
use lnwatch_plugin::client::MAX_CLIENT_LINE;
use lnwatch_plugin::request::{self, Request, Taken};
use lnwatch_shared::frame::LineBuf;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// An `error` frame read with its id left as text: an id such as `1e400` is echoed as sent,
/// which a reader into `f64` could not hold.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorFrame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow)]
    id: &'a RawValue,
    #[allow(dead_code)]
    code: i64,
    #[allow(dead_code)]
    message: String,
}

fuzz_target!(|data: &[u8]| {
    let mut lines = LineBuf::new(MAX_CLIENT_LINE);
    lines.extend(data);
    lines.extend(b"\n");
    while let Some(line) = lines.next_line() {
        // The id the refusal must carry, when the line is a readable query.
        let sent_id = match &line {
            Ok(l) => match request::parse(l) {
                Ok(Request::Query(q)) => Some(q.id.to_owned()),
                Err(e) => Some(e.id.to_owned()),
                _ => None,
            },
            Err(_) => Some("null".to_owned()),
        };
        match request::take(line) {
            Taken::Refuse(out) => {
                let Some((b'\n', body)) = out.split_last() else { panic!("a refusal ends with a newline") };
                assert!(!body.contains(&b'\n'), "a refusal is one line");
                let text = std::str::from_utf8(body).expect("a refusal is UTF-8");
                let e: ErrorFrame<'_> = serde_json::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"));
                assert_eq!(e.kind, "error");
                let id = sent_id.expect("a refusal answers a line that could be a query");
                assert_eq!(e.id.get(), id, "the id is not echoed as sent: {text}");
            }
            Taken::Call(call) => {
                let m = allowlist::method(call.method).expect("an admitted method is allowlisted");
                assert!(allowlist::check_params(m, &call.params).is_ok());
                if call.method == "listpeers" {
                    let level = match &call.params {
                        Value::Object(o) => o.keys().any(|k| !k.eq("id")),
                        Value::Array(a) => a.len() > 1,
                        _ => false,
                    };
                    assert!(!level, "listpeers admitted with more than an id: {}", call.params);
                }
            }
            Taken::Subscribe(_) | Taken::Ignore => {}
        }
    }
});
