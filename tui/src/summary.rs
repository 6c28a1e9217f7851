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

/// Whole satoshis, thousands separated, no unit: for columns headed `sat`.
pub fn sats(msat: u64) -> String {
    group(msat / 1000)
}

pub fn group(n: u64) -> String {
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
/// Custom messages peers send on their own that say nothing to an operator: peer storage
/// (`peer_storage` 0x0007, `peer_storage_retrieval` 0x0009), sent by every peer that supports
/// it on every connect.
const NOISE_TYPES: [&str; 2] = ["0007", "0009"];

/// Whether an event is known noise, hidden by default in the events list (`n` shows it).
pub fn is_noise(n: &Notification<'_>) -> bool {
    n.topic == "custommsg"
        && n.body
            .get("payload")
            .and_then(Value::as_str)
            .and_then(|p| p.get(..4))
            .is_some_and(|t| NOISE_TYPES.contains(&t))
}

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
        // The new state first: it is what changed.
        "channel_state_changed" => format!(
            "{} ← {} {} {} ({}){}",
            s(b, "new_state"),
            b.get("old_state").and_then(Value::as_str).unwrap_or("new"),
            channel(b),
            id(b, "peer_id"),
            s(b, "cause"),
            b.get("message").and_then(Value::as_str).map(|m| format!(": {m}")).unwrap_or_default()
        ),
        "invoice_creation" | "invoice_payment" => {
            let offer = b.get("offer_id").and_then(Value::as_str).map(|o| format!(" · offer {}", short_id(o)));
            let amount = msat(b.get("msat")).map(sat).unwrap_or_else(|| "any amount".into());
            format!("{amount} {}{}", s(b, "label"), offer.unwrap_or_default())
        }
        "warning" | "log" => format!("{} {}: {}", s(b, "level"), s(b, "source"), s(b, "log")),
        // cln-reckless's log lines while it installs a plugin: a `log` line of its own.
        "reckless_log" => format!("{} reckless: {}", s(b, "level"), s(b, "log")),
        "forward_event" => {
            let f = forward_fields(b);
            let route = format!("{} → {}", f[1], f[2]);
            match s(b, "status") {
                "settled" => format!("settled fee {} · {} {route}", f[4], f[3]),
                "offered" => format!("offered {} {route}", f[3]),
                status => format!("{status} {} · {} {route}", f[5], f[3]),
            }
        }
        "sendpay_success" => format!(
            "{} {} to {} (sent {}) {}",
            s(b, "status"),
            amount(b, "amount_msat"),
            id(b, "destination"),
            amount(b, "amount_sent_msat"),
            id(b, "payment_hash")
        ),
        "sendpay_failure" => {
            let d = b.get("data").unwrap_or(&Value::Null);
            let reason = d.get("failcodename").and_then(Value::as_str).unwrap_or(s(b, "message"));
            format!(
                "failed {reason} {} to {} {}",
                amount(d, "amount_msat"),
                id(d, "destination"),
                id(d, "payment_hash")
            )
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
            format!("{delta} {tag} {} {}", s(b, "type"), short_id(s(b, "account_id")))
        }
        "balance_snapshot" => {
            let accounts = b.get("accounts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let total: u64 = accounts.iter().filter_map(|a| msat(a.get("balance_msat"))).sum();
            format!(
                "{} in {} at block {}",
                sat(total),
                count(accounts.len() as u64, "account"),
                b.get("blockheight").unwrap_or(&Value::Null)
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
        "shutdown" => "the plugin is told to stop (plugin stop, or the node stopping)".into(),
        "deprecated_oneshot" => format!("deprecated_ok {}", b.get("deprecated_ok").unwrap_or(&Value::Null)),
        "plugin_started" | "plugin_stopped" => s(b, "plugin_name").to_owned(),
        "pay_part_start" => format!(
            "{} part {} via {} hops {}",
            amount(b, "attempt_msat"),
            b.get("partid").unwrap_or(&Value::Null),
            b.get("hops").and_then(Value::as_array).map_or(0, Vec::len),
            id(b, "payment_hash")
        ),
        "pay_part_end" => {
            let failed_at = b.get("failed_node_id").and_then(Value::as_str).map(|n| format!(" at {}", short_id(n)));
            format!(
                "{}{}{} part {} {}",
                s(b, "status"),
                b.get("error_message").and_then(Value::as_str).map(|m| format!(" {m}")).unwrap_or_default(),
                failed_at.unwrap_or_default(),
                b.get("partid").unwrap_or(&Value::Null),
                id(b, "payment_hash")
            )
        }
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

fn channel(b: &Value) -> String {
    b.get("short_channel_id").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| id(b, "channel_id"))
}

/// How an event turned out, which is what its colour says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Chain, accounting and lifecycle: nothing to judge.
    #[default]
    Neutral,
    /// Settled, paid, succeeded, up.
    Good,
    /// Still under way: offered, a part started, a channel locking in.
    Pending,
    /// Refused by this node (`local_failed`).
    Local,
    /// Failed, a warning, a channel leaving normal operation.
    Bad,
    /// A peer went away.
    Down,
}

/// The outcome of a notification.
pub fn outcome(n: &Notification<'_>) -> Outcome {
    let b = n.body;
    let status = b.get("status").and_then(Value::as_str).unwrap_or_default();
    match n.topic {
        "forward_event" => match status {
            "settled" => Outcome::Good,
            "offered" => Outcome::Pending,
            "local_failed" => Outcome::Local,
            _ => Outcome::Bad,
        },
        "pay_part_end" => {
            if status == "success" {
                Outcome::Good
            } else {
                Outcome::Bad
            }
        }
        "pay_part_start" => Outcome::Pending,
        "sendpay_success" | "invoice_payment" | "pay_success" | "connect" | "channel_opened" => Outcome::Good,
        "sendpay_failure" | "pay_failure" | "warning" | "channel_open_failed" | "shutdown" => Outcome::Bad,
        "disconnect" => Outcome::Down,
        "channel_state_changed" => match s(b, "new_state") {
            "CHANNELD_NORMAL" => Outcome::Good,
            state if state.contains("AWAITING") || state.starts_with("DUALOPEND_OPEN") => Outcome::Pending,
            _ => Outcome::Bad,
        },
        _ => Outcome::Neutral,
    }
}

/// A topic's own columns: shown instead of the summary when the events pane shows one topic.
#[derive(Debug)]
pub struct Columns {
    pub names: &'static [&'static str],
    /// Which columns go first, in order, when the pane is too narrow for all; the rest are
    /// never dropped (the last one, free text, is cut instead).
    pub drop: &'static [usize],
}

pub fn field_names(topic: &str) -> Option<Columns> {
    let (names, drop): (&'static [&'static str], &'static [usize]) = match topic {
        "forward_event" => (&["status", "in", "out", "amount", "fee", "reason"], &[1, 2]),
        "channel_state_changed" => (&["new state", "old state", "channel", "peer", "cause"], &[4, 3, 1]),
        "coin_movement" => (&["change", "tag", "type", "account"], &[2]),
        "pay_part_end" => (&["status", "error", "failed at", "part", "payment"], &[4, 3]),
        "invoice_creation" | "invoice_payment" => (&["amount", "label"], &[]),
        _ => return None,
    };
    Some(Columns { names, drop })
}

