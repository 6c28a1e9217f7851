//! Preimage redaction.
//!
//! `invoice_creation`, `invoice_payment`, `sendpay_success` and settled `forward_event` carry
//! payment preimages (`preimage` or `payment_preimage`). Anyone holding one can prove payment,
//! so by default they never leave the plugin.

use serde_json::Value;

/// The value a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Whether an object key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    key == "preimage" || key == "payment_preimage"
}

/// Replaces the value of every secret key, at any depth, with [`REDACTED`]. Returns how many
/// values were replaced.
pub fn redact(value: &mut Value) -> usize {
    redact_with(value, REDACTED)
}

/// Like [`redact`], with another stand-in (a viewer hiding secrets it was sent).
pub fn redact_with(value: &mut Value, replacement: &str) -> usize {
    match value {
        Value::Object(map) => map
            .iter_mut()
            .map(|(k, v)| {
                if is_secret_key(k) {
                    *v = Value::String(replacement.to_owned());
                    1
                } else {
                    redact_with(v, replacement)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(|v| redact_with(v, replacement)).sum(),
        _ => 0,
    }
}

/// Cheap pre-check on raw JSON: false means the text cannot contain a secret key, so it can be
/// relayed without parsing. A `\u` escape could spell a key in disguise, so it also answers true.
pub fn may_contain_secret(raw: &[u8]) -> bool {
    // Backslashes are rare in lightningd's output: look for one before looking for `\u`.
    memchr::memmem::find(raw, b"preimage").is_some()
        || (memchr::memchr(b'\\', raw).is_some() && memchr::memmem::find(raw, b"\\u").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_at_any_depth() {
        let mut v = json!({"invoice_payment":{"label":"a","preimage":"00ff","msat":1},
            "list":[{"payment_preimage":"aa"},{"x":{"preimage":null}}]});
        assert_eq!(redact(&mut v), 3);
        assert_eq!(v["invoice_payment"]["preimage"], REDACTED);
        assert_eq!(v["invoice_payment"]["label"], "a");
        assert_eq!(v["list"][0]["payment_preimage"], REDACTED);
        assert_eq!(v["list"][1]["x"]["preimage"], REDACTED);
    }

    #[test]
    fn prefilter_is_conservative() {
        assert!(!may_contain_secret(br#"{"connect":{"id":"02aa"}}"#));
        assert!(may_contain_secret(br#"{"a":{"preimage":"00"}}"#));
        assert!(may_contain_secret(br#"{"a":{"\u0070reimage":"00"}}"#));
    }
}
