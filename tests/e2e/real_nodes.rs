//! End-to-end tests against real Core Lightning: lightningd nodes on a regtest chain of the
//! test's own, lnwatch-plugin loaded into them, read through its socket and through the
//! monitor in tmux. They need `LIGHTNINGD` (see README); CI sets it.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use lnwatch_shared::frame::{Frame, Hello};
use lnwatch_tests::network::{Network, NodeSpec, PluginLoad, lightningd_or_skip};
use lnwatch_tests::tmux::{Tmux, has_line};
use lnwatch_tests::watch::Watcher;
use lnwatch_tests::{wait_until, workspace_bin};
use serde_json::{Value, json};

const L1: usize = 0;
const L2: usize = 1;
const L3: usize = 2;

/// A preimage of our choosing for invoice `n`, so the test knows every secret that travels.
fn preimage(n: u8) -> String {
    format!("{:02x}", 0xa0 + n).repeat(32)
}

/// The plugin's latest hello that names the node (the first may precede its RPC answer).
fn hello(w: &Watcher) -> Option<Hello> {
    w.lines().into_iter().rev().find_map(|l| match l.frame {
        Some(Frame::Hello(h)) if h.node_id.is_some() => Some(h),
        _ => None,
    })
}

/// Every event a client received carries the next seq: no hole, no repeat, no `gap`.
fn assert_contiguous(name: &str, w: &Watcher) {
    let lines = w.lines();
    assert!(!lines.iter().any(|l| matches!(l.frame, Some(Frame::Gap(_)))), "{name}: a gap frame");
    let seqs: Vec<u64> = w.events().iter().map(|e| e.seq).collect();
    assert!(!seqs.is_empty(), "{name}: no events");
    for pair in seqs.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "{name}: seq jumps from {} to {}", pair[0], pair[1]);
    }
}

/// No secret in any line: none of `secrets` appears, and every preimage field is redacted.
fn assert_no_secrets(name: &str, w: &Watcher, secrets: &[String]) {
    for line in w.lines() {
        for s in secrets {
            assert!(!line.raw.contains(s.as_str()), "{name}: a preimage on the socket: {}", line.raw);
        }
        if let Some(Frame::Event(e)) = &line.frame {
            for_each_key(&e.params, &mut |k, v| {
                if k == "preimage" || k == "payment_preimage" {
                    assert_eq!(v, &json!("<redacted>"), "{name}: {k} not redacted in {}", line.raw);
                }
            });
        }
    }
}

fn for_each_key(v: &Value, f: &mut impl FnMut(&str, &Value)) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            f(k, v);
            for_each_key(v, f);
        }),
        Value::Array(a) => a.iter().for_each(|v| for_each_key(v, f)),
        _ => {}
    }
}

fn inner(e: &lnwatch_shared::frame::Event) -> &Value {
    e.params.get(&e.topic).unwrap_or(&e.params)
}

fn topics(w: &Watcher) -> HashSet<String> {
    w.events().into_iter().map(|e| e.topic).collect()
}

fn tmux_available() -> bool {
    let found = std::process::Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(found || std::env::var("CI").as_deref() != Ok("true"), "CI=true but tmux is missing");
    found
}

