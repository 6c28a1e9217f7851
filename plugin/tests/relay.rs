//! End-to-end tests of lnwatch-plugin: the real binary, driven by the simulated lightningd,
//! read by real socket clients.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lnwatch_shared::frame::{Bye, Frame, bye};
use lnwatch_sim::fixtures;
use lnwatch_sim::rpc_server::RpcAnswers;
use lnwatch_sim::{Lightningd, SimError, SimOptions};
use serde_json::{Value, json};

mod support;
use support::*;

#[test]
fn manifest_declares_wildcard_options_and_dynamic() {
    let mut ln = Lightningd::spawn(plugin_bin(), SimOptions::default()).unwrap();
    let m = ln.getmanifest().unwrap();
    assert_eq!(m["subscriptions"], json!(["*", "log"]));
    assert_eq!(m["dynamic"], json!(true));
    assert_eq!(m["nonnumericids"], json!(true));
    let names: Vec<&str> = m["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "lnwatch-socket",
            "lnwatch-replay",
            "lnwatch-client-queue",
            "lnwatch-buffer-mb",
            "lnwatch-query-timeout",
            "lnwatch-redact",
            "lnwatch-log",
            "lnwatch-metrics"
        ]
    );
    ln.check().unwrap();
}

#[test]
fn old_lightningd_gets_an_explicit_topic_list() {
    let opts = SimOptions { version: "v23.05.2".into(), ..SimOptions::default() };
    let mut ln = Lightningd::spawn(plugin_bin(), opts).unwrap();
    let subs = ln.getmanifest().unwrap()["subscriptions"].clone();
    let subs: Vec<&str> = subs.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(!subs.contains(&"*"));
    for t in ["connect", "disconnect", "invoice_payment", "forward_event", "block_added", "shutdown"] {
        assert!(subs.contains(&t), "{t} missing from {subs:?}");
    }
}

#[test]
fn getmanifest_then_eof_touches_no_files() {
    // `lightningd --help` sends getmanifest and closes the pipes.
    let mut ln = Lightningd::spawn(plugin_bin(), SimOptions::default()).unwrap();
    ln.getmanifest().unwrap();
    ln.close_stdin();
    let status = ln.wait_exit(T).expect("plugin exits on EOF");
    assert!(status.success());
    let listing = |p: &Path| -> Vec<PathBuf> { std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect() };
    assert_eq!(listing(ln.lightning_dir()), vec![ln.network_dir().to_path_buf()]);
    // Only the fake node's own RPC socket is in the network dir.
    assert_eq!(listing(ln.network_dir()), vec![ln.network_dir().join("lightning-rpc")]);
    ln.check().unwrap();
}

#[test]
fn init_binds_an_owner_only_socket_and_takes_a_peer_snapshot() {
    let rpc = RpcAnswers {
        listpeers: json!({"peers":[{"id":"02aa","connected":true,"netaddr":["10.0.0.1:9735"],"num_channels":2},
                                   {"id":"03bb","connected":false,"num_channels":0}]}),
        ..RpcAnswers::default()
    };
    let ln = node(SimOptions { rpc, ..SimOptions::default() });
    let sock = ln.default_socket();
    assert_eq!(std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777, 0o600);
    wait_for("getinfo and listpeers", || ln.rpc().calls().len() >= 2);
    let (_c, hello, peers) = connect(&sock);
    assert_eq!(hello.protocol, 1);
    assert_eq!(hello.lightningd.as_deref(), Some("v25.12.1"));
    assert_eq!(hello.network.as_deref(), Some("regtest"));
    assert_eq!(hello.node_id.as_deref(), Some("0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0"));
    assert_eq!(hello.alias.as_deref(), Some("SLEEPYCHIPMUNK"));
    assert!(hello.redacted);
    assert_eq!(hello.next_seq, 1);
    assert!(peers.complete);
    assert_eq!(peers.peers.len(), 2);
    assert!(peers.peers[0].connected && !peers.peers[1].connected);
    assert_eq!(peers.peers[0].address, Some(json!("10.0.0.1:9735")));
    ln.check().unwrap();
}

