//! An alert change as `lnwatch alerts` prints it: one line of text, or one JSON object (the
//! same object `--exec` gets on its stdin).

use serde::Serialize;

use super::Change;
use crate::clock::{clock, date};

/// Text from the network as one line: it cannot start a line of its own.
fn one_line(s: &str) -> String {
    lnwatch_shared::sanitize::sanitize(s).into_owned()
}

/// `2026-12-02T12:03:04Z`.
pub fn rfc3339(time: f64) -> String {
    format!("{}T{}Z", date(time), clock(time))
}

/// The JSON object's fields, in this order.
#[derive(Debug, Serialize)]
struct Record<'a> {
    at: String,
    node: &'a str,
    kind: &'static str,
    severity: &'static str,
    subject: &'a str,
    message: &'a str,
    state: &'static str,
}

/// One JSON object, no newline.
pub fn json(c: &Change, node: &str) -> String {
    let node = one_line(node);
    let message = one_line(&c.message);
    let record = Record {
        at: rfc3339(c.at),
        node: &node,
        kind: c.kind.name(),
        severity: c.severity.name(),
        subject: &c.subject,
        message: &message,
        state: c.state.name(),
    };
    serde_json::to_string(&record).unwrap_or_default()
}

/// `2026-12-02T12:03:04Z firing   critical node_down l1: node l1 down: …`, no newline.
pub fn text(c: &Change, node: &str) -> String {
    format!(
        "{} {:<8} {:<8} {} {}: {}",
        rfc3339(c.at),
        c.state.name(),
        c.severity.name(),
        c.kind.name(),
        one_line(node),
        one_line(&c.message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{Kind, Severity, State};

    #[test]
    fn json_and_text_lines() {
        let c = Change {
            at: 1_764_676_984.0,
            kind: Kind::PeerDown,
            subject: "02aa".into(),
            severity: Severity::Warning,
            message: "peer bob\u{1b}[2J down\nwith 1 channel".into(),
            state: State::Firing,
            peer: None,
        };
        let j: serde_json::Value = serde_json::from_str(&json(&c, "carol")).unwrap();
        assert_eq!(j["at"], "2025-12-02T12:03:04Z");
        assert_eq!(
            (j["node"].as_str(), j["kind"].as_str(), j["severity"].as_str()),
            (Some("carol"), Some("peer_down"), Some("warning"))
        );
        assert_eq!((j["subject"].as_str(), j["state"].as_str()), (Some("02aa"), Some("firing")));
        let message = j["message"].as_str().unwrap();
        assert!(!message.chars().any(char::is_control), "one line, no escapes: {message:?}");
        let t = text(&c, "carol");
        assert!(t.starts_with("2025-12-02T12:03:04Z firing   warning  peer_down carol: peer bob"), "{t}");
        assert!(!t.contains('\n') && !t.contains('\u{1b}'));
    }
}
