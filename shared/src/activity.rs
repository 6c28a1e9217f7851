//! What the operator views need from a notification: forwards, channel changes, balance moves
//! and payment attempts, each decoded from every shape CLN has sent (wrapped or flat, numbers or
//! `"…msat"` strings, fields absent or `null`). A decoder returns `None` for another topic or a
//! payload missing what identifies the thing; any other field may be missing.

use serde_json::Value;

use crate::notification::{Notification, msat};

fn text(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(v: &Value, k: &str) -> Option<f64> {
    match v.get(k)? {
        Value::Number(n) => n.as_f64(),
        // `warning.time` and some old fields are strings.
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn int(v: &Value, k: &str) -> Option<u64> {
    v.get(k).and_then(Value::as_u64)
}

/// A `forward_event`: one HTLC routed through the node, as offered, settled or failed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forward {
    pub status: String,
    pub payment_hash: Option<String>,
    pub in_channel: Option<String>,
    pub out_channel: Option<String>,
    pub in_htlc_id: Option<u64>,
    pub in_msat: Option<u64>,
    pub out_msat: Option<u64>,
    pub fee_msat: Option<u64>,
    pub failcode: Option<u64>,
    pub failreason: Option<String>,
    /// Why the node refused it, in its own words (`insufficient_outgoing_liquidity`, …): only
    /// on `local_failed`, from Core Lightning v26.12 (PR #9419).
    pub failure_reason: Option<String>,
    pub received_time: Option<f64>,
    pub resolved_time: Option<f64>,
    pub created_index: Option<u64>,
    pub updated_index: Option<u64>,
}

impl Forward {
    /// Refused here (`local_failed`) rather than further along the route (`failed`).
    pub fn is_local_failure(&self) -> bool {
        self.status == "local_failed"
    }

    /// What it moved: the amount sent on, else (refused here, nothing sent on) what came in.
    pub fn amount_msat(&self) -> Option<u64> {
        self.out_msat.or(self.in_msat)
    }

    pub fn is_failure(&self) -> bool {
        matches!(self.status.as_str(), "failed" | "local_failed")
    }

    /// Why it failed, in words: the node's own `failure_reason` where it gives one (it tells
    /// an empty channel from a full one, which the wire code cannot), else the wire failure.
    pub fn why(&self) -> Option<String> {
        match self.failure_reason.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => Some(r.replace('_', " ")),
            None => failure_words(self.failcode, self.failreason.as_deref()),
        }
    }

    /// What to do about it, where there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        let reason = self.failure_reason.as_deref();
        match reason.and_then(|r| REASONS.iter().find(|(name, _)| *name == r)) {
            Some((_, hint)) => Some(hint),
            None => failure_hint(self.failcode, self.failreason.as_deref()),
        }
    }

    /// What names one forward across its offered and resolved events: the incoming HTLC.
    pub fn key(&self) -> String {
        match (&self.in_channel, self.in_htlc_id, &self.payment_hash) {
            (Some(c), Some(h), _) => format!("{c}/{h}"),
            (c, _, hash) => format!("{}/{}", c.as_deref().unwrap_or("?"), hash.as_deref().unwrap_or("?")),
        }
    }
}

pub fn forward(n: &Notification<'_>) -> Option<Forward> {
    if n.topic != "forward_event" {
        return None;
    }
    let b = n.body;
    let fee = msat(b.get("fee_msat")).or_else(|| {
        let (i, o) = (msat(b.get("in_msat"))?, msat(b.get("out_msat"))?);
        i.checked_sub(o)
    });
    Some(Forward {
        status: text(b, "status")?,
        payment_hash: text(b, "payment_hash"),
        in_channel: text(b, "in_channel"),
        out_channel: text(b, "out_channel"),
        in_htlc_id: int(b, "in_htlc_id"),
        in_msat: msat(b.get("in_msat")),
        out_msat: msat(b.get("out_msat")),
        fee_msat: fee,
        failcode: int(b, "failcode"),
        failreason: text(b, "failreason"),
        failure_reason: text(b, "failure_reason"),
        received_time: num(b, "received_time"),
        resolved_time: num(b, "resolved_time"),
        created_index: int(b, "created_index"),
        updated_index: int(b, "updated_index"),
    })
}