#[test]
fn rpc_that_is_not_ready_yet_is_retried() {
    let rpc = RpcAnswers { listpeers: json!({"peers":[{"id":"02aa","connected":true}]}), ..RpcAnswers::default() };
    let ln = node(SimOptions { rpc, rpc_delay: Duration::from_millis(700), ..SimOptions::default() });
    // init was answered at once, before the node's RPC came up.
    let (mut c, hello, peers) = connect(&ln.default_socket());
    assert!(!peers.complete && peers.peers.is_empty());
    assert_eq!(hello.node_id, None);
    let f = c.frames_until(T, |f| matches!(f, Frame::Peers(p) if p.complete)).unwrap();
    let Some(Frame::Peers(p)) = f.last() else { unreachable!() };
    assert_eq!(p.peers[0].id, "02aa");
    // The node id arrives with a repeated hello of the same instance.
    let again = f.iter().find_map(|f| if let Frame::Hello(h) = f { Some(h) } else { None }).expect("a second hello");
    assert_eq!(again.instance, hello.instance);
    assert!(again.node_id.is_some());
    assert_eq!(ln.rpc().calls()[..2], ["getinfo", "listpeers"]);
}

#[test]
fn recorded_sessions_are_relayed_in_order_with_contiguous_seq() {
    for (version, recording) in [
        ("v25.12.1", fixtures::L1_WILDCARD),
        ("v26.06.6", fixtures::V26_L1_ROUTE),
        ("v26.06-258-g090f4b0e6", fixtures::NEXT_L1_ROUTE),
        ("v26.06-258-g090f4b0e6", fixtures::NEXT_L1_ROUTE_DEPRECATED_OFF),
    ] {
        let mut ln = node(SimOptions { version: version.into(), ..SimOptions::default() });
        let (mut c, _, _) = connect(&ln.default_socket());
        let recorded: Vec<Value> = fixtures::notifications(recording);
        ln.replay_recording(recording).unwrap();
        let got = events(&mut c, recorded.len());
        for (i, (e, r)) in got.iter().zip(&recorded).enumerate() {
            assert_eq!(e.seq, i as u64 + 1, "{version}: seq must be contiguous from 1");
            assert_eq!(e.topic, r["method"].as_str().unwrap());
            assert_eq!(e.origin.as_deref(), r.get("origin").and_then(Value::as_str));
            if !r["params"].to_string().contains("preimage") {
                assert_eq!(e.params, r["params"], "{version}: params are relayed untouched");
            }
        }
        assert!(got.windows(2).all(|w| w[0].time <= w[1].time));
        // The recording ends with shutdown: the plugin exits and removes its socket.
        assert_eq!(got.last().unwrap().topic, "shutdown");
        assert!(ln.wait_exit(T).unwrap().success());
        assert!(!ln.default_socket().exists());
        ln.check().unwrap();
    }
}

#[test]
fn late_clients_get_the_replay_ring_then_live_events() {
    let mut ln = node(SimOptions::default().option("lnwatch-replay", 5));
    let (mut early, _, _) = connect(&ln.default_socket());
    for i in 0..8 {
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":i}})).unwrap();
    }
    // Once the early client has all 8, they are all stamped.
    assert_eq!(events(&mut early, 8).last().unwrap().seq, 8);
    let (mut late, hello, _) = connect(&ln.default_socket());
    assert_eq!(hello.next_seq, 9);
    let replayed: Vec<u64> = events(&mut late, 5).iter().map(|e| e.seq).collect();
    assert_eq!(replayed, [4, 5, 6, 7, 8]);
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":8}})).unwrap();
    assert_eq!(next_event(&mut late).seq, 9);
    assert_eq!(next_event(&mut early).seq, 9);
}

#[test]
fn two_clients_receive_the_same_stream() {
    let mut ln = node(SimOptions::default());
    let (mut a, _, _) = connect(&ln.default_socket());
    let (mut b, _, _) = connect(&ln.default_socket());
    let n = ln.replay_recording(fixtures::L2_WILDCARD).unwrap();
    let ea = events(&mut a, n);
    let eb = events(&mut b, n);
    assert_eq!(ea, eb);
}

#[test]
fn preimages_are_redacted_by_default() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    let secret = "2d30add2188ebf03593a2a693d9155f43b3b32839f085a1694b851ec63fac3c3";
    ln.notify("invoice_creation", json!({"invoice_creation":{"msat":100000,"preimage":secret,"label":"inv"}})).unwrap();
    ln.notify("sendpay_success", json!({"sendpay_success":{"id":1,"payment_preimage":secret}})).unwrap();
    ln.notify("forward_event", json!({"forward_event":{"status":"settled","preimage":secret}})).unwrap();
    let got = events(&mut c, 3);
    assert_eq!(got[0].params["invoice_creation"]["preimage"], "<redacted>");
    assert_eq!(got[0].params["invoice_creation"]["label"], "inv");
    assert_eq!(got[1].params["sendpay_success"]["payment_preimage"], "<redacted>");
    assert_eq!(got[2].params["forward_event"]["preimage"], "<redacted>");
    for e in &got {
        assert!(!serde_json::to_string(&e.params).unwrap().contains(secret));
    }
}

