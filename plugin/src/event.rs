//! Turning one notification from lightningd into an `event` frame line, on the hot path.
//!
//! `params` is copied byte for byte from lightningd's message; redaction replaces only the
//! secrets' values in that text.

use std::borrow::Cow;

use lnwatch_shared::notification::is_builtin;
use lnwatch_shared::redact::{REDACTED, may_contain_secret, redact_raw};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The emitting plugin named inside `params` (custom notifications before CLN v25.09).
pub fn origin_in_params(params: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct Legacy<'a> {
        #[serde(borrow)]
        origin: Option<Cow<'a, str>>,
    }
    serde_json::from_str::<Legacy<'_>>(params.get()).ok()?.origin.map(Cow::into_owned)
}

/// Appends the `event` frame line (with its `\n`) to `out`.
pub fn write_event_line(
    out: &mut Vec<u8>,
    seq: u64,
    time_ms: u64,
    topic: &str,
    origin: Option<&str>,
    params: Option<&RawValue>,
    redact_secrets: bool,
) {
    let legacy_origin;
    let origin = match origin {
        Some(o) => Some(o),
        None if !is_builtin(topic) => {
            legacy_origin = params.and_then(origin_in_params);
            legacy_origin.as_deref()
        }
        None => None,
    };
    let mut num = itoa::Buffer::new();
    out.extend_from_slice(br#"{"type":"event","seq":"#);
    out.extend_from_slice(num.format(seq).as_bytes());
    out.extend_from_slice(br#","time":"#);
    out.extend_from_slice(num.format(time_ms / 1000).as_bytes());
    let ms = time_ms % 1000;
    out.extend_from_slice(&[b'.', b'0' + (ms / 100) as u8, b'0' + (ms / 10 % 10) as u8, b'0' + (ms % 10) as u8]);
    out.extend_from_slice(br#","topic":"#);
    write_json_str(out, topic);
    out.extend_from_slice(br#","origin":"#);
    match origin {
        Some(o) => write_json_str(out, o),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","params":"#);
    match params {
        None => out.extend_from_slice(b"null"),
        Some(raw) if redact_secrets && may_contain_secret(raw.get().as_bytes()) => {
            out.extend_from_slice(redact_raw(raw.get(), REDACTED).0.as_bytes());
        }
        Some(raw) => out.extend_from_slice(raw.get().as_bytes()),
    }
    out.extend_from_slice(b"}\n");
}

fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use lnwatch_shared::frame::{Frame, decode};
    use serde_json::json;

    fn line(topic: &str, origin: Option<&str>, params: &str, redact: bool) -> Frame {
        let raw = RawValue::from_string(params.to_owned()).unwrap();
        let mut out = Vec::new();
        write_event_line(&mut out, 42, 1_763_772_000_123, topic, origin, Some(&raw), redact);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        decode(&out).unwrap()
    }

    #[test]
    fn builds_a_frame_clients_can_decode() {
        let Frame::Event(e) = line("connect", None, r#"{"connect":{"id":"02aa"}}"#, true) else { panic!() };
        assert_eq!((e.seq, e.time, e.topic.as_str(), e.origin), (42, 1_763_772_000.123, "connect", None));
        assert_eq!(e.params, json!({"connect":{"id":"02aa"}}));
    }

    #[test]
    fn redacts_only_when_asked() {
        let p = r#"{"invoice_payment":{"label":"x\"y","preimage":"00ff","msat":1}}"#;
        let Frame::Event(e) = line("invoice_payment", None, p, true) else { panic!() };
        assert_eq!(e.params["invoice_payment"]["preimage"], "<redacted>");
        assert_eq!(e.params["invoice_payment"]["label"], "x\"y");
        let Frame::Event(e) = line("invoice_payment", None, p, false) else { panic!() };
        assert_eq!(e.params["invoice_payment"]["preimage"], "00ff");
    }

    #[test]
    fn origin_top_level_or_legacy() {
        let Frame::Event(e) = line("pay_success", Some("pay"), r#"{"pay_success":{}}"#, true) else { panic!() };
        assert_eq!(e.origin.as_deref(), Some("pay"));
        let Frame::Event(e) = line("pay_success", None, r#"{"origin":"pay","payload":{}}"#, true) else { panic!() };
        assert_eq!(e.origin.as_deref(), Some("pay"));
        let Frame::Event(e) = line("weird\ntopic", None, r#"[1]"#, true) else { panic!() };
        assert_eq!((e.topic.as_str(), e.origin), ("weird\ntopic", None));
    }
}
