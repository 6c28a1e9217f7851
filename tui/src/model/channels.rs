//! The channel table: one row per channel, kept live from the notifications (state changes,
//! balance moves, snapshots) and set right from the node's `listpeerchannels`, which is the
//! authority on balances, capacity and HTLCs. Closed channels stay, with why and who closed.

use std::collections::HashMap;

use lnwatch_shared::activity::{ChannelChange, Move};
use serde_json::Value;

/// Channels kept: open ones are never dropped; past this, the oldest closed ones go.
const MAX_CHANNELS: usize = 5_000;
/// After a channel event, the table asks the node again once things settle.
const REFRESH_AFTER: f64 = 2.0;
/// And at least this often, for HTLCs and balances no notification reports.
const REFRESH_EVERY: f64 = 60.0;

pub const NORMAL: &str = "CHANNELD_NORMAL";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Channel {
    pub channel_id: Option<String>,
    pub short_channel_id: Option<String>,
    pub peer_id: Option<String>,
    pub funding_txid: Option<String>,
    pub state: String,
    /// When it entered `state` (from the node's `state_changes`, or when we saw the change).
    pub since: Option<f64>,
    pub capacity_msat: Option<u64>,
    pub local_msat: Option<u64>,
    pub htlcs: usize,
    pub peer_connected: Option<bool>,
    /// The latest change's cause and message.
    pub cause: Option<String>,
    pub message: Option<String>,
    /// `local` or `remote`, once the channel is closing.
    pub closer: Option<String>,
    /// Not announced: its peer need not announce itself either.
    pub private: Option<bool>,
    /// HTLCs in flight, as the node last listed them.
    pub htlc_list: Vec<Htlc>,
    /// lightningd's own lines on the channel (`status`): on chain, what it waits for and how
    /// many blocks are left.
    pub status: Vec<String>,
    /// The closing transaction (the `channel_close` move's, or `listclosedchannels`' last
    /// commitment).
    pub closing_txid: Option<String>,
    /// Ours when it closed.
    pub final_msat: Option<u64>,
    /// What we can send and receive through it now (reserves and HTLCs in flight taken off).
    pub spendable_msat: Option<u64>,
    pub receivable_msat: Option<u64>,
    /// Our fee on it and the peer's (`updates.local`, `updates.remote`).
    pub fee: Option<Fee>,
    pub their_fee: Option<Fee>,
}

/// A channel's forwarding fee: a base per HTLC and a rate in parts per million.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Fee {
    pub base_msat: u64,
    pub ppm: u64,
}

impl Fee {
    fn of(v: Option<&Value>) -> Option<Fee> {
        let v = v?;
        Some(Fee {
            base_msat: lnwatch_shared::notification::msat(v.get("fee_base_msat"))?,
            ppm: v.get("fee_proportional_millionths")?.as_u64()?,
        })
    }

    /// `10 ppm + 1 sat`, `10 ppm` (no base).
    pub fn words(&self) -> String {
        match self.base_msat {
            0 => format!("{} ppm", self.ppm),
            b => format!("{} ppm + {}", self.ppm, crate::summary::sat(b)),
        }
    }
}

/// One HTLC in flight on a channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Htlc {
    /// `in` (offered to us) or `out` (offered by us).
    pub direction: String,
    pub amount_msat: Option<u64>,
    /// The block height it expires at.
    pub expiry: Option<u64>,
    pub state: String,
    pub payment_hash: Option<String>,
}

impl Htlc {
    fn of(v: &Value) -> Htlc {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        Htlc {
            direction: text("direction"),
            amount_msat: lnwatch_shared::notification::msat(v.get("amount_msat")),
            expiry: v.get("expiry").and_then(Value::as_u64),
            state: text("state"),
            payment_hash: v.get("payment_hash").and_then(Value::as_str).map(str::to_owned),
        }
    }

    /// Blocks until it expires at `height`.
    pub fn blocks_left(&self, height: Option<u64>) -> Option<i64> {
        Some(self.expiry? as i64 - height? as i64)
    }
}