/// A channel's life: opened by the peer, or a state change.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChannelChange {
    /// `None` for `channel_opened`, which names only the peer and the funding transaction.
    pub channel_id: Option<String>,
    pub short_channel_id: Option<String>,
    pub peer_id: Option<String>,
    pub funding_txid: Option<String>,
    /// `channel_opened`: the amount the peer put in.
    pub funding_msat: Option<u64>,
    pub old_state: Option<String>,
    pub new_state: Option<String>,
    pub cause: Option<String>,
    pub message: Option<String>,
}

pub fn channel_change(n: &Notification<'_>) -> Option<ChannelChange> {
    let b = n.body;
    match n.topic {
        "channel_state_changed" => Some(ChannelChange {
            channel_id: Some(text(b, "channel_id")?),
            short_channel_id: text(b, "short_channel_id"),
            peer_id: text(b, "peer_id"),
            // `"unknown"` before v26.04 meant the same as absent since: a new channel.
            old_state: text(b, "old_state").filter(|s| s != "unknown"),
            new_state: text(b, "new_state"),
            cause: text(b, "cause"),
            message: text(b, "message"),
            ..Default::default()
        }),
        "channel_opened" => Some(ChannelChange {
            peer_id: Some(text(b, "id")?),
            funding_txid: text(b, "funding_txid"),
            funding_msat: msat(b.get("funding_msat").or(b.get("amount"))),
            ..Default::default()
        }),
        _ => None,
    }
}

/// A finalized movement of the node's money (`coin_movement`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Move {
    /// `wallet`, a channel id, or an external account.
    pub account: String,
    /// `channel_mvt` (an HTLC) or `chain_mvt` (on chain).
    pub kind: String,
    pub tag: Option<String>,
    pub credit_msat: u64,
    pub debit_msat: u64,
    pub fees_msat: Option<u64>,
    pub payment_hash: Option<String>,
    pub peer_id: Option<String>,
    pub blockheight: Option<u64>,
    /// The transaction that spent the output (`spending_txid`, legacy `txid`): for
    /// `channel_close`, the closing transaction.
    pub spending_txid: Option<String>,
}

pub fn coin_move(n: &Notification<'_>) -> Option<Move> {
    if n.topic != "coin_movement" {
        return None;
    }
    let b = n.body;
    // The v25.09+ name, then the legacy one.
    let account = text(b, "account_id").or_else(|| text(b, "account"))?;
    let tag = text(b, "primary_tag").or_else(|| b.get("tags")?.get(0)?.as_str().map(str::to_owned));
    Some(Move {
        account,
        kind: text(b, "type").unwrap_or_default(),
        tag,
        credit_msat: msat(b.get("credit_msat").or(b.get("credit"))).unwrap_or(0),
        debit_msat: msat(b.get("debit_msat").or(b.get("debit"))).unwrap_or(0),
        fees_msat: msat(b.get("fees_msat").or(b.get("fees"))),
        payment_hash: text(b, "payment_hash"),
        peer_id: text(b, "peer_id"),
        blockheight: int(b, "blockheight"),
        spending_txid: text(b, "spending_txid").or_else(|| text(b, "txid")),
    })
}

/// `balance_snapshot`: every account's balance at a block.
pub fn balances(n: &Notification<'_>) -> Option<Vec<(String, u64)>> {
    if n.topic != "balance_snapshot" {
        return None;
    }
    let accounts = n.body.get("accounts")?.as_array()?;
    Some(
        accounts
            .iter()
            .filter_map(|a| Some((text(a, "account_id")?, msat(a.get("balance_msat").or(a.get("balance")))?)))
            .collect(),
    )
}

/// The node's height: `block_added`, or a snapshot's `blockheight`.
pub fn block_height(n: &Notification<'_>) -> Option<u64> {
    match n.topic {
        "block_added" | "balance_snapshot" => int(n.body, "height").or_else(|| int(n.body, "blockheight")),
        _ => None,
    }
}

/// Where a payment attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartStatus {
    Started,
    Succeeded,
    Failed,
}

