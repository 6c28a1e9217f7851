//! Builders for synthetic messages.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lnwatch::app::{App, Msg, SourceEvent};
use lnwatch::decode::Received as Incoming;
use lnwatch::store::Ev;
use lnwatch_shared::frame::{Frame, Gap, Hello, Peers};
use lnwatch_shared::peers::PeerState;
use serde_json::{Value, json};

pub const T0: f64 = 1_763_772_000.0;
pub const PEER_A: &str = "0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0";
pub const PEER_B: &str = "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59";

pub fn app() -> App {
    let mut a = App::new("/tmp/l1-regtest/notif.sock".into(), 1000, None, T0);
    a.color = false;
    a
}

pub fn ev(seq: u64, topic: &str, params: Value) -> Incoming {
    Incoming::Event(Ev::new(seq, T0 + seq as f64, topic.into(), None, &params.to_string()))
}

pub fn custom(seq: u64, topic: &str, origin: &str, params: Value) -> Incoming {
    Incoming::Event(Ev::new(seq, T0 + seq as f64, topic.into(), Some(origin), &params.to_string()))
}

pub fn batch(items: Vec<Incoming>) -> Msg {
    Msg::Batch(items)
}

pub fn hello(instance: &str, redacted: bool) -> Incoming {
    Incoming::Frame(Frame::Hello(Hello {
        protocol: 1,
        plugin: "lnwatch-plugin 0.1.0".into(),
        lightningd: Some("v25.12.1".into()),
        network: Some("regtest".into()),
        node_id: Some("0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0".into()),
        alias: Some("SLEEPYCHIPMUNK".into()),
        next_seq: 1,
        redacted,
        instance: instance.into(),
    }))
}

pub fn peers(seq: u64, list: Vec<PeerState>) -> Incoming {
    Incoming::Frame(Frame::Peers(Peers { seq, peers: list, complete: true }))
}

pub fn peer(id: &str, connected: bool) -> PeerState {
    PeerState { id: id.into(), connected, address: Some(json!("127.0.0.1:9735")), ..PeerState::default() }
}

pub fn gap(missed: u64, next_seq: u64) -> Incoming {
    Incoming::Frame(Frame::Gap(Gap { missed, next_seq }))
}

pub fn connect(seq: u64, id: &str) -> Incoming {
    ev(
        seq,
        "connect",
        json!({"connect":{"id":id,"direction":"in","address":{"type":"ipv4","address":"10.0.0.7","port":9735}}}),
    )
}

pub fn disconnect(seq: u64, id: &str) -> Incoming {
    ev(seq, "disconnect", json!({"disconnect":{"id":id}}))
}

pub fn invoice_created(seq: u64, label: &str, msat: Option<u64>) -> Incoming {
    let mut body = json!({"label":label,"preimage":"2d30add2188ebf03593a2a693d9155f43b3b32839f085a1694b851ec63fac3c3"});
    if let Some(m) = msat {
        body["msat"] = json!(m);
    }
    ev(seq, "invoice_creation", json!({ "invoice_creation": body }))
}

pub fn invoice_paid(seq: u64, label: &str, msat: u64) -> Incoming {
    ev(seq, "invoice_payment", json!({"invoice_payment":{"label":label,"preimage":"2d30","msat":msat}}))
}

pub fn block(seq: u64, height: u64) -> Incoming {
    ev(
        seq,
        "block_added",
        json!({"block_added":{"hash":"59bf9acc5445be17fcf8ab1de40605a0a0986f802b877512463d526264476749","height":height}}),
    )
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(k: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(c));
    }
}

pub fn connected() -> Msg {
    Msg::Source(SourceEvent::Connected)
}

/// A busy node: hello, peers, and a mix of events.
pub fn busy(app: &mut App) {
    app.update(connected());
    app.update(batch(vec![hello("run-1", false), peers(0, vec![peer(PEER_A, true), peer(PEER_B, false)])]));
    let mut items = vec![
        invoice_created(1, "coffee-1", Some(100_000)),
        invoice_created(2, "donation-2", None),
        connect(3, PEER_B),
        block(4, 840_001),
        invoice_paid(5, "coffee-1", 100_000),
        ev(
            6,
            "forward_event",
            json!({"forward_event":{"status":"settled","in_channel":"103x2x1","out_channel":"103x1x1",
            "out_msat":100000000,"fee_msat":1001,"preimage":"00"}}),
        ),
        ev(7, "warning", json!({"warning":{"level":"warn","source":"lightningd","log":"Peer transient failure"}})),
        custom(
            8,
            "pay_part_start",
            "cln-xpay",
            json!({"pay_part_start":{"payment_hash":"651b28004d41cf0d","partid":1,
            "attempt_msat":5000000,"hops":[{}]}}),
        ),
        disconnect(9, PEER_A),
        ev(10, "utxo_deposit", json!({"utxo_deposit":{"account":"wallet","amount_msat":5}})),
    ];
    for i in 0..6 {
        items.push(block(11 + i, 840_002 + i));
    }
    app.update(batch(items));
    app.update(Msg::Tick(T0 + 30.0));
}