#[test]
fn redaction_can_be_turned_off() {
    let mut ln = node(SimOptions::default().option("lnwatch-redact", false));
    let (mut c, hello, _) = connect(&ln.default_socket());
    assert!(!hello.redacted);
    ln.notify("invoice_payment", json!({"invoice_payment":{"msat":1,"preimage":"ab","label":"x"}})).unwrap();
    assert_eq!(next_event(&mut c).params["invoice_payment"]["preimage"], "ab");
}

#[test]
fn custom_notifications_keep_their_origin_in_both_shapes() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    // v25.09+: origin at the top level.
    ln.notify_custom("pay_part_start", "cln-xpay", json!({"pay_part_start":{"partid":1}})).unwrap();
    // ≤ v25.05: origin and payload inside params.
    ln.notify("my_event", json!({"origin":"myplugin","payload":{"x":1}})).unwrap();
    let got = events(&mut c, 2);
    assert_eq!((got[0].topic.as_str(), got[0].origin.as_deref()), ("pay_part_start", Some("cln-xpay")));
    assert_eq!(got[0].params, json!({"pay_part_start":{"partid":1}}));
    assert_eq!((got[1].topic.as_str(), got[1].origin.as_deref()), ("my_event", Some("myplugin")));
}

#[test]
fn unknown_topics_and_odd_params_are_relayed_raw() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    ln.notify("utxo_deposit", json!({"utxo_deposit":{"account":"wallet","amount_msat":5}})).unwrap();
    ln.notify("odd_params", json!([1, "two"])).unwrap();
    ln.write_message(&json!({"jsonrpc":"2.0","method":"no_params"})).unwrap();
    ln.flush().unwrap();
    let got = events(&mut c, 3);
    assert_eq!(got[0].params, json!({"utxo_deposit":{"account":"wallet","amount_msat":5}}));
    assert_eq!(got[1].params, json!([1, "two"]));
    assert_eq!((got[2].topic.as_str(), &got[2].params), ("no_params", &Value::Null));
}

#[test]
fn old_and_new_connect_shapes_both_update_the_peer_table() {
    let mut ln = node(SimOptions::default());
    wait_for("snapshot", || ln.rpc().calls().len() >= 2);
    // Pre-v23.08 flat payload, then the current wrapped one, then a flat disconnect.
    ln.notify(
        "connect",
        json!({"id":"02flat","direction":"out","address":{"type":"ipv4","address":"1.2.3.4","port":1}}),
    )
    .unwrap();
    ln.notify("connect", connect_params("03wrapped")).unwrap();
    ln.notify("disconnect", json!({"id":"02flat"})).unwrap();
    let (mut c, _, _) = connect(&ln.default_socket());
    let replay = events(&mut c, 3);
    assert_eq!(replay[2].seq, 3);
    // A client connecting after the events gets the table as of the last seq.
    let (_c2, _, peers) = connect(&ln.default_socket());
    assert_eq!(peers.seq, 3);
    let flat = peers.peers.iter().find(|p| p.id == "02flat").unwrap();
    assert!(!flat.connected);
    assert_eq!((flat.direction.map(|d| d.as_str()), flat.connects, flat.disconnects), (Some("out"), 1, 1));
    let wrapped = peers.peers.iter().find(|p| p.id == "03wrapped").unwrap();
    assert!(wrapped.connected);
    assert_eq!(wrapped.direction.map(|d| d.as_str()), Some("in"));
}