/// Three nodes l1 → l2 → l3 with lnwatch-plugin in each (at boot on l1 and l3, started later on
/// l2): channels open and close, a payment is routed and one fails; every socket sees it all,
/// in order, with no secret; the monitor in tmux shows it and survives a plugin restart.
#[test]
fn three_nodes_route_a_payment_fail_one_and_close() {
    let Some(ld) = lightningd_or_skip("three_nodes_route_a_payment_fail_one_and_close") else { return };
    let mut net = Network::start(
        "route",
        &ld,
        vec![
            NodeSpec::new(PluginLoad::AtBoot).alias("alice"),
            // The router logs peer I/O, as an operator debugging a peer does: its log then holds
            // the preimages of what it forwards, in hex.
            // Its options go as `plugin start` sends them: an `options` array on the newer build.
            NodeSpec::new(PluginLoad::Later)
                .alias("bob")
                .node_option("log-level", "io")
                .plugin_option("lnwatch-replay", "4321"),
            NodeSpec::new(PluginLoad::AtBoot).alias("carol"),
        ],
    );
    let (id1, id2, id3) = (net.node(L1).id.clone(), net.node(L2).id.clone(), net.node(L3).id.clone());
    let version = std::process::Command::new(&ld).arg("--version").output().expect("lightningd --version");
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();

    // At boot: the socket is there when the node is; the replay starts at seq 1.
    let w1 = Watcher::connect(&net.node(L1).socket());
    let w3 = Watcher::connect(&net.node(L3).socket());
    // Started later: no socket until `plugin start`.
    assert!(!net.node(L2).socket().exists());
    let started = net.node(L2).plugin_start();
    assert!(
        started["plugins"].as_array().unwrap().iter().any(|p| p["name"].as_str().unwrap().ends_with("lnwatch-plugin"))
    );
    let replay = net.node(L2).call("listconfigs", json!({"config": "lnwatch-replay"}));
    assert_eq!(replay["configs"]["lnwatch-replay"]["value_int"], 4321, "the option reached the plugin: {replay}");
    let w2 = Watcher::connect(&net.node(L2).socket());
    for (w, id) in [(&w1, &id1), (&w2, &id2), (&w3, &id3)] {
        let h = wait_until("a hello naming the node", Duration::from_secs(30), || hello(w));
        assert_eq!(h.node_id.as_deref(), Some(id.as_str()));
        assert_eq!(h.lightningd.as_deref(), Some(version.as_str()), "the node's own version string");
        assert_eq!(h.network.as_deref(), Some("regtest"));
        assert!(h.redacted);
    }
    assert_eq!(w1.events().first().map(|e| e.seq), Some(1), "the replay starts at the first event");
    w1.wait_event("block_added", |_| true);
    w1.wait_event("balance_snapshot", |_| true);

    // A monitor on l1 from before it has any peer: gossip about l2 comes minutes later.
    let early = tmux_available().then(|| {
        let cmd =
            format!("NO_COLOR=1 {} --lightning-dir {}", workspace_bin("lnwatch").display(), net.node(L1).dir.display());
        Tmux::start(&cmd, 120, 40)
    });

    // Funds, two channels, and gossip so that l1 can route through l2 to l3.
    let (scid12, scid23) = route_through_l2(&mut net);

    // The monitor names l2 within 30 s of l1's gossip having l2's announcement (it asks again
    // while the alias is unknown).
    if let Some(tmux) = early {
        let alias2 = net.node(L2).call("getinfo", json!({}))["alias"].as_str().unwrap().to_owned();
        wait_until("l2's node announcement at l1", Duration::from_secs(60), || {
            net.node(L1).call("listnodes", json!({ "id": id2 }))["nodes"][0]["alias"].as_str().map(|_| ())
        });
        tmux.wait_within("l2 named at l1 within 30 s of gossip", Duration::from_secs(30), |s| {
            has_line(s, &["●", &alias2])
        });
        tmux.keys(&["q"]);
    }

    w2.wait_event("connect", |p| p["connect"]["id"] == id1 && p["connect"]["direction"] == "in");
    w2.wait_event("connect", |p| p["connect"]["id"] == id3 && p["connect"]["direction"] == "out");
    w2.wait_event("channel_opened", |p| p["channel_opened"]["id"] == id1);
    w3.wait_event("channel_opened", |p| p["channel_opened"]["id"] == id2);
    for (w, peer) in [(&w1, &id2), (&w2, &id1), (&w2, &id3), (&w3, &id2)] {
        w.wait_event("channel_state_changed", |p| {
            p["channel_state_changed"]["peer_id"] == *peer
                && p["channel_state_changed"]["new_state"] == "CHANNELD_NORMAL"
        });
    }
    w1.wait_event("coin_movement", |p| p["coin_movement"]["primary_tag"] == "channel_open");

    // A payment routed l1 → l2 → l3, and one paid to l2 directly.
    let inv = net.node(L3).call(
        "invoice",
        json!({"amount_msat": 50_000_000, "label": "routed", "description": "routed", "preimage": preimage(1)}),
    );
    let paid = net.node(L1).call("pay", json!({"bolt11": inv["bolt11"]}));
    assert_eq!(paid["status"], "complete");
    assert_eq!(paid["payment_preimage"], json!(preimage(1)));
    let inv = net.node(L2).call(
        "invoice",
        json!({"amount_msat": 12_345_000, "label": "direct", "description": "direct", "preimage": preimage(2)}),
    );
    net.node(L1).call("pay", json!({"bolt11": inv["bolt11"]}));
    // A BOLT12 invoice: l2's offer, fetched by l1. Its `invoice_creation` names the offer.
    let offer = net.node(L2).call("offer", json!({"amount": "2000sat", "description": "coffee"}));
    net.node(L1).call("fetchinvoice", json!({"offer": offer["bolt12"]}));
    let made = w2.wait_event("invoice_creation", |p| p["invoice_creation"].get("offer_id").is_some());
    assert_eq!(inner(&made)["offer_id"], offer["offer_id"], "{:?}", made.params);

    w3.wait_event("invoice_creation", |p| p["invoice_creation"]["label"] == "routed");
    w3.wait_event("invoice_payment", |p| p["invoice_payment"]["label"] == "routed");
    w2.wait_event("invoice_payment", |p| p["invoice_payment"]["label"] == "direct");
    let fwd = w2.wait_event("forward_event", |p| p["forward_event"]["status"] == "settled");
    let fwd = inner(&fwd);
    assert_eq!(fwd["in_channel"], json!(scid12));
    assert_eq!(fwd["out_channel"], json!(scid23));
    assert!(fwd["fee_msat"].as_u64().unwrap() > 0, "{fwd}");
    w1.wait_event("sendpay_success", |p| p["sendpay_success"]["amount_msat"] == 50_000_000);
    w1.wait_event("pay_part_start", |_| true);
    w1.wait_event("pay_part_end", |p| p["pay_part_end"]["status"] == "success");

    // A payment that fails: l3 forgets the invoice before l1 pays it.
    let inv = net.node(L3).call(
        "invoice",
        json!({"amount_msat": 7_000_000, "label": "forgotten", "description": "x", "preimage": preimage(3)}),
    );
    net.node(L3).call("delinvoice", json!({"label": "forgotten", "status": "unpaid"}));
    let failed = net.node(L1).try_call("pay", json!({"bolt11": inv["bolt11"]}));
    assert!(failed.is_err(), "paying a deleted invoice fails: {failed:?}");
    w2.wait_event("forward_event", |p| p["forward_event"]["status"] == "failed");
    w1.wait_event("pay_part_end", |p| p["pay_part_end"]["status"] == "failure");
    w1.wait_event("sendpay_failure", |_| true);

    // The node's own records through the socket: read-only queries, redacted like events.
    queries_reach_the_node(&net, &scid12, &scid23);
    no_query_returns_a_secret(&net);
    for node in [L1, L2, L3] {
        report_equals_the_lists(&net, node);
    }

    // The monitor on l2 and l1, as an operator would run it.
    if tmux_available() {
        operator_views(&net, &scid12, &scid23);
        monitor_survives_a_plugin_restart(&net);
    }

    // Mutual close of l1–l2, mined.
    let closed = net.node(L1).call("close", json!({"id": id2}));
    let close_txid = closed["txids"][0].as_str().or(closed["txid"].as_str()).expect("close names its tx").to_owned();
    for state in ["CHANNELD_SHUTTING_DOWN", "CLOSINGD_COMPLETE"] {
        w1.wait_event("channel_state_changed", |p| p["channel_state_changed"]["new_state"] == state);
    }
    net.mine(1);
    w1.wait_event("channel_state_changed", |p| p["channel_state_changed"]["new_state"] == "ONCHAIN");
    w1.wait_event("coin_movement", |p| p["coin_movement"]["primary_tag"] == "channel_close");
    if tmux_available() {
        closed_by_the_peer(&net, &scid12, &close_txid);
    }

    // Disconnect: both sides see it (l2's plugin was restarted, so a new client reads l2).
    net.node(L3).call("disconnect", json!({"id": id2, "force": true}));
    w3.wait_event("disconnect", |p| p["disconnect"]["id"] == id2);

    // Every socket: contiguous seqs, no preimage anywhere, the topics the run produced.
    let secrets: Vec<String> = (1..=3).map(preimage).collect();
    let w2b = Watcher::connect(&net.node(L2).socket());
    w2b.wait_event("disconnect", |p| p["disconnect"]["id"] == id3);
    for (name, w) in [("l1", &w1), ("l2", &w2), ("l2 after restart", &w2b), ("l3", &w3)] {
        assert_contiguous(name, w);
        assert_no_secrets(name, w, &secrets);
    }
    let seen = topics(&w1);
    for t in [
        "block_added",
        "connect",
        "channel_state_changed",
        "coin_movement",
        "balance_snapshot",
        "sendpay_success",
        "sendpay_failure",
        "pay_part_start",
        "pay_part_end",
        "plugin_started",
    ] {
        assert!(seen.contains(t), "l1 never saw {t}: {seen:?}");
    }
}

