//! Preimage redaction.
//!
//! `invoice_creation`, `invoice_payment`, `sendpay_success` and settled `forward_event` carry
//! payment preimages (`preimage` or `payment_preimage`). Anyone holding one can prove payment,
//! so by default they never leave the plugin.

use std::borrow::Cow;

/// The value a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Whether an object key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    key == "preimage" || key == "payment_preimage"
}

/// Replaces the value of every secret key in the JSON text `raw`, at any depth, with
/// `replacement`, leaving every other byte as it was: numbers past u64, key order, spacing and
/// escapes are untouched. Returns the text (borrowed when nothing was replaced) and the count.
///
/// `raw` should be valid JSON; anything else is scanned without panicking and may come back
/// partly redacted.
pub fn redact_raw<'a>(raw: &'a str, replacement: &str) -> (Cow<'a, str>, usize) {
    let quoted = serde_json::to_string(replacement).unwrap_or_else(|_| "null".into());
    replace_raw(raw, |key| is_secret_key(key).then_some(quoted.as_str()))
}

/// Replaces the value of every key (at any depth) for which `with` gives JSON text, leaving
/// every other byte as it was. Keys are compared unescaped, so a `\u`-spelt key is found too.
/// Returns the text (borrowed when nothing was replaced) and the count.
pub fn replace_raw<'a, 'r>(raw: &'a str, with: impl Fn(&str) -> Option<&'r str>) -> (Cow<'a, str>, usize) {
    let b = raw.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut count = 0;
    // One entry per open container: true for an object.
    let mut stack: Vec<bool> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'{' => {
                stack.push(true);
                expect_key = true;
                i += 1;
            }
            b'[' => {
                stack.push(false);
                expect_key = false;
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
                i += 1;
            }
            b',' => {
                expect_key = stack.last() == Some(&true);
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                let is_key = expect_key;
                expect_key = false;
                let replacement = if is_key { with(&unquote(raw.get(i..end).unwrap_or_default())) } else { None };
                if let Some(replacement) = replacement {
                    let start = skip_colon(b, end);
                    let stop = value_end(b, start);
                    out.push_str(raw.get(copied..start).unwrap_or_default());
                    out.push_str(replacement);
                    copied = stop;
                    count += 1;
                    i = stop;
                } else {
                    i = end;
                }
            }
            _ => i += 1,
        }
    }
    if count == 0 {
        return (Cow::Borrowed(raw), 0);
    }
    out.push_str(raw.get(copied..).unwrap_or_default());
    (Cow::Owned(out), count)
}

/// A quoted JSON key (`"…"`, escapes allowed) as text; empty if it does not decode.
fn unquote(quoted: &str) -> Cow<'_, str> {
    if quoted.contains('\\') {
        serde_json::from_str::<String>(quoted).map_or(Cow::Borrowed(""), Cow::Owned)
    } else {
        Cow::Borrowed(quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default())
    }
}

/// Index just past the string that opens at `start` (a `"`).
fn string_end(b: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// Index of the value after a key ending at `i`: past whitespace, the `:`, whitespace.
fn skip_colon(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace() || *c == b':') {
        i += 1;
    }
    i
}

/// Index just past the value that starts at `i`.
fn value_end(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = string_end(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while b.get(j).is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace()) {
                j += 1;
            }
            j
        }
    }
}

/// Replaces the value of every secret key, at any depth, in an already parsed value (the
/// structured twin of [`redact_raw`], which the tests hold it to). Returns how many.
pub fn redact_value(value: &mut serde_json::Value, replacement: &str) -> usize {
    use serde_json::Value;
    match value {
        Value::Object(map) => map
            .iter_mut()
            .map(|(k, v)| {
                if is_secret_key(k) {
                    *v = Value::String(replacement.to_owned());
                    1
                } else {
                    redact_value(v, replacement)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(|v| redact_value(v, replacement)).sum(),
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
    use serde_json::{Value, json};

    fn redact(value: &mut Value) -> usize {
        redact_value(value, REDACTED)
    }

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
    fn raw_redaction_changes_only_the_secrets() {
        let raw = r#"{"b":123456789012345678901234567890,"a":{"preimage" : "00ff", "z":1.50e3},
 "l":[{"payment_preimage":{"x":"}\"]"}},{"pre\u0069mage":null,"k":"preimage"}],"preimage":7}"#;
        let (out, n) = redact_raw(raw, REDACTED);
        assert_eq!(n, 4);
        assert_eq!(
            out,
            r#"{"b":123456789012345678901234567890,"a":{"preimage" : "<redacted>", "z":1.50e3},
 "l":[{"payment_preimage":"<redacted>"},{"pre\u0069mage":"<redacted>","k":"preimage"}],"preimage":"<redacted>"}"#
        );
        // The same verdict as the structured redaction, on the parsed result.
        let mut v: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(redact(&mut v), 4);
        let (none, zero) = redact_raw(r#"{"label":"preimage","x":[1,2]}"#, REDACTED);
        assert!(matches!(none, Cow::Borrowed(_)) && zero == 0);
    }

    #[test]
    fn raw_redaction_survives_garbage() {
        for junk in ["", "{", "\"", "{\"preimage\"", "{\"preimage\":", "{\"preimage\":\"ab", "]]}}", "{\"a\\"] {
            let _ = redact_raw(junk, REDACTED);
        }
    }

    proptest::proptest! {
        #[test]
        fn raw_and_structured_redaction_agree(v in crate::arb::json(), pretty in proptest::bool::ANY) {
            let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
            let (out, n) = redact_raw(&text, REDACTED);
            let mut expected: Value = serde_json::from_str(&text).unwrap();
            proptest::prop_assert_eq!(n, redact(&mut expected));
            proptest::prop_assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), expected);
        }
    }

    #[test]
    fn prefilter_is_conservative() {
        assert!(!may_contain_secret(br#"{"connect":{"id":"02aa"}}"#));
        assert!(may_contain_secret(br#"{"a":{"preimage":"00"}}"#));
        assert!(may_contain_secret(br#"{"a":{"\u0070reimage":"00"}}"#));
    }
}