#[test]
fn subscribe_narrows_what_a_client_receives() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    c.subscribe(Some(&["connect", "disconnect"])).unwrap();
    // The filter applies once the plugin has read the line: probe with a block then a connect
    // until the connect arrives alone.
    let mut height = 0;
    loop {
        height += 1;
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":height}})).unwrap();
        ln.notify("connect", connect_params("02probe")).unwrap();
        match next_event(&mut c).topic.as_str() {
            "connect" => break,
            other => {
                assert_eq!(other, "block_added");
                assert_eq!(next_event(&mut c).topic, "connect");
            }
        }
    }
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
    ln.notify("connect", connect_params("02aa")).unwrap();
    ln.notify("warning", json!({"warning":{"level":"warn","log":"x"}})).unwrap();
    ln.notify("disconnect", json!({"disconnect":{"id":"02aa"}})).unwrap();
    let got: Vec<String> = events(&mut c, 2).into_iter().map(|e| e.topic).collect();
    assert_eq!(got, ["connect", "disconnect"]);
    // Back to everything: blocks arrive again once the plugin has read the new subscription.
    c.subscribe(None).unwrap();
    let deadline = Instant::now() + T;
    loop {
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":2}})).unwrap();
        match c.next_frame(Duration::from_millis(100)) {
            Ok(Frame::Event(e)) => {
                assert_eq!(e.topic, "block_added");
                break;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("{e}"),
        }
        assert!(Instant::now() < deadline, "subscribe(null) never took effect");
    }
}

#[test]
fn garbage_from_a_client_is_answered_and_the_client_served_on() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    c.send_line(b"hello?\n{\"type\":\"subscribe\",\"topics\":42}\n\xff\xfe\n{\"type\":\"nope\"}\n").unwrap();
    c.send_line(&vec![b'x'; 200_000]).unwrap();
    c.send_line(b"\n").unwrap();
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
    // Each unreadable line gets an error (no id could be read); a frame type clients do not
    // send is ignored.
    // The answers and the event come in whatever order the plugin reads them.
    let (mut errors, mut event) = (Vec::new(), None);
    while errors.len() < 4 || event.is_none() {
        match c.next_frame(T).unwrap() {
            Frame::Error(e) => errors.push(e),
            Frame::Event(e) => event = Some(e),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(errors.iter().all(|e| e.id.is_null() && e.code == lnwatch_shared::frame::query_error::INVALID));
    assert_eq!(event.unwrap().topic, "block_added");
    // Another client is unaffected too.
    let (mut d, _, _) = connect(&ln.default_socket());
    assert_eq!(next_event(&mut d).topic, "block_added");
    ln.check().unwrap();
}

#[test]
fn a_client_that_vanishes_does_not_disturb_the_others() {
    let mut ln = node(SimOptions::default());
    let (gone, _, _) = connect(&ln.default_socket());
    let (mut stays, _, _) = connect(&ln.default_socket());
    drop(gone);
    for i in 0..1000 {
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":i}})).unwrap();
    }
    let got = events(&mut stays, 1000);
    assert_eq!(got.last().unwrap().seq, 1000);
    ln.check().unwrap();
}

#[test]
fn malformed_messages_from_lightningd_are_logged_and_skipped() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    ln.write_raw(b"{\"jsonrpc\":\"2.0\",\"method\":\n\n").unwrap();
    ln.write_raw(b"not json at all\n\n").unwrap();
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
    let e = next_event(&mut c);
    assert_eq!((e.seq, e.topic.as_str()), (1, "block_added"));
    wait_for("a log line", || {
        ln.logs().iter().any(|l| l["params"]["message"].as_str().unwrap().contains("not JSON-RPC"))
    });
    ln.check().unwrap();
}

#[test]
fn unknown_requests_get_an_error_reply() {
    let mut ln = node(SimOptions::default());
    let reply = ln.request("lnwatch-frobnicate", json!({})).unwrap();
    assert_eq!(reply["error"]["code"], -32601);
    let again = ln.request("init", json!({})).unwrap();
    assert!(again.get("error").is_some(), "a second init is refused");
    ln.check().unwrap();
}

#[test]
fn log_topic_is_dropped_unless_asked_for() {
    for (enabled, expect) in [(false, "block_added"), (true, "log")] {
        let mut ln = node(SimOptions::default().option("lnwatch-log", enabled));
        let (mut c, _, _) = connect(&ln.default_socket());
        ln.notify("log", json!({"log":{"level":"info","source":"lightningd","log":"hello"}})).unwrap();
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
        assert_eq!(next_event(&mut c).topic, expect);
    }
}

#[test]
fn io_log_lines_are_dropped_while_redacting() {
    // `io` lines are hex dumps of wire messages: update_fulfill_htlc carries a preimage there.
    for (redact, expect) in [(true, "block_added"), (false, "log")] {
        let mut ln = node(SimOptions::default().option("lnwatch-log", true).option("lnwatch-redact", redact));
        let (mut c, _, _) = connect(&ln.default_socket());
        let io = json!({"log":{"level":"io","source":"channeld-02aa chan#1","log":"[OUT] 0082a1b2c3"}});
        ln.notify("log", io).unwrap();
        ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
        assert_eq!(next_event(&mut c).topic, expect, "redact={redact}");
    }
}

