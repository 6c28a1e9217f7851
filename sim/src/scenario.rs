//! The demo's node: a small routing node with named peers and channels that stay. Forwards
//! move real balances and settle or fail for a reason (no liquidity out, the next peer is
//! offline, a failure downstream); invoices are created, most paid, some left to expire; the
//! node pays now and then; one peer on a flaky connection comes and goes; blocks arrive; a new
//! peer opens a channel early on. The node answers the RPC queries a monitor makes
//! ([`Scenario::answer`]) from the same state. Deterministic for a given seed and clock.

use std::time::Duration;

use serde_json::{Value, json};

use crate::records::Records;

/// xorshift64*: small, deterministic, good enough for a demo.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn hex(&mut self, bytes: usize) -> String {
        (0..bytes).map(|_| format!("{:02x}", self.below(256))).collect()
    }
}

/// The demo node itself.
pub const NODE_ID: &str = "0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0";
pub const NODE_ALIAS: &str = "lnwatch-demo";

/// id, alias, address, channel capacity (sat), our share of it at start (%).
const PEERS: [(&str, &str, &str, u64, u64); 5] = [
    (
        "0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0",
        "river-hub",
        "203.0.113.5:9735",
        5_000_000,
        40,
    ),
    (
        "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59",
        "corner-café",
        "10.0.0.7:9735",
        1_000_000,
        70,
    ),
    (
        "035d2b1192dfba134e10e540875d366ebc8bc353d5aa766b80c090b39c3a5d885d",
        "satstack",
        "[2001:db8::1]:9735",
        2_000_000,
        55,
    ),
    (
        "03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f",
        "flaky-pi",
        "198.51.100.9:9735",
        500_000,
        50,
    ),
    // Opens a channel to us a little after the demo starts.
    ("02f6725f9c1c40333b67faea92fd211c183050f28df32cac3f9d69685fe9665432", "newcomer", "192.0.2.44:9735", 800_000, 0),
];
/// The peer whose connection flaps.
const FLAKY: usize = 3;
/// The peer that opens a channel at [`OPEN_AT`].
const NEWCOMER: usize = 4;
const OPEN_AT: u64 = 25;
/// The step the flaky peer's channel is force-closed at (a peer error), then goes on chain.
const CLOSE_AT: u64 = 70;
/// Blocks a new channel waits before it is usable.
const LOCKIN_BLOCKS: u64 = 3;

struct Channel {
    peer: usize,
    channel_id: String,
    scid: String,
    capacity_msat: u64,
    to_us_msat: u64,
    state: &'static str,
    /// Height the funding confirmed (lock-in counts from it).
    funded_at: u64,
    /// When it entered its state; `None` for the channels the demo starts with (weeks old).
    since: Option<f64>,
}

struct Invoice {
    label: String,
    msat: Option<u64>,
    expires_at: f64,
    paid_at: Option<f64>,
    created_index: u64,
}

pub struct Scenario {
    rng: Rng,
    step: u64,
    connected: [bool; 5],
    height: u64,
    channels: Vec<Channel>,
    invoices: Vec<Invoice>,
    payment_no: u64,
    forward_no: u64,
    /// The same activity as lightningd indexes it, for catching up.
    records: Records,
}

fn note(method: &str, body: Value) -> Value {
    json!({"jsonrpc":"2.0","method":method,"params":{ method: body }})
}

fn xpay(method: &str, body: Value) -> Value {
    json!({"jsonrpc":"2.0","method":method,"origin":"cln-xpay","params":{ method: body }})
}

fn address(addr: &str) -> Value {
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "9735"));
    let port: u64 = port.parse().unwrap_or(9735);
    if host.starts_with('[') {
        json!({"type":"ipv6","address":host.trim_matches(['[', ']']),"port":port})
    } else {
        json!({"type":"ipv4","address":host,"port":port})
    }
}

