//! A lively, realistic node for the demo: peers connecting and disconnecting, invoices created
//! and paid, forwards settling and failing, blocks, channel state changes, payments, warnings.
//! Deterministic for a given seed.

use std::time::Duration;

use serde_json::{Value, json};

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

pub const PEERS: [(&str, &str); 5] = [
    ("0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0", "127.0.0.1:19847"),
    ("022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59", "10.0.0.7:9735"),
    ("035d2b1192dfba134e10e540875d366ebc8bc353d5aa766b80c090b39c3a5d885d", "203.0.113.5:9735"),
    ("03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f", "[2001:db8::1]:9735"),
    ("02f6725f9c1c40333b67faea92fd211c183050f28df32cac3f9d69685fe9665432", "198.51.100.9:9735"),
];

pub struct Scenario {
    rng: Rng,
    connected: [bool; 5],
    height: u64,
    invoice_no: u64,
    open_invoices: Vec<(String, Option<u64>)>,
    payment_no: u64,
}

/// `listpeers` as the demo node answers it at start: two peers up.
pub fn initial_listpeers() -> Value {
    let peers: Vec<Value> = PEERS
        .iter()
        .enumerate()
        .map(|(i, (id, addr))| json!({"id": id, "connected": i < 2, "netaddr": [addr], "num_channels": 1}))
        .collect();
    json!({ "peers": peers })
}