/// One thing said about an outgoing payment: a part started or ended (`sendpay_*`, xpay's
/// `pay_part_*`), or the whole payment done (`pay_success`/`pay_failure`: `partid` absent).
#[derive(Debug, Clone, PartialEq)]
pub struct PayNote {
    pub payment_hash: String,
    pub groupid: Option<u64>,
    pub partid: Option<u64>,
    pub status: PartStatus,
    /// What reached the destination (`sendpay_*`: `amount_msat`; xpay: `attempt_msat`).
    pub amount_msat: Option<u64>,
    /// The whole payment's amount (xpay's `total_payment_msat`).
    pub total_msat: Option<u64>,
    /// What left the node, fees included.
    pub sent_msat: Option<u64>,
    pub destination: Option<String>,
    pub hops: Option<usize>,
    pub duration: Option<f64>,
    pub error: Option<PayError>,
    /// Whether this note is the one to believe about a failure. A failed xpay part's
    /// `sendpay_failure` says 202 "Malformed error reply" (v26.06); its `pay_part_end` has the
    /// real reason.
    pub authoritative_error: bool,
}

/// Why a part failed, and where.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PayError {
    pub message: String,
    pub code: Option<u64>,
    pub node: Option<String>,
    pub channel: Option<String>,
}

pub fn payment(n: &Notification<'_>) -> Option<PayNote> {
    let b = n.body;
    let base = |body: &Value, status| {
        Some(PayNote {
            payment_hash: text(body, "payment_hash")?,
            groupid: int(body, "groupid"),
            partid: int(body, "partid"),
            status,
            amount_msat: None,
            total_msat: None,
            sent_msat: None,
            destination: text(body, "destination"),
            hops: None,
            duration: None,
            error: None,
            authoritative_error: false,
        })
    };
    match n.topic {
        "sendpay_success" => {
            let mut p = base(b, PartStatus::Succeeded)?;
            p.partid = p.partid.or(Some(0));
            p.amount_msat = msat(b.get("amount_msat"));
            p.sent_msat = msat(b.get("amount_sent_msat"));
            p.duration = num(b, "completed_at").zip(num(b, "created_at")).map(|(c, s)| c - s);
            Some(p)
        }
        "sendpay_failure" => {
            let d = b.get("data").unwrap_or(&Value::Null);
            let mut p = base(d, PartStatus::Failed)?;
            p.partid = p.partid.or(Some(0));
            p.amount_msat = msat(d.get("amount_msat"));
            p.sent_msat = msat(d.get("amount_sent_msat"));
            let code = int(d, "failcode");
            p.error = Some(PayError {
                message: text(d, "failcodename").or_else(|| text(b, "message")).unwrap_or_default(),
                code,
                node: text(d, "erring_node"),
                channel: text(d, "erring_channel"),
            });
            // 202 with no failcode: the onion was not decoded here (xpay reads it itself).
            p.authoritative_error = code.is_some() || int(b, "code") != Some(202);
            Some(p)
        }
        "pay_part_start" => {
            let mut p = base(b, PartStatus::Started)?;
            p.amount_msat = msat(b.get("attempt_msat"));
            p.total_msat = msat(b.get("total_payment_msat"));
            let hops = b.get("hops").and_then(Value::as_array);
            p.hops = hops.map(Vec::len);
            p.destination = hops.and_then(|h| h.last()).and_then(|h| text(h, "next_node"));
            p.sent_msat = hops.and_then(|h| h.first()).and_then(|h| msat(h.get("channel_in_msat")));
            Some(p)
        }
        "pay_part_end" => {
            let ok = text(b, "status").as_deref() == Some("success");
            let mut p = base(b, if ok { PartStatus::Succeeded } else { PartStatus::Failed })?;
            p.duration = num(b, "duration");
            if !ok {
                p.error = Some(PayError {
                    message: text(b, "failed_msg")
                        .filter(|_| text(b, "error_message").is_none())
                        .or_else(|| text(b, "error_message"))
                        .unwrap_or_default(),
                    code: int(b, "error_code"),
                    node: text(b, "failed_node_id"),
                    channel: text(b, "failed_short_channel_id"),
                });
                p.authoritative_error = true;
            }
            Some(p)
        }
        "pay_success" | "pay_failure" => {
            let ok = n.topic == "pay_success";
            let mut p = base(b, if ok { PartStatus::Succeeded } else { PartStatus::Failed })?;
            p.partid = None;
            if !ok {
                let e = b.get("error").unwrap_or(&Value::Null);
                p.error = Some(PayError {
                    message: text(e, "message").unwrap_or_else(|| e.to_string()),
                    code: int(e, "code"),
                    ..Default::default()
                });
                p.authoritative_error = true;
            }
            Some(p)
        }
        _ => None,
    }
}

