//! Real lightningd → plugin traffic (CLN v25.12.1 and v26.06.6, regtest), embedded so tests, the
//! demo and benchmarks run without files. See `fixtures/README.md`.

use serde_json::Value;

pub const L1_WILDCARD: &str = include_str!("../fixtures/cln-v25.12.1/l1-wildcard.raw");
pub const L2_WILDCARD: &str = include_str!("../fixtures/cln-v25.12.1/l2-wildcard.raw");
pub const L1_EXPLICIT_WITH_LOG: &str = include_str!("../fixtures/cln-v25.12.1/l1-explicit-with-log.raw");
pub const L1_LOADED_AT_STARTUP: &str = include_str!("../fixtures/cln-v25.12.1/l1-loaded-at-startup.raw");
pub const L1_WILDCARD_PLUS_CONNECT_DUP: &str =
    include_str!("../fixtures/cln-v25.12.1/l1-wildcard-plus-connect-dup.raw");

/// Recorded by the real-node tests (`LNWATCH_RECORD_DIR`): l1 pays l3 through l2.
pub const V26_L1_ROUTE: &str = include_str!("../fixtures/cln-v26.06.6/l1-route.raw");
pub const V26_L2_ROUTE: &str = include_str!("../fixtures/cln-v26.06.6/l2-route.raw");
pub const V26_L3_ROUTE: &str = include_str!("../fixtures/cln-v26.06.6/l3-route.raw");
pub const V26_L1_STOP: &str = include_str!("../fixtures/cln-v26.06.6/l1-stop.raw");
/// l1 of the same run on a node with deprecated APIs off (the shapes v26.12 will send).
pub const V26_L1_ROUTE_DEPRECATED_OFF: &str = include_str!("../fixtures/cln-v26.06.6/l1-route-deprecated-apis-off.raw");

/// The same runs on the master build of 2026-08-20 (`v26.06-258-g090f4b0e6`, what v26.09 was
/// cut from), with deprecated APIs on and off. Not in [`ALL`]: the load mix stays as measured.
pub const NEXT_L1_ROUTE: &str = include_str!("../fixtures/cln-v26.06-258-g090f4b0e6/l1-route.raw");
pub const NEXT_L2_ROUTE: &str = include_str!("../fixtures/cln-v26.06-258-g090f4b0e6/l2-route.raw");
pub const NEXT_L3_ROUTE: &str = include_str!("../fixtures/cln-v26.06-258-g090f4b0e6/l3-route.raw");
pub const NEXT_L1_STOP: &str = include_str!("../fixtures/cln-v26.06-258-g090f4b0e6/l1-stop.raw");
pub const NEXT_L1_ROUTE_DEPRECATED_OFF: &str =
    include_str!("../fixtures/cln-v26.06-258-g090f4b0e6/l1-route-deprecated-apis-off.raw");
pub const NEXT_L2_ROUTE_DEPRECATED_OFF: &str =
    include_str!("../fixtures/cln-v26.06-258-g090f4b0e6/l2-route-deprecated-apis-off.raw");

pub const NEXT: &[&str] = &[
    NEXT_L1_ROUTE,
    NEXT_L2_ROUTE,
    NEXT_L3_ROUTE,
    NEXT_L1_STOP,
    NEXT_L1_ROUTE_DEPRECATED_OFF,
    NEXT_L2_ROUTE_DEPRECATED_OFF,
];

/// Every recording of every build, the load mix's and the newer build's.
pub fn every() -> impl Iterator<Item = &'static str> {
    ALL.iter().chain(NEXT).copied()
}

pub const V25_12_1: &[&str] =
    &[L1_WILDCARD, L2_WILDCARD, L1_EXPLICIT_WITH_LOG, L1_LOADED_AT_STARTUP, L1_WILDCARD_PLUS_CONNECT_DUP];
pub const V26_06_6: &[&str] = &[V26_L1_ROUTE, V26_L2_ROUTE, V26_L3_ROUTE, V26_L1_STOP, V26_L1_ROUTE_DEPRECATED_OFF];

/// Every recording of the releases, the load mix's source ([`mix`]).
pub const ALL: &[&str] = &[
    L1_WILDCARD,
    L2_WILDCARD,
    L1_EXPLICIT_WITH_LOG,
    L1_LOADED_AT_STARTUP,
    L1_WILDCARD_PLUS_CONNECT_DUP,
    V26_L1_ROUTE,
    V26_L2_ROUTE,
    V26_L3_ROUTE,
    V26_L1_STOP,
    V26_L1_ROUTE_DEPRECATED_OFF,
];

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

#[cfg(test)]
mod tests {
    use super::*;
    use lnwatch_shared::notification::{self, Direction, PeerChange};

    /// Every recorded notification of both releases decodes to what it says: peer changes for
    /// connect/disconnect, an invoice for invoice_*, neither for any other topic.
    #[test]
    fn the_decoders_read_every_recording() {
        for (release, raws) in [("v25.12.1", V25_12_1), ("v26.06.6", V26_06_6), ("v26.06-258", NEXT)] {
            let mut seen = std::collections::BTreeSet::new();
            for raw in raws.iter() {
                for n in notifications(raw) {
                    let topic = n["method"].as_str().unwrap();
                    let origin = n.get("origin").and_then(Value::as_str);
                    let decoded = notification::parse(topic, origin, &n["params"]);
                    let inner = n["params"].get(topic).unwrap_or(&n["params"]);
                    seen.insert(topic.to_string());
                    match topic {
                        "connect" => match notification::peer_change(&decoded) {
                            Some(PeerChange::Connect { id, direction, .. }) => {
                                assert_eq!(id, inner["id"].as_str().unwrap());
                                assert_eq!(direction, Direction::parse(inner["direction"].as_str().unwrap()));
                            }
                            other => panic!("{release} connect: {other:?}"),
                        },
                        "disconnect" => {
                            assert!(
                                matches!(notification::peer_change(&decoded), Some(PeerChange::Disconnect { .. })),
                                "{release}"
                            )
                        }
                        "invoice_creation" | "invoice_payment" => {
                            let inv = notification::invoice(&decoded).unwrap_or_else(|| panic!("{release} {topic}"));
                            assert_eq!(inv.label, inner["label"].as_str().unwrap());
                            assert_eq!(inv.msat, notification::msat(inner.get("msat")));
                            assert_eq!(inv.offer_id.as_deref(), inner.get("offer_id").and_then(Value::as_str));
                        }
                        _ => assert!(
                            notification::peer_change(&decoded).is_none() && notification::invoice(&decoded).is_none()
                        ),
                    }
                }
            }
            for topic in ["connect", "disconnect", "invoice_creation", "invoice_payment", "block_added"] {
                assert!(seen.contains(topic), "{release} recordings have no {topic}");
            }
        }
    }
}
