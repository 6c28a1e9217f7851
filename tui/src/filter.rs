//! The `/` filter: what it matches ([`TextFilter`]) and the line it is typed on ([`LineEdit`]).
//!
//! A filter is terms separated by spaces, all of which must match (case-insensitive, field
//! names too): plain text (a substring of the topic, the emitting plugin or the JSON),
//! `topic:NAME` (the topic contains NAME), `field:VALUE` (some field of that name, at any
//! depth, has a value containing VALUE: `status:failed`, `label:coffee`). `"…"` quotes a value
//! with spaces (`label:"coffee shop"`). `!` before a term inverts it. The other views' rows
//! match the same terms against their columns (`peer:river`, `state:normal`); a field name no
//! row or event has is said to be unknown ([`TextFilter::unknown_fields`]).

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Text,
    Topic,
    Field(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    kind: Kind,
    /// Lowercased.
    needle: String,
    invert: bool,
}

fn term(word: &str) -> Option<Term> {
    let (invert, word) = match word.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let (kind, needle) = match word.split_once(':') {
        Some((k, v)) if k.eq_ignore_ascii_case("topic") => (Kind::Topic, v),
        Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            (Kind::Field(k.to_ascii_lowercase()), v)
        }
        _ => (Kind::Text, word),
    };
    (!needle.is_empty()).then(|| Term { kind, needle: needle.to_ascii_lowercase(), invert })
}

/// The filter's words: split at spaces, except inside `"…"` (the quotes go; an unclosed one
/// runs to the end).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_ascii_lowercase().contains(needle)
}

/// Whether some field `key` of `v`, at any depth, has a scalar value containing `needle`.
fn field_matches(v: &Value, key: &str, needle: &str) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (k.eq_ignore_ascii_case(key)
                && match v {
                    Value::String(s) => contains(s, needle),
                    Value::Number(n) => contains(&n.to_string(), needle),
                    Value::Bool(b) => contains(&b.to_string(), needle),
                    _ => false,
                })
                || field_matches(v, key, needle)
        }),
        Value::Array(a) => a.iter().any(|v| field_matches(v, key, needle)),
        _ => false,
    }
}

/// Whether some field `key` of `v`, at any depth, exists.
fn has_field(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| k.eq_ignore_ascii_case(key) || has_field(v, key)),
        Value::Array(a) => a.iter().any(|v| has_field(v, key)),
        _ => false,
    }
}

#[derive(Debug, Default)]
pub struct TextFilter {
    text: String,
    terms: Vec<Term>,
    /// Whether secrets are on screen: hidden ones must not match either.
    reveal: bool,
    generation: u64,
    /// Per term, whether an event tested had its field (for [`TextFilter::unknown_fields`]).
    field_seen: Vec<AtomicBool>,
}

impl Clone for TextFilter {
    fn clone(&self) -> Self {
        TextFilter {
            text: self.text.clone(),
            terms: self.terms.clone(),
            reveal: self.reveal,
            generation: self.generation,
            field_seen: self.field_seen.iter().map(|b| AtomicBool::new(b.load(Ordering::Relaxed))).collect(),
        }
    }
}

impl TextFilter {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_active(&self) -> bool {
        !self.terms.is_empty()
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_owned();
        self.terms = words(text).iter().filter_map(|w| term(w)).collect();
        self.field_seen = self.terms.iter().map(|_| AtomicBool::new(false)).collect();
        self.generation += 1;
    }

