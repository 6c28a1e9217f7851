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
/// The node the hello names.
pub const NODE_ID: &str = "0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0";

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
        node_id: Some(NODE_ID.into()),
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

pub const CHAN_A: &str = "a2d0851832f0e30a0cf778a826d72f077ca86b69f72677e0267f23f63a0599b4";
pub const CHAN_B: &str = "5b65c199ee862f49758603a5a29081912c8816a7c0243d1667489d244d3d055f";

/// What the node answers the monitor's queries with: two channels (to A and B) and aliases.
pub fn node_answer(method: &str, params: &Value) -> Value {
    match method {
        "getinfo" => json!({"id": "0357f749", "blockheight": 840_100}),
        "listnodes" => {
            let id = params["id"].as_str().unwrap_or_default();
            let alias = if id == PEER_A { "river-hub" } else { "corner-café" };
            json!({"nodes": [{"nodeid": id, "alias": alias}]})
        }
        "listpeerchannels" => json!({"channels": [
            {"peer_id": PEER_A, "peer_connected": true, "state": "CHANNELD_NORMAL", "short_channel_id": "103x1x0",
             "channel_id": CHAN_A, "total_msat": 5_000_000_000u64, "to_us_msat": 2_000_000_000u64, "htlcs": [{"id": 1}],
             "state_changes": [{"timestamp": "2025-11-21T00:40:00.000Z", "new_state": "CHANNELD_NORMAL", "cause": "user"}]},
            {"peer_id": PEER_B, "peer_connected": true, "state": "CHANNELD_NORMAL", "short_channel_id": "105x1x1",
             "channel_id": CHAN_B, "total_msat": 1_000_000_000u64, "to_us_msat": 900_000_000u64, "htlcs": [],
             "state_changes": [{"timestamp": "2025-11-22T00:00:00.000Z", "new_state": "CHANNELD_NORMAL", "cause": "user"}]}
        ]}),
        "listinvoices" => json!({"invoices": []}),
        // Asked only about a payment whose parts all failed: the node agrees.
        "listpays" => json!({"pays": [{"payment_hash": params["payment_hash"], "groupid": 9, "created_at": 1,
            "status": "failed"}]}),
        _ => json!({}),
    }
}

/// Answers every query the app has queued, as [`node_answer`] says, until none is left;
/// returns the alert changes met on the way.
pub fn answer_queries(app: &mut App) -> Vec<lnwatch::alerts::Change> {
    answer_queries_from(app, &lnwatch_sim::records::Records::default())
}

/// The same, with the node's indexed records answering catch-up (`wait`, `list*` by index).
/// Cursor files the app asks for are read and written as the main loop would.
pub fn answer_queries_from(app: &mut App, records: &lnwatch_sim::records::Records) -> Vec<lnwatch::alerts::Change> {
    let mut alerts = Vec::new();
    loop {
        let mut lines = Vec::new();
        for effect in app.take_effects() {
            use lnwatch::catchup::cursor;
            match effect {
                lnwatch::app::Effect::LoadCursor(p) => app.update(Msg::Cursor(cursor::load(&p))),
                lnwatch::app::Effect::SaveCursor(p, c) => cursor::save(&p, &c).unwrap(),
                lnwatch::app::Effect::Send(line) => lines.push(line),
                lnwatch::app::Effect::Alert(c) => alerts.push(c),
            }
        }
        if lines.is_empty() && app.effects.is_empty() {
            return alerts;
        }
        let answers = lines
            .iter()
            .map(|l| match lnwatch_shared::frame::decode(l) {
                Ok(Frame::Query(q)) => Incoming::Frame(Frame::Result(lnwatch_shared::frame::QueryResult {
                    result: records.answer(&q.method, &q.params).unwrap_or_else(|| node_answer(&q.method, &q.params)),
                    id: q.id,
                })),
                other => panic!("not a query: {other:?}"),
            })
            .collect();
        app.update(batch(answers));
    }
}

pub fn forward(seq: u64, status: &str, in_ch: &str, out_ch: &str, extra: Value) -> Incoming {
    let mut body = json!({"payment_hash": format!("{seq:064x}"), "in_channel": in_ch, "out_channel": out_ch,
        "in_htlc_id": seq, "in_msat": 100_001_001u64, "out_msat": 100_000_000u64, "fee_msat": 1_001, "status": status,
        "received_time": T0 + seq as f64 - 0.5});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    ev(seq, "forward_event", json!({ "forward_event": body }))
}