fn timestamp(now: f64) -> String {
    // RFC 3339 in UTC, as lightningd writes it, without a date library.
    let secs = now as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    let ms = ((now - secs as f64) * 1000.0) as u32;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's algorithm.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Scenario {
    pub fn new(seed: u64) -> Scenario {
        let mut rng = Rng(seed | 1);
        let channels = PEERS[..NEWCOMER]
            .iter()
            .enumerate()
            .map(|(i, (_, _, _, cap, ours))| Channel {
                peer: i,
                channel_id: rng.hex(32),
                scid: format!("{}x{}x{}", 830_000 + 1_733 * i as u64, 100 + 37 * i as u64, i % 2),
                capacity_msat: cap * 1000,
                to_us_msat: cap * 10 * ours,
                state: "CHANNELD_NORMAL",
                funded_at: 830_000,
                since: None,
            })
            .collect();
        Scenario {
            rng,
            step: 0,
            connected: [true, true, true, true, false],
            height: 840_000,
            channels,
            invoices: Vec::new(),
            payment_no: 0,
            forward_no: 0,
            records: Records::default(),
        }
    }

    /// `listpeers` as the node answers it now.
    pub fn listpeers(&self) -> Value {
        let peers: Vec<Value> = PEERS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.connected[*i] || self.channels.iter().any(|c| c.peer == *i))
            .map(|(i, (id, _, addr, _, _))| {
                let channels = self.channels.iter().filter(|c| c.peer == i).count();
                json!({"id": id, "connected": self.connected[i], "netaddr": [addr], "num_channels": channels})
            })
            .collect();
        json!({ "peers": peers })
    }

    /// Answers a monitor's query from the node's state; `None` for a method it does not know.
    pub fn answer(&self, method: &str, params: &Value, now: f64) -> Option<Value> {
        if let Some(indexed) = self.records.answer(method, params) {
            return Some(indexed);
        }
        match method {
            "getinfo" => Some(self.getinfo()),
            "listpeers" => Some(self.listpeers()),
            "listnodes" => {
                Some(json!({"nodes": PEERS.iter().map(|(id, alias, ..)| json!({"nodeid": id, "alias": alias,
                "color": "3399ff", "last_timestamp": 1_763_700_000u64})).collect::<Vec<_>>()}))
            }
            "listpeerchannels" => Some(self.listpeerchannels(now)),
            "listinvoices" => Some(self.listinvoices(params, now)),
            _ => None,
        }
    }

    pub fn getinfo(&self) -> Value {
        json!({"id": NODE_ID, "alias": NODE_ALIAS, "network": "regtest", "version": "v26.06.6", "blockheight": self.height,
            "num_peers": self.connected.iter().filter(|c| **c).count(), "num_active_channels": self.channels.len()})
    }

    fn listpeerchannels(&self, now: f64) -> Value {
        let channels: Vec<Value> = self
            .channels
            .iter()
            .map(|c| {
                let since = c.since.unwrap_or(now - 86_400.0 * (20 + 9 * c.peer) as f64);
                let mut ch = json!({"peer_id": PEERS[c.peer].0, "peer_connected": self.connected[c.peer], "state": c.state,
                "short_channel_id": c.scid, "channel_id": c.channel_id, "total_msat": c.capacity_msat,
                "to_us_msat": c.to_us_msat, "spendable_msat": c.to_us_msat.saturating_sub(c.capacity_msat / 100),
                "opener": if c.peer == NEWCOMER { "remote" } else { "local" }, "htlcs": [],
                "state_changes": [{"timestamp": timestamp(since), "new_state": c.state,
                    "cause": if c.peer == NEWCOMER { "remote" } else { "user" }}]});
                if c.state != "CHANNELD_NORMAL" && c.peer == FLAKY {
                    ch["closer"] = json!("local");
                    ch["state_changes"][0]["cause"] = json!("protocol");
                }
                ch
            })
            .collect();
        json!({ "channels": channels })
    }

    fn listinvoices(&self, params: &Value, now: f64) -> Value {
        let label = params.get("label").and_then(Value::as_str);
        let invoices: Vec<Value> = self
            .invoices
            .iter()
            .filter(|i| label.is_none_or(|l| l == i.label))
            .map(|i| {
                let status = match i.paid_at {
                    Some(_) => "paid",
                    None if i.expires_at <= now => "expired",
                    None => "unpaid",
                };
                let mut v = json!({"label": i.label, "status": status, "expires_at": i.expires_at as u64,
                    "created_index": i.created_index, "payment_hash": format!("{:064x}", i.created_index),
                    "description": "lnwatch demo"});
                if let Some(m) = i.msat {
                    v["amount_msat"] = json!(m);
                }
                if let Some(p) = i.paid_at {
                    v["paid_at"] = json!(p as u64);
                }
                v
            })
            .collect();
        json!({ "invoices": invoices })
    }

    /// The next burst of notifications at wall-clock `now`, and how long to wait before it.
    /// The first steps come quickly, so the first screen has something on it.
    pub fn step(&mut self, now: f64) -> (Duration, Vec<Value>) {
        self.step += 1;
        let wait = if self.step < 40 { 60 + self.rng.below(120) } else { 300 + self.rng.below(1200) };
        if self.step == OPEN_AT {
            return (Duration::from_millis(wait), self.open_channel(now));
        }
        if self.step == CLOSE_AT {
            return (Duration::from_millis(wait), self.force_close(now));
        }
        let roll = self.rng.below(100);
        let mut msgs: Vec<Value> = match roll {
            0..8 => self.flap(),
            8..25 => self.invoice(now),
            25..60 => self.forward(now),
            60..72 => self.block(now),
            72..82 => self.payment(),
            82..84 => self.warning(now),
            _ => self.forward(now),
        };
        self.record(&mut msgs, now);
        (Duration::from_millis(wait), msgs)
    }

    /// Forwards and payments into the indexed records, as lightningd keeps them; forward
    /// events get the index the records gave them, as lightningd's carry theirs.
    fn record(&mut self, msgs: &mut [Value], now: f64) {
        for m in msgs {
            let p = &mut m["params"];
            if let Some(f) = p.get_mut("forward_event") {
                self.records.forward_event(f);
            }
            let sendpay = p
                .get("sendpay_success")
                .map(|b| (b, true))
                .or_else(|| p.get("sendpay_failure").map(|b| (&b["data"], false)));
            if let Some((b, ok)) = sendpay {
                self.records.sendpay_part(b, ok, now as u64);
            }
        }
    }

    fn flap(&mut self) -> Vec<Value> {
        // Mostly the flaky peer; now and then a steady one drops and is back at its next turn.
        let i = if self.rng.below(5) == 0 { self.rng.below(3) as usize } else { FLAKY };
        let steady_down = (0..3).find(|j| !self.connected[*j]);
        let i = steady_down.unwrap_or(i);
        let (id, _, addr, _, _) = PEERS[i];
        self.connected[i] = !self.connected[i];
        if self.connected[i] {
            vec![note("connect", json!({"id": id, "direction": "out", "address": address(addr)}))]
        } else {
            vec![note("disconnect", json!({"id": id}))]
        }
    }

    fn invoice(&mut self, now: f64) -> Vec<Value> {
        // Pay the oldest open, unexpired invoice most of the time; every fourth is never paid.
        let open =
            self.invoices.iter().position(|i| i.paid_at.is_none() && i.expires_at > now && i.created_index % 4 != 0);
        if let Some(at) = open.filter(|_| self.rng.below(3) != 0) {
            let paid = self.invoices[at].msat.unwrap_or(1_000 * (1 + self.rng.below(50_000)));
            let inv = &mut self.invoices[at];
            inv.paid_at = Some(now);
            self.records.invoice_paid(inv.created_index, now as u64);
            let body = json!({"label": inv.label, "preimage": self.rng.hex(32), "msat": paid});
            // The payer came in over one of our channels.
            if let Some(c) = self.channels.iter_mut().find(|c| c.state == "CHANNELD_NORMAL") {
                c.to_us_msat = (c.to_us_msat + paid).min(c.capacity_msat);
            }
            return vec![note("invoice_payment", body)];
        }
        let n = self.invoices.len() as u64 + 1;
        let kinds = ["coffee", "donation", "☕ espresso", "sub/2026-11", "tip"];
        let label = format!("{}-{n}", kinds[self.rng.below(kinds.len() as u64) as usize]);
        let msat = (self.rng.below(4) != 0).then(|| 1_000 * (1 + self.rng.below(250_000)) + self.rng.below(3) * 7);
        // Short expiries, so some run out while the demo is watched.
        let expiry = [90.0, 300.0, 3600.0][self.rng.below(3) as usize];
        self.invoices.push(Invoice {
            label: label.clone(),
            msat,
            expires_at: now + expiry,
            paid_at: None,
            created_index: n,
        });
        self.records.invoice_created(&label, msat.unwrap_or(0), (now + expiry) as u64);
        let mut body = json!({"label": label, "preimage": self.rng.hex(32)});
        if let Some(m) = msat {
            body["msat"] = json!(m);
        }
        vec![note("invoice_creation", body)]
    }

    fn forward(&mut self, now: f64) -> Vec<Value> {
        let usable: Vec<usize> =
            (0..self.channels.len()).filter(|c| self.channels[*c].state == "CHANNELD_NORMAL").collect();
        if usable.len() < 2 {
            return self.block(now);
        }
        let a = usable[self.rng.below(usable.len() as u64) as usize];
        let mut b = usable[self.rng.below(usable.len() as u64) as usize];
        // Payers learn from gossip that a channel is down and mostly route around it.
        if !self.connected[self.channels[b].peer] && self.rng.below(3) != 0 {
            b = a;
        }
        if a == b || self.rng.below(2) == 0 {
            // Payments flow where liquidity is, as on a real node: the fullest other channel.
            let share = |c: &Channel| c.to_us_msat as f64 / c.capacity_msat as f64;
            let others = usable.iter().copied().filter(|c| *c != a && self.connected[self.channels[*c].peer]);
            b = others.max_by(|x, y| share(&self.channels[*x]).total_cmp(&share(&self.channels[*y]))).unwrap_or(b);
        }
        self.forward_no += 1;
        let out_msat = 1_000 * (1 + self.rng.below(120_000));
        let fee = 1_000 + out_msat / 1_000_000 * 10 + out_msat * 50 / 1_000_000;
        let (inc, out) = (&self.channels[a], &self.channels[b]);
        let hash = self.rng.hex(32);
        let mut body = json!({"payment_hash": hash, "in_channel": inc.scid, "out_channel": out.scid,
            "in_msat": out_msat + fee, "out_msat": out_msat, "fee_msat": fee, "received_time": now - 0.4,
            "style": "tlv", "in_htlc_id": self.forward_no});
        let (in_id, out_id) = (inc.channel_id.clone(), out.channel_id.clone());
        if !self.connected[out.peer] {
            body["status"] = json!("local_failed");
            body["failcode"] = json!(4103);
            body["failreason"] = json!("WIRE_TEMPORARY_CHANNEL_FAILURE");
            return vec![note("forward_event", body)];
        }
        if out.to_us_msat < out_msat || self.channels[a].to_us_msat + out_msat + fee > self.channels[a].capacity_msat {
            body["status"] = json!("local_failed");
            body["failcode"] = json!(4103);
            body["failreason"] = json!("WIRE_TEMPORARY_CHANNEL_FAILURE");
            return vec![note("forward_event", body)];
        }
        // Sent on: lightningd says so before the outcome.
        body["status"] = json!("offered");
        let offered = note("forward_event", body.clone());
        if self.rng.below(6) == 0 {
            // Somewhere past the next hop: the reason is in an onion only the payer can read.
            body["status"] = json!("failed");
            body["resolved_time"] = json!(now);
            return vec![offered, note("forward_event", body)];
        }
        self.channels[a].to_us_msat += out_msat + fee;
        self.channels[b].to_us_msat -= out_msat;
        body["status"] = json!("settled");
        body["preimage"] = json!(self.rng.hex(32));
        body["resolved_time"] = json!(now);
        let movement = |account: &str, credit: u64, debit: u64, fees: u64| {
            note(
                "coin_movement",
                json!({"version":2,"coin_type":"bcrt","node_id":NODE_ID,"type":"channel_mvt","account_id":account,
                "payment_hash":hash,"credit_msat":credit,"debit_msat":debit,"fees_msat":fees,"primary_tag":"routed",
                "extra_tags":[],"timestamp": now as u64}),
            )
        };
        vec![
            offered,
            note("forward_event", body),
            movement(&in_id, out_msat + fee, 0, fee),
            movement(&out_id, 0, out_msat, 0),
        ]
    }

    fn block(&mut self, now: f64) -> Vec<Value> {
        self.height += 1;
        let mut msgs = vec![note("block_added", json!({"hash": self.rng.hex(32), "height": self.height}))];
        for c in &mut self.channels {
            // A force-closed channel: the commitment is seen, then resolved on chain.
            let next = match c.state {
                "AWAITING_UNILATERAL" => Some(("FUNDING_SPEND_SEEN", "onchain", "Onchain funding spend")),
                "FUNDING_SPEND_SEEN" => Some(("ONCHAIN", "onchain", "Onchain init reply")),
                _ => None,
            };
            if let Some((state, cause, message)) = next {
                msgs.push(note(
                    "channel_state_changed",
                    json!({"peer_id": PEERS[c.peer].0, "channel_id": c.channel_id, "short_channel_id": c.scid,
                    "timestamp": timestamp(now), "old_state": c.state, "new_state": state, "cause": cause,
                    "message": message}),
                ));
                c.state = state;
                c.since = Some(now);
            }
            if c.state == "CHANNELD_AWAITING_LOCKIN" && self.height >= c.funded_at + LOCKIN_BLOCKS {
                c.state = "CHANNELD_NORMAL";
                c.since = Some(now);
                msgs.push(note(
                    "channel_state_changed",
                    json!({"peer_id": PEERS[c.peer].0, "channel_id": c.channel_id, "short_channel_id": c.scid,
                    "timestamp": timestamp(now), "old_state": "CHANNELD_AWAITING_LOCKIN", "new_state": "CHANNELD_NORMAL",
                    "cause": "remote", "message": "Lockin complete"}),
                ));
            }
        }
        if self.height.is_multiple_of(3) {
            let mut accounts = vec![json!({"account_id":"wallet","balance_msat": 4_210_000_000u64,"coin_type":"bcrt"})];
            accounts.extend(
                self.channels
                    .iter()
                    .map(|c| json!({"account_id": c.channel_id, "balance_msat": c.to_us_msat, "coin_type": "bcrt"})),
            );
            msgs.push(note(
                "balance_snapshot",
                json!({"node_id": NODE_ID, "blockheight": self.height, "timestamp": now as u64, "accounts": accounts}),
            ));
        }
        msgs
    }

    /// The flaky peer sends an error: the channel is force-closed and goes on chain over the
    /// next blocks (see [`Scenario::block`]).
    fn force_close(&mut self, now: f64) -> Vec<Value> {
        let Some(c) = self.channels.iter_mut().find(|c| c.peer == FLAKY) else { return Vec::new() };
        c.state = "AWAITING_UNILATERAL";
        c.since = Some(now);
        c.funded_at = self.height;
        vec![note(
            "channel_state_changed",
            json!({"peer_id": PEERS[FLAKY].0, "channel_id": c.channel_id, "short_channel_id": c.scid,
            "timestamp": timestamp(now), "old_state": "CHANNELD_NORMAL", "new_state": "AWAITING_UNILATERAL",
            "cause": "protocol", "message": "Peer permanent failure in CHANNELD_NORMAL: channeld: received ERROR"}),
        )]
    }

    fn open_channel(&mut self, now: f64) -> Vec<Value> {
        let (id, _, addr, cap, _) = PEERS[NEWCOMER];
        self.connected[NEWCOMER] = true;
        let channel = Channel {
            peer: NEWCOMER,
            channel_id: self.rng.hex(32),
            scid: format!("{}x{}x0", self.height + 1, 1 + self.rng.below(2000)),
            capacity_msat: cap * 1000,
            to_us_msat: 0,
            state: "CHANNELD_AWAITING_LOCKIN",
            funded_at: self.height + 1,
            since: Some(now),
        };
        let msgs = vec![
            note("connect", json!({"id": id, "direction": "in", "address": address(addr)})),
            note(
                "channel_opened",
                json!({"id": id, "funding_msat": cap * 1000, "funding_txid": self.rng.hex(32), "channel_ready": false}),
            ),
            note(
                "channel_state_changed",
                json!({"peer_id": id, "channel_id": channel.channel_id, "timestamp": timestamp(now),
                "new_state": "CHANNELD_AWAITING_LOCKIN", "cause": "remote", "message": "new channel opened"}),
            ),
        ];
        self.channels.push(channel);
        msgs
    }

    fn payment(&mut self) -> Vec<Value> {
        self.payment_no += 1;
        let hash = self.rng.hex(32);
        let via = self.rng.below(3) as usize;
        let dest_index = (via + 1 + self.rng.below(2) as usize) % 3;
        let dest = PEERS[dest_index].0;
        let msat = 1_000 * (1 + self.rng.below(100_000));
        let first = &self.channels[via];
        let (groupid, scid) = (self.payment_no, first.scid.clone());
        let start = xpay(
            "pay_part_start",
            json!({"payment_hash": hash, "groupid": groupid, "partid": 1, "total_payment_msat": msat,
            "attempt_msat": msat, "hops":[{"next_node": PEERS[via].0, "short_channel_id": scid, "direction": 1,
            "channel_in_msat": msat + 51, "channel_out_msat": msat + 51}, {"next_node": dest,
            "short_channel_id": "835000x12x1", "direction": 0, "channel_in_msat": msat + 51, "channel_out_msat": msat}]}),
        );
        if self.rng.below(4) == 0 || first.to_us_msat < msat + 51 {
            // As v26.06 reports it: the reason only in pay_part_end.
            let end = xpay(
                "pay_part_end",
                json!({"status":"failure","duration":0.8,"payment_hash":hash,"groupid":groupid,"partid":1,
                "error_code": 4103, "failed_node_id": PEERS[via].0, "failed_short_channel_id": "835000x12x1",
                "failed_msg": "1007", "error_message":"WIRE_TEMPORARY_CHANNEL_FAILURE"}),
            );
            let failure = note(
                "sendpay_failure",
                json!({"code": 202, "message": "Malformed error reply", "data": {"id": groupid, "payment_hash": hash,
                "groupid": groupid, "partid": 1, "destination": dest, "amount_msat": msat, "amount_sent_msat": msat + 51,
                "status": "failed"}}),
            );
            return vec![start, end, failure];
        }
        self.channels[via].to_us_msat -= msat + 51;
        let success = |rng: &mut Rng, partid: u64, part_msat: u64| {
            let hops = json!([{"next_node": PEERS[via].0, "short_channel_id": scid, "direction": 1,
                "channel_in_msat": part_msat + 51, "channel_out_msat": part_msat + 51}, {"next_node": dest,
                "short_channel_id": "835000x12x1", "direction": 0, "channel_in_msat": part_msat + 51,
                "channel_out_msat": part_msat}]);
            vec![
                xpay(
                    "pay_part_start",
                    json!({"payment_hash": hash, "groupid": groupid, "partid": partid,
                    "total_payment_msat": msat, "attempt_msat": part_msat, "hops": hops}),
                ),
                xpay(
                    "pay_part_end",
                    json!({"status":"success","duration":0.22,"payment_hash":hash,
                    "groupid":groupid,"partid":partid}),
                ),
                note(
                    "sendpay_success",
                    json!({"id": groupid * 10 + partid, "payment_hash": hash, "groupid": groupid,
                    "partid": partid, "destination": dest, "amount_msat": part_msat, "amount_sent_msat": part_msat + 51,
                    "created_at": 1_763_772_000u64, "status":"complete", "payment_preimage": rng.hex(32)}),
                ),
            ]
        };
        if msat > 80_000_000 {
            // Big payments go in parts; the first try of the whole amount hits a hop without the
            // liquidity, then two halves get through.
            let end = xpay(
                "pay_part_end",
                json!({"status":"failure","duration":1.4,"payment_hash":hash,"groupid":groupid,"partid":1,
                "error_code": 4103, "failed_node_id": dest, "failed_short_channel_id": "835000x12x1",
                "failed_msg": "1007", "error_message":"WIRE_TEMPORARY_CHANNEL_FAILURE"}),
            );
            let failure = note(
                "sendpay_failure",
                json!({"code": 202, "message": "Malformed error reply", "data": {"id": groupid * 10 + 1,
                "payment_hash": hash, "groupid": groupid, "partid": 1, "destination": dest, "amount_msat": msat,
                "amount_sent_msat": msat + 51, "status": "pending"}}),
            );
            let mut msgs = vec![start, end, failure];
            msgs.extend(success(&mut self.rng, 2, msat / 2));
            msgs.extend(success(&mut self.rng, 3, msat - msat / 2));
            return msgs;
        }
        let mut msgs = vec![start];
        msgs.extend(success(&mut self.rng, 1, msat).into_iter().skip(1));
        msgs
    }

    fn warning(&mut self, now: f64) -> Vec<Value> {
        let lines = [
            "Peer transient failure in CHANNELD_NORMAL: channeld: Owning subdaemon channeld died (62208)",
            "Unable to estimate any fees",
            // A hostile log line: the monitor must print it as text, not obey it.
            "peer alias \u{1b}]0;pwned\u{7}\u{1b}[2J with escapes",
        ];
        let log = lines[self.rng.below(lines.len() as u64) as usize];
        vec![note(
            "warning",
            json!({"level":"warn","time": format!("{now:.1}"),"timestamp": timestamp(now),
            "source": format!("lightningd: {}-chan#7:", &PEERS[FLAKY].0[..10]),"log":log}),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_763_772_000.0;

    fn run(seed: u64, steps: u64) -> (Scenario, Vec<Value>) {
        let mut s = Scenario::new(seed);
        let mut all = Vec::new();
        for i in 0..steps {
            all.extend(s.step(NOW + i as f64).1);
        }
        (s, all)
    }

    #[test]
    fn scenario_is_deterministic_and_covers_the_main_topics() {
        let (_, a) = run(7, 600);
        let (_, b) = run(7, 600);
        assert_eq!(a, b);
        let topics: std::collections::BTreeSet<&str> = a.iter().map(|m| m["method"].as_str().unwrap()).collect();
        for t in [
            "connect",
            "disconnect",
            "invoice_creation",
            "invoice_payment",
            "forward_event",
            "block_added",
            "channel_opened",
            "channel_state_changed",
            "warning",
            "sendpay_success",
            "sendpay_failure",
            "pay_part_start",
            "pay_part_end",
            "coin_movement",
            "balance_snapshot",
        ] {
            assert!(topics.contains(t), "{t} never happens");
        }
        assert!(!topics.contains("custommsg"), "no noise");
    }

    #[test]
    fn channels_stay_and_balances_add_up() {
        let (s, all) = run(11, 800);
        let forwards: Vec<&Value> =
            all.iter().filter(|m| m["method"] == "forward_event").map(|m| &m["params"]["forward_event"]).collect();
        let scids: std::collections::BTreeSet<&str> = s.channels.iter().map(|c| c.scid.as_str()).collect();
        for f in &forwards {
            assert!(
                scids.contains(f["in_channel"].as_str().unwrap()) && scids.contains(f["out_channel"].as_str().unwrap())
            );
        }
        let status = |st: &str| forwards.iter().filter(|f| f["status"] == st).count();
        let counts = (status("settled"), status("local_failed"), status("failed"));
        assert!(counts.0 > counts.1 && counts.1 > 0 && counts.2 > 0, "{counts:?}");
        for c in &s.channels {
            assert!(c.to_us_msat <= c.capacity_msat, "{} overdrawn", c.scid);
        }
        // The newcomer's channel locked in; the flaky peer's went on chain after its error.
        let states: Vec<_> = s.channels.iter().map(|c| (c.peer, c.state)).collect();
        assert!(
            states.iter().all(|(p, st)| *st == if *p == FLAKY { "ONCHAIN" } else { "CHANNELD_NORMAL" }),
            "{states:?}"
        );
        // Big payments went in parts, after a first try failed.
        let parts = |p: u64| {
            all.iter()
                .filter(|m| m["method"] == "pay_part_start" && m["params"]["pay_part_start"]["partid"] == p)
                .count()
        };
        assert!(parts(3) > 0, "multi-part payments");
        // After the close nothing is forwarded through the closed channel.
        let closed = s.channels.iter().find(|c| c.peer == FLAKY).unwrap().scid.clone();
        let close_at = all
            .iter()
            .position(|m| m["params"]["channel_state_changed"]["new_state"] == "AWAITING_UNILATERAL")
            .unwrap();
        assert!(all[close_at..].iter().all(|m| m["params"]["forward_event"]["out_channel"] != closed.as_str()));
        // Some invoices were paid, some ran out.
        let (paid, expired) = s.invoices.iter().fold((0, 0), |(p, e), i| match i.paid_at {
            Some(_) => (p + 1, e),
            None if i.expires_at < NOW + 800.0 => (p, e + 1),
            None => (p, e),
        });
        assert!(paid > 0 && expired > 0, "paid {paid}, expired {expired}");
        let answer = s.answer("listinvoices", &json!({"label": s.invoices[0].label}), NOW + 800.0).unwrap();
        assert_eq!(answer["invoices"].as_array().unwrap().len(), 1);
        assert!(s.answer("listpeerchannels", &json!({}), NOW).unwrap()["channels"].as_array().unwrap().len() == 5);
        assert!(s.answer("pay", &json!({}), NOW).is_none());
        // The records match the events, as lightningd's do: each event carries one index (an
        // offer or a refusal its `created_index`, a resolution its `updated_index`), and the
        // forward listed under it ends as the last event for its incoming HTLC said.
        let wait = |index: &str| {
            let q = json!({"subsystem": "forwards", "indexname": index, "nextvalue": 0});
            s.answer("wait", &q, NOW).unwrap()[index].as_u64().unwrap()
        };
        let created = forwards.iter().filter(|f| f.get("created_index").is_some()).count() as u64;
        let updated = forwards.iter().filter(|f| f.get("updated_index").is_some()).count() as u64;
        assert_eq!((created + updated, wait("created"), wait("updated")), (forwards.len() as u64, created, updated));
        let listed = s.answer("listforwards", &json!({"index": "created", "start": 0}), NOW).unwrap();
        let listed = listed["forwards"].as_array().unwrap();
        assert_eq!(listed.len() as u64, created);
        let htlc = |f: &Value| (f["in_channel"].clone(), f["in_htlc_id"].clone());
        for row in listed {
            let last = forwards.iter().rev().find(|f| htlc(f) == htlc(row)).unwrap();
            assert_eq!(
                (&row["status"], &row["out_msat"], &row["fee_msat"]),
                (&last["status"], &last["out_msat"], &last["fee_msat"])
            );
        }
        // Payments: one listed part per part sent, with the amounts its event gave.
        let parts: Vec<&Value> = all
            .iter()
            .filter_map(|m| m["params"].get("sendpay_success").or_else(|| m["params"]["sendpay_failure"].get("data")))
            .collect();
        let sendpays = s.answer("listsendpays", &json!({"index": "created", "start": 0}), NOW).unwrap();
        let sendpays = sendpays["payments"].as_array().unwrap();
        assert_eq!(sendpays.len(), parts.len());
        for (row, part) in sendpays.iter().zip(&parts) {
            for k in ["id", "groupid", "partid", "payment_hash", "amount_msat", "amount_sent_msat"] {
                assert_eq!(row[k], part[k], "{k}");
            }
        }
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(timestamp(1_763_772_000.25), "2025-11-22T00:40:00.250Z");
        assert_eq!(timestamp(0.0), "1970-01-01T00:00:00.000Z");
    }
}
