//! What a client may ask the node: per read-only method, the parameters lnwatch passes on and
//! the values each may take, by name and by position as Core Lightning numbers them. Anything
//! else is refused before it reaches the node: a parameter that widens an answer beyond what a
//! monitor needs (`listpeers`' `level`, which returns the peer's log with raw wire messages and
//! so payment preimages) is simply not in the table.
//!
//! The orders are lightningd's own (`param()` calls in `lightningd/*.c`, `plugins/topology.c`,
//! `plugins/xpay/listpays.c` at v26.06); a value that is not exactly of the form the node takes
//! is refused here rather than interpreted there.

use serde_json::{Map, Value};

/// What a parameter's value may be. JSON `null` is always allowed: lightningd reads it as "not
/// given".
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A compressed public key: 66 hex digits starting `02` or `03`.
    NodeId,
    /// `BLOCKxTXxOUT`.
    Scid,
    /// 64 hex digits (a channel id, a payment hash, an offer id).
    Hash,
    /// A short channel id or a channel id.
    Channel,
    U64,
    U32,
    Bool,
    OneOf(&'static [&'static str]),
    /// An invoice label: a string of at most 1,024 bytes or an integer.
    Label,
    /// A bolt11 or bolt12 string: bech32 characters only.
    Invstring,
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
}

#[derive(Debug)]
pub struct Method {
    pub name: &'static str,
    /// In the node's positional order.
    pub params: &'static [Param],
    /// Parameters the node has that are refused, and why (said in the error).
    pub refused: &'static [(&'static str, &'static str)],
}

const fn p(name: &'static str, kind: Kind) -> Param {
    Param { name, kind }
}

const INDEX: Kind = Kind::OneOf(&["created", "updated"]);
const CREATED: Kind = Kind::OneOf(&["created"]);
const PAY_STATUS: Kind = Kind::OneOf(&["pending", "complete", "failed"]);
/// `listsendpays` and `listpays` take the same.
const PAYMENTS: &[Param] = &[
    p("bolt11", Kind::Invstring),
    p("payment_hash", Kind::Hash),
    p("status", PAY_STATUS),
    p("index", INDEX),
    p("start", Kind::U64),
    p("limit", Kind::U32),
];
const LOG: (&str, &str) = ("level", "it returns the peer's log, whose io lines hold payment preimages");

/// The read-only methods a client may query: what the node has and has done, never its
/// configuration, datastore or logs, and nothing that changes anything.
pub const METHODS: &[Method] = &[
    Method { name: "getinfo", params: &[], refused: &[] },
    Method { name: "listpeers", params: &[p("id", Kind::NodeId)], refused: &[LOG] },
    Method {
        name: "listpeerchannels",
        params: &[p("id", Kind::NodeId), p("short_channel_id", Kind::Scid), p("channel_id", Kind::Hash)],
        refused: &[],
    },
    Method { name: "listclosedchannels", params: &[p("id", Kind::NodeId)], refused: &[] },
    Method {
        name: "listchannels",
        params: &[p("short_channel_id", Kind::Scid), p("source", Kind::NodeId), p("destination", Kind::NodeId)],
        refused: &[],
    },
    Method { name: "listnodes", params: &[p("id", Kind::NodeId)], refused: &[] },
    Method {
        name: "listforwards",
        params: &[
            p("status", Kind::OneOf(&["offered", "settled", "local_failed", "failed"])),
            p("in_channel", Kind::Scid),
            p("out_channel", Kind::Scid),
            p("index", INDEX),
            p("start", Kind::U64),
            p("limit", Kind::U32),
        ],
        refused: &[],
    },
    Method {
        name: "listinvoices",
        params: &[
            p("label", Kind::Label),
            p("invstring", Kind::Invstring),
            p("payment_hash", Kind::Hash),
            p("offer_id", Kind::Hash),
            p("index", INDEX),
            p("start", Kind::U64),
            p("limit", Kind::U32),
        ],
        refused: &[],
    },
    Method { name: "listsendpays", params: PAYMENTS, refused: &[] },
    Method { name: "listpays", params: PAYMENTS, refused: &[] },
    Method {
        name: "listhtlcs",
        params: &[p("id", Kind::Channel), p("index", INDEX), p("start", Kind::U64), p("limit", Kind::U32)],
        refused: &[],
    },
    Method { name: "listfunds", params: &[p("spent", Kind::Bool)], refused: &[] },
    Method {
        name: "listchainmoves",
        params: &[p("index", CREATED), p("start", Kind::U64), p("limit", Kind::U32)],
        refused: &[],
    },
    Method {
        name: "listchannelmoves",
        params: &[p("index", CREATED), p("start", Kind::U64), p("limit", Kind::U32)],
        refused: &[],
    },
    Method {
        name: "listnetworkevents",
        params: &[p("id", Kind::NodeId), p("index", CREATED), p("start", Kind::U64), p("limit", Kind::U32)],
        refused: &[],
    },
    // The bookkeeper's income events (fees earned and paid, invoices, on-chain): amounts, tags,
    // payment hashes, outpoints; nothing secret.
    Method {
        name: "bkpr-listincome",
        params: &[p("consolidate_fees", Kind::Bool), p("start_time", Kind::U64), p("end_time", Kind::U64)],
        refused: &[],
    },
    Method { name: "feerates", params: &[p("style", Kind::OneOf(&["perkb", "perkw"]))], refused: &[] },
    Method {
        name: "wait",
        params: &[
            p(
                "subsystem",
                Kind::OneOf(&[
                    "invoices",
                    "forwards",
                    "sendpays",
                    "htlcs",
                    "chainmoves",
                    "channelmoves",
                    "networkevents",
                ]),
            ),
            p("indexname", Kind::OneOf(&["created", "updated", "deleted"])),
            p("nextvalue", Kind::U64),
        ],
        refused: &[],
    },
];