    /// The `field:` names of the filter that are not among `known` (a view's columns), or, with
    /// `known` empty (the events list, whose fields are the events' own), that no event tested
    /// since the filter was set had.
    pub fn unknown_fields(&self, known: &[&str]) -> Vec<String> {
        let names = self.terms.iter().zip(&self.field_seen).filter_map(|(t, seen)| match &t.kind {
            Kind::Field(name) => Some((name, seen.load(Ordering::Relaxed))),
            _ => None,
        });
        names
            .filter(|(name, seen)| match known {
                [] => !seen,
                known => !known.iter().any(|k| k.eq_ignore_ascii_case(name)),
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Secrets shown or hidden: what an event's text holds changes.
    pub fn reveal_secrets(&mut self, reveal: bool) {
        self.reveal = reveal;
        self.generation += 1;
    }

    /// Whether the filter passes a row of a view (an invoice, a channel, a forward, a
    /// payment) given as named values: plain text looks at every value, `name:` (and
    /// `topic:`) at the value of that name; a name the row lacks does not match.
    pub fn matches_fields(&self, fields: &[(&str, &str)]) -> bool {
        self.terms.iter().all(|t| {
            let found = match &t.kind {
                Kind::Text => fields.iter().any(|(_, v)| contains(v, &t.needle)),
                Kind::Topic => fields.iter().any(|(k, v)| *k == "topic" && contains(v, &t.needle)),
                Kind::Field(name) => fields.iter().any(|(k, v)| k.eq_ignore_ascii_case(name) && contains(v, &t.needle)),
            };
            found != t.invert
        })
    }

    /// Whether the filter passes an event; each event is tested once per filter.
    pub fn matches(&self, ev: &impl Searchable) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let memo = ev.memo().load(Ordering::Relaxed);
        if memo >> 1 == self.generation {
            return memo & 1 == 1;
        }
        let text = ev.text(self.reveal);
        let needs_json = self.terms.iter().any(|t| matches!(t.kind, Kind::Field(_)));
        let json: Value = if needs_json { serde_json::from_str(text).unwrap_or(Value::Null) } else { Value::Null };
        for (t, seen) in self.terms.iter().zip(&self.field_seen) {
            if let Kind::Field(k) = &t.kind
                && !seen.load(Ordering::Relaxed)
                && has_field(&json, k)
            {
                seen.store(true, Ordering::Relaxed);
            }
        }
        let matched = self.terms.iter().all(|t| {
            let found = match &t.kind {
                Kind::Text => {
                    contains(ev.topic(), &t.needle)
                        || contains(ev.origin().unwrap_or(""), &t.needle)
                        || contains(text, &t.needle)
                }
                Kind::Topic => contains(ev.topic(), &t.needle),
                Kind::Field(k) => field_matches(&json, k, &t.needle),
            };
            found != t.invert
        });
        ev.memo().store(self.generation << 1 | matched as u64, Ordering::Relaxed);
        matched
    }
}

/// What the filter reads of an event (the store's events are one).
pub trait Searchable {
    fn topic(&self) -> &str;
    fn origin(&self) -> Option<&str>;
    /// The text searched: the params as JSON, secrets hidden unless `reveal`.
    fn text(&self, reveal: bool) -> &str;
    /// The filter's last verdict on it, so each event is tested once per filter.
    fn memo(&self) -> &std::sync::atomic::AtomicU64;
}

/// A line being typed, edited as at a shell prompt: the cursor moves (←/→, Alt-b/Alt-f by
/// word, Ctrl-A/E, Home/End), Backspace/Ctrl-H delete before it, Ctrl-W the word before it,
/// Ctrl-U everything before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineEdit {
    chars: Vec<char>,
    /// Position in `chars`, 0..=len.
    cursor: usize,
}

/// One edit of a [`LineEdit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    DeleteBack,
    DeleteWord,
    DeleteToStart,
    Left,
    Right,
    /// To the start of the word before the cursor (Alt-b).
    WordLeft,
    /// To the end of the word after the cursor (Alt-f).
    WordRight,
    Start,
    End,
}

