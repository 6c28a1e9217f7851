//! Read-only queries through the real plugin binary: a socket client asks, the simulated node's
//! RPC answers, and the events keep flowing meanwhile.

use std::sync::Arc;
use std::time::Duration;

use lnwatch_shared::frame::{Frame, MAX_QUERIES_IN_FLIGHT, MAX_RESULT_BYTES, query_error};
use lnwatch_sim::SimOptions;
use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
use serde_json::{Value, json};

mod support;
use support::*;

const PREIMAGE: &str = "6b1f0bbd3c6d0f4bfdbd5cf1e5c0d7e8c1a09b6b0ad7cbf4d2f0c2aa0a0b0c0d";

/// A node that knows `listinvoices` (with a preimage), answers `wait` after `slow`, and
/// `listnodes` with `size` bytes of aliases.
fn answers(slow: Duration, size: usize) -> RpcAnswers {
    let answer = move |method: &str, params: &Value| -> Option<Value> {
        match method {
            "listinvoices" => Some(json!({"invoices":[{"label":"coffee","status":"paid","amount_msat":5000,
                "payment_hash":"aa","payment_preimage": PREIMAGE,"expires_at":1_900_000_000u64,"echo": params}]})),
            "wait" => {
                std::thread::sleep(slow);
                Some(json!({"subsystem":"invoices","created":1}))
            }
            "listnodes" => Some(json!({"nodes":[{"nodeid":"02aa","alias":"x".repeat(size)}]})),
            _ => None,
        }
    };
    RpcAnswers { other: Some(Answerer(Arc::new(answer))), ..RpcAnswers::default() }
}

fn opts(rpc: RpcAnswers) -> SimOptions {
    SimOptions { rpc, ..SimOptions::default() }.option("lnwatch-query-timeout", 2)
}

fn error_code(f: &Frame) -> i64 {
    match f {
        Frame::Error(e) => e.code,
        other => panic!("expected an error frame, got {other:?}"),
    }
}

#[test]
fn an_allowed_query_is_answered_with_the_node_result_redacted() {
    let ln = node(opts(answers(Duration::ZERO, 10)));
    let (mut c, _, _) = connect(&ln.default_socket());
    c.query(json!("inv-1"), "listinvoices", json!({"label": "coffee"})).unwrap();
    let (answer, _) = c.answer(&json!("inv-1"), T).unwrap();
    let Frame::Result(r) = answer else { panic!("expected a result, got {answer:?}") };
    let inv = &r.result["invoices"][0];
    assert_eq!(inv["label"], "coffee");
    assert_eq!(inv["echo"], json!({"label": "coffee"}), "params reach the node as sent");
    assert_eq!(inv["payment_preimage"], "<redacted>");
    assert!(!r.result.to_string().contains(PREIMAGE));

    // Null params are sent as an empty object; the node's own errors pass through.
    c.query(json!(2), "listinvoices", Value::Null).unwrap();
    assert!(
        matches!(c.answer(&json!(2), T).unwrap().0, Frame::Result(r) if r.result["invoices"][0]["echo"] == json!({}))
    );
    c.query(json!(3), "listhtlcs", Value::Null).unwrap();
    let (err, _) = c.answer(&json!(3), T).unwrap();
    assert!(matches!(&err, Frame::Error(e) if e.message.contains("Unknown command")), "{err:?}");
}

#[test]
fn redaction_off_lets_preimages_through_queries_too() {
    let ln = node(opts(answers(Duration::ZERO, 10)).option("lnwatch-redact", false));
    let (mut c, _, _) = connect(&ln.default_socket());
    c.query(json!(1), "listinvoices", json!({})).unwrap();
    let Frame::Result(r) = c.answer(&json!(1), T).unwrap().0 else { panic!("no result") };
    assert_eq!(r.result["invoices"][0]["payment_preimage"], PREIMAGE);
}