/// Why a query may not reach the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed(String),
    BadParams(String),
}

/// The method's entry, if it is allowed.
pub fn method(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// Refuses a method off the list.
pub fn check_method(name: &str) -> Result<&'static Method, Refusal> {
    method(name).ok_or_else(|| {
        let names: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
        let shown: String = name.chars().take(64).collect();
        Refusal::NotAllowed(format!(
            "{shown:?} is not a read-only method lnwatch relays; allowed: {}",
            names.join(", ")
        ))
    })
}

/// Checks `params` (an object, an array or null) against the method's table.
pub fn check_params(m: &Method, params: &Value) -> Result<(), Refusal> {
    let bad = |s: String| Err(Refusal::BadParams(format!("{}: {s}", m.name)));
    match params {
        Value::Null => Ok(()),
        Value::Array(list) => {
            if list.len() > m.params.len() {
                return bad(format!("takes at most {} parameters by position ({})", m.params.len(), names(m)));
            }
            list.iter().zip(m.params).try_for_each(|(v, p)| value(m, p, v))
        }
        Value::Object(map) => check_object(m, map),
        _ => bad("params must be an object, an array or null".into()),
    }
}

fn check_object(m: &Method, map: &Map<String, Value>) -> Result<(), Refusal> {
    for (k, v) in map {
        let Some(p) = m.params.iter().find(|p| p.name == k) else {
            let shown: String = k.chars().take(64).collect();
            let why = match m.refused.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)) {
                Some((_, why)) => format!("{shown:?} is refused: {why}"),
                None => format!("{shown:?} is not a parameter lnwatch passes on"),
            };
            return Err(Refusal::BadParams(format!("{}: {why}; takes: {}", m.name, names(m))));
        };
        value(m, p, v)?;
    }
    Ok(())
}

