//! `lnwatch-metrics`: the real plugin binary under the simulated node whose records answer by
//! index, scraped over HTTP as Prometheus scrapes it. The counters equal the node's records at
//! start and follow them; the gauges are the node's word at each scrape; the relay's own
//! counts follow its notifications and clients.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use lnwatch_sim::SimOptions;
use lnwatch_sim::records::Records;
use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
use serde_json::{Map, Value, json};
use support::*;

const PEER_A: &str = "0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0";
const PEER_B: &str = "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP GET: (status line, content type, body).
fn get(port: u16, path: &str) -> (String, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the metrics port");
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.lines().next().unwrap().to_owned();
    let ctype = head.lines().find_map(|l| l.strip_prefix("Content-Type: ")).unwrap_or_default().to_owned();
    (status, ctype, body.to_owned())
}

/// The value of the sample `series` (name and labels exactly as exposed).
fn value(body: &str, series: &str) -> Option<f64> {
    body.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn scrape_until(port: u16, what: &str, f: impl Fn(&str) -> bool) -> String {
    let mut body = String::new();
    wait_for(what, || {
        body = get(port, "/metrics").2;
        f(&body)
    });
    body
}

#[test]
fn metrics_are_the_nodes_records_and_follow_them() {
    let records = Arc::new(Mutex::new(Records::default()));
    {
        let mut r = records.lock().unwrap();
        for i in 0..1_234u64 {
            let status = match i % 10 {
                0 => "local_failed",
                1 => "failed",
                _ => "settled",
            };
            r.forward("103x1x0", "105x1x1", 100_000, 1_000, status, 1_763_772_000.0 + i as f64);
        }
        r.sendpay("aa", PEER_A, 5_000, true, 1_763_772_000);
        r.sendpay("bb", PEER_A, 5_000, false, 1_763_772_001);
        let paid = r.invoice_created("coffee", 1_000, 2_000_000_000);
        r.invoice_paid(paid, 1_763_772_010);
        r.invoice_created("open", 1_000, 2_000_000_000);
    }
    let answers = records.clone();
    let answer = move |method: &str, params: &Value| match method {
        "listpeerchannels" => Some(json!({"channels": [
            {"peer_id": PEER_A, "peer_connected": true, "state": "CHANNELD_NORMAL", "short_channel_id": "103x1x0",
             "total_msat": 5_000_000_000u64, "to_us_msat": 2_000_000_000u64, "htlcs": [
                {"direction": "out", "expiry": 840_130, "amount_msat": 1_000},
                {"direction": "in", "expiry": 840_164, "amount_msat": 1_001},
                {"direction": "out", "expiry": 840_200, "amount_msat": 5}]},
            {"peer_id": PEER_B, "peer_connected": false, "state": "ONCHAIN", "short_channel_id": "105x1x1",
             "total_msat": 1_000_000_000u64, "to_us_msat": 0, "htlcs": []}]})),
        "listnodes" if params["id"] == PEER_A => Some(json!({"nodes": [{"nodeid": PEER_A, "alias": "river\"hub\n"}]})),
        "listnodes" => Some(json!({"nodes": []})),
        _ => answers.lock().unwrap().answer(method, params),
    };
    let port = free_port();
    let mut plugin_options = Map::new();
    plugin_options.insert("lnwatch-metrics".into(), json!(format!("127.0.0.1:{port}")));
    let rpc = RpcAnswers {
        getinfo: json!({"id": "0357f749", "alias": "bob", "blockheight": 840_123}),
        listpeers: json!({"peers": [{"id": PEER_A, "connected": true}, {"id": PEER_B, "connected": false}]}),
        other: Some(Answerer(Arc::new(answer))),
        ..RpcAnswers::default()
    };
    let mut ln = node(SimOptions { plugin_options, rpc, ..SimOptions::default() });

    let body =
        scrape_until(port, "the records read", |b| value(b, "lnwatch_records_caught_up").is_some_and(|v| v == 1.0));
    let settled = (0..1_234).filter(|i| i % 10 >= 2).count() as f64;
    for (series, want) in [
        ("lnwatch_forwards_total{status=\"settled\"}", settled),
        ("lnwatch_forwards_total{status=\"local_failed\"}", 124.0),
        ("lnwatch_forwards_total{status=\"failed\"}", 124.0),
        ("lnwatch_forwards_total{status=\"offered\"}", 1_234.0),
        ("lnwatch_forward_fees_msat_total", settled * 1_000.0),
        ("lnwatch_payments_total{status=\"complete\"}", 1.0),
        ("lnwatch_payments_total{status=\"failed\"}", 1.0),
        ("lnwatch_invoices_paid_total", 1.0),
        ("lnwatch_peers_connected", 1.0),
        ("lnwatch_channels{state=\"CHANNELD_NORMAL\"}", 1.0),
        ("lnwatch_channels{state=\"ONCHAIN\"}", 1.0),
        ("lnwatch_block_height", 840_123.0),
        ("lnwatch_htlcs_in_flight", 3.0),
        ("lnwatch_htlc_soonest_expiry_blocks{direction=\"out\"}", 7.0),
        ("lnwatch_htlc_soonest_expiry_blocks{direction=\"in\"}", 41.0),
        ("lnwatch_node_up", 1.0),
        ("lnwatch_relay_clients", 0.0),
    ] {
        assert_eq!(value(&body, series), Some(want), "{series}:\n{body}");
    }
    // Channels by their peer's alias once gossip has one (sanitized, escaped as a label
    // value), else its id.
    let body = scrape_until(port, "the alias", |b| b.contains("peer=\"river\\\"hub⏎\""));
    assert_eq!(
        value(&body, "lnwatch_channel_local_msat{short_channel_id=\"103x1x0\",peer=\"river\\\"hub⏎\"}"),
        Some(2e9),
        "{body}"
    );
    assert_eq!(
        value(&body, &format!("lnwatch_channel_capacity_msat{{short_channel_id=\"105x1x1\",peer=\"{PEER_B}\"}}")),
        Some(1e9)
    );
    assert_eq!(
        value(&body, &format!("lnwatch_channel_peer_connected{{short_channel_id=\"105x1x1\",peer=\"{PEER_B}\"}}")),
        Some(0.0)
    );
    assert!(body.ends_with("# EOF\n"), "OpenMetrics text: {body}");

    // More records, notifications and a client: all followed.
    {
        let mut r = records.lock().unwrap();
        for i in 0..10 {
            r.forward("103x1x0", "105x1x1", 100_000, 1_000, "settled", 1_763_773_000.0 + i as f64);
        }
    }
    for h in 0..3 {
        ln.notify("block_added", json!({"block_added": {"hash": format!("{h:064x}"), "height": 840_124 + h}})).unwrap();
    }
    ln.notify("connect", connect_params(PEER_B)).unwrap();
    let _client = connect(&ln.default_socket());
    let body = scrape_until(port, "what is new", |b| {
        value(b, "lnwatch_forwards_total{status=\"settled\"}") == Some(settled + 10.0)
            && value(b, "lnwatch_notifications_total{topic=\"block_added\"}") == Some(3.0)
            && value(b, "lnwatch_peers_connected") == Some(2.0)
            && value(b, "lnwatch_relay_clients") == Some(1.0)
    });
    assert_eq!(value(&body, "lnwatch_forward_fees_msat_total"), Some((settled + 10.0) * 1_000.0));

    docs_name_only_these(&body);

    let (status, ctype, _) = get(port, "/metrics");
    assert_eq!((status.as_str(), ctype.as_str()), ("HTTP/1.1 200 OK", lnwatch_plugin::metrics::http::CONTENT_TYPE));
    assert!(get(port, "/nope").0.contains("404"));
    // A client that sends nothing or garbage does not stop the scrapes.
    let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut junk = TcpStream::connect(("127.0.0.1", port)).unwrap();
    junk.write_all(&[0xff; 20_000]).unwrap_or_default();
    assert!(get(port, "/metrics").0.contains("200"));
    ln.check().unwrap();
}

#[test]
fn a_metrics_address_that_cannot_be_used_disables_the_plugin_with_a_reason() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for (value, says) in [(addr.as_str(), "cannot listen"), ("nowhere", "HOST:PORT")] {
        let mut plugin_options = Map::new();
        plugin_options.insert("lnwatch-metrics".into(), json!(value));
        let mut ln =
            lnwatch_sim::Lightningd::spawn(plugin_bin(), SimOptions { plugin_options, ..SimOptions::default() })
                .expect("spawn");
        ln.getmanifest().unwrap();
        let init = ln.init().unwrap();
        let reason = init["disable"].as_str().unwrap_or_default();
        assert!(reason.contains("lnwatch-metrics") && reason.contains(says), "{value}: {init}");
        assert!(!ln.default_socket().exists(), "no socket left behind");
    }
}