#[test]
fn stale_socket_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("notif.sock");
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    assert!(sock.exists());
    let ln = node(SimOptions { lightning_dir: Some(dir.path().to_path_buf()), ..SimOptions::default() });
    let (_c, hello, _) = connect(&ln.default_socket());
    assert_eq!(hello.protocol, 1);
}

fn expect_disabled(opts: SimOptions, needle: &str) -> Lightningd {
    let mut ln = Lightningd::spawn(plugin_bin(), opts).unwrap();
    match ln.start() {
        Err(SimError::Disabled(reason)) => assert!(reason.contains(needle), "reason {reason:?} lacks {needle:?}"),
        other => panic!("expected disable, got {other:?}"),
    }
    ln.check().unwrap();
    ln
}

#[test]
fn a_regular_file_at_the_socket_path_is_kept_and_the_plugin_disables_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notif.sock");
    std::fs::write(&path, "operator's notes").unwrap();
    let mut ln =
        expect_disabled(SimOptions { lightning_dir: Some(dir.path().into()), ..SimOptions::default() }, "not a socket");
    assert!(ln.wait_exit(T).is_some());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "operator's notes");
}

#[test]
fn symlinks_and_directories_at_the_socket_path_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link.sock")).unwrap();
    std::fs::create_dir(dir.path().join("dir.sock")).unwrap();
    let opts = |name: &str| {
        SimOptions { lightning_dir: Some(dir.path().into()), ..SimOptions::default() }.option("lnwatch-socket", name)
    };
    expect_disabled(opts("link.sock"), "symbolic link");
    expect_disabled(opts("dir.sock"), "directory");
    assert!(std::fs::symlink_metadata(dir.path().join("link.sock")).unwrap().file_type().is_symlink());
}

#[test]
fn a_socket_path_too_long_for_unix_sockets_is_refused_clearly() {
    let long = format!("/tmp/{}/notif.sock", "d".repeat(120));
    expect_disabled(SimOptions::default().option("lnwatch-socket", long), "at most 107");
}

/// The last frame before the connection closes: the plugin's `bye`.
fn bye_of(c: &mut lnwatch_tests::client::Client) -> Bye {
    let frames = c.frames_until(T, |f| matches!(f, Frame::Bye(_))).expect("a bye before the socket closes");
    let Some(Frame::Bye(b)) = frames.last().cloned() else { unreachable!() };
    b
}

#[test]
fn shutdown_exits_cleanly_and_removes_the_socket() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    ln.shutdown().unwrap();
    assert_eq!(next_event(&mut c).topic, "shutdown", "clients see the shutdown before the socket closes");
    // lightningd stopping answers no RPC: the plugin says the node is stopping.
    assert_eq!(bye_of(&mut c).reason, bye::NODE_STOPPING);
    let status = ln.wait_exit(T).expect("exits well inside lightningd's 30 s");
    assert!(status.success());
    assert!(!ln.default_socket().exists());
    ln.check().unwrap();
}

#[test]
fn plugin_stop_is_told_from_the_node_stopping() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    ln.plugin_stop().unwrap();
    let b = bye_of(&mut c);
    assert_eq!(b.reason, bye::PLUGIN_STOPPED, "{b:?}");
    assert!(b.message.contains("plugin stop") && b.message.contains("still running"), "{b:?}");
    assert!(ln.wait_exit(T).expect("exits").success());
    ln.check().unwrap();
}

#[test]
fn stdin_eof_exits_cleanly_and_removes_the_socket() {
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    ln.close_stdin();
    // No shutdown first: lightningd exited or crashed.
    assert_eq!(bye_of(&mut c).reason, bye::NODE_GONE);
    assert!(ln.wait_exit(T).expect("exits on EOF").success());
    assert!(!ln.default_socket().exists());
    ln.check().unwrap();
}

#[test]
fn relative_and_absolute_socket_options() {
    let dir = tempfile::tempdir().unwrap();
    let abs = dir.path().join("abs.sock");
    let ln = node(SimOptions::default().option("lnwatch-socket", abs.to_str().unwrap()));
    assert!(abs.exists());
    drop(ln);
    let ln = node(SimOptions::default().option("lnwatch-socket", "sub.sock"));
    assert!(ln.lightning_dir().join("sub.sock").exists());
}