/// A routing node at work: channels known from the node, a forward settled with the balance
/// moves it makes, one refused here and one failed downstream, a payment whose first part
/// failed (the reason only in `pay_part_end`, as on v26.06) and a second that succeeded, a
/// channel to B leaving normal and A going down.
pub fn routing_node(app: &mut App) {
    app.update(connected());
    app.update(batch(vec![hello("run-1", true), peers(0, vec![peer(PEER_A, true), peer(PEER_B, true)])]));
    answer_queries(app);
    let hash = "651b28004d41cf0dc8e39a0b3d905651a7b012d03d81199fde09314700cb5a62";
    let part = |seq: u64, topic: &str, body: Value| custom(seq, topic, "cln-xpay", json!({ topic: body }));
    app.update(batch(vec![
        forward(1, "offered", "103x1x0", "105x1x1", json!({})),
        forward(1 + 1, "settled", "103x1x0", "105x1x1", json!({"in_htlc_id": 1, "resolved_time": T0 + 2.0})),
        ev(3, "coin_movement", json!({"coin_movement": {"type": "channel_mvt", "account_id": CHAN_A,
            "credit_msat": 100_001_001u64, "debit_msat": 0, "primary_tag": "routed", "fees_msat": 1_001}})),
        ev(4, "coin_movement", json!({"coin_movement": {"type": "channel_mvt", "account_id": CHAN_B,
            "credit_msat": 0, "debit_msat": 100_000_000u64, "primary_tag": "routed"}})),
        forward(5, "local_failed", "105x1x1", "103x1x0",
            json!({"failcode": 4103, "failreason": "WIRE_TEMPORARY_CHANNEL_FAILURE", "resolved_time": T0 + 5.0})),
        forward(6, "failed", "103x1x0", "105x1x1", json!({"resolved_time": T0 + 6.0})),
        part(7, "pay_part_start", json!({"payment_hash": hash, "groupid": 9, "partid": 1, "total_payment_msat": 50_000_000u64,
            "attempt_msat": 50_000_000u64, "hops": [{"next_node": PEER_A, "short_channel_id": "103x1x0",
            "channel_in_msat": 50_000_051u64}, {"next_node": PEER_B}]})),
        part(8, "pay_part_end", json!({"status": "failure", "duration": 1.5, "payment_hash": hash, "groupid": 9,
            "partid": 1, "error_code": 16399, "failed_node_id": PEER_B,
            "error_message": "Destination said it doesn't know invoice: incorrect_or_unknown_payment_details"})),
        ev(9, "sendpay_failure", json!({"sendpay_failure": {"code": 202, "message": "Malformed error reply",
            "data": {"payment_hash": hash, "groupid": 9, "partid": 1, "destination": PEER_B, "status": "pending",
            "amount_msat": 50_000_000u64}}})),
        ev(10, "channel_state_changed", json!({"channel_state_changed": {"peer_id": PEER_B, "channel_id": CHAN_B,
            "short_channel_id": "105x1x1", "old_state": "CHANNELD_NORMAL", "new_state": "CHANNELD_SHUTTING_DOWN",
            "cause": "remote", "message": "Peer closes channel"}})),
        disconnect(11, PEER_A),
        part(12, "pay_part_start", json!({"payment_hash": "77", "groupid": 10, "partid": 1,
            "total_payment_msat": 20_000_000u64, "attempt_msat": 20_000_000u64, "hops": [{"next_node": PEER_A,
            "channel_in_msat": 20_000_020u64}]})),
        part(13, "pay_part_end", json!({"status": "success", "duration": 0.3, "payment_hash": "77", "groupid": 10, "partid": 1})),
        ev(14, "sendpay_success", json!({"sendpay_success": {"payment_hash": "77", "groupid": 10, "partid": 1,
            "destination": PEER_A, "amount_msat": 20_000_000u64, "amount_sent_msat": 20_000_020u64, "status": "complete",
            "payment_preimage": "<redacted>"}})),
    ]));
    answer_queries(app);
}

/// Time passes after [`routing_node`]: its failed payment has been quiet, the node is asked
/// (`listpays`) and says it failed.
/// Only `listpays` is answered: the node's other answers would undo what the events changed.
pub fn node_confirms_the_failed_payment(app: &mut App) {
    app.update(Msg::Tick(T0 + 20.0));
    let mut answers = Vec::new();
    for effect in app.take_effects() {
        if let lnwatch::app::Effect::Send(line) = effect
            && let Ok(Frame::Query(q)) = lnwatch_shared::frame::decode(&line)
            && q.method == "listpays"
        {
            let result = node_answer(&q.method, &q.params);
            answers.push(Incoming::Frame(Frame::Result(lnwatch_shared::frame::QueryResult { id: q.id, result })));
        }
    }
    assert!(!answers.is_empty(), "the node is asked about the failed payment");
    app.update(batch(answers));
}

/// The screen as text, one line per row, wide characters once.
pub fn text(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = ratatui::text::Span::raw(sym).width().saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Draws the app once on a `w`×`h` screen, as the main loop does, and returns the text.
pub fn render_text(app: &mut App, w: u16, h: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    app.update(Msg::Resize(w, h));
    app.prepare();
    terminal.draw(|f| lnwatch::ui::render(app, f)).unwrap();
    text(terminal.backend().buffer())
}