#[test]
fn methods_off_the_allowlist_and_bad_params_never_reach_the_node() {
    let ln = node(opts(answers(Duration::ZERO, 10)));
    wait_for("the peer snapshot", || ln.rpc().calls().len() >= 2);
    let (mut c, _, _) = connect(&ln.default_socket());
    for (i, method) in ["pay", "listconfigs", "listdatastore", "getlog", "stop", "plugin"].iter().enumerate() {
        c.query(json!(i), method, json!({})).unwrap();
        assert_eq!(error_code(&c.answer(&json!(i), T).unwrap().0), query_error::NOT_ALLOWED, "{method}");
    }
    c.query(json!("p"), "listinvoices", json!("coffee")).unwrap();
    assert_eq!(error_code(&c.answer(&json!("p"), T).unwrap().0), query_error::BAD_PARAMS);
    assert_eq!(ln.rpc().calls(), ["getinfo", "listpeers"], "refused queries must not be called");
    // A malformed query line is ignored, and the client is still served.
    c.send_line(b"{\"type\":\"query\",\"id\":9}\n").unwrap();
    c.query(json!(10), "listinvoices", json!({})).unwrap();
    assert!(matches!(c.answer(&json!(10), T).unwrap().0, Frame::Result(_)));
}

#[test]
fn a_slow_query_delays_no_event_and_busy_clients_are_told() {
    let mut ln = node(opts(answers(Duration::from_millis(1500), 10)));
    let (mut c, _, _) = connect(&ln.default_socket());
    for i in 0..MAX_QUERIES_IN_FLIGHT {
        c.query(json!(i), "wait", json!({"subsystem":"invoices","indexname":"created","nextvalue":1})).unwrap();
    }
    c.query(json!("one too many"), "wait", json!({})).unwrap();
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":101}})).unwrap();
    ln.flush().unwrap();
    // The refusal and the event come before any of the slow answers.
    let (busy, before) = c.answer(&json!("one too many"), T).unwrap();
    assert_eq!(error_code(&busy), query_error::BUSY);
    let mut seen = before;
    if !seen.iter().any(|f| matches!(f, Frame::Event(_))) {
        seen.extend(c.frames_until(T, |f| matches!(f, Frame::Event(_))).unwrap());
    }
    assert!(!seen.iter().any(|f| matches!(f, Frame::Result(_))), "an answer came before the event: {seen:?}");
    let event = seen.into_iter().find(|f| matches!(f, Frame::Event(_))).unwrap();
    assert!(matches!(&event, Frame::Event(e) if e.topic == "block_added"));
    // Every slow query is answered, in whatever order the node finishes them.
    let mut answered = std::collections::BTreeSet::new();
    while answered.len() < MAX_QUERIES_IN_FLIGHT {
        match c.next_frame(T).unwrap() {
            Frame::Result(r) => assert!(answered.insert(r.id.as_u64().unwrap())),
            Frame::Error(e) => panic!("query {} failed: {}", e.id, e.message),
            _ => {}
        }
    }
    // With the slots free again, a new query is taken.
    c.query(json!("again"), "listinvoices", json!({})).unwrap();
    assert!(matches!(c.answer(&json!("again"), T).unwrap().0, Frame::Result(_)));
}

#[test]
fn a_query_the_node_does_not_answer_in_time_gets_a_timeout() {
    // The node takes 3 s; the plugin was told to wait 2.
    let ln = node(opts(answers(Duration::from_secs(3), 10)));
    let (mut c, _, _) = connect(&ln.default_socket());
    c.query(json!(1), "wait", json!({})).unwrap();
    let (err, _) = c.answer(&json!(1), T).unwrap();
    assert_eq!(error_code(&err), query_error::TIMEOUT, "{err:?}");
}

#[test]
fn an_answer_over_the_size_limit_is_refused_and_the_client_goes_on() {
    let mut ln = node(opts(answers(Duration::ZERO, MAX_RESULT_BYTES + 1)));
    let (mut c, _, _) = connect(&ln.default_socket());
    c.query(json!(1), "listnodes", json!({})).unwrap();
    let (err, _) = c.answer(&json!(1), T).unwrap();
    assert_eq!(error_code(&err), query_error::TOO_LARGE);
    assert!(matches!(&err, Frame::Error(e) if e.message.contains("limit")), "{err:?}");
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":102}})).unwrap();
    ln.flush().unwrap();
    assert!(matches!(next_event(&mut c), e if e.topic == "block_added"));
}

