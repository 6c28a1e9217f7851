//! Decoding lightningd notifications, tolerant of every payload shape CLN has used.
//!
//! Dispatch is on the JSON-RPC `method` (the topic), never on the payload's first key. The
//! inner object is `params[topic]` when present (v23.08+), else the legacy shape: `params.block`
//! for old `block_added`, `params.payload` for pre-v25.09 custom notifications, `params` itself
//! for pre-v23.08 flat connect/disconnect.

use serde_json::Value;

/// A notification with its topic-specific object located.
#[derive(Debug, Clone, Copy)]
pub struct Notification<'a> {
    pub topic: &'a str,
    /// Emitting plugin of a custom notification (top-level `origin` since v25.09, inside
    /// `params` before).
    pub origin: Option<&'a str>,
    /// The topic's object (see the module docs). `Value::Null` if `params` was not an object.
    pub body: &'a Value,
    /// `params` as sent.
    pub params: &'a Value,
}

static NULL: Value = Value::Null;

/// Locates the body and origin of a notification.
pub fn parse<'a>(topic: &'a str, origin: Option<&'a str>, params: &'a Value) -> Notification<'a> {
    let obj = params.as_object();
    let field = |k: &str| obj.and_then(|o| o.get(k));
    let body = field(topic)
        .or_else(|| (topic == "block_added").then(|| field("block")).flatten())
        .or_else(|| field("origin").and(field("payload")))
        .unwrap_or(if obj.is_some() { params } else { &NULL });
    let origin = origin.or_else(|| field("origin").and_then(Value::as_str));
    Notification { topic, origin, body, params }
}

/// Topics lightningd itself emits (CLN v26.06), with the `(major, minor)` release that added
/// each (`(0, 10)` stands for "0.10 or earlier"). Anything else is a custom topic of a plugin.
pub const BUILTIN_TOPICS: &[(&str, (u32, u32))] = &[
    ("connect", (0, 10)),
    ("disconnect", (0, 10)),
    ("warning", (0, 10)),
    ("invoice_payment", (0, 10)),
    ("invoice_creation", (0, 10)),
    ("channel_opened", (0, 10)),
    ("channel_open_failed", (0, 10)),
    ("channel_state_changed", (0, 10)),
    ("forward_event", (0, 10)),
    ("sendpay_success", (0, 10)),
    ("sendpay_failure", (0, 10)),
    ("coin_movement", (0, 10)),
    ("balance_snapshot", (0, 10)),
    ("openchannel_peer_sigs", (0, 10)),
    ("shutdown", (0, 10)),
    ("block_added", (22, 11)),
    ("custommsg", (24, 2)),
    ("deprecated_oneshot", (24, 2)),
    ("log", (24, 5)),
    ("onionmessage_forward_fail", (24, 11)),
    ("plugin_started", (25, 2)),
    ("plugin_stopped", (25, 2)),
];

/// Custom topics of the plugins Core Lightning ships (pay, keysend, xpay).
pub const BUNDLED_PLUGIN_TOPICS: &[&str] =
    &["pay_part_start", "pay_part_end", "pay_success", "pay_failure", "channel_hint_update", "reckless_log"];

pub fn is_builtin(topic: &str) -> bool {
    BUILTIN_TOPICS.iter().any(|(t, _)| *t == topic)
}

/// An amount in millisatoshi: a JSON number, or a `"123msat"` string (pre-v23.11).
/// `None` for anything else, including absence (an "any amount" invoice).
pub fn msat(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.strip_suffix("msat").unwrap_or(s).parse().ok(),
        _ => None,
    }
}

/// Which side opened a connection. On the wire `"in"`/`"out"`; anything else reads as unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

impl<'de> serde::Deserialize<'de> for Direction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Direction::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown direction {s:?}")))
    }
}

impl Direction {
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// A change of a peer's connection state.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerChange {
    Connect { id: String, direction: Option<Direction>, address: Option<Value> },
    Disconnect { id: String },
}

impl PeerChange {
    pub fn id(&self) -> &str {
        match self {
            PeerChange::Connect { id, .. } | PeerChange::Disconnect { id } => id,
        }
    }
}

/// Whether notifications of `topic` change a peer's connection state: the one place that knows,
/// so callers can skip parsing everything else.
pub fn changes_peers(topic: &str) -> bool {
    matches!(topic, "connect" | "disconnect")
}

/// The peer change a `connect`/`disconnect` notification describes; `None` for other topics
/// or a payload without a string `id`.
pub fn peer_change(n: &Notification<'_>) -> Option<PeerChange> {
    if !changes_peers(n.topic) {
        return None;
    }
    let id = n.body.get("id")?.as_str()?.to_owned();
    match n.topic {
        "connect" => Some(PeerChange::Connect {
            id,
            direction: n.body.get("direction").and_then(Value::as_str).and_then(Direction::parse),
            address: n.body.get("address").cloned(),
        }),
        "disconnect" => Some(PeerChange::Disconnect { id }),
        _ => None,
    }
}

/// What `invoice_creation` and `invoice_payment` say about an invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceNote {
    pub label: String,
    /// `None`: amountless ("any") invoice.
    pub msat: Option<u64>,
    /// As relayed: a hex preimage, `"<redacted>"`, or absent.
    pub preimage: Option<String>,
    pub paid: bool,
    /// The BOLT12 offer an invoice was made for (`invoice_creation` since v26.06, in its schema
    /// after v26.06): the offer's id, hex.
    pub offer_id: Option<String>,
}