impl LineEdit {
    pub fn new(text: &str) -> LineEdit {
        let chars: Vec<char> = text.chars().collect();
        LineEdit { cursor: chars.len(), chars }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (String, String) {
        (self.chars[..self.cursor].iter().collect(), self.chars[self.cursor..].iter().collect())
    }

    pub fn apply(&mut self, edit: Edit) {
        match edit {
            Edit::Insert(c) => {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            Edit::DeleteBack if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
            }
            Edit::DeleteWord => {
                let mut start = self.cursor;
                while start > 0 && self.chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && self.chars[start - 1] != ' ' {
                    start -= 1;
                }
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            Edit::DeleteToStart => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            Edit::Left => self.cursor = self.cursor.saturating_sub(1),
            Edit::WordLeft => {
                while self.cursor > 0 && self.chars[self.cursor - 1] == ' ' {
                    self.cursor -= 1;
                }
                while self.cursor > 0 && self.chars[self.cursor - 1] != ' ' {
                    self.cursor -= 1;
                }
            }
            Edit::WordRight => {
                while self.cursor < self.chars.len() && self.chars[self.cursor] == ' ' {
                    self.cursor += 1;
                }
                while self.cursor < self.chars.len() && self.chars[self.cursor] != ' ' {
                    self.cursor += 1;
                }
            }
            Edit::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            Edit::Start => self.cursor = 0,
            Edit::End => self.cursor = self.chars.len(),
            Edit::DeleteBack => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Ev;

    fn ev(topic: &str, params: &str) -> Ev {
        Ev::new(1, 0.0, topic.into(), None, params)
    }

    #[test]
    fn terms_topics_and_fields() {
        let fwd = ev("forward_event", r#"{"forward_event":{"status":"failed","fee_msat":1001}}"#);
        let inv = ev("invoice_creation", r#"{"invoice_creation":{"label":"coffee-18","msat":5}}"#);
        let mut f = TextFilter::default();
        for (text, want) in [
            ("fee", [true, true]),
            ("status:failed", [true, false]),
            ("status:settled", [false, false]),
            ("label:coffee", [false, true]),
            ("fee_msat:1001", [true, false]),
            ("topic:forward", [true, false]),
            ("!topic:forward", [false, true]),
            ("topic:forward status:fail", [true, false]),
            ("FEE   !coffee", [true, false]),
        ] {
            f.set(text);
            assert_eq!([f.matches(&fwd), f.matches(&inv)], want, "{text}");
        }
        f.set("label:coffee");
        assert!(f.matches_fields(&[("label", "coffee-18")]) && !f.matches_fields(&[("label", "tea")]));
        f.set("status:paid");
        assert!(!f.matches_fields(&[("label", "coffee-18")]));
        f.set("   ");
        assert!(!f.is_active());
    }

    #[test]
    fn quotes_case_and_unknown_fields() {
        let inv = ev("invoice_creation", r#"{"invoice_creation":{"label":"coffee shop 1","msat":5}}"#);
        let mut f = TextFilter::default();
        f.set(r#"label:"coffee shop""#);
        assert!(f.matches(&inv));
        assert!(f.matches_fields(&[("label", "Coffee Shop 2")]) && !f.matches_fields(&[("label", "coffee")]));
        f.set(r#"LABEL:"COFFEE SHOP" Topic:invoice"#);
        assert!(f.matches(&inv), "field names any case");
        assert!(f.matches_fields(&[("label", "coffee shop"), ("topic", "invoice_creation")]));
        f.set(r#"!"coffee shop""#);
        assert!(!f.matches(&inv));
        // A name no column has, or no event tested had, is unknown.
        f.set("lable:coffee peer:x");
        assert_eq!(f.unknown_fields(&["label", "peer"]), ["lable"]);
        assert!(!f.matches(&inv));
        assert_eq!(f.unknown_fields(&[]), ["lable", "peer"]);
        f.set("Label:zzz");
        f.matches(&inv);
        assert!(f.unknown_fields(&[]).is_empty(), "the event has it, just not that value");
    }

    #[test]
    fn a_line_edits_like_a_shell_prompt() {
        let mut l = LineEdit::new("status:failed coffee");
        l.apply(Edit::DeleteWord);
        assert_eq!(l.text(), "status:failed ");
        l.apply(Edit::DeleteWord);
        assert_eq!(l.text(), "");
        let mut l = LineEdit::new("abc");
        l.apply(Edit::Start);
        l.apply(Edit::Insert('x'));
        l.apply(Edit::Right);
        l.apply(Edit::DeleteBack);
        assert_eq!((l.text(), l.split()), ("xbc".to_owned(), ("x".to_owned(), "bc".to_owned())));
        l.apply(Edit::End);
        l.apply(Edit::Left);
        l.apply(Edit::DeleteToStart);
        assert_eq!(l.text(), "c");
        l.apply(Edit::DeleteToStart);
        l.apply(Edit::Start);
        l.apply(Edit::DeleteBack);
        assert_eq!(l.text(), "c");
        let mut l = LineEdit::new("status:failed  peer:river");
        l.apply(Edit::WordLeft);
        assert_eq!(l.split().1, "peer:river");
        l.apply(Edit::WordLeft);
        assert_eq!(l.split().1, "status:failed  peer:river");
        l.apply(Edit::WordRight);
        assert_eq!(l.split().0, "status:failed");
        l.apply(Edit::WordRight);
        assert_eq!(l.split().1, "");
    }
}