/// `listforwards` on l2 holds the settled forward and its fee, `listinvoices` on l3 the paid
/// invoice with its preimage redacted; a method that acts is refused.
fn queries_reach_the_node(net: &Network, scid12: &str, scid23: &str) {
    use lnwatch_shared::frame::query_error;
    use lnwatch_tests::client::Client;
    let ask = |node: usize, method: &str, params: Value| -> Frame {
        let mut c = Client::connect(Path::new(&net.node(node).socket())).expect("connect");
        c.query(json!("q"), method, params).unwrap();
        c.answer(&json!("q"), Duration::from_secs(30)).unwrap().0
    };
    let Frame::Result(r) = ask(L2, "listforwards", json!({"status": "settled"})) else { panic!("no listforwards") };
    let f = &r.result["forwards"][0];
    assert_eq!((f["in_channel"].as_str(), f["out_channel"].as_str()), (Some(scid12), Some(scid23)), "{f}");
    assert!(f["fee_msat"].as_u64().unwrap() > 0, "{f}");
    let Frame::Result(r) = ask(L3, "listinvoices", json!({"label": "routed"})) else { panic!("no listinvoices") };
    let inv = &r.result["invoices"][0];
    assert_eq!(inv["status"], "paid");
    assert_eq!(inv["payment_preimage"], "<redacted>", "{inv}");
    assert!(inv["expires_at"].as_u64().is_some(), "{inv}");
    let refused = ask(L2, "invoice", json!({"amount_msat": 1, "label": "nope", "description": "x"}));
    assert!(matches!(refused, Frame::Error(ref e) if e.code == query_error::NOT_ALLOWED), "{refused:?}");
    assert!(
        net.node(L2).try_call("listinvoices", json!({"label": "nope"})).unwrap()["invoices"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// Every allowlisted method, asked of each node with every parameter value that widens its
/// answer (and every spelling of the one that is refused), returns no preimage: the router's
/// own log holds them (checked through its RPC, so the check means something).
fn no_query_returns_a_secret(net: &Network) {
    use lnwatch_shared::frame::query_error;
    use lnwatch_tests::client::Client;
    let secrets: Vec<String> = (1..=3).map(preimage).collect();
    let io = net.node(L2).call("listpeers", json!({"level": "io"})).to_string();
    assert!(io.contains(&secrets[0]), "l2's io log should hold the routed payment's preimage");
    let id2 = net.node(L2).id.clone();
    let mut asks: Vec<(&str, Value)> = vec![
        ("getinfo", json!({})),
        ("listpeers", json!({})),
        ("listpeers", json!({"id": id2})),
        ("listpeerchannels", json!({})),
        ("listclosedchannels", json!({})),
        ("listchannels", json!({})),
        ("listnodes", json!({})),
        ("listforwards", json!({})),
        ("listforwards", json!({"index": "updated", "start": 0})),
        ("listinvoices", json!({})),
        ("listinvoices", json!({"index": "updated"})),
        ("listsendpays", json!({})),
        ("listsendpays", json!({"status": "complete"})),
        ("listpays", json!({})),
        ("listhtlcs", json!({})),
        ("listfunds", json!({"spent": true})),
        ("listchainmoves", json!({})),
        ("listchannelmoves", json!({})),
        ("listnetworkevents", json!({})),
        ("feerates", json!({"style": "perkw"})),
    ];
    for sub in ["invoices", "forwards", "sendpays", "htlcs", "chainmoves", "channelmoves", "networkevents"] {
        asks.push(("wait", json!({"subsystem": sub, "indexname": "created", "nextvalue": 0})));
    }
    let refused = [
        json!({"level": "io"}),
        json!({"level": "IO"}),
        json!({"level": "debug"}),
        json!({"level": "trace"}),
        json!({"level": "info"}),
        json!({"level": "unusual"}),
        json!([null, "io"]),
        json!([null, "IO"]),
        json!({"LEVEL": "io"}),
    ];
    for node in [L1, L2, L3] {
        let mut c = Client::connect(Path::new(&net.node(node).socket())).expect("connect");
        for (i, (method, params)) in asks.iter().enumerate() {
            c.query(json!(i), method, params.clone()).unwrap();
            let (answer, _) = c.answer(&json!(i), Duration::from_secs(30)).unwrap();
            let text = format!("{answer:?}");
            assert!(matches!(answer, Frame::Result(_)), "l{}: {method} {params}: {text}", node + 1);
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "l{}: {method} {params} returned a preimage", node + 1);
            }
        }
        for (i, params) in refused.iter().enumerate() {
            let id = json!(format!("r{i}"));
            c.query(id.clone(), "listpeers", params.clone()).unwrap();
            let (answer, _) = c.answer(&id, Duration::from_secs(30)).unwrap();
            assert!(matches!(&answer, Frame::Error(e) if e.code == query_error::BAD_PARAMS), "{params}: {answer:?}");
        }
    }
}

/// `12345` msat as the views write it: `12.345 sat`.
fn sat_text(msat: u64) -> String {
    let (s, m) = (msat / 1000, msat % 1000);
    if m == 0 { format!("{s} sat") } else { format!("{s}.{m:03} sat") }
}

/// The operator views on real nodes, through keys, at 120×40 with nothing needed cut: l2's
/// channels (both normal, balances moving when a payment is routed), its forwards (the fee of
/// the settled one, the failed one and why), l1's payments with their parts and the decoded
/// failure, and the overview at 80×24.
fn operator_views(net: &Network, scid12: &str, scid23: &str) {
    let bin = workspace_bin("lnwatch");
    let alias = |n: usize| net.node(n).call("getinfo", json!({}))["alias"].as_str().unwrap().to_owned();
    let (alias1, alias2, alias3) = (alias(L1), alias(L2), alias(L3));
    let l2 = net.node(L2);
    let tmux = Tmux::start(&format!("NO_COLOR=1 {} --lightning-dir {}", bin.display(), l2.dir.display()), 120, 40);
    tmux.wait_for("connected", |s| s.contains("● connected"));

    tmux.keys(&["3"]);
    let row = |s: &str, scid: &str| s.lines().find(|l| l.contains(scid)).unwrap_or_default().to_owned();
    let s = tmux.wait_for("both channels normal, by alias", |s| {
        has_line(s, &["normal", &alias1, scid12, "1,000,000"]) && has_line(s, &["normal", &alias3, scid23, "1,000,000"])
    });
    assert!(!row(&s, scid12).contains('…') && !row(&s, scid23).contains('…'), "nothing cut at 120×40: {s}");
    let (before12, before23) = (row(&s, scid12), row(&s, scid23));
    // A payment routed through l2 moves both balances, live.
    let inv = net.node(L3).call(
        "invoice",
        json!({"amount_msat": 20_000_000, "label": "moves", "description": "moves", "preimage": preimage(4)}),
    );
    net.node(L1).call("pay", json!({"bolt11": inv["bolt11"]}));
    tmux.wait_for("balances moved", |s| row(s, scid12) != before12 && row(s, scid23) != before23);
    // Each channel's fees, ours and the peer's, as listpeerchannels has them.
    for scid in [scid12, scid23] {
        let ch = l2.call("listpeerchannels", json!({}))["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["short_channel_id"] == scid)
            .cloned()
            .unwrap();
        let words = |u: &Value| {
            let (base, ppm) =
                (u["fee_base_msat"].as_u64().unwrap(), u["fee_proportional_millionths"].as_u64().unwrap());
            if base == 0 { format!("{ppm} ppm") } else { format!("{ppm} ppm + {}", sat_text(base)) }
        };
        let (ours, theirs) = (words(&ch["updates"]["local"]), words(&ch["updates"]["remote"]));
        tmux.keys(&["/"]);
        tmux.keys(&[&format!("scid:{scid}"), "Enter", "g", "Enter"]);
        let s = tmux.wait_for("the channel's fees", |s| s.contains("our fee     "));
        assert!(
            s.contains(&format!("our fee     {ours}")) && s.contains(&format!("their fee   {theirs}")),
            "{ours} / {theirs}: {s}"
        );
        tmux.keys(&["q", "Escape"]);
    }

    tmux.keys(&["4"]);
    let fee = |status: &str| {
        let r = l2.call("listforwards", json!({"status": status}));
        r["forwards"].as_array().unwrap().iter().map(|f| f["fee_msat"].as_u64().unwrap_or(0)).collect::<Vec<_>>()
    };
    let fees: Vec<String> = fee("settled").into_iter().map(sat_text).collect();
    let s = tmux.wait_for("the forwards: settled with fees, failed with why", |s| {
        fees.iter().all(|f| has_line(s, &["settled", &alias1, "→", &alias3, f]))
            && has_line(s, &["failed", &alias1, "→", &alias3, "downstream"])
            && s.contains(&format!("session  settled {} · failed 1", fees.len()))
    });
    assert!(!s.lines().filter(|l| l.contains("settled ")).any(|l| l.contains('…')), "{s}");
    // Today is l2's UTC day from its records (the monitor started after most of them).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let today = |t: f64| (t / 86_400.0).floor() as i64 == (now / 86_400.0).floor() as i64;
    let all = l2.call("listforwards", json!({}));
    let (mut settled, mut failed, mut fees_today) = (0, 0, 0);
    for f in all["forwards"].as_array().unwrap() {
        let t = f["resolved_time"].as_f64().or(f["received_time"].as_f64()).unwrap();
        match f["status"].as_str().unwrap() {
            "settled" if today(t) => {
                settled += 1;
                fees_today += f["fee_msat"].as_u64().unwrap();
            }
            "failed" | "local_failed" if today(t) => failed += 1,
            _ => {}
        }
    }
    let line = format!("today    settled {settled} · failed {failed} · ");
    let s = tmux.wait_for("today from the node's records", |s| s.contains(&line));
    assert!(has_line(&s, &[&line, &format!("fees {}", sat_text(fees_today))]), "{s}");

    // Peers by name, in the events view.
    tmux.keys(&["1"]);
    tmux.wait_for("peers by alias", |s| has_line(s, &["●", &alias1]) && has_line(s, &["●", &alias3]));

    // The overview reads at 80×24.
    tmux.cmd(&["resize-window", "-t", "main", "-x", "80", "-y", "24"]);
    tmux.keys(&["2"]);
    let s = tmux.wait_for("the overview at 80×24", |s| {
        s.contains(&alias2)
            && s.contains("channels 2/2 normal")
            && s.contains(&format!("forwards {} settled, 1 failed", fees.len()))
            // A forward went through the channel since: the failure is one row, resolved.
            && has_line(s, &[&alias3, "resolved · forward failed downstream of"])
    });
    assert!(s.lines().count() <= 24, "{s}");
    tmux.keys(&["q"]);

    // l1's payments: grouped by hash with their parts; the failure's reason as xpay decoded it.
    // l3's name comes from gossip: wait until l1 has l3's node announcement.
    let l1 = net.node(L1);
    let id3 = net.node(L3).id.clone();
    wait_until("l3's node announcement at l1", Duration::from_secs(60), || {
        let nodes = l1.call("listnodes", json!({ "id": id3 }));
        nodes["nodes"][0]["alias"].as_str().map(|_| ())
    });
    let tmux = Tmux::start(&format!("NO_COLOR=1 {} --lightning-dir {}", bin.display(), l1.dir.display()), 120, 40);
    tmux.keys(&["5"]);
    let s = tmux.wait_for("the payments", |s| {
        has_line(s, &["paid", &alias3, "50,000 sat"])
            && has_line(s, &["paid", &alias2, "12,345 sat"])
            && has_line(s, &["failed", &alias3, "7,000 sat", "incorrect or unknown payment details"])
    });
    assert!(!s.contains("Malformed"), "not sendpay_failure's 202: {s}");
    tmux.keys(&["g", "Enter"]);
    tmux.wait_for("a payment's parts", |s| s.contains("parts (group/part") && has_line(s, &["ok", "50,000 sat"]));
    tmux.keys(&["q", "q"]);
}

/// `lnwatch report --json` on a node equals the plain aggregation of its whole lists, field by
/// field, and names the channels' peers.
fn report_equals_the_lists(net: &Network, node: usize) {
    let n = net.node(node);
    let out = std::process::Command::new(workspace_bin("lnwatch"))
        .args(["--lightning-dir", &n.dir.display().to_string(), "report", "--days", "2", "--json"])
        .output()
        .expect("lnwatch report runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let lists =
        (n.call("listforwards", json!({})), n.call("listsendpays", json!({})), n.call("listinvoices", json!({})));
    lnwatch_tests::ledger::check(&report, &lists.0, &lists.1, &lists.2);
    assert_eq!(report["days"].as_array().unwrap().len(), 2);
    if node == L2 {
        // The router earned: its out channel to l3 carries the fees, l3 named.
        let alias3 = net.node(L3).call("getinfo", json!({}))["alias"].as_str().unwrap().to_owned();
        let top = &report["channels"][0];
        assert!(top["fees_msat"].as_u64().unwrap() > 0, "{report}");
        assert_eq!(top["peer_alias"], json!(alias3), "{report}");
    }
}

/// l2's monitor on the channel l1 closed: closed by the peer, its closing transaction (the one
/// `close` returned), what was ours at the end, when our funds are back.
fn closed_by_the_peer(net: &Network, scid12: &str, close_txid: &str) {
    let l2 = net.node(L2);
    let cmd = format!("NO_COLOR=1 {} --lightning-dir {}", workspace_bin("lnwatch").display(), l2.dir.display());
    let tmux = Tmux::start(&cmd, 140, 40);
    tmux.keys(&["3"]);
    tmux.wait_for("the closed channel", |s| has_line(s, &[scid12, "closed by the peer"]));
    tmux.keys(&["/"]);
    tmux.keys(&[&format!("scid:{scid12}"), "Enter", "g", "Enter"]);
    let s = tmux.wait_for("its closing", |s| s.contains(&format!("closing tx  {close_txid}")));
    assert!(s.contains("ours at end ") && s.contains("our funds   "), "{s}");
    assert!(s.contains("closed      closed by the peer"), "{s}");
    tmux.keys(&["q", "q"]);
}

/// lnwatch in tmux against l2: both peers connected, the forward, the paid invoice; then the
/// plugin stops (its socket goes, the monitor shows the outage and keeps its history) and starts
/// again (the monitor reconnects by itself).
fn monitor_survives_a_plugin_restart(net: &Network) {
    let l2 = net.node(L2);
    let cmd = format!("NO_COLOR=1 {} --lightning-dir {}", workspace_bin("lnwatch").display(), l2.dir.display());
    let tmux = Tmux::start(&cmd, 160, 50);
    // Peers by name: the monitor asks l2's gossip (listnodes) for the aliases l1 and l3 announced.
    let alias = |n: usize| net.node(n).call("getinfo", json!({}))["alias"].as_str().unwrap().to_owned();
    let (alias1, alias3) = (alias(L1), alias(L3));
    let s = tmux.wait_for("peers by alias, the forward and the invoice", |s| {
        has_line(s, &["●", &alias1])
            && has_line(s, &["●", &alias3])
            && s.contains("forward_event")
            && has_line(s, &["direct", "paid"])
    });
    assert!(s.contains("● connected"), "{s}");
    assert!(has_line(&s, &["forward_event", "settled", "fee"]), "{s}");
    assert!(has_line(&s, &["forward_event", "failed", "downstream"]), "the failed forward and why: {s}");
    // An invoice that runs out: the monitor learns its expiry from the node and shows it.
    l2.call("invoice", json!({"amount_msat": 1_000, "label": "short-lived", "description": "x", "expiry": 2}));
    tmux.wait_for("the invoice expired", |s| has_line(s, &["short-lived", "expired"]));

    l2.plugin_stop();
    assert!(!Path::new(&l2.socket()).exists(), "the socket is removed when the plugin stops");
    let s = tmux.wait_for("the outage", |s| s.contains("○ lnwatch-plugin stopped (plugin stop)"));
    assert!(has_line(&s, &["direct", "paid"]), "history kept: {s}");

    l2.plugin_start();
    let s = tmux.wait_for("the reconnect", |s| s.contains("● connected") && s.contains("outages 1"));
    assert!(has_line(&s, &["direct", "paid"]) && s.contains("forward_event"), "history kept: {s}");
    tmux.keys(&["q"]);
}

/// Funds l1 and l2, opens l1–l2 and l2–l3 and waits until l1 can route through l2 to l3.
fn route_through_l2(net: &mut Network) -> (String, String) {
    net.fund(&[(L1, 5_000_000), (L2, 5_000_000)]);
    net.open_channel(L1, L2, 1_000_000);
    net.open_channel(L2, L3, 1_000_000);
    net.mine(6);
    let scid12 = net.wait_normal(L1, L2);
    let scid23 = net.wait_normal(L2, L3);
    net.wait_gossip(L1, &scid23);
    (scid12, scid23)
}

/// l1 → l2 → l3 with channels, `spec` for each node (named alice, bob, carol), l3 holding every
/// HTLC until `release` exists; l1 pays l3 21,000 sat and the payment stays in flight. Returns
/// the network, l2–l3's short id, the paying thread and the HTLC l2 has out to l3.
fn held_payment(
    name: &str,
    ld: &Path,
    release: &Path,
    spec: impl Fn(&str) -> NodeSpec,
) -> (Network, String, std::thread::JoinHandle<Result<Value, lnwatch_tests::rpc::RpcError>>, Value) {
    let hold = workspace_bin("lnwatch-hold-htlc");
    let carol = spec("carol")
        .node_option("plugin", &hold.display().to_string())
        .env("LNWATCH_RELEASE_FILE", &release.display().to_string());
    let mut net = Network::start(name, ld, vec![spec("alice"), spec("bob"), carol]);
    let (_, scid23) = route_through_l2(&mut net);
    let inv = net.node(L3).call("invoice", json!({"amount_msat": 21_000_000, "label": "held", "description": "held"}));
    let rpc_file = net.node(L1).dir.join("regtest").join("lightning-rpc");
    let bolt11 = inv["bolt11"].clone();
    let payer = std::thread::spawn(move || {
        lnwatch_tests::rpc::Rpc::new(&rpc_file).call("pay", json!({ "bolt11": bolt11, "retry_for": 600 }))
    });
    let l2 = net.node(L2);
    let htlc = wait_until("the HTLC held on l2's channel to l3", Duration::from_secs(60), || {
        let ch = l2.channel_with(&net.node(L3).id)?;
        ch["htlcs"].as_array()?.iter().find(|h| h["direction"] == "out").cloned()
    });
    (net, scid23, payer, htlc)
}

/// l1 pays an invoice of `node` labelled `label` (routed through l2 when `node` is l3).
fn pay(net: &Network, node: usize, label: &str, msat: u64) {
    let inv = net.node(node).call("invoice", json!({"amount_msat": msat, "label": label, "description": label}));
    net.node(L1).call("pay", json!({"bolt11": inv["bolt11"]}));
}

/// Catch-up on real nodes, the monitor on l2 in tmux with a state dir of its own: closed while
/// two invoices are paid and a forward routed, it shows them on reopening, marked; the plugin
/// stopped and started under it, the same without closing it; stalled (SIGSTOP) through a
/// burst of payments until its plugin queue overflows into a `gap`, it ends with every payment;
/// a corrupt cursor file is reported and replaced.
#[test]
fn the_monitor_catches_up_after_outages() {
    let Some(ld) = lightningd_or_skip("the_monitor_catches_up_after_outages") else { return };
    // A short client queue on l2, and its debug log relayed (dozens of lines per payment), so
    // that a stalled monitor overflows the queue (and the socket's buffer) quickly.
    let l2 = NodeSpec::new(PluginLoad::AtBoot)
        .alias("bob")
        .plugin_option("lnwatch-client-queue", "40")
        .plugin_option("lnwatch-replay", "40")
        .plugin_option("lnwatch-log", "true");
    let mut net = Network::start(
        "catchup",
        &ld,
        vec![NodeSpec::new(PluginLoad::AtBoot).alias("alice"), l2, NodeSpec::new(PluginLoad::AtBoot).alias("carol")],
    );
    route_through_l2(&mut net);
    let state = tempfile::tempdir().unwrap();
    let l2 = net.node(L2);
    // `; true`: the shell stays as the pane's process, so tmux (which resumes a stopped pane
    // process) leaves a stopped lnwatch stopped.
    let cmd = format!(
        "NO_COLOR=1 {} --lightning-dir {} --state-dir {}; true",
        workspace_bin("lnwatch").display(),
        l2.dir.display(),
        state.path().display()
    );
    let cursor_file = || std::fs::read_dir(state.path()).ok()?.flatten().next().map(|d| d.path().join("monitor.json"));
    let monitor = || {
        let t = Tmux::start(&cmd, 160, 50);
        t.wait_for("connected", |s| s.contains("● connected"));
        t
    };

    // `lnwatch since`, a reader of its own: its first run starts its cursor.
    let since = |args: &[&str]| {
        let out = std::process::Command::new(workspace_bin("lnwatch"))
            .args(["--lightning-dir", &l2.dir.display().to_string(), "--state-dir"])
            .arg(state.path())
            .arg("since")
            .args(args)
            .output()
            .expect("lnwatch since");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(since(&["--cursor", "daily"]).contains("cursor \"daily\" starts now"));

    // A first run learns where the node is and saves it.
    let tmux = monitor();
    wait_until("the first cursor", Duration::from_secs(30), || cursor_file().filter(|f| f.exists()));
    tmux.keys(&["q"]);
    drop(tmux);

    // Closed: two invoices paid, a forward routed.
    pay(&net, L2, "away-1", 11_000_000);
    pay(&net, L2, "away-2", 12_000_000);
    pay(&net, L3, "away-routed", 13_000_000);
    let tmux = monitor();
    tmux.wait_for("the invoices caught up", |s| {
        has_line(s, &["away-1", "11,000 sat", "paid ↺"]) && has_line(s, &["away-2", "12,000 sat", "paid ↺"])
    });
    tmux.wait_for("while you were away", |s| s.contains("while you were away: 2 invoices paid, 1 forward (+"));
    tmux.keys(&["4"]);
    tmux.wait_for("the forward caught up", |s| has_line(s, &["settled ↺", "alice", "→", "carol", "13,000 sat"]));
    tmux.keys(&["1"]);

    // The plugin stops and starts under the running monitor: what happened meanwhile shows.
    l2.plugin_stop();
    tmux.wait_for("the outage", |s| s.contains("○ lnwatch-plugin stopped (plugin stop)"));
    pay(&net, L2, "restart-1", 14_000_000);
    pay(&net, L3, "restart-routed", 15_000_000);
    l2.plugin_start();
    tmux.wait_for("caught up after the restart", |s| {
        s.contains("● connected") && has_line(s, &["restart-1", "14,000 sat", "paid ↺"])
    });
    tmux.keys(&["4"]);
    tmux.wait_for("the forward during the restart", |s| {
        has_line(s, &["settled ↺", "alice", "→", "carol", "15,000 sat"])
    });
    tmux.keys(&["1"]);

    // Stalled through a burst: the plugin drops what the monitor cannot take (a gap) and the
    // node's records fill in every payment.
    let pid = tmux.program_pid("lnwatch").to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    for i in 0..25 {
        pay(&net, L2, &format!("burst-{i:02}"), 1_000_000 + i);
    }
    let state = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    assert!(state.contains("State:\tT"), "lnwatch is not stopped: {state}");
    assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    // The invoices pane holds the 28 invoices, all paid; the newest rows show the burst's.
    let s = tmux.wait_for("every payment of the burst", |s| {
        s.contains("missed in")
            && s.contains("Invoices 28 · 28 paid")
            && s.contains("while you were away: 25 invoices paid")
    });
    let marked = s.lines().filter(|l| l.contains("burst-") && l.contains("paid ↺")).count();
    assert!(marked >= 10, "the burst's rows marked caught up: {s}");
    tmux.keys(&["q"]);
    drop(tmux);

    // The headless reader saw all of it from the node's records: 28 invoices paid, the two
    // forwards routed, in one JSON document.
    let report: Value = serde_json::from_str(&since(&["--cursor", "daily", "--json"])).expect("JSON");
    let summary = &report["summary"];
    assert_eq!(
        (summary["invoices_paid"].as_u64(), summary["forwards_settled"].as_u64()),
        (Some(28), Some(2)),
        "{report}"
    );
    assert!(summary["fees_msat"].as_u64().unwrap() > 0, "{report}");
    assert!(since(&["--cursor", "daily"]).contains("nothing new"));

    // A corrupt cursor file: said, set aside, replaced.
    let file = cursor_file().unwrap();
    std::fs::write(&file, "{ not json").unwrap();
    let tmux = monitor();
    tmux.wait_for("the corrupt file reported", |s| s.contains("catch-up cursor unreadable, starting fresh"));
    wait_until("a good cursor again", Duration::from_secs(30), || {
        let text = std::fs::read(&file).ok()?;
        serde_json::from_slice::<Value>(&text).ok()
    });
    assert!(file.with_extension("json.corrupt").exists());
    tmux.keys(&["q"]);
}

/// Stopping a node ends its plugin and removes the socket.
#[test]
fn node_stop_ends_the_plugin_and_removes_its_socket() {
    let Some(ld) = lightningd_or_skip("node_stop_ends_the_plugin_and_removes_its_socket") else { return };
    let mut net = Network::start("stop", &ld, vec![NodeSpec::new(PluginLoad::AtBoot)]);
    let w = Watcher::connect(&net.node(0).socket());
    let lightningd = net.node(0).pid().unwrap();
    let plugin = plugin_pid(lightningd).expect("lnwatch-plugin runs under lightningd");
    net.node_mut(0).stop();
    assert!(!alive(plugin), "lnwatch-plugin is gone with the node");
    assert!(!net.node(0).socket().exists(), "the socket is removed");
    wait_until("the client to see the end", Duration::from_secs(5), || w.closed().then_some(()));
    assert!(w.events().iter().any(|e| e.topic == "shutdown"), "clients saw the shutdown");
    let bye = w.lines().into_iter().find_map(|l| if let Some(Frame::Bye(b)) = l.frame { Some(b) } else { None });
    assert_eq!(bye.map(|b| b.reason).as_deref(), Some(lnwatch_shared::frame::bye::NODE_STOPPING), "said why");
}

/// The monitor tells `plugin stop` from the node going away, and shows the node down (since
/// when, its last block) until it is back: plugin stopped and started under it; lightningd
/// killed (-9) and started again on the same directory.
#[test]
fn the_monitor_names_a_plugin_stop_and_a_node_crash() {
    let Some(ld) = lightningd_or_skip("the_monitor_names_a_plugin_stop_and_a_node_crash") else { return };
    if !tmux_available() {
        return;
    }
    let mut net = Network::start("down", &ld, vec![NodeSpec::new(PluginLoad::AtBoot).alias("dora")]);
    net.mine(3);
    net.wait_synced();
    let height = net.node(0).call("getinfo", json!({}))["blockheight"].as_u64().unwrap();
    let dir = net.node(0).dir.clone();
    let tmux = Tmux::start(
        &format!("NO_COLOR=1 {} --lightning-dir {}", workspace_bin("lnwatch").display(), dir.display()),
        120,
        40,
    );
    tmux.keys(&["2"]);
    tmux.wait_for("the node up", |s| {
        s.contains("● connected") && s.contains("Node · up") && s.contains(&format!("block {height}"))
    });

    net.node(0).plugin_stop();
    let s = tmux.wait_for("the plugin stop named", |s| {
        s.contains("○ lnwatch-plugin stopped (plugin stop); lightningd still running")
            && s.contains("Node · PLUGIN STOPPED since")
    });
    assert!(!s.contains("node down"), "{s}");
    net.node(0).plugin_start();
    tmux.wait_for("up again", |s| s.contains("● connected") && s.contains("Node · up"));

    net.kill(0);
    let s = tmux.wait_for("the crash named", |s| {
        s.contains("○ node down") && s.contains("DOWN since") && s.contains(&format!("last block {height}"))
    });
    assert!(has_line(&s, &["node down: lightningd closed the plugin's input"]), "the problem: {s}");
    net.restart(0);
    let s = tmux.wait_for("back after the restart", |s| s.contains("● connected") && s.contains("Node · up"));
    assert!(has_line(&s, &["resolved", "node down"]), "the problem put right: {s}");
    tmux.keys(&["q"]);
}

/// An HTLC held at l3 (its `htlc_accepted` hook left unanswered) stays in flight through l2:
/// l2's monitor lists it in the HTLCs view (`H`) with its expiry and blocks left, and says it is
/// close to expiry (red) once blocks are mined toward it; released, it goes.
#[test]
fn a_held_htlc_shows_its_expiry_and_turns_red() {
    let Some(ld) = lightningd_or_skip("a_held_htlc_shows_its_expiry_and_turns_red") else { return };
    if !tmux_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let release = tmp.path().join("release");
    let (mut net, scid23, payer, htlc) =
        held_payment("hold", &ld, &release, |alias| NodeSpec::new(PluginLoad::AtBoot).alias(alias));
    let l2 = net.node(L2);
    let expiry = htlc["expiry"].as_u64().unwrap();
    let height = l2.call("getinfo", json!({}))["blockheight"].as_u64().unwrap();
    let near = 4;
    let cmd = format!(
        "NO_COLOR=1 {} --lightning-dir {} --htlc-expiry-blocks {near}",
        workspace_bin("lnwatch").display(),
        l2.dir.display()
    );
    let tmux = Tmux::start(&cmd, 140, 30);
    tmux.wait_for("connected", |s| s.contains("● connected"));
    tmux.keys(&["H"]);
    let left = expiry - height;
    let s = tmux.wait_for("the held HTLC with its expiry", |s| {
        has_line(s, &[&left.to_string(), &expiry.to_string(), "out", "21,000 sat", &scid23])
    });
    assert!(!s.contains("within"), "not near its expiry yet: {s}");
    // Blocks toward its expiry: within `near` of it, the view says so.
    net.mine((left - near) as u32);
    let s = tmux.wait_for("the HTLC near expiry", |s| s.contains(&format!("1 within {near} blocks of expiry")));
    assert!(has_line(&s, &[&near.to_string(), &expiry.to_string(), "out"]), "{s}");
    tmux.keys(&["q"]);
    std::fs::write(&release, b"go").unwrap();
    let _ = payer.join();
}

fn plugin_pid(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (comm, rest) = stat.split_once(") ")?;
        let ppid: u32 = rest.split(' ').nth(1)?.parse().ok()?;
        (comm.ends_with("(lnwatch-plugin") && ppid == parent).then_some(pid)
    })
}

/// Running, as opposed to gone or a zombie nobody reaped.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.split_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

/// The chain backend binary, spoken to as lightningd does, serves a chain that another process
/// (this test) mines, and its mempool is what that process mines next. No lightningd needed.
#[test]
fn chain_backend_shares_the_chain_with_the_miner() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    use lnwatch_tests::backend::CHAIN_DIR_ENV;
    use lnwatch_tests::chain::{Chain, address_script};

    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::open(dir.path()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lnwatch-regtest-chain"))
        .env(CHAIN_DIR_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ask = |n: u32, method: &str, params: Value| -> Value {
        let req = json!({"jsonrpc":"2.0","id":format!("cln:{method}#{n}"),"method":method,"params":params});
        stdin.write_all(format!("{req}\n\n").as_bytes()).unwrap();
        let mut line = String::new();
        while line.trim().is_empty() {
            line.clear();
            stdout.read_line(&mut line).unwrap();
        }
        let reply: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(reply["id"], json!(format!("cln:{method}#{n}")));
        reply["result"].clone()
    };
    let manifest = ask(0, "getmanifest", json!({"allow-deprecated-apis": false}));
    assert_eq!(manifest["rpcmethods"].as_array().unwrap().len(), 5);
    ask(1, "init", json!({"options":{},"configuration":{}}));
    assert_eq!(ask(2, "getchaininfo", json!({"last_height":0}))["blockcount"], json!(0));

    let script = address_script("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080").unwrap();
    chain.mine(3, &[(script.clone(), bitcoin_amount(40_000))]).unwrap();
    assert_eq!(ask(3, "getchaininfo", json!({}))["blockcount"], json!(3), "the backend sees what was mined");
    let block = ask(4, "getrawblockbyheight", json!({"height": 1}));
    assert_eq!(block["blockhash"], json!(chain.block(1).unwrap().unwrap().block_hash().to_string()));

    // A spend of the faucet output, sent through the backend, is mined by this process.
    let faucet = chain.block(1).unwrap().unwrap().txdata[1].compute_txid();
    let out = ask(5, "getutxout", json!({"txid": faucet.to_string(), "vout": 0}));
    assert_eq!(out["amount"], json!(40_000));
    let spend = spend_hex(faucet, &script);
    assert_eq!(ask(6, "sendrawtransaction", json!({"tx": spend, "allowhighfees": false}))["success"], json!(true));
    assert_eq!(chain.mempool().unwrap().len(), 1);
    chain.mine(1, &[]).unwrap();
    assert_eq!(ask(7, "getutxout", json!({"txid": faucet.to_string(), "vout": 0}))["script"], Value::Null);
    drop(stdin);
    assert!(child.wait().unwrap().success(), "exits cleanly on stdin EOF");
}

fn bitcoin_amount(sat: u64) -> bitcoin::Amount {
    bitcoin::Amount::from_sat(sat)
}

fn spend_hex(txid: bitcoin::Txid, script: &bitcoin::ScriptBuf) -> String {
    use bitcoin::{OutPoint, Sequence, Transaction, TxIn, TxOut, Witness, absolute, transaction};
    let tx = Transaction {
        version: transaction::Version::TWO,
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint { txid, vout: 0 },
            script_sig: bitcoin::ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: bitcoin_amount(30_000), script_pubkey: script.clone() }],
    };
    bitcoin::consensus::encode::serialize_hex(&tx)
}

/// l1 sends `n` payments through l2 to l3 paying l2 no fee, `threads` at a time: l2 refuses
/// each one (a `local_failed` forward, fee insufficient).
fn refused_forwards(net: &Network, n: usize, threads: usize) {
    // The route by hand (`getroute` is deprecated): l2 is handed exactly what it would pass
    // on, nothing left for its fee; the delays are Core Lightning's defaults (cltv-final 18,
    // cltv-delta 34).
    let scid =
        |a: usize, b: usize| net.node(a).channel_with(&net.node(b).id).expect("a channel")["short_channel_id"].clone();
    let route = json!([
        {"id": net.node(L2).id, "channel": scid(L1, L2), "amount_msat": 10_000, "delay": 18 + 34},
        {"id": net.node(L3).id, "channel": scid(L2, L3), "amount_msat": 10_000, "delay": 18},
    ]);
    let rpc_file = net.node(L1).dir.join("regtest").join("lightning-rpc");
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (route, rpc_file) = (route.clone(), rpc_file.clone());
            std::thread::spawn(move || {
                let rpc = lnwatch_tests::rpc::Rpc::new(&rpc_file);
                for i in (t..n).step_by(threads) {
                    let hash = format!("{:064x}", 0xf100_0000u64 + i as u64);
                    rpc.call("sendpay", json!({"route": route, "payment_hash": hash})).expect("sendpay");
                    let failed = rpc.call("waitsendpay", json!({"payment_hash": hash, "timeout": 60}));
                    assert!(failed.is_err(), "l2 refuses it: {failed:?}");
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().expect("a payer"));
}

/// `kind state` of each change `lnwatch alerts --json` printed so far.
fn alert_changes(a: &lnwatch_tests::lines::Lines) -> Vec<String> {
    a.json()
        .iter()
        .map(|o| format!("{} {}", o["kind"].as_str().unwrap_or("?"), o["state"].as_str().unwrap_or("?")))
        .collect()
}

fn alerted(a: &lnwatch_tests::lines::Lines, what: &str) -> usize {
    alert_changes(a).iter().filter(|c| *c == what).count()
}

/// The alerts on real nodes, `lnwatch alerts --json --exec` and the monitor (in tmux, its raw
/// output kept) both watching l2, every node without reconnection so a peer stays down: an
/// HTLC held at l3 while blocks are mined → `htlc_expiry`; 1,000 forwards refused at l2 → one
/// `forward_failures`; l1 disconnected → `peer_down` (after `peer_down_after = 2`), then
/// `resolved` on reconnection, one each; l3 closes its channel → `channel_closing` within 10 s;
/// l2 killed → `node_down`. The command got every JSON line; the monitor listed the firing
/// alerts at the top of the overview, rang the bell and sent the notification through tmux.
#[test]
fn alerts_fire_on_a_real_network_once_each() {
    let Some(ld) = lightningd_or_skip("alerts_fire_on_a_real_network_once_each") else { return };
    if !tmux_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let release = tmp.path().join("release");
    // No reconnection: a peer disconnected stays down.
    let spec = |alias: &str| NodeSpec::new(PluginLoad::AtBoot).alias(alias).node_option("dev-no-reconnect", "");
    let (mut net, scid23, payer, htlc) = held_payment("alerts", &ld, &release, spec);
    let l2 = net.node(L2);
    let left = htlc["expiry"].as_u64().unwrap() - l2.call("getinfo", json!({}))["blockheight"].as_u64().unwrap();

    let recorded = tmp.path().join("exec.jsonl");
    let config = tmp.path().join("config.toml");
    let near = left - 2;
    std::fs::write(
        &config,
        format!(
            "[alerts]\npeer_down_after = 2\nnode_down_after = 2\nhtlc_expiry_blocks = {near}\nforward_failures = 20\n\
             exec = \"cat >> '{}'\"\n\n[ui]\nstart_view = \"overview\"\nnotifications = \"osc777\"\n",
            recorded.display()
        ),
    )
    .unwrap();
    let (dir, cfg) = (l2.dir.display().to_string(), config.display().to_string());
    let l2_id = l2.id.clone();
    let lnwatch = workspace_bin("lnwatch");
    let alerts =
        lnwatch_tests::lines::Lines::spawn(&lnwatch, &["--config", &cfg, "--lightning-dir", &dir, "alerts", "--json"]);
    let tmux = Tmux::start(&format!("NO_COLOR=1 {} --config {cfg} --lightning-dir {dir}", lnwatch.display()), 150, 45);
    let raw = tmp.path().join("pane.raw");
    assert!(tmux.cmd(&["pipe-pane", "-o", "-t", "main", &format!("cat >> {}", raw.display())]).status.success());
    tmux.wait_for("the overview, connected", |s| s.contains("● connected") && s.contains("Node · up"));
    let within = Duration::from_secs(30);

    net.mine(2);
    alerts.wait_for("htlc_expiry", within, |_| alerted(&alerts, "htlc_expiry firing") == 1);
    let s =
        tmux.wait_for("the alert on the overview", |s| s.contains("Alerts · 1 firing") && s.contains("htlc_expiry"));
    assert!(has_line(&s, &["⚑", "critical", "htlc_expiry", "HTLC of 21,000"]), "{s}");
    std::fs::write(&release, b"go").unwrap();
    payer.join().unwrap().expect("the held payment goes through once released");
    alerts.wait_for("htlc_expiry resolved", within, |_| alerted(&alerts, "htlc_expiry resolved") == 1);

    refused_forwards(&net, 1000, 10);
    alerts.wait_for("forward_failures", within, |_| alerted(&alerts, "forward_failures firing") == 1);
    tmux.wait_for("forward_failures on the overview", |s| has_line(s, &["⚑", "forward_failures"]));

    net.node(L2).call("disconnect", json!({"id": net.node(L1).id, "force": true}));
    alerts.wait_for("peer_down", within, |_| alerted(&alerts, "peer_down firing") == 1);
    // The monitor runs the rules on its own second: its alert is awaited too, before the
    // condition goes (as for each alert below).
    tmux.wait_for("peer_down on the overview", |s| has_line(s, &["⚑", "peer_down peer alice down"]));
    let l1 = net.node(L1);
    net.node(L2).call("connect", json!({"id": l1.id, "host": "127.0.0.1", "port": l1.port}));
    alerts.wait_for("peer_down resolved", within, |_| alerted(&alerts, "peer_down resolved") == 1);

    net.node(L3).call("close", json!({"id": net.node(L2).id, "unilateraltimeout": 0}));
    alerts.wait_for("channel_closing within 10 s", Duration::from_secs(10), |_| {
        alerted(&alerts, "channel_closing firing") == 1
    });
    tmux.wait_for("channel_closing on the overview", |s| has_line(s, &["⚑", "channel_closing"]));
    let closing = alerts.json().into_iter().find(|o| o["kind"] == "channel_closing").unwrap();
    assert_eq!(closing["subject"], scid23.as_str());
    assert!(closing["message"].as_str().unwrap().contains("carol"), "by alias: {closing}");

    net.kill(L2);
    alerts.wait_for("node_down", within, |_| alerted(&alerts, "node_down firing") == 1);
    std::thread::sleep(Duration::from_secs(3));
    let changes = alert_changes(&alerts);
    let mut kinds = changes.clone();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), changes.len(), "each change once: {changes:?}");
    assert_eq!(alerted(&alerts, "forward_failures firing"), 1, "{changes:?}");
    let objects = alerts.json();
    for o in &objects {
        assert_eq!(o["node"], "bob", "the node by alias: {o}");
    }
    let node_down = objects.iter().find(|o| o["kind"] == "node_down").unwrap();
    assert_eq!(
        (node_down["subject"].as_str(), node_down["severity"].as_str()),
        (Some(l2_id.as_str()), Some("critical"))
    );
    let exec: Vec<Value> = wait_until("the command's record", Duration::from_secs(10), || {
        let got: Vec<Value> = std::fs::read_to_string(&recorded)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        (got.len() >= objects.len()).then_some(got)
    });
    assert_eq!(exec, objects, "--exec got the same JSON");

    // The monitor rang and notified through tmux for each new alert: the same kinds.
    let mut fired: Vec<String> =
        objects.iter().filter(|o| o["state"] == "firing").map(|o| o["kind"].as_str().unwrap().to_owned()).collect();
    fired.sort();
    let prefix = "\x1bPtmux;\x1b\x1b]777;notify;lnwatch bob: ";
    let seen = || {
        let raw = std::fs::read(&raw).unwrap_or_default();
        let text = String::from_utf8_lossy(&raw);
        let mut kinds: Vec<String> = text
            .split(prefix)
            .skip(1)
            .filter_map(|rest| rest.split(';').next()?.split(' ').nth(1).map(str::to_owned))
            .collect();
        kinds.sort();
        (raw.iter().filter(|b| **b == 0x07).count(), kinds)
    };
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while seen() != (fired.len(), fired.clone()) && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(seen(), (fired.len(), fired), "(bells, notifications) from the monitor, as the alerts fired");
    tmux.keys(&["q"]);
}

/// A real Prometheus server (Debian's `prometheus`, on loopback with a config of the test's own)
/// scrapes `lnwatch-metrics` on the three nodes while l1 pays l3 through l2: its query API gives
/// l2's settled forwards as l2's `listforwards` counts them, its fees, and l2's connected peers
/// as `listpeers` says.
#[test]
fn prometheus_scrapes_the_nodes_and_agrees_with_them() {
    let Some(ld) = lightningd_or_skip("prometheus_scrapes_the_nodes_and_agrees_with_them") else { return };
    let Ok(_) = std::process::Command::new("prometheus").arg("--version").output() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but prometheus is missing");
        eprintln!("prometheus is not installed (apt-get install prometheus): skipped");
        return;
    };
    let ports: Vec<u16> = (0..3).map(|_| lnwatch_tests::network::free_port()).collect();
    let specs = ports
        .iter()
        .map(|p| NodeSpec::new(PluginLoad::AtBoot).plugin_option("lnwatch-metrics", &format!("127.0.0.1:{p}")))
        .collect();
    let mut net = Network::start("prom", &ld, specs);
    route_through_l2(&mut net);
    for i in 0..3 {
        pay(&net, L3, &format!("prom-{i}"), 10_000_000 + i * 1_000);
    }

    let tmp = tempfile::tempdir().unwrap();
    let targets: Vec<String> = ports.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect();
    let config = tmp.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: lnwatch\n    static_configs:\n      - targets: [{}]\n",
            targets.join(", ")
        ),
    )
    .unwrap();
    let web = lnwatch_tests::network::free_port();
    let mut server = std::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", tmp.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{web}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(tmp.path().join("prometheus.log")).unwrap())
        .spawn()
        .expect("prometheus starts");
    let query = |q: &str| -> Option<f64> {
        let out = std::process::Command::new("curl")
            .args(["-fsS", "--get", "--data-urlencode", &format!("query={q}")])
            .arg(format!("http://127.0.0.1:{web}/api/v1/query"))
            .output()
            .ok()?;
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    };
    let l2 = format!("127.0.0.1:{}", ports[L2]);
    let forwards = net.node(L2).call("listforwards", json!({"status": "settled"}));
    let settled = forwards["forwards"].as_array().unwrap();
    let fees: u64 = settled.iter().map(|f| f["fee_msat"].as_u64().unwrap()).sum();
    let peers = net.node(L2).call("listpeers", json!({}));
    let connected = peers["peers"].as_array().unwrap().iter().filter(|p| p["connected"] == true).count();
    assert_eq!(settled.len(), 3);
    let got = wait_until("Prometheus to have scraped l2", Duration::from_secs(60), || {
        let s = query(&format!("lnwatch_forwards_total{{status=\"settled\",instance=\"{l2}\"}}"))?;
        let f = query(&format!("lnwatch_forward_fees_msat_total{{instance=\"{l2}\"}}"))?;
        let p = query(&format!("lnwatch_peers_connected{{instance=\"{l2}\"}}"))?;
        (s == settled.len() as f64).then_some((s, f, p))
    });
    assert_eq!(got, (settled.len() as f64, fees as f64, connected as f64), "Prometheus agrees with l2's lists");
    // Every node is a target, up.
    let up = wait_until("three targets up", Duration::from_secs(30), || {
        query("count(up{job=\"lnwatch\"} == 1)").filter(|n| *n == 3.0)
    });
    assert_eq!(up, 3.0);
    let _ = server.kill();
    let _ = server.wait();
}

