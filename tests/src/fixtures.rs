//! Real lightningd → plugin traffic (CLN v25.12.1, regtest), embedded so tests, the demo and
//! benchmarks run without files. See `fixtures/README.md`.

use serde_json::Value;

pub const L1_WILDCARD: &str = include_str!("../fixtures/cln-v25.12.1/l1-wildcard.raw");
pub const L2_WILDCARD: &str = include_str!("../fixtures/cln-v25.12.1/l2-wildcard.raw");
pub const L1_EXPLICIT_WITH_LOG: &str = include_str!("../fixtures/cln-v25.12.1/l1-explicit-with-log.raw");
pub const L1_LOADED_AT_STARTUP: &str = include_str!("../fixtures/cln-v25.12.1/l1-loaded-at-startup.raw");
pub const L1_WILDCARD_PLUS_CONNECT_DUP: &str =
    include_str!("../fixtures/cln-v25.12.1/l1-wildcard-plus-connect-dup.raw");

/// Every recording.
pub const ALL: &[&str] =
    &[L1_WILDCARD, L2_WILDCARD, L1_EXPLICIT_WITH_LOG, L1_LOADED_AT_STARTUP, L1_WILDCARD_PLUS_CONNECT_DUP];

/// The messages of a recording, as lightningd framed them (one object per `\n\n`).
pub fn messages(raw: &str) -> impl Iterator<Item = &str> {
    raw.split("\n\n").filter(|m| !m.trim().is_empty())
}

/// The notifications of a recording (messages without an `id`), parsed.
pub fn notifications(raw: &str) -> Vec<Value> {
    messages(raw).filter_map(|m| serde_json::from_str::<Value>(m).ok()).filter(|v| v.get("id").is_none()).collect()
}

/// Notifications of every recording except `shutdown`: a realistic mix for load tests.
pub fn mix() -> Vec<Value> {
    ALL.iter()
        .flat_map(|raw| notifications(raw))
        .filter(|n| n["method"] != "shutdown" && n["method"] != "log")
        .collect()
}