pub fn invoice(n: &Notification<'_>) -> Option<InvoiceNote> {
    let paid = match n.topic {
        "invoice_creation" => false,
        "invoice_payment" => true,
        _ => return None,
    };
    let label = match n.body.get("label")? {
        Value::String(s) => s.clone(),
        // Labels are strings on every version, but be lenient about numbers.
        other => other.to_string(),
    };
    Some(InvoiceNote {
        label,
        msat: msat(n.body.get("msat")),
        preimage: n.body.get("preimage").and_then(Value::as_str).map(str::to_owned),
        paid,
        offer_id: n.body.get("offer_id").and_then(Value::as_str).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn wrapped_and_flat_connect_decode_alike() {
        let wrapped = json!({"connect":{"id":"02aa","direction":"in","address":{"type":"ipv4","address":"127.0.0.1","port":9735}}});
        let flat = json!({"id":"02aa","direction":"in","address":{"type":"ipv4","address":"127.0.0.1","port":9735}});
        // v23.08–v24.11 with deprecated APIs: both at once.
        let both = json!({"id":"02aa","direction":"in","address":{"type":"ipv4","address":"127.0.0.1","port":9735},
                          "connect":{"id":"02aa","direction":"in","address":{"type":"ipv4","address":"127.0.0.1","port":9735}}});
        let changes: Vec<_> =
            [&wrapped, &flat, &both].iter().map(|p| peer_change(&parse("connect", None, p)).unwrap()).collect();
        assert!(changes.iter().all(|c| *c == changes[0]));
        assert!(
            matches!(&changes[0], PeerChange::Connect { id, direction: Some(Direction::In), address: Some(_) } if id == "02aa")
        );
        let flat = json!({"id":"02bb"});
        let d = parse("disconnect", None, &flat);
        assert_eq!(peer_change(&d), Some(PeerChange::Disconnect { id: "02bb".into() }));
    }

    #[test]
    fn old_block_added_and_custom_notifications() {
        let old = json!({"block":{"hash":"00ab","height":7}});
        assert_eq!(parse("block_added", None, &old).body["height"], 7);
        let new = json!({"block_added":{"hash":"00ab","height":8}});
        assert_eq!(parse("block_added", None, &new).body["height"], 8);

        // ≤ v25.05: origin and payload inside params.
        let old_custom = json!({"origin":"pay","payload":{"payment_hash":"ab"}});
        let n = parse("pay_success", None, &old_custom);
        assert_eq!(n.origin, Some("pay"));
        assert_eq!(n.body["payment_hash"], "ab");
        // ≥ v25.09: origin at top level, wrapped object (and legacy fields beside it).
        let new_custom = json!({"origin":"pay","payload":{"payment_hash":"ab"},"pay_success":{"payment_hash":"cd"}});
        let n = parse("pay_success", Some("pay"), &new_custom);
        assert_eq!(n.origin, Some("pay"));
        assert_eq!(n.body["payment_hash"], "cd");
        // A custom topic with unwrapped params.
        let unwrapped = json!({"x":1});
        let n = parse("my_topic", Some("me"), &unwrapped);
        assert_eq!(n.body["x"], 1);
    }

    #[test]
    fn non_object_params_do_not_break_decoding() {
        for p in [json!(null), json!([1, 2]), json!("s"), json!(3)] {
            let n = parse("connect", None, &p);
            assert!(n.body.is_null());
            assert!(peer_change(&n).is_none());
        }
    }

    #[test]
    fn msat_in_every_form() {
        assert_eq!(msat(Some(&json!(10000))), Some(10000));
        assert_eq!(msat(Some(&json!("10000msat"))), Some(10000));
        assert_eq!(msat(Some(&json!("12"))), Some(12));
        assert_eq!(msat(None), None);
        assert_eq!(msat(Some(&json!("lots"))), None);
        assert_eq!(msat(Some(&json!(-1))), None);
    }

    #[test]
    fn invoices_created_and_paid() {
        let c = json!({"invoice_creation":{"msat":100000,"preimage":"2d30","label":"inv"}});
        let n = invoice(&parse("invoice_creation", None, &c)).unwrap();
        assert_eq!(
            n,
            InvoiceNote {
                label: "inv".into(),
                msat: Some(100000),
                preimage: Some("2d30".into()),
                paid: false,
                offer_id: None
            }
        );
        let any = json!({"invoice_creation":{"preimage":"60","label":"inv-any"}});
        assert_eq!(invoice(&parse("invoice_creation", None, &any)).unwrap().msat, None);
        assert_eq!(n.offer_id, None);
        // A BOLT12 invoice names its offer (v26.06 on).
        let offer = json!({"invoice_creation":{"msat":5000,"preimage":"61","label":"b12","offer_id":"7f3a"}});
        assert_eq!(invoice(&parse("invoice_creation", None, &offer)).unwrap().offer_id.as_deref(), Some("7f3a"));
        let old_paid = json!({"invoice_payment":{"msat":"5000msat","preimage":"aa","label":"x"}});
        let n = invoice(&parse("invoice_payment", None, &old_paid)).unwrap();
        assert!(n.paid);
        assert_eq!(n.msat, Some(5000));
        assert!(invoice(&parse("invoice_payment", None, &json!({"invoice_payment":{}}))).is_none());
    }

    proptest! {
        #[test]
        fn decoders_never_panic(topic in prop_oneof![Just("connect"), Just("disconnect"), Just("block_added"),
                                    Just("invoice_creation"), Just("invoice_payment"), Just("custom")],
                                params in crate::arb::json()) {
            let n = parse(topic, None, &params);
            let _ = peer_change(&n);
            let _ = invoice(&n);
            let _ = msat(n.body.get("msat"));
        }
    }
}