fn note(method: &str, body: Value) -> Value {
    json!({"jsonrpc":"2.0","method":method,"params":{ method: body }})
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

impl Scenario {
    pub fn new(seed: u64) -> Scenario {
        Scenario {
            rng: Rng(seed | 1),
            connected: [true, true, false, false, false],
            height: 840_000,
            invoice_no: 0,
            open_invoices: Vec::new(),
            payment_no: 0,
        }
    }

    /// The next burst of notifications and how long to wait before sending it.
    pub fn step(&mut self) -> (Duration, Vec<Value>) {
        let wait = Duration::from_millis(150 + self.rng.below(900));
        let roll = self.rng.below(100);
        let msgs = match roll {
            0..15 => self.peer_change(),
            15..30 => self.invoice(),
            30..55 => self.forward(),
            55..65 => self.block(),
            65..73 => self.channel_state(),
            73..83 => self.payment(),
            83..88 => self.warning(),
            _ => self.custommsg(),
        };
        (wait, msgs)
    }

    fn peer_change(&mut self) -> Vec<Value> {
        let i = self.rng.below(PEERS.len() as u64) as usize;
        let (id, addr) = PEERS[i];
        self.connected[i] = !self.connected[i];
        if self.connected[i] {
            let direction = if self.rng.below(2) == 0 { "in" } else { "out" };
            vec![
                note("custommsg", json!({"peer_id": id, "payload": format!("0007{}", self.rng.hex(40))})),
                note("connect", json!({"id": id, "direction": direction, "address": address(addr)})),
            ]
        } else {
            vec![note("disconnect", json!({"id": id}))]
        }
    }

    fn invoice(&mut self) -> Vec<Value> {
        // Pay an open invoice half of the time.
        if !self.open_invoices.is_empty() && self.rng.below(2) == 0 {
            let (label, msat) = self.open_invoices.remove(0);
            let paid = msat.unwrap_or(1_000 * (1 + self.rng.below(50_000)));
            return vec![note("invoice_payment", json!({"label": label, "preimage": self.rng.hex(32), "msat": paid}))];
        }
        self.invoice_no += 1;
        let kinds = ["coffee", "donation", "☕ espresso", "sub/2026-11", "tip"];
        let label = format!("{}-{}", kinds[self.rng.below(kinds.len() as u64) as usize], self.invoice_no);
        let msat = (self.rng.below(4) != 0).then(|| 1_000 * (1 + self.rng.below(250_000)) + self.rng.below(3) * 7);
        self.open_invoices.push((label.clone(), msat));
        let mut body = json!({"label": label, "preimage": self.rng.hex(32)});
        if let Some(m) = msat {
            body["msat"] = json!(m);
        }
        vec![note("invoice_creation", body)]
    }

    fn scid(&mut self) -> String {
        format!("{}x{}x{}", 800_000 + self.rng.below(40_000), self.rng.below(3000), self.rng.below(4))
    }

    fn forward(&mut self) -> Vec<Value> {
        let out_msat = 1_000 * (1 + self.rng.below(2_000_000));
        let fee = 1_000 + out_msat / 1_000_000 * (1 + self.rng.below(500));
        let (inc, out) = (self.scid(), self.scid());
        let hash = self.rng.hex(32);
        let mut body = json!({"payment_hash": hash, "in_channel": inc, "out_channel": out, "in_msat": out_msat + fee,
            "out_msat": out_msat, "fee_msat": fee, "received_time": 1_763_772_000.0, "style": "tlv"});
        let mut msgs = Vec::new();
        match self.rng.below(10) {
            0..7 => {
                body["status"] = json!("settled");
                body["preimage"] = json!(self.rng.hex(32));
                body["resolved_time"] = json!(1_763_772_000.4);
                msgs.push(note("forward_event", body));
                msgs.push(note("coin_movement", json!({"version":2,"coin_type":"bc","node_id":PEERS[0].0,"type":"channel_mvt",
                    "account_id": self.rng.hex(32),"payment_hash": hash,"credit_msat": fee,"debit_msat":0,"fees_msat": fee,
                    "primary_tag":"routed","extra_tags":[],"timestamp":1_763_772_000u64})));
            }
            7..9 => {
                body["status"] = json!("local_failed");
                body["failcode"] = json!(16392);
                body["failreason"] = json!("WIRE_TEMPORARY_CHANNEL_FAILURE");
                msgs.push(note("forward_event", body));
            }
            _ => {
                body["status"] = json!("failed");
                msgs.push(note("forward_event", body));
            }
        }
        msgs
    }

    fn block(&mut self) -> Vec<Value> {
        self.height += 1;
        let mut msgs = vec![note("block_added", json!({"hash": self.rng.hex(32), "height": self.height}))];
        if self.height.is_multiple_of(3) {
            msgs.push(note("balance_snapshot", json!({"node_id": PEERS[0].0, "blockheight": self.height, "timestamp": 1_763_772_000u64,
                "accounts":[{"account_id":"wallet","balance_msat": 10_000_000_000u64 + self.rng.below(1_000_000_000),"coin_type":"bc"}]})));
        }
        msgs
    }

    fn channel_state(&mut self) -> Vec<Value> {
        let states = [
            ("CHANNELD_AWAITING_LOCKIN", "CHANNELD_NORMAL", "remote"),
            ("CHANNELD_NORMAL", "CHANNELD_SHUTTING_DOWN", "user"),
            ("CHANNELD_SHUTTING_DOWN", "CLOSINGD_SIGEXCHANGE", "user"),
            ("CLOSINGD_COMPLETE", "FUNDING_SPEND_SEEN", "onchain"),
            ("DUALOPEND_AWAITING_LOCKIN", "CHANNELD_NORMAL", "local"),
        ];
        let (old, new, cause) = states[self.rng.below(states.len() as u64) as usize];
        let peer = PEERS[self.rng.below(PEERS.len() as u64) as usize].0;
        vec![note(
            "channel_state_changed",
            json!({"peer_id": peer, "channel_id": self.rng.hex(32), "short_channel_id": self.scid(),
            "timestamp":"2026-11-22T00:56:05.319Z", "old_state": old, "new_state": new, "cause": cause,
            "message": format!("State changed from {old} to {new}")}),
        )]
    }

    fn payment(&mut self) -> Vec<Value> {
        self.payment_no += 1;
        let hash = self.rng.hex(32);
        let dest = PEERS[self.rng.below(PEERS.len() as u64) as usize].0;
        let msat = 1_000 * (1 + self.rng.below(100_000));
        let start = json!({"jsonrpc":"2.0","method":"pay_part_start","origin":"cln-xpay","params":{"pay_part_start":{
            "payment_hash": hash, "groupid": self.payment_no, "partid": 1, "total_payment_msat": msat, "attempt_msat": msat,
            "hops":[{"next_node": dest, "short_channel_id": self.scid(), "direction": 1, "channel_in_msat": msat + 51, "channel_out_msat": msat}]}}});
        if self.rng.below(4) == 0 {
            let end = json!({"jsonrpc":"2.0","method":"pay_part_end","origin":"cln-xpay","params":{"pay_part_end":{
                "status":"failure","duration":0.8,"payment_hash":hash,"groupid":self.payment_no,"partid":1,
                "error_message":"WIRE_TEMPORARY_CHANNEL_FAILURE"}}});
            return vec![start, end];
        }
        let end = json!({"jsonrpc":"2.0","method":"pay_part_end","origin":"cln-xpay","params":{"pay_part_end":{
            "status":"success","duration":0.22,"payment_hash":hash,"groupid":self.payment_no,"partid":1}}});
        let success = note(
            "sendpay_success",
            json!({"id": self.payment_no, "payment_hash": hash, "destination": dest,
            "amount_msat": msat, "amount_sent_msat": msat + 51, "created_at": 1_763_772_000u64, "status":"complete",
            "payment_preimage": self.rng.hex(32)}),
        );
        vec![start, end, success]
    }

    fn warning(&mut self) -> Vec<Value> {
        let lines = [
            "Peer transient failure in CHANNELD_NORMAL: channeld: Owning subdaemon channeld died (62208)",
            "Unable to estimate any fees",
            // A hostile log line: the monitor must print it as text, not obey it.
            "peer alias \u{1b}]0;pwned\u{7}\u{1b}[2J with escapes",
        ];
        let log = lines[self.rng.below(lines.len() as u64) as usize];
        vec![note(
            "warning",
            json!({"level":"warn","time":"1763772000.1","timestamp":"2026-11-22T00:40:00.100Z",
            "source":"lightningd(4242): 0284d0fb… chan #7:","log":log}),
        )]
    }

    fn custommsg(&mut self) -> Vec<Value> {
        let i = self.rng.below(PEERS.len() as u64) as usize;
        if !self.connected[i] {
            return self.block();
        }
        vec![note("custommsg", json!({"peer_id": PEERS[i].0, "payload": format!("0007{}", self.rng.hex(60))}))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_is_deterministic_and_covers_the_main_topics() {
        let mut a = Scenario::new(7);
        let mut b = Scenario::new(7);
        let mut topics = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let (wa, ma) = a.step();
            let (wb, mb) = b.step();
            assert_eq!((wa, &ma), (wb, &mb));
            for m in ma {
                topics.insert(m["method"].as_str().unwrap().to_owned());
            }
        }
        for t in [
            "connect",
            "disconnect",
            "invoice_creation",
            "invoice_payment",
            "forward_event",
            "block_added",
            "channel_state_changed",
            "warning",
            "sendpay_success",
            "pay_part_start",
            "coin_movement",
            "balance_snapshot",
        ] {
            assert!(topics.contains(t), "{t} never happens");
        }
    }
}