/// The docs' alerting rules and Grafana dashboard use only metrics the plugin exposes (`body`,
/// a scrape with every family present), and promtool accepts the rules and the scrape config.
fn docs_name_only_these(body: &str) {
    let exposed: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .flat_map(|name| [name.to_owned(), format!("{name}_total")])
        .collect();
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/prometheus");
    for file in ["lnwatch-rules.yml", "grafana-dashboard.json"] {
        let text = std::fs::read_to_string(docs.join(file)).unwrap();
        let mut used: Vec<&str> = text
            .match_indices("lnwatch_")
            .map(|(at, _)| {
                let rest = &text[at..];
                &rest[..rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())]
            })
            .collect();
        used.sort();
        used.dedup();
        assert!(used.len() >= 8, "{file}: {used:?}");
        for name in used {
            assert!(exposed.iter().any(|e| e == name), "{file} uses {name}, which the plugin does not expose");
        }
    }
    serde_json::from_str::<Value>(&std::fs::read_to_string(docs.join("grafana-dashboard.json")).unwrap()).unwrap();
    match std::process::Command::new("promtool").arg("--version").output() {
        Ok(_) => {
            for args in [["check", "rules", "lnwatch-rules.yml"], ["check", "config", "prometheus.yml"]] {
                let out = std::process::Command::new("promtool").args(args).current_dir(&docs).output().unwrap();
                assert!(out.status.success(), "promtool {args:?}: {}", String::from_utf8_lossy(&out.stdout));
            }
        }
        Err(_) => assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but promtool is missing"),
    }
}