#[test]
fn a_stalled_client_costs_bounded_memory_gets_a_gap_and_stalls_no_one() {
    const N: u64 = 200_000;
    let mut ln = node(SimOptions::default());
    let sock = ln.default_socket();
    let (mut stalled, _, _) = connect(&sock);
    let (mut fast, _, _) = connect(&sock);
    let reader = std::thread::spawn(move || {
        let mut expected = 1;
        while expected <= N {
            let line = fast.next_line(Duration::from_secs(60)).unwrap();
            if let Some(seq) = seq_of(&line) {
                assert_eq!(seq, expected, "the fast client gets every event, in order");
                expected += 1;
            }
        }
    });
    // A realistic mix of payloads, ~300 bytes on average.
    let mix = fixtures::mix();
    for i in 0..N as usize {
        ln.write_message(&mix[i % mix.len()]).unwrap();
    }
    ln.flush().unwrap();
    reader.join().unwrap();

    let hwm_mib = vm_hwm_kib(ln.pid().unwrap()) / 1024;
    assert!(hwm_mib < 64, "plugin peak RSS {hwm_mib} MiB with a stalled client");

    // The stalled client resumes: it gets a gap, then contiguous events up to the last.
    let mut missed = 0;
    let mut last = 0;
    while last < N {
        let line = stalled.next_line(T).unwrap();
        match lnwatch_shared::frame::decode(&line).unwrap() {
            Frame::Gap(g) => {
                assert_eq!(g.next_seq, last + g.missed + 1, "the gap accounts for every skipped seq");
                missed += g.missed;
                last = g.next_seq - 1;
            }
            Frame::Event(e) => {
                assert_eq!(e.seq, last + 1, "a jump in seq without a gap frame");
                last = e.seq;
            }
            _ => {}
        }
    }
    assert!(missed > 0, "the stalled client must have missed events");
    assert!(missed < N);
    ln.check().unwrap();
}

/// A client reading what it was sent must not wake the relay: a Unix socket signals write
/// space each time its peer reads, so the relay asks the kernel for that only while a write is
/// blocked. The plugin's epoll registrations (`/proc/PID/fdinfo`) show it.
#[test]
fn idle_clients_are_not_watched_for_write_space() {
    let mut ln = node(SimOptions::default());
    let sock = ln.default_socket();
    let mut clients: Vec<_> = (0..3).map(|_| connect(&sock).0).collect();
    for height in 0..50 {
        ln.notify("block_added", json!({"block_added": {"hash": "00", "height": height}})).unwrap();
        for c in &mut clients {
            next_event(c);
        }
    }
    let (served, watched) = clients_watched_for_writing(ln.pid().unwrap(), &sock);
    assert_eq!(served, 3, "the plugin's ends of the three connections");
    assert_eq!(watched, 0, "clients that read everything are watched for write space");
    ln.check().unwrap();
}

#[test]
fn stdio_that_is_not_a_pipe_works_too() {
    // lightningd gives pipes; a person debugging may redirect to files. Each end is handled on
    // its own: a pipe in with a file out, and a file in with a pipe out.
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let request = b"{\"jsonrpc\":\"2.0\",\"id\":\"cln:getmanifest#1\",\"method\":\"getmanifest\",\"params\":{}}\n\n";
    let out_file = dir.path().join("out");
    let mut child = Command::new(plugin_bin())
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(std::fs::read_to_string(&out_file).unwrap().contains("\"nonnumericids\":true"));

    let in_file = dir.path().join("in");
    std::fs::write(&in_file, request).unwrap();
    let out = Command::new(plugin_bin())
        .current_dir(dir.path())
        .stdin(std::fs::File::open(&in_file).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"nonnumericids\":true"));
}

#[test]
fn run_by_hand_it_says_what_it_is() {
    // --help (any stdin), and a terminal on stdin without lightningd: usage, not a silent wait.
    let out = std::process::Command::new(plugin_bin()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("lightning-cli plugin start") && text.contains("notif.sock"), "{text}");
    let bin = plugin_bin().display().to_string();
    let tmux = lnwatch_tests::tmux::Tmux::start(&format!("{bin}; echo plugin-exited-$?; sleep 30"), 100, 30);
    let s = tmux.wait_for("the usage", |s| s.contains("plugin-exited-2"));
    assert!(s.contains("lightning-cli plugin start"), "{s}");
}
