//! One readable line per notification, for every topic lightningd and its bundled plugins emit.
//! Unknown topics get their compact JSON. Output is not yet sanitized: callers pass it through
//! `lnwatch_shared::sanitize` before it reaches the terminal.

use lnwatch_shared::notification::{self, Notification, msat};
use lnwatch_shared::peers::format_address;
use serde_json::Value;

/// `02aabbccdd…` → `02aabbcc…`: node ids and hashes are long; 8 hex digits tell them apart.
pub fn short_id(id: &str) -> String {
    if id.chars().count() <= 12 { id.to_owned() } else { format!("{}…", id.chars().take(8).collect::<String>()) }
}

/// Millisatoshi as sats with msat precision, thousands separated as operators write them:
/// `100000000` → `100,000 sat`, `1001` → `1.001 sat`.
pub fn sat(msat: u64) -> String {
    let (s, m) = (msat / 1000, msat % 1000);
    let whole = group(s);
    if m == 0 { format!("{whole} sat") } else { format!("{whole}.{m:03} sat") }
}

/// `2054, "event"` → `2,054 events`.
pub fn count(n: u64, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{} {what}s", group(n)) }
}

fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("?")
}

fn amount(v: &Value, k: &str) -> String {
    msat(v.get(k)).map(sat).unwrap_or_else(|| "?".into())
}

fn id(v: &Value, k: &str) -> String {
    short_id(s(v, k))
}

/// The summary of a notification.
pub fn summarize(n: &Notification<'_>) -> String {
    let b = n.body;
    match n.topic {
        "connect" => format!(
            "{} {} {}",
            id(b, "id"),
            s(b, "direction"),
            b.get("address").map(format_address).unwrap_or_default()
        ),
        "disconnect" => id(b, "id"),
        "channel_opened" => format!(
            "{} funded {} txid {}{}",
            id(b, "id"),
            msat(b.get("funding_msat").or(b.get("amount"))).map(sat).unwrap_or_else(|| "?".into()),
            id(b, "funding_txid"),
            if b.get("channel_ready").and_then(Value::as_bool) == Some(true) { " ready" } else { "" }
        ),
        "channel_open_failed" => format!("channel {}", id(b, "channel_id")),
        "channel_state_changed" => format!(
            "{} {} {} → {} ({}){}",
            id(b, "peer_id"),
            b.get("short_channel_id").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| id(b, "channel_id")),
            b.get("old_state").and_then(Value::as_str).unwrap_or("new"),
            s(b, "new_state"),
            s(b, "cause"),
            b.get("message").and_then(Value::as_str).map(|m| format!(": {m}")).unwrap_or_default()
        ),
        "invoice_creation" | "invoice_payment" => {
            format!("{} {}", s(b, "label"), msat(b.get("msat")).map(sat).unwrap_or_else(|| "any amount".into()))
        }
        "warning" | "log" => format!("{} {}: {}", s(b, "level"), s(b, "source"), s(b, "log")),
        "forward_event" => {
            let mut out = format!(
                "{} {} → {} {} fee {}",
                s(b, "status"),
                s(b, "in_channel"),
                b.get("out_channel").and_then(Value::as_str).unwrap_or("?"),
                amount(b, "out_msat"),
                amount(b, "fee_msat")
            );
            if let Some(r) = b.get("failreason").and_then(Value::as_str) {
                out.push_str(&format!(" {r}"));
            }
            out
        }
        "sendpay_success" => format!(
            "{} to {} {} (sent {})",
            id(b, "payment_hash"),
            id(b, "destination"),
            amount(b, "amount_msat"),
            amount(b, "amount_sent_msat")
        ),
        "sendpay_failure" => {
            let d = b.get("data").unwrap_or(&Value::Null);
            format!("{} {} {}", id(d, "payment_hash"), s(d, "failcodename"), s(b, "message"))
        }
        "coin_movement" => {
            let tag = b
                .get("primary_tag")
                .and_then(Value::as_str)
                .or_else(|| b.get("tags").and_then(|t| t.get(0)).and_then(Value::as_str))
                .unwrap_or("?");
            let credit = msat(b.get("credit_msat")).unwrap_or(0);
            let debit = msat(b.get("debit_msat")).unwrap_or(0);
            let delta =
                if debit > credit { format!("-{}", sat(debit - credit)) } else { format!("+{}", sat(credit - debit)) };
            format!("{} {} {} {}", s(b, "type"), s(b, "account_id"), tag, delta)
        }
        "balance_snapshot" => {
            let accounts = b.get("accounts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let total: u64 = accounts.iter().filter_map(|a| msat(a.get("balance_msat"))).sum();
            format!(
                "block {} {} accounts, {}",
                b.get("blockheight").unwrap_or(&Value::Null),
                accounts.len(),
                sat(total)
            )
        }
        "block_added" => format!("height {} {}", b.get("height").unwrap_or(&Value::Null), id(b, "hash")),
        "openchannel_peer_sigs" => format!("channel {}", id(b, "channel_id")),
        "custommsg" => {
            let payload = s(b, "payload");
            let kind = payload.get(..4).map(|t| format!("type 0x{t}")).unwrap_or_default();
            format!("{} {} ({} bytes)", id(b, "peer_id"), kind, payload.len() / 2)
        }
        "onionmessage_forward_fail" => {
            let next =
                b.get("next_node_id").or(b.get("next_short_channel_id_dir")).and_then(Value::as_str).unwrap_or("?");
            format!("from {} to {}", id(b, "source"), short_id(next))
        }
        "shutdown" => "lightningd is shutting down".into(),
        "deprecated_oneshot" => format!("deprecated_ok {}", b.get("deprecated_ok").unwrap_or(&Value::Null)),
        "plugin_started" | "plugin_stopped" => s(b, "plugin_name").to_owned(),
        "pay_part_start" => format!(
            "{} part {} {} via {} hops",
            id(b, "payment_hash"),
            b.get("partid").unwrap_or(&Value::Null),
            amount(b, "attempt_msat"),
            b.get("hops").and_then(Value::as_array).map_or(0, Vec::len)
        ),
        "pay_part_end" => format!(
            "{} part {} {}{}",
            id(b, "payment_hash"),
            b.get("partid").unwrap_or(&Value::Null),
            s(b, "status"),
            b.get("error_message").and_then(Value::as_str).map(|m| format!(": {m}")).unwrap_or_default()
        ),
        "pay_success" => id(b, "payment_hash"),
        "pay_failure" => format!("{} {}", id(b, "payment_hash"), b.get("error").map(compact).unwrap_or_default()),
        "channel_hint_update" => format!(
            "{} {}",
            b.get("scid").or(b.get("short_channel_id_dir")).and_then(Value::as_str).unwrap_or("?"),
            b.get("estimated_capacity_msat").and_then(|v| msat(Some(v))).map(sat).unwrap_or_default()
        ),
        // Unknown topics: the object itself, raw.
        _ => compact(n.body),
    }
}