/// One part as `listsendpays` records it (status `pending`, `complete` or `failed`). The node
/// keeps no decoded failure reason there, only the raw onion.
pub fn sendpay_row(row: &Value) -> Option<PayNote> {
    let status = match text(row, "status")?.as_str() {
        "complete" => PartStatus::Succeeded,
        "failed" => PartStatus::Failed,
        _ => PartStatus::Started,
    };
    Some(PayNote {
        payment_hash: text(row, "payment_hash")?,
        groupid: int(row, "groupid"),
        partid: int(row, "partid").or(Some(0)),
        status,
        amount_msat: msat(row.get("amount_msat")),
        total_msat: None,
        sent_msat: msat(row.get("amount_sent_msat")),
        destination: text(row, "destination"),
        hops: None,
        duration: num(row, "completed_at").zip(num(row, "created_at")).map(|(c, s)| c - s),
        error: None,
        authoritative_error: false,
    })
}

/// BOLT 4 failure codes: the code, the name lightningd prints (in words) and a hint for the
/// operator.
const FAILCODES: &[(u64, &str, &str)] = &[
    (0x4001, "invalid realm", "the onion asked for something this node does not do"),
    (0x2002, "temporary node failure", "this node could not forward just now"),
    (0x6002, "permanent node failure", "this node will not forward"),
    (0x4002, "required node feature missing", "the payer needs a feature this node lacks"),
    (0xC004, "invalid onion version", "a malformed onion"),
    (0xC005, "invalid onion hmac", "a malformed or tampered onion"),
    (0xC006, "invalid onion key", "a malformed onion"),
    (0x1007, "temporary channel failure", "not enough outbound liquidity, or the peer is down"),
    (0x4008, "permanent channel failure", "the outgoing channel is closing or gone"),
    (0x4009, "required channel feature missing", "the payer needs a channel feature"),
    (0x400A, "unknown next peer", "the payer asked for a channel this node does not have"),
    (0x100B, "amount below minimum", "below the outgoing channel's htlc minimum"),
    (0x100C, "fee insufficient", "the payer used an old or too low fee: check your fee policy gossip"),
    (0x100D, "incorrect cltv expiry", "the payer's cltv does not match this channel's delta"),
    (0x100E, "expiry too soon", "the HTLC expires too close to the current height"),
    (0x400F, "incorrect or unknown payment details", "the destination refused: wrong amount, hash or expired"),
    (0x0012, "final incorrect cltv expiry", "the destination disagrees on the cltv"),
    (0x0013, "final incorrect htlc amount", "the destination got a different amount"),
    (0x1014, "channel disabled", "the outgoing channel is disabled (peer offline or closing)"),
    (0x0015, "expiry too far", "the payer asked for too long a lock"),
    (0x4016, "invalid onion payload", "a malformed onion payload"),
    (0x0017, "mpp timeout", "the destination did not get every part in time"),
    (0xC018, "invalid onion blinding", "a blinded path failed"),
];

/// Core Lightning's `failure_reason` values for a forward refused here (PR #9419, #9437), with
/// what to do about each.
const REASONS: &[(&str, &str)] = &[
    ("insufficient_outgoing_liquidity", "the outgoing channel lacks the balance: rebalance it or raise its fee"),
    ("too_many_htlcs", "the outgoing channel holds as many HTLCs as it may: wait, or open another"),
    ("dust_limit", "the HTLC would be dust on the outgoing channel"),
    ("htlc_below_minimum", "under the outgoing channel's htlc_minimum"),
    ("htlc_above_maximum", "over the outgoing channel's htlc_maximum"),
    ("fee_insufficient", "the payer paid less than our fee (old gossip after a fee change?)"),
    ("cltv_incorrect", "the payer's CLTV does not fit our cltv-delta (old gossip?)"),
    ("cltv_expiry_too_soon", "the HTLC expires too soon to forward safely"),
    ("cltv_expiry_too_far", "the HTLC expires too far ahead"),
    ("unknown_next_peer", "no channel with the next node the payer named"),
    ("outgoing_peer_offline", "the next peer is disconnected"),
    ("channel_failed_permanent", "the outgoing channel is closing or closed"),
    ("invalid_onion", "the onion could not be read"),
    ("funding_not_broadcast", "the outgoing channel's funding is not broadcast yet"),
];