/// The values of [`field_names`]'s columns for one notification.
pub fn fields(n: &Notification<'_>) -> Option<Vec<String>> {
    let b = n.body;
    let text = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    Some(match n.topic {
        "forward_event" => forward_fields(b).into(),
        "channel_state_changed" => vec![
            text("new_state"),
            b.get("old_state").and_then(Value::as_str).unwrap_or("new").to_owned(),
            channel(b),
            id(b, "peer_id"),
            text("cause"),
        ],
        "coin_movement" => {
            let mut words = summarize(n).split(' ').map(str::to_owned).collect::<Vec<_>>().into_iter();
            // "+4.522 sat routed channel_mvt 4ad8822a…": the amount is two words.
            let change = format!("{} {}", words.next().unwrap_or_default(), words.next().unwrap_or_default());
            vec![
                change,
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default(),
                words.collect::<Vec<_>>().join(" "),
            ]
        }
        "pay_part_end" => vec![
            text("status"),
            text("error_message"),
            b.get("failed_node_id").and_then(Value::as_str).map(short_id).unwrap_or_default(),
            b.get("partid").map(Value::to_string).unwrap_or_default(),
            id(b, "payment_hash"),
        ],
        "invoice_creation" | "invoice_payment" => {
            vec![msat(b.get("msat")).map(sat).unwrap_or_else(|| "any amount".into()), text("label")]
        }
        _ => return None,
    })
}