#[test]
fn a_node_without_rpc_is_reported_not_hung_on() {
    let ln = node(opts(answers(Duration::ZERO, 10)));
    let (mut c, _, _) = connect(&ln.default_socket());
    std::fs::remove_file(ln.network_dir().join("lightning-rpc")).unwrap();
    c.query(json!(1), "listinvoices", json!({})).unwrap();
    assert_eq!(error_code(&c.answer(&json!(1), T).unwrap().0), query_error::UNAVAILABLE);
}

/// A node run with `log-level=io`: `listpeers` carries each peer's log, with the preimage in an
/// `update_fulfill_htlc` hex dump (lightningd answers with it for any `level`, in any case).
fn node_with_peer_logs() -> lnwatch_sim::Lightningd {
    let fulfill = format!("[IN] 0082{}{PREIMAGE}", "00".repeat(40));
    let mut rpc = answers(Duration::ZERO, 10);
    rpc.listpeers = json!({"peers":[{"id": PEER, "connected": true, "num_channels": 1,
        "log":[{"type":"IO_IN","time":"1.0","source":"lightningd","log":"peer_in","data": fulfill}]}]});
    node(opts(rpc))
}

const PEER: &str = "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59";

#[test]
fn peer_logs_are_refused_by_every_spelling_and_stripped_from_any_answer() {
    let ln = node_with_peer_logs();
    wait_for("the peer snapshot", || ln.rpc().calls().len() >= 2);
    let (mut c, _, _) = connect(&ln.default_socket());
    let spellings = [
        json!({"level": "io"}),
        json!({"level": "IO"}),
        json!({"LEVEL": "io"}),
        json!({"id": PEER, "level": "debug"}),
        json!({"level": "info"}),
        json!({"level": "trace"}),
        json!([PEER, "io"]),
        json!([null, "IO"]),
        json!([null, "unusual"]),
    ];
    for (i, params) in spellings.iter().enumerate() {
        c.query(json!(i), "listpeers", params.clone()).unwrap();
        let (err, _) = c.answer(&json!(i), T).unwrap();
        assert_eq!(error_code(&err), query_error::BAD_PARAMS, "{params}");
    }
    assert_eq!(ln.rpc().calls(), ["getinfo", "listpeers"], "refused queries must not reach the node");
    // Asked without a level, an answer that still carries a log (an older node, another
    // method) has it emptied.
    c.query(json!("plain"), "listpeers", json!({"id": PEER})).unwrap();
    let (Frame::Result(r), _) = c.answer(&json!("plain"), T).unwrap() else { panic!("no result") };
    assert_eq!(r.result["peers"][0]["log"], json!([]));
    assert_eq!(r.result["peers"][0]["id"], PEER);
    assert!(!r.result.to_string().contains(PREIMAGE));
}

#[test]
fn query_ids_come_back_exactly_as_sent() {
    let ln = node(opts(answers(Duration::ZERO, 10)));
    let (mut c, _, _) = connect(&ln.default_socket());
    for (id, method) in [
        ("18446744073709551616", "listinvoices"),
        ("1e400", "listinvoices"),
        ("-1.50", "listconfigs"),
        ("340282366920938463463374607431768211457", "listconfigs"),
    ] {
        c.send_line(format!("{{\"type\":\"query\",\"id\":{id},\"method\":\"{method}\"}}\n").as_bytes()).unwrap();
        let prefix = format!("\"id\":{id},");
        let line = loop {
            let line = String::from_utf8(c.next_line(T).unwrap()).unwrap();
            if line.starts_with(r#"{"type":"result""#) || line.starts_with(r#"{"type":"error""#) {
                break line;
            }
        };
        assert!(line.contains(&prefix), "{id}: {line}");
    }
}

