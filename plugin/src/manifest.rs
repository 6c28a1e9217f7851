//! The `getmanifest` reply: options, subscriptions, and the CLN-version fallback.

use lnwatch_shared::notification::BUILTIN_TOPICS;
use serde_json::{Value, json};

use crate::options;

/// `(major, minor)` of a `LIGHTNINGD_VERSION` such as `v25.12.1`, `v23.05-modded`, `v24.11rc2`
/// or `v0.12.1`. `None` if it does not look like a release version.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let v = v.strip_prefix('v').unwrap_or(v);
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Whether lightningd understands the `*` subscription (v23.08+). An unparseable version is
/// assumed to be a modern development build.
pub fn supports_wildcard(version: Option<&str>) -> bool {
    match version.and_then(parse_version) {
        Some(v) => v >= (23, 8),
        None => true,
    }
}

/// Subscriptions for a lightningd of `version`: `*`, or on nodes older than v23.08 (no `*`)
/// every topic that version has, by name. `log` (never matched by `*`) is always included when
/// the node has it: subscriptions are fixed at `getmanifest`, before options are known, so
/// `lnwatch-log` decides at run time whether `log` events are relayed or dropped.
pub fn subscriptions(version: Option<&str>) -> Vec<&'static str> {
    let parsed = version.and_then(parse_version);
    let has = |added: (u32, u32)| parsed.is_none_or(|v| v >= added);
    let mut topics = if supports_wildcard(version) {
        vec!["*"]
    } else {
        BUILTIN_TOPICS.iter().filter(|(t, added)| *t != "log" && has(*added)).map(|(t, _)| *t).collect()
    };
    if BUILTIN_TOPICS.iter().any(|(t, added)| *t == "log" && has(*added)) {
        topics.push("log");
    }
    topics
}

pub fn manifest(version: Option<&str>) -> Value {
    json!({
        "options": options::manifest(),
        "rpcmethods": [],
        "subscriptions": subscriptions(version),
        "hooks": [],
        "notifications": [],
        "dynamic": true,
        "nonnumericids": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("v25.12.1"), Some((25, 12)));
        assert_eq!(parse_version("v23.05-modded"), Some((23, 5)));
        assert_eq!(parse_version("v24.11rc2"), Some((24, 11)));
        assert_eq!(parse_version("0.12.1"), Some((0, 12)));
        assert_eq!(parse_version("basedon-v25"), None);
    }

    #[test]
    fn wildcard_from_v23_08() {
        assert_eq!(subscriptions(Some("v25.12.1")), vec!["*", "log"]);
        assert_eq!(subscriptions(None), vec!["*", "log"]);
        assert_eq!(subscriptions(Some("v23.08")), vec!["*"]);
        let old = subscriptions(Some("v23.05.2"));
        assert!(!old.contains(&"*") && old.contains(&"connect") && old.contains(&"shutdown"));
        assert!(old.contains(&"block_added") && !old.contains(&"custommsg") && !old.contains(&"log"));
    }
}