impl Channel {
    /// Blocks until our funds in a closing channel are ours to spend, as lightningd's status
    /// lines say (`… in 143 blocks will spend DELAYED_OUTPUT_TO_US …`).
    pub fn funds_back_in(&self) -> Option<u64> {
        self.status.iter().find_map(|s| {
            let after = s.split(" in ").nth(1)?;
            let n: u64 = after.split(' ').next()?.parse().ok()?;
            after.contains("block").then_some(n)
        })
    }

    pub fn remote_msat(&self) -> Option<u64> {
        Some(self.capacity_msat?.saturating_sub(self.local_msat?))
    }

    pub fn is_normal(&self) -> bool {
        self.state == NORMAL
    }

    /// Closing or closed: no longer carrying payments and not about to.
    pub fn is_closing(&self) -> bool {
        matches!(
            self.state.as_str(),
            "CHANNELD_SHUTTING_DOWN"
                | "CLOSINGD_SIGEXCHANGE"
                | "CLOSINGD_COMPLETE"
                | "AWAITING_UNILATERAL"
                | "FUNDING_SPEND_SEEN"
                | "ONCHAIN"
                | "CLOSED"
        )
    }

    /// `CHANNELD_AWAITING_LOCKIN` → `awaiting lockin`: the state as a row shows it.
    pub fn state_words(&self) -> String {
        let s = self.state.as_str();
        let short = ["CHANNELD_", "CLOSINGD_", "DUALOPEND_"].iter().find_map(|p| s.strip_prefix(p)).unwrap_or(s);
        if short.is_empty() { "?".into() } else { short.to_lowercase().replace('_', " ") }
    }

    /// Who closed it, in words.
    pub fn closed_by(&self) -> Option<&'static str> {
        match (self.closer.as_deref(), self.cause.as_deref()) {
            (Some("local"), _) => Some("closed by us"),
            (Some("remote"), _) => Some("closed by the peer"),
            _ if !self.is_closing() => None,
            (_, Some("user" | "local")) => Some("closed by us"),
            (_, Some("remote")) => Some("closed by the peer"),
            (_, Some("onchain")) => Some("closed on chain"),
            (_, Some("protocol")) => Some("closed on a protocol error"),
            _ => Some("closed"),
        }
    }
}

/// The channels not closing, as the overview and the fleet view sum them.
pub struct Open<'a> {
    pub list: Vec<&'a Channel>,
    pub normal: usize,
    pub ours_msat: u64,
    pub capacity_msat: u64,
}

#[derive(Debug, Default, Clone)]
pub struct Channels {
    list: Vec<Channel>,
    /// Position in `list` by channel id and by short channel id: forwards and balance moves
    /// look channels up by these on every event.
    index: HashMap<String, usize>,
    /// When a notification last changed something the node should confirm.
    dirty_since: Option<f64>,
    last_refresh: Option<f64>,
}

