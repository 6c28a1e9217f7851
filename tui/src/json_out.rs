//! JSON for the terminal: what the headless commands print. serde_json escapes C0 controls in
//! strings but passes DEL, the C1 controls (U+0080–U+009F, which some terminals obey like ESC
//! sequences), bidi overrides and line separators through raw, so `cat`ting a report could
//! drive the terminal. This writer escapes those as `\uXXXX` too: the JSON means the same.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// Characters escaped on top of what JSON requires.
pub fn must_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The compact formatter (the trait's defaults) with more strings escaped.
struct TerminalSafe;

impl Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| must_escape(*c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// `value` as one line of JSON with every terminal-affecting character escaped.
pub fn to_line<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = Serializer::with_formatter(&mut out, TerminalSafe);
    // Serializing a Value or a plain struct cannot fail.
    let _ = value.serialize(&mut ser);
    // The formatter writes only what it was given and ASCII escapes: valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn terminal_controls_are_escaped_and_the_json_means_the_same() {
        let v = json!({"label": "a\u{85}b\u{9b}2J\u{7f}\u{202e}c\u{2028}\u{1b}[31m\n", "n": [1, 2.5, null]});
        let line = to_line(&v);
        assert!(line.is_ascii(), "{line}");
        for raw in ['\u{85}', '\u{9b}', '\u{7f}', '\u{202e}', '\u{2028}', '\u{1b}', '\n'] {
            assert!(!line.contains(raw), "{raw:?} in {line}");
        }
        assert!(line.contains(r"\u0085") && line.contains(r"\u202e") && line.contains(r"\u007f"), "{line}");
        assert_eq!(serde_json::from_str::<Value>(&line).unwrap(), v);
        assert_eq!(to_line(&json!({"a": "plain ☕"})), r#"{"a":"plain ☕"}"#);
    }
}