/// One monitor, two real nodes (`--socket` twice): the fleet view (`0`) shows both up; one
/// killed, its row says down at once while the other's blocks keep arriving; restarted, it is
/// up again; `n` shows the other node, named in the header.
#[test]
fn one_monitor_watches_two_nodes_and_one_going_down_holds_nothing_up() {
    let Some(ld) = lightningd_or_skip("one_monitor_watches_two_nodes_and_one_going_down_holds_nothing_up") else {
        return;
    };
    if !tmux_available() {
        return;
    }
    let spec = |alias: &str| NodeSpec::new(PluginLoad::AtBoot).alias(alias);
    let mut net = Network::start("fleet", &ld, vec![spec("alice"), spec("bob")]);
    let sockets: Vec<String> = (0..2).map(|i| net.node(i).socket().display().to_string()).collect();
    let cmd =
        format!("NO_COLOR=1 {} --socket {} --socket {}", workspace_bin("lnwatch").display(), sockets[0], sockets[1]);
    let tmux = Tmux::start(&cmd, 150, 20);
    tmux.keys(&["0"]);
    let both_up = |s: &str| has_line(s, &["alice", "up since"]) && has_line(s, &["bob", "up since"]);
    tmux.wait_for("both nodes up", both_up);

    net.kill(L1);
    let height = net.mine(2);
    let s = tmux.wait_for("alice down, bob's blocks still coming", |s| {
        has_line(s, &["alice", "down since"]) && has_line(s, &["bob", "up since", &height.to_string()])
    });
    assert!(s.contains("2 nodes · 1 up"), "{s}");
    net.restart(L1);
    tmux.wait_for("alice up again", both_up);

    tmux.keys(&["0", "n"]);
    tmux.wait_for("bob's views, named", |s| s.lines().next().is_some_and(|l| l.contains("[node 2/2 bob]")));
    tmux.keys(&["q"]);
}