/// The summary of a relayed event given its raw `params` text.
pub fn summarize_raw(topic: &str, origin: Option<&str>, params: &str) -> String {
    let value: Value = serde_json::from_str(params).unwrap_or(Value::Null);
    line(&notification::parse(topic, origin, &value))
}

/// Longest summary kept: a list row shows one line; the detail view has the rest.
const MAX_LINE: usize = 1024;

/// The events pane's line: the summary, after the emitting plugin's name, cut to [`MAX_LINE`].
pub fn line(n: &Notification<'_>) -> String {
    let mut out = summarize(n);
    if let Some(o) = n.origin {
        out = format!("[{o}] {out}");
    }
    if out.len() > MAX_LINE {
        let mut cut = MAX_LINE;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

fn compact(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_ids() {
        assert_eq!(sat(100_000), "100 sat");
        assert_eq!(sat(1001), "1.001 sat");
        assert_eq!(sat(1_234_567_000), "1,234,567 sat");
        assert_eq!(short_id("0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0"), "0284d0fb…");
        assert_eq!(short_id("103x1x0"), "103x1x0");
    }

    #[test]
    fn every_recorded_topic_has_a_readable_summary() {
        for raw in lnwatch_sim::fixtures::ALL {
            for n in lnwatch_sim::fixtures::notifications(raw) {
                let topic = n["method"].as_str().unwrap();
                let sum = summarize_raw(topic, n.get("origin").and_then(Value::as_str), &n["params"].to_string());
                assert!(!sum.contains("\"params\""), "{topic}: {sum}");
                // A known topic never falls back to raw JSON.
                assert!(!sum.starts_with('{'), "{topic}: {sum}");
            }
        }
    }

    #[test]
    fn documented_shapes() {
        let cases = [
            (
                "forward_event",
                r#"{"forward_event":{"payment_hash":"f5a6","in_channel":"103x2x1","out_channel":"103x1x1","in_msat":100001001,"out_msat":100000000,"fee_msat":1001,"status":"settled"}}"#,
                "settled 103x2x1 → 103x1x1 100,000 sat fee 1.001 sat",
            ),
            (
                "forward_event",
                r#"{"forward_event":{"in_channel":"103x2x1","out_channel":"110x1x0","out_msat":100000000,"fee_msat":1001,"status":"local_failed","failreason":"WIRE_PERMANENT_CHANNEL_FAILURE"}}"#,
                "local_failed 103x2x1 → 110x1x0 100,000 sat fee 1.001 sat WIRE_PERMANENT_CHANNEL_FAILURE",
            ),
            ("invoice_creation", r#"{"invoice_creation":{"label":"inv-any","preimage":"00"}}"#, "inv-any any amount"),
            ("invoice_payment", r#"{"invoice_payment":{"label":"old","msat":"5000msat"}}"#, "old 5 sat"),
            ("block_added", r#"{"block":{"hash":"00000000000000000003","height":753304}}"#, "height 753304 00000000…"),
            (
                "connect",
                r#"{"id":"02aa","direction":"in","address":{"type":"ipv6","address":"::1","port":9735}}"#,
                "02aa in [::1]:9735",
            ),
            ("shutdown", r#"{}"#, "lightningd is shutting down"),
            ("mystery", r#"{"a":[1,2]}"#, r#"{"a":[1,2]}"#),
            ("utxo_deposit", r#"{"utxo_deposit":{"account":"wallet"}}"#, r#"{"account":"wallet"}"#),
        ];
        for (topic, params, want) in cases {
            assert_eq!(summarize_raw(topic, None, params), want, "{topic}");
        }
        assert_eq!(summarize_raw("pay_success", Some("pay"), r#"{"pay_success":{"payment_hash":"ab"}}"#), "[pay] ab");
        assert_eq!(summarize_raw("connect", None, "not json"), "? ? ");
    }
}