fn failcode(code: u64) -> Option<(&'static str, &'static str)> {
    FAILCODES.iter().find(|(c, _, _)| *c == code).map(|(_, n, h)| (*n, *h))
}

/// A failure in words: `WIRE_TEMPORARY_CHANNEL_FAILURE` or `16391` → `temporary channel failure`.
pub fn failure_words(code: Option<u64>, reason: Option<&str>) -> Option<String> {
    if let Some((name, _)) = code.and_then(failcode) {
        return Some(name.to_owned());
    }
    let r = reason?;
    // A wire name (`WIRE_…`, `TEMPORARY_…`) reads as words; anything else is the node's sentence.
    let name = !r.is_empty() && r.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    Some(if name { r.strip_prefix("WIRE_").unwrap_or(r).to_lowercase().replace('_', " ") } else { r.to_owned() })
}

/// The hint for a failure given by name or by code.
pub fn failure_hint(code: Option<u64>, reason: Option<&str>) -> Option<&'static str> {
    if let Some((_, hint)) = code.and_then(failcode) {
        return Some(hint);
    }
    let words = failure_words(None, reason)?;
    FAILCODES.iter().find(|(_, name, _)| *name == words).map(|(_, _, hint)| *hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::parse;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn forwards_in_every_status() {
        let p = json!({"forward_event":{"payment_hash":"f5a6","in_channel":"103x2x1","out_channel":"103x1x1",
            "in_msat":100001001,"out_msat":100000000,"status":"settled","in_htlc_id":3,"received_time":1.5,"resolved_time":2.0}});
        let f = forward(&parse("forward_event", None, &p)).unwrap();
        assert_eq!(f.fee_msat, Some(1001), "the fee is in minus out when not given");
        assert_eq!(f.key(), "103x2x1/3");
        let old = json!({"payment_hash":"ab","in_channel":"1x1x1","in_msat":"2000msat","out_msat":"1000msat",
            "fee_msat":"1000msat","status":"local_failed","failcode":16392,"failreason":"WIRE_PERMANENT_CHANNEL_FAILURE"});
        let f = forward(&parse("forward_event", None, &old)).unwrap();
        assert!(f.is_local_failure() && f.is_failure());
        assert_eq!(f.why().as_deref(), Some("permanent channel failure"), "no failure_reason: the wire's");
        // v26.12 (PR #9419): the node's own reason wins, with its hint; an unknown one is
        // still said, in words.
        let new = json!({"forward_event":{"in_channel":"1x1x1","in_msat":2000,"status":"local_failed",
            "failcode":4103,"failreason":"WIRE_TEMPORARY_CHANNEL_FAILURE","failure_reason":"too_many_htlcs"}});
        let g = forward(&parse("forward_event", None, &new)).unwrap();
        assert_eq!(g.why().as_deref(), Some("too many htlcs"));
        assert!(g.hint().unwrap().contains("as many HTLCs"));
        let newer = json!({"forward_event":{"status":"local_failed","failure_reason":"moon_phase"}});
        let h = forward(&parse("forward_event", None, &newer)).unwrap();
        assert_eq!((h.why().as_deref(), h.hint()), (Some("moon phase"), None));
        assert_eq!(f.key(), "1x1x1/ab");
        assert_eq!(failure_words(f.failcode, f.failreason.as_deref()).unwrap(), "permanent channel failure");
        assert!(forward(&parse("forward_event", None, &json!({"in_channel":"1x1x1"}))).is_none());
    }

    #[test]
    fn channel_changes() {
        let p = json!({"channel_state_changed":{"peer_id":"03bc","channel_id":"a2d0","short_channel_id":null,
            "old_state":"unknown","new_state":"CHANNELD_AWAITING_LOCKIN","cause":"user","message":null}});
        let c = channel_change(&parse("channel_state_changed", None, &p)).unwrap();
        assert_eq!(c.old_state, None);
        assert_eq!(c.short_channel_id, None);
        assert_eq!(c.message, None);
        let o = json!({"channel_opened":{"id":"0386","funding_msat":100000000,"funding_txid":"4a5e","channel_ready":false}});
        let c = channel_change(&parse("channel_opened", None, &o)).unwrap();
        assert_eq!((c.peer_id.as_deref(), c.funding_msat), (Some("0386"), Some(100_000_000)));
    }

    #[test]
    fn moves_and_balances_old_and_new() {
        let new = json!({"coin_movement":{"type":"channel_mvt","account_id":"5b65","credit_msat":1001,"debit_msat":0,
            "primary_tag":"routed","fees_msat":1001}});
        let m = coin_move(&parse("coin_movement", None, &new)).unwrap();
        assert_eq!((m.account.as_str(), m.credit_msat, m.tag.as_deref()), ("5b65", 1001, Some("routed")));
        let old =
            json!({"coin_movement":{"type":"channel_mvt","account_id":"5b65","debit":"5000msat","tags":["invoice"]}});
        let m = coin_move(&parse("coin_movement", None, &old)).unwrap();
        assert_eq!((m.debit_msat, m.tag.as_deref()), (5000, Some("invoice")));
        let s = json!({"balance_snapshot":{"blockheight":110,"accounts":[{"account_id":"wallet","balance_msat":995433000},
            {"account_id":"5b65","balance_msat":500000000}]}});
        let n = parse("balance_snapshot", None, &s);
        assert_eq!(balances(&n).unwrap(), vec![("wallet".into(), 995_433_000), ("5b65".into(), 500_000_000)]);
        assert_eq!(block_height(&n), Some(110));
    }

    #[test]
    fn a_failed_xpay_part_is_believed_from_pay_part_end_not_sendpay_failure() {
        let sf = json!({"sendpay_failure":{"code":202,"message":"Malformed error reply","data":{"payment_hash":"ab",
            "groupid":7,"partid":1,"status":"pending","amount_msat":5000}}});
        let p = payment(&parse("sendpay_failure", None, &sf)).unwrap();
        assert!(!p.authoritative_error);
        let end = json!({"pay_part_end":{"status":"failure","payment_hash":"ab","groupid":7,"partid":1,"duration":0.2,
            "error_code":16399,"failed_node_id":"035d","error_message":"Destination said it doesn't know invoice"}});
        let p = payment(&parse("pay_part_end", Some("cln-xpay"), &end)).unwrap();
        assert!(p.authoritative_error);
        let e = p.error.unwrap();
        assert_eq!((e.code, e.node.as_deref()), (Some(16399), Some("035d")));
        assert_eq!(failure_words(e.code, None).unwrap(), "incorrect or unknown payment details");
        let remote = json!({"sendpay_failure":{"code":204,"message":"failed: WIRE_UNKNOWN_NEXT_PEER (reply from remote)",
            "data":{"id":2,"payment_hash":"90","failcode":16394,"failcodename":"WIRE_UNKNOWN_NEXT_PEER","erring_node":"022d","erring_channel":"103x2x1"}}});
        let p = payment(&parse("sendpay_failure", None, &remote)).unwrap();
        assert!(p.authoritative_error);
        assert_eq!(p.error.unwrap().channel.as_deref(), Some("103x2x1"));
    }

    #[test]
    fn hints_by_code_and_by_name() {
        assert_eq!(failure_hint(Some(0x1007), None), failure_hint(None, Some("WIRE_TEMPORARY_CHANNEL_FAILURE")));
        assert!(failure_hint(None, Some("WIRE_SOMETHING_NEW")).is_none());
        assert_eq!(failure_words(Some(99999), Some("WIRE_SOMETHING_NEW")).unwrap(), "something new");
    }

    proptest! {
        #[test]
        fn decoders_never_panic(topic in prop_oneof![Just("forward_event"), Just("channel_state_changed"),
                                    Just("channel_opened"), Just("coin_movement"), Just("balance_snapshot"),
                                    Just("sendpay_success"), Just("sendpay_failure"), Just("pay_part_start"),
                                    Just("pay_part_end"), Just("pay_failure"), Just("block_added")],
                                params in crate::arb::json()) {
            let n = parse(topic, None, &params);
            let _ = (forward(&n), channel_change(&n), coin_move(&n), balances(&n), payment(&n), block_height(&n));
        }
    }
}