impl Channels {
    pub fn iter(&self) -> impl Iterator<Item = &Channel> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The channel a short channel id or channel id names.
    pub fn find(&self, id: &str) -> Option<&Channel> {
        self.index.get(id).and_then(|i| self.list.get(*i))
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Row `i`'s ids, once learnt (a scid comes with lock-in), find it.
    fn index_row(&mut self, i: usize) {
        let c = &self.list[i];
        for id in [&c.channel_id, &c.short_channel_id].into_iter().flatten() {
            if self.index.get(id) != Some(&i) {
                self.index.insert(id.clone(), i);
            }
        }
    }

    /// Channels with this peer that are open (not closing) and how many are in normal state.
    /// Merges a `listclosedchannels` answer into the channels still shown: the last
    /// commitment (the closing transaction) and what was ours at the end.
    pub fn closed(&mut self, result: &Value) {
        for c in result.get("closedchannels").and_then(Value::as_array).into_iter().flatten() {
            let Some(i) = c.get("channel_id").and_then(Value::as_str).and_then(|id| self.position(id)) else {
                continue;
            };
            let ch = &mut self.list[i];
            let txid = c.get("last_commitment_txid").and_then(Value::as_str).map(str::to_owned);
            ch.closing_txid = ch.closing_txid.take().or(txid);
            ch.final_msat = lnwatch_shared::notification::msat(c.get("final_to_us_msat")).or(ch.final_msat);
            ch.closer = c.get("closer").and_then(Value::as_str).map(str::to_owned).or(ch.closer.take());
            if ch.state.is_empty() || !ch.is_closing() {
                ch.state = "CLOSED".into();
            }
        }
    }

    /// The longest time-lock on funds in closing channels, in blocks, if any.
    pub fn closing_back_in(&self) -> Option<u64> {
        self.list.iter().filter(|c| c.is_closing()).filter_map(Channel::funds_back_in).max()
    }

    /// Ours in channels on their way to closed (what comes back to the wallet).
    pub fn closing_msat(&self) -> u64 {
        let waiting = |c: &&Channel| {
            c.is_closing() && c.state != "CLOSED" && !c.status.iter().any(|s| s.contains("All outputs resolved"))
        };
        self.list.iter().filter(waiting).filter_map(|c| c.local_msat.filter(|m| *m > 0).or(c.final_msat)).sum()
    }

    /// Whether we have an announced channel with `peer` (which then announces itself).
    pub fn public_with(&self, peer: &str) -> bool {
        self.list.iter().any(|c| c.peer_id.as_deref() == Some(peer) && c.private == Some(false))
    }

    pub fn with_peer(&self, peer: &str) -> (usize, usize) {
        let open = self.list.iter().filter(|c| c.peer_id.as_deref() == Some(peer) && !c.is_closing());
        open.fold((0, 0), |(n, ok), c| (n + 1, ok + usize::from(c.is_normal())))
    }

    /// Rows in display order: trouble first (not normal, not closing), then normal ones by
    /// peer, then closing and closed ones, newest change first.
    pub fn sorted(&self) -> Vec<&Channel> {
        let rank = |c: &Channel| match (c.is_normal(), c.is_closing()) {
            (false, false) => 0,
            (true, _) => 1,
            (false, true) => 2,
        };
        let mut v: Vec<&Channel> = self.list.iter().collect();
        v.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| match rank(a) {
                    2 => b.since.unwrap_or(0.0).total_cmp(&a.since.unwrap_or(0.0)),
                    _ => a.peer_id.cmp(&b.peer_id),
                })
                .then_with(|| a.short_channel_id.cmp(&b.short_channel_id))
        });
        v
    }

    /// A state change or an opening; returns the channel's state before, if it was known.
    pub fn apply_change(&mut self, c: &ChannelChange, time: f64) -> Option<String> {
        self.dirty_since.get_or_insert(time);
        let Some(id) = c.channel_id.as_deref() else {
            // `channel_opened` names no channel: the refresh it triggers brings it in.
            return None;
        };
        let i = match self.position(id) {
            Some(i) => i,
            None => {
                self.push(Channel { channel_id: Some(id.to_owned()), ..Default::default() });
                self.list.len() - 1
            }
        };
        let ch = &mut self.list[i];
        let before = (!ch.state.is_empty()).then(|| ch.state.clone()).or_else(|| c.old_state.clone());
        if let Some(s) = &c.new_state {
            ch.state = s.clone();
            ch.since = Some(time);
        }
        ch.short_channel_id = c.short_channel_id.clone().or(ch.short_channel_id.take());
        ch.peer_id = c.peer_id.clone().or(ch.peer_id.take());
        ch.cause = c.cause.clone().or(ch.cause.take());
        ch.message = c.message.clone();
        self.index_row(i);
        before
    }

    /// A balance move: a channel account's balance changes by the move; the close's names
    /// the closing transaction and what was ours.
    pub fn apply_move(&mut self, m: &Move, time: f64) -> bool {
        let Some(ch) = self.position(&m.account).and_then(|i| self.list.get_mut(i)) else {
            return false;
        };
        if m.tag.as_deref() == Some("channel_close") {
            ch.closing_txid = m.spending_txid.clone().or(ch.closing_txid.take());
            ch.final_msat = Some(m.debit_msat).filter(|d| *d > 0).or(ch.local_msat).or(ch.final_msat);
        }
        if let Some(local) = ch.local_msat {
            let after = (local + m.credit_msat).saturating_sub(m.debit_msat);
            ch.local_msat = Some(ch.capacity_msat.map_or(after, |cap| after.min(cap)));
        }
        self.dirty_since.get_or_insert(time);
        true
    }

    /// A balance snapshot: each channel account's balance as of the block.
    pub fn apply_balances(&mut self, accounts: &[(String, u64)]) {
        for (account, msat) in accounts {
            if let Some(ch) = self.position(account).and_then(|i| self.list.get_mut(i)) {
                ch.local_msat = Some(*msat);
            }
        }
    }

    /// The channels not closing, with how many are normal and what is ours of their capacity.
    pub fn open(&self) -> Open<'_> {
        let list: Vec<&Channel> = self.iter().filter(|c| !c.is_closing()).collect();
        Open {
            normal: list.iter().filter(|c| c.is_normal()).count(),
            ours_msat: list.iter().filter_map(|c| c.local_msat).sum(),
            capacity_msat: list.iter().filter_map(|c| c.capacity_msat).sum(),
            list,
        }
    }

    /// Whether to ask the node (`listpeerchannels`) now.
    pub fn wants_refresh(&self, now: f64) -> bool {
        match (self.dirty_since, self.last_refresh) {
            (_, None) => true,
            (Some(d), _) if now - d >= REFRESH_AFTER => true,
            (_, Some(last)) => now - last >= REFRESH_EVERY,
        }
    }

    /// Marks a refresh as asked for.
    pub fn refreshing(&mut self, now: f64) {
        self.dirty_since = None;
        self.last_refresh = Some(now);
    }

    /// Merges a `listpeerchannels` answer: the node's word on every channel it still has.
    pub fn refresh(&mut self, result: &Value) {
        let Some(list) = result.get("channels").and_then(Value::as_array) else { return };
        for c in list {
            let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
            let msat = |k: &str| lnwatch_shared::notification::msat(c.get(k));
            let id = text("channel_id");
            let scid = text("short_channel_id");
            let found =
                id.as_deref().and_then(|i| self.position(i)).or_else(|| scid.as_deref().and_then(|s| self.position(s)));
            let i = match found {
                Some(i) => i,
                None => {
                    self.push(Channel::default());
                    self.list.len() - 1
                }
            };
            let ch = &mut self.list[i];
            ch.channel_id = id.or(ch.channel_id.take());
            ch.short_channel_id = scid.or(ch.short_channel_id.take());
            ch.peer_id = text("peer_id").or(ch.peer_id.take());
            ch.funding_txid = text("funding_txid").or(ch.funding_txid.take());
            if let Some(state) = text("state") {
                ch.state = state;
            }
            // The last recorded change says since when.
            let last = c.get("state_changes").and_then(Value::as_array).and_then(|v| v.last());
            if let Some(at) = last.and_then(|l| l.get("timestamp")).and_then(Value::as_str).and_then(parse_utc) {
                ch.since = Some(at);
            }
            if let Some(l) = last {
                ch.cause = l.get("cause").and_then(Value::as_str).map(str::to_owned).or(ch.cause.take());
            }
            ch.capacity_msat = msat("total_msat").or(ch.capacity_msat);
            ch.local_msat = msat("to_us_msat").or(ch.local_msat);
            ch.htlcs = c.get("htlcs").and_then(Value::as_array).map_or(0, Vec::len);
            ch.peer_connected = c.get("peer_connected").and_then(Value::as_bool);
            ch.closer = text("closer").or(ch.closer.take());
            ch.private = c.get("private").and_then(Value::as_bool).or(ch.private);
            if let Some(list) = c.get("htlcs").and_then(Value::as_array) {
                ch.htlc_list = list.iter().map(Htlc::of).collect();
                ch.htlc_list.sort_by_key(|h| h.expiry.unwrap_or(u64::MAX));
            }
            ch.spendable_msat = msat("spendable_msat").or(ch.spendable_msat);
            ch.receivable_msat = msat("receivable_msat").or(ch.receivable_msat);
            // `updates` since v24.02; the flat fields before (ours only).
            let updates = c.get("updates");
            ch.fee = Fee::of(updates.and_then(|u| u.get("local"))).or_else(|| Fee::of(Some(c))).or(ch.fee);
            ch.their_fee = Fee::of(updates.and_then(|u| u.get("remote"))).or(ch.their_fee);
            if let Some(status) = c.get("status").and_then(Value::as_array) {
                ch.status = status.iter().filter_map(Value::as_str).map(str::to_owned).collect();
            }
            self.index_row(i);
        }
    }

    fn push(&mut self, ch: Channel) {
        if self.list.len() >= MAX_CHANNELS
            && let Some(i) = self.list.iter().position(Channel::is_closing)
        {
            self.list.remove(i);
            // Rows after it moved up.
            self.index.clear();
            (0..self.list.len()).for_each(|k| self.index_row(k));
        }
        self.list.push(ch);
        self.index_row(self.list.len() - 1);
    }
}