fn names(m: &Method) -> String {
    if m.params.is_empty() {
        return "no parameters".into();
    }
    m.params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

fn value(m: &Method, p: &Param, v: &Value) -> Result<(), Refusal> {
    if v.is_null() || fits(p.kind, v) {
        return Ok(());
    }
    let want = match p.kind {
        Kind::NodeId => "a node id (66 hex digits)".to_owned(),
        Kind::Scid => "a short channel id (BLOCKxTXxOUT)".to_owned(),
        Kind::Hash => "64 hex digits".to_owned(),
        Kind::Channel => "a short channel id or a channel id".to_owned(),
        Kind::U64 => "a whole number".to_owned(),
        Kind::U32 => "a whole number below 2^32".to_owned(),
        Kind::Bool => "true or false".to_owned(),
        Kind::OneOf(words) => format!("one of {}", words.join(", ")),
        Kind::Label => "a string of at most 1,024 bytes or a whole number".to_owned(),
        Kind::Invstring => "a bolt11 or bolt12 string".to_owned(),
    };
    Err(Refusal::BadParams(format!("{}: {} must be {want}", m.name, p.name)))
}

fn fits(kind: Kind, v: &Value) -> bool {
    let text = v.as_str();
    match kind {
        Kind::NodeId => text.is_some_and(|s| hex(s, 66) && (s.starts_with("02") || s.starts_with("03"))),
        Kind::Scid => text.is_some_and(scid),
        Kind::Hash => text.is_some_and(|s| hex(s, 64)),
        Kind::Channel => text.is_some_and(|s| scid(s) || hex(s, 64)),
        Kind::U64 => v.as_u64().is_some(),
        Kind::U32 => v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
        Kind::Bool => v.is_boolean(),
        Kind::OneOf(words) => text.is_some_and(|s| words.contains(&s)),
        Kind::Label => text.is_some_and(|s| s.len() <= 1024) || v.as_u64().is_some(),
        Kind::Invstring => {
            text.is_some_and(|s| !s.is_empty() && s.len() <= 8192 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        }
    }
}

fn hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn scid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('x').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NODE: &str = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn check(method: &str, params: Value) -> Result<(), Refusal> {
        check_params(check_method(method)?, &params)
    }

    #[test]
    fn what_the_monitor_asks_passes() {
        let ok = [
            ("getinfo", json!({})),
            ("getinfo", Value::Null),
            ("listnodes", json!({"id": NODE})),
            ("listpeers", json!([NODE])),
            ("listpeers", json!([null])),
            ("listpeerchannels", json!({})),
            ("listinvoices", json!({"label": "coffee ☕ 1"})),
            ("listinvoices", json!({"label": 7})),
            ("listforwards", json!({"index": "created", "start": 1, "limit": 1000})),
            ("listforwards", json!(["settled", "1x2x3"])),
            ("listsendpays", json!({"index": "updated", "start": 18_446_744_073_709_551_615u64, "limit": 1})),
            ("listhtlcs", json!(["103x1x0"])),
            ("listfunds", json!({"spent": true})),
            ("wait", json!({"subsystem": "forwards", "indexname": "updated", "nextvalue": 0})),
            ("wait", json!(["invoices", "created", 3])),
            ("feerates", json!({"style": "perkw"})),
            ("bkpr-listincome", json!({"consolidate_fees": true, "start_time": 1_764_633_600u64, "end_time": 1})),
        ];
        for (m, params) in ok {
            assert_eq!(check(m, params.clone()), Ok(()), "{m} {params}");
        }
    }

    #[test]
    fn logs_are_refused_by_name_in_any_case_and_by_position() {
        for params in [
            json!({"level": "io"}),
            json!({"id": NODE, "level": "debug"}),
            json!({"LEVEL": "IO"}),
            json!({"Level": "info"}),
            json!([NODE, "io"]),
            json!([null, "IO"]),
            json!([null, "trace"]),
        ] {
            let err = check("listpeers", params.clone()).expect_err(&params.to_string());
            assert!(matches!(err, Refusal::BadParams(_)), "{err:?}");
        }
        let Err(Refusal::BadParams(why)) = check("listpeers", json!({"level": "io"})) else { panic!() };
        assert!(why.contains("log") && why.contains("takes: id"), "{why}");
    }

    #[test]
    fn values_of_the_wrong_form_and_unknown_names_are_refused() {
        let bad = [
            ("listnodes", json!({"id": "02zz"})),
            ("listnodes", json!({"id": NODE, "extra": 1})),
            ("listforwards", json!({"limit": 4_294_967_296u64})),
            ("listforwards", json!({"limit": -1})),
            ("listforwards", json!({"start": 1.5})),
            ("listforwards", json!({"start": "1"})),
            ("listforwards", json!({"status": "SETTLED"})),
            ("listforwards", json!([null, null, null, null, null, null, null])),
            ("listinvoices", json!({"label": "x".repeat(1025)})),
            ("listinvoices", json!({"invstring": "lnbc1\n"})),
            ("listchainmoves", json!({"index": "updated"})),
            ("listfunds", json!({"spent": "yes"})),
            ("bkpr-listincome", json!({"start_time": "yesterday"})),
            ("getinfo", json!([1])),
            ("getinfo", json!("x")),
            ("wait", json!({"subsystem": "logs", "indexname": "created", "nextvalue": 0})),
        ];
        for (m, params) in bad {
            assert!(matches!(check(m, params.clone()), Err(Refusal::BadParams(_))), "{m} {params}");
        }
        for m in ["pay", "listconfigs", "listdatastore", "getlog", "stop", "", "LISTPEERS"] {
            assert!(matches!(check(m, Value::Null), Err(Refusal::NotAllowed(_))), "{m}");
        }
    }
}