/// status, in, out, amount, fee, reason.
fn forward_fields(b: &Value) -> [String; 6] {
    let status = s(b, "status");
    let reason = match (status, b.get("failure_reason").or_else(|| b.get("failreason")).and_then(Value::as_str)) {
        (_, Some(r)) if b.get("failure_reason").is_some() => r.replace('_', " "),
        (_, Some(r)) => lnwatch_shared::activity::failure_words(None, Some(r)).unwrap_or_default(),
        // The failure came back from further along the route, in an onion only the payer reads.
        ("failed", None) => "downstream".into(),
        _ => String::new(),
    };
    [
        status.to_owned(),
        s(b, "in_channel").to_owned(),
        b.get("out_channel").and_then(Value::as_str).unwrap_or("?").to_owned(),
        // Refused here, nothing was sent on: what came in.
        if b.get("out_msat").is_some() { amount(b, "out_msat") } else { amount(b, "in_msat") },
        if status == "settled" { amount(b, "fee_msat") } else { String::new() },
        reason,
    ]
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
        for raw in lnwatch_sim::fixtures::every() {
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
                "settled fee 1.001 sat · 100,000 sat 103x2x1 → 103x1x1",
            ),
            (
                "forward_event",
                r#"{"forward_event":{"in_channel":"103x2x1","out_channel":"110x1x0","out_msat":100000000,"fee_msat":1001,"status":"local_failed","failreason":"WIRE_PERMANENT_CHANNEL_FAILURE"}}"#,
                "local_failed permanent channel failure · 100,000 sat 103x2x1 → 110x1x0",
            ),
            (
                // Refused before anything was sent on: the amount that came in.
                "forward_event",
                r#"{"forward_event":{"in_channel":"103x2x1","out_channel":"110x1x0","in_msat":100001001,"status":"local_failed","failreason":"WIRE_TEMPORARY_CHANNEL_FAILURE"}}"#,
                "local_failed temporary channel failure · 100,001.001 sat 103x2x1 → 110x1x0",
            ),
            (
                // Core Lightning v26.12 says why it refused (PR #9419): in its words.
                "forward_event",
                r#"{"forward_event":{"in_channel":"103x2x1","out_channel":"110x1x0","in_msat":1000,"status":"local_failed","failcode":4103,"failreason":"WIRE_TEMPORARY_CHANNEL_FAILURE","failure_reason":"insufficient_outgoing_liquidity"}}"#,
                "local_failed insufficient outgoing liquidity · 1 sat 103x2x1 → 110x1x0",
            ),
            (
                // A BOLT12 invoice names its offer (v26.06 on; in the schema after v26.06).
                "invoice_creation",
                r#"{"invoice_creation":{"msat":5000000,"preimage":"<redacted>","label":"b12-coffee","offer_id":"7f3a9c0e5b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a"}}"#,
                "5,000 sat b12-coffee · offer 7f3a9c0e…",
            ),
            (
                // cln-reckless (PR #9239): the wrapper and the flat copy, `time` a string.
                "reckless_log",
                r#"{"level":"info","log":"installing summars","time":"1763772000.123","timestamp":"2025-11-22T00:40:00.123Z","reckless_log":{"level":"info","log":"installing summars","time":"1763772000.123","timestamp":"2025-11-22T00:40:00.123Z"}}"#,
                "info reckless: installing summars",
            ),
            ("invoice_creation", r#"{"invoice_creation":{"label":"inv-any","preimage":"00"}}"#, "any amount inv-any"),
            ("invoice_payment", r#"{"invoice_payment":{"label":"old","msat":"5000msat"}}"#, "5 sat old"),
            (
                "channel_state_changed",
                r#"{"channel_state_changed":{"peer_id":"02aa","short_channel_id":"103x1x0","old_state":"CHANNELD_AWAITING_LOCKIN","new_state":"CHANNELD_NORMAL","cause":"user"}}"#,
                "CHANNELD_NORMAL ← CHANNELD_AWAITING_LOCKIN 103x1x0 02aa (user)",
            ),
            (
                "pay_part_end",
                r#"{"pay_part_end":{"status":"failure","partid":1,"payment_hash":"ab","error_message":"WIRE_TEMPORARY_CHANNEL_FAILURE","failed_node_id":"0284d0fbe2c732030b8e"}}"#,
                "failure WIRE_TEMPORARY_CHANNEL_FAILURE at 0284d0fb… part 1 ab",
            ),
            ("block_added", r#"{"block":{"hash":"00000000000000000003","height":753304}}"#, "height 753304 00000000…"),
            (
                "connect",
                r#"{"id":"02aa","direction":"in","address":{"type":"ipv6","address":"::1","port":9735}}"#,
                "02aa in [::1]:9735",
            ),
            ("shutdown", r#"{}"#, "the plugin is told to stop (plugin stop, or the node stopping)"),
            ("mystery", r#"{"a":[1,2]}"#, r#"{"a":[1,2]}"#),
            ("utxo_deposit", r#"{"utxo_deposit":{"account":"wallet"}}"#, r#"{"account":"wallet"}"#),
        ];
        for (topic, params, want) in cases {
            assert_eq!(summarize_raw(topic, None, params), want, "{topic}");
        }
        assert_eq!(summarize_raw("pay_success", Some("pay"), r#"{"pay_success":{"payment_hash":"ab"}}"#), "[pay] ab");
        assert_eq!(summarize_raw("connect", None, "not json"), "? ? ");
    }

    #[test]
    fn outcomes_follow_the_result_not_the_topic() {
        let of = |topic: &str, body: &str| {
            let v: Value = serde_json::from_str(body).unwrap();
            outcome(&notification::parse(topic, None, &v))
        };
        assert_eq!(of("forward_event", r#"{"status":"settled"}"#), Outcome::Good);
        assert_eq!(of("forward_event", r#"{"status":"failed"}"#), Outcome::Bad);
        assert_eq!(of("forward_event", r#"{"status":"local_failed"}"#), Outcome::Local);
        assert_eq!(of("forward_event", r#"{"status":"offered"}"#), Outcome::Pending);
        assert_eq!(of("channel_state_changed", r#"{"new_state":"CHANNELD_NORMAL"}"#), Outcome::Good);
        assert_eq!(of("channel_state_changed", r#"{"new_state":"CHANNELD_AWAITING_LOCKIN"}"#), Outcome::Pending);
        assert_eq!(of("channel_state_changed", r#"{"new_state":"CHANNELD_SHUTTING_DOWN"}"#), Outcome::Bad);
        assert_eq!(of("pay_part_end", r#"{"status":"failure"}"#), Outcome::Bad);
        assert_eq!(of("disconnect", r#"{"id":"02"}"#), Outcome::Down);
        assert_eq!(of("block_added", r#"{"height":1}"#), Outcome::Neutral);
    }
}