#[test]
fn a_line_too_long_is_answered_and_the_client_kept() {
    let ln = node(opts(answers(Duration::ZERO, 10)));
    let (mut c, _, _) = connect(&ln.default_socket());
    let long = format!(
        "{{\"type\":\"query\",\"id\":1,\"method\":\"listinvoices\",\"params\":{{\"label\":\"{}\"}}}}\n",
        "x".repeat(100_000)
    );
    c.send_line(long.as_bytes()).unwrap();
    let (err, _) = c.answer(&Value::Null, T).unwrap();
    let Frame::Error(e) = err else { panic!() };
    assert_eq!(e.code, query_error::INVALID);
    assert!(e.message.contains("over the 65536-byte limit"), "{}", e.message);
    c.query(json!(2), "listinvoices", json!({})).unwrap();
    assert!(matches!(c.answer(&json!(2), T).unwrap().0, Frame::Result(_)));
}

#[test]
fn a_client_that_floods_refused_queries_is_let_go_cheaply() {
    let mut ln = node(opts(answers(Duration::ZERO, 10)));
    let (mut watcher, _, _) = connect(&ln.default_socket());
    let mut flood = std::os::unix::net::UnixStream::connect(ln.default_socket()).unwrap();
    let line = b"{\"type\":\"query\",\"id\":1,\"method\":\"listconfigs\"}\n".repeat(1000);
    let mut sent = 0usize;
    let cut_off = (0..1_000_000).find_map(|_| {
        use std::io::Write;
        match flood.write_all(&line) {
            Ok(()) => {
                sent += line.len();
                None
            }
            Err(e) => Some(e),
        }
    });
    assert!(cut_off.is_some(), "the plugin never disconnected a client that sent {sent} bytes of refused queries");
    // The refusal budget is 1,000 at once; what the kernel buffered before the close is a few
    // hundred KiB more at most.
    assert!(sent < 16 << 20, "{sent} bytes were taken before the client was let go");
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":103}})).unwrap();
    ln.flush().unwrap();
    assert_eq!(next_event(&mut watcher).topic, "block_added", "other clients are served on");
}

#[test]
fn clients_that_ask_and_never_read_share_one_bounded_budget() {
    // 40 clients each ask for four 2 MiB answers and never read: 320 MiB if each were held.
    // The node gets the default 30 s per answer: on a loaded machine 160 big answers can take
    // longer than the 2 s the other tests use, and a timeout is not what this test is about.
    let rpc = answers(Duration::ZERO, 2 << 20);
    let ln = node(lnwatch_sim::SimOptions { rpc, ..lnwatch_sim::SimOptions::default() });
    let pid = ln.pid().unwrap();
    let mut clients: Vec<_> = (0..40).map(|_| connect(&ln.default_socket()).0).collect();
    for c in &mut clients {
        for i in 0..MAX_QUERIES_IN_FLIGHT {
            c.query(json!(i), "listnodes", json!({})).unwrap();
        }
    }
    wait_for("every query to reach the node", || {
        ln.rpc().calls().iter().filter(|m| *m == "listnodes").count() == 40 * MAX_QUERIES_IN_FLIGHT
    });
    std::thread::sleep(Duration::from_millis(500));
    let hwm_mib = vm_hwm_kib(pid) / 1024;
    assert!(hwm_mib < 160, "the plugin peaked at {hwm_mib} MiB holding answers nobody reads");
    // Reading now, the clients find some of their queries refused for want of room.
    let mut overloaded = 0;
    for c in &mut clients {
        // Answers come in the order the node finished them.
        let mut answered = 0;
        while answered < MAX_QUERIES_IN_FLIGHT {
            match c.next_frame(T).unwrap() {
                Frame::Result(_) => answered += 1,
                Frame::Error(e) => {
                    assert_eq!(e.code, query_error::OVERLOADED, "{}", e.message);
                    assert!(e.message.contains("refused so far"), "{}", e.message);
                    overloaded += 1;
                    answered += 1;
                }
                _ => {}
            }
        }
    }
    assert!(overloaded > 0, "every answer was held");
}