/// `2023-01-05T18:27:12.145Z` → Unix seconds. `None` for anything else.
pub fn parse_utc(s: &str) -> Option<f64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':');
    let (h, min) = (t.next()?.parse::<i64>().ok()?, t.next()?.parse::<i64>().ok()?);
    let sec: f64 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60) as f64 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(id: &str, new: &str) -> ChannelChange {
        ChannelChange {
            channel_id: Some(id.into()),
            short_channel_id: Some("103x1x0".into()),
            peer_id: Some("02aa".into()),
            new_state: Some(new.into()),
            cause: Some("user".into()),
            ..Default::default()
        }
    }

    #[test]
    fn utc_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00.000Z"), Some(0.0));
        assert_eq!(parse_utc("2023-01-05T18:27:12.145Z"), Some(1_672_943_232.145));
        assert_eq!(parse_utc("2024-02-29T00:00:00Z"), Some(1_709_164_800.0));
        assert_eq!(parse_utc("yesterday"), None);
        assert_eq!(parse_utc("2023-13-05T18:27:12Z"), None);
    }

    #[test]
    fn live_changes_then_the_node_sets_balances_and_moves_adjust_them() {
        let mut t = Channels::default();
        assert!(t.wants_refresh(0.0), "a new table asks at once");
        t.refreshing(0.0);
        assert_eq!(t.apply_change(&change("aa", "CHANNELD_AWAITING_LOCKIN"), 10.0), None);
        assert!(!t.wants_refresh(11.0));
        assert!(t.wants_refresh(12.5), "a change is confirmed with the node shortly after");
        assert_eq!(t.apply_change(&change("aa", NORMAL), 20.0).as_deref(), Some("CHANNELD_AWAITING_LOCKIN"));
        t.refresh(&json!({"channels":[{"channel_id":"aa","short_channel_id":"103x1x0","peer_id":"02aa",
            "state":"CHANNELD_NORMAL","total_msat":1000000,"to_us_msat":600000,"htlcs":[{"id":1}],
            "state_changes":[{"timestamp":"1970-01-01T00:00:15.000Z","cause":"user"}]}]}));
        let ch = t.find("103x1x0").unwrap();
        assert_eq!(
            (ch.local_msat, ch.remote_msat(), ch.htlcs, ch.since),
            (Some(600_000), Some(400_000), 1, Some(15.0))
        );
        let out = Move { account: "aa".into(), debit_msat: 100_000, ..Default::default() };
        assert!(t.apply_move(&out, 30.0));
        assert_eq!(t.find("aa").unwrap().local_msat, Some(500_000));
        let unknown = Move { account: "wallet".into(), credit_msat: 5, ..Default::default() };
        assert!(!t.apply_move(&unknown, 30.0));
        t.apply_balances(&[("aa".into(), 700_000)]);
        assert_eq!(t.find("aa").unwrap().local_msat, Some(700_000));
        assert_eq!(t.with_peer("02aa"), (1, 1));
    }

    #[test]
    fn closed_channels_stay_with_who_closed_them_and_sort_last() {
        let mut t = Channels::default();
        t.apply_change(&change("aa", NORMAL), 1.0);
        t.apply_change(
            &ChannelChange { peer_id: Some("03bb".into()), ..change("bb", "CHANNELD_AWAITING_LOCKIN") },
            2.0,
        );
        t.apply_change(&ChannelChange { cause: Some("remote".into()), ..change("aa", "ONCHAIN") }, 3.0);
        let ch = t.find("aa").unwrap();
        assert!(ch.is_closing());
        assert_eq!(ch.closed_by(), Some("closed by the peer"));
        assert_eq!(ch.state_words(), "onchain");
        let order: Vec<_> = t.sorted().iter().map(|c| c.channel_id.clone().unwrap()).collect();
        assert_eq!(order, ["bb", "aa"], "trouble first, closed last");
        assert_eq!(t.with_peer("02aa"), (0, 0));
    }
}
