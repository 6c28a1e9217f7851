//! The redactor on any text: never panics; on JSON, the result is JSON with every secret
//! replaced and everything else as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lnwatch_shared::redact::{REDACTED, may_contain_secret, redact_raw};
use serde_json::Value;

fn scrub(v: &mut Value) {
    match v {
        Value::Object(m) => m.iter_mut().for_each(|(k, v)| {
            if k == "preimage" || k == "payment_preimage" { *v = Value::from(REDACTED) } else { scrub(v) }
        }),
        Value::Array(a) => a.iter_mut().for_each(scrub),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (out, n) = redact_raw(text, REDACTED);
    let Ok(mut expected) = serde_json::from_str::<Value>(text) else { return };
    if n > 0 {
        assert!(may_contain_secret(text.as_bytes()), "the pre-check would have skipped a secret");
    }
    let got: Value = serde_json::from_str(&out).expect("redacted JSON is JSON");
    scrub(&mut expected);
    assert_eq!(got, expected);
});
