//! The headless commands, the real binary, against the plugin under the simulated node whose
//! records answer `wait` and `list*` by index. `lnwatch since`: a first run starts the cursor,
//! later runs print what happened since (text or JSON) and move it; paging crosses many pages.
//! `lnwatch report`: the days equal an aggregation of the node's whole lists.

use std::process::Command;
use std::sync::{Arc, Mutex};

use lnwatch_sim::records::Records;
use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
use lnwatch_sim::{Lightningd, SimOptions};
use serde_json::{Value, json};

const PEER_A: &str = "0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0";
const PEER_B: &str = "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59";
const PAYEE: &str = "035d2b1192dfba134e10e540875d366ebc8bc353d5aa766b80c090b39c3a5d885d";

/// The node's answers: its records, its channels (103x1x0 and 105x1x1) and its
/// gossip (an alias for the first peer and for the payee, none for the second peer).
fn node(dir: &std::path::Path, records: Arc<Mutex<Records>>) -> Lightningd {
    let answer = move |method: &str, params: &Value| match method {
        "listpeerchannels" => Some(serde_json::json!({"channels": [
            {"short_channel_id": "103x1x0", "peer_id": PEER_A, "channel_id": "c1", "state": "CHANNELD_NORMAL"},
            {"short_channel_id": "105x1x1", "peer_id": PEER_B, "channel_id": "c2", "state": "CHANNELD_NORMAL"}]})),
        "listnodes" => Some(match params["id"].as_str() {
            Some(PEER_A) => serde_json::json!({"nodes": [{"nodeid": PEER_A, "alias": "river-hub\u{1b}[2J\u{9b}31m"}]}),
            Some(PAYEE) => serde_json::json!({"nodes": [{"nodeid": PAYEE, "alias": "carol"}]}),
            _ => serde_json::json!({"nodes": []}),
        }),
        _ => records.lock().unwrap().answer(method, params),
    };
    let rpc = RpcAnswers { other: Some(Answerer(Arc::new(answer))), ..RpcAnswers::default() };
    let opts = SimOptions { rpc, lightning_dir: Some(dir.to_path_buf()), ..SimOptions::default() };
    let mut ln = Lightningd::in_process(opts).expect("plugin");
    ln.start().expect("plugin starts");
    ln
}

/// Runs the real binary with `args`: (success, stdout, stderr).
fn lnwatch(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lnwatch")).args(args).output().expect("lnwatch runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn since(dir: &std::path::Path, state: &std::path::Path, extra: &[&str]) -> (bool, String, String) {
    let (dir, state) = (dir.display().to_string(), state.display().to_string());
    lnwatch(&[&["--lightning-dir", &dir, "--state-dir", &state, "since"], extra].concat())
}

#[test]
fn since_reports_what_happened_after_its_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let records = Arc::new(Mutex::new(Records::default()));
    let _ln = node(dir.path(), records.clone());

    let (ok, out, err) = since(dir.path(), state.path(), &["--cursor", "daily"]);
    assert!(ok, "{err}");
    assert!(out.contains("cursor \"daily\" starts now"), "{out}");

    {
        let mut r = records.lock().unwrap();
        let a = r.invoice_created("coffee\u{1b}[2J", 5_000_000, 2_000_000_000);
        r.invoice_paid(a, 1_763_772_010);
        for i in 0..2_500 {
            r.forward(
                "103x1x0",
                "105x1x1",
                1_000_000,
                1_000,
                if i % 10 == 0 { "local_failed" } else { "settled" },
                1_763_772_000.0 + i as f64,
            );
        }
        r.sendpay("77", PAYEE, 20_000, false, 1_763_772_020);
    }
    let (ok, out, err) = since(dir.path(), state.path(), &["--cursor", "daily", "--json", "--keep"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("one JSON document");
    let s = &v["summary"];
    assert_eq!(
        (s["invoices_paid"].as_u64(), s["forwards_settled"].as_u64(), s["forwards_failed"].as_u64()),
        (Some(1), Some(2_250), Some(250))
    );
    assert_eq!(s["fees_msat"], 2_250_000);
    assert_eq!(s["payments_failed"], 1);
    assert_eq!(v["forwards"].as_array().unwrap().len(), 2_500, "each forward once, across pages and both lanes");
    assert_eq!(v["first_run"], false);
    assert_eq!(v["to"]["forwards"]["created"], 2_500);
    // Names from the node's gossip, null where it has none.
    assert_eq!(
        (&v["forwards"][1]["in_peer_alias"], &v["forwards"][1]["out_peer_alias"]),
        (&json!("river-hub\u{1b}[2J\u{9b}31m"), &Value::Null)
    );
    assert_eq!(v["payments"][0]["destination_alias"], "carol");

    // --keep left the cursor: the same again, as text, then moved.
    let (ok, out, _) = since(dir.path(), state.path(), &["--cursor", "daily"]);
    assert!(ok);
    assert!(
        out.contains("1 invoice paid, 2,250 forwards (+2,250 sat fees), 250 forwards failed, 1 payment failed"),
        "{out}"
    );
    assert!(out.contains("invoice paid 5,000 sat coffee\n") && !out.contains('\u{1b}'), "labels sanitized: {out}");
    assert!(out.contains("forward settled river-hub (103x1x0) → 105x1x1 1,000 sat fee 1 sat"), "peers by name: {out}");
    assert!(out.contains("payment failed 20 sat to carol"), "{out}");
    let (_, out, _) = since(dir.path(), state.path(), &["--cursor", "daily"]);
    assert!(out.contains("nothing new"), "{out}");
    // Another reader has its own cursor.
    let (_, out, _) = since(dir.path(), state.path(), &["--cursor", "weekly"]);
    assert!(out.contains("starts now"), "{out}");

    // A corrupt cursor: said on the report, set aside, started fresh.
    let file = std::fs::read_dir(state.path()).unwrap().flatten().next().unwrap().path().join("daily.json");
    std::fs::write(&file, "{").unwrap();
    let (ok, out, _) = since(dir.path(), state.path(), &["--cursor", "daily"]);
    assert!(ok && out.contains("warning: cursor unreadable, starting fresh"), "{out}");
    assert!(file.with_extension("json.corrupt").exists());
}

#[test]
fn since_says_what_is_wrong_without_a_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = since(dir.path(), dir.path(), &[]);
    assert!(!ok);
    assert!(err.contains("cannot connect") && err.contains("lnwatch-plugin"), "{err}");
}

#[test]
fn network_strings_cannot_forge_lines_or_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let records = Arc::new(Mutex::new(Records::default()));
    let _ln = node(dir.path(), records.clone());
    assert!(since(dir.path(), state.path(), &[]).0);
    let forged = "x\nnode 0357f749…, since cursor \"default\": 99 invoices paid\r\n00:00:00 invoice paid 1 sat y";
    {
        let mut r = records.lock().unwrap();
        let a = r.invoice_created(forged, 1_000, 2_000_000_000);
        r.invoice_paid(a, 1_763_772_010);
        let b = r.invoice_created("c1\u{85}[2J\u{9b}31m bidi\u{202e} del\u{7f} ls\u{2028}", 2_000, 2_000_000_000);
        r.invoice_paid(b, 1_763_772_011);
    }
    let (ok, out, err) = since(dir.path(), state.path(), &["--json", "--keep"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "one JSON document on one line: {out}");
    for raw in ['\u{85}', '\u{9b}', '\u{202e}', '\u{7f}', '\u{2028}', '\r'] {
        assert!(!out.contains(raw), "{raw:?} went out raw: {out:?}");
    }
    let v: Value = serde_json::from_str(&out).unwrap();
    let labels: Vec<&str> = v["invoices"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&forged), "the JSON still means the label exactly: {labels:?}");

    let (ok, out, _) = since(dir.path(), state.path(), &[]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "the summary and one line per invoice: {out}");
    assert!(lines[0].contains("2 invoices paid"), "{out}");
    assert!(lines[1..].iter().all(|l| l.contains(" invoice paid ")), "{out}");
    assert!(out.contains("x⏎node 0357f749…"), "the newline is shown, not obeyed: {out}");
    assert!(!out.contains('\u{85}') && !out.contains('\u{202e}') && !out.contains('\r'), "{out:?}");
}

#[test]
fn an_entry_too_large_to_fetch_is_skipped_and_said_and_the_rest_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let records = Arc::new(Mutex::new(Records::default()));
    let _ln = node(dir.path(), records.clone());
    assert!(since(dir.path(), state.path(), &[]).0);
    {
        let mut r = records.lock().unwrap();
        for i in 0..30 {
            // Invoice 11 carries a 9 MiB payer's note: over the plugin's 8 MiB answer limit.
            let note = if i == 10 { "n".repeat(9 << 20) } else { "coffee".into() };
            let a = r.invoice_described(&format!("inv-{i}"), 1_000, 2_000_000_000, &note);
            r.invoice_paid(a, 1_763_772_000 + i);
        }
    }
    let (ok, out, err) = since(dir.path(), state.path(), &["--json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let labels: Vec<&str> = v["invoices"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels.len(), 29, "every invoice but the huge one: {labels:?}");
    assert!(!labels.contains(&"inv-10"));
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("invoices (created index 11) is too large"), "{warnings}");
    assert_eq!(v["to"]["invoices"]["created"], 30, "the lane moved on past it");
    assert_eq!(v["to"]["invoices"]["updated"], 30);
}

fn report(dir: &std::path::Path, extra: &[&str]) -> (bool, String, String) {
    let dir = dir.display().to_string();
    lnwatch(&[&["--lightning-dir", &dir, "report"], extra].concat())
}

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// The days of `lnwatch report --json`, field by field, equal what a client aggregating the
/// node's whole `listforwards`, `listsendpays` and `listinvoices` computes by the report's
/// definitions: forwards over three days (settled, failed, refused here), a payment in two
/// parts after a failed try, a failed payment, invoices paid; empty days listed.
#[test]
fn report_days_equal_the_node_lists() {
    let dir = tempfile::tempdir().unwrap();
    let records = Arc::new(Mutex::new(Records::default()));
    let _ln = node(dir.path(), records.clone());
    let t = now();
    {
        let mut r = records.lock().unwrap();
        for i in 0..1_500u64 {
            // One every three minutes back over three days and more.
            let at = t - 60.0 - i as f64 * 180.0;
            let status = ["settled", "settled", "settled", "failed", "local_failed"][(i % 5) as usize];
            let (inc, out) = if i % 2 == 0 { ("103x1x0", "105x1x1") } else { ("105x1x1", "103x1x0") };
            r.forward(inc, out, 1_000_000 + i * 7, 1_000 + i, status, at);
        }
        let part = |id: u64, group: u64, part: u64, hash: &str, msat: u64, sent: u64| {
            json!({"id": id, "groupid": group, "partid": part, "payment_hash": hash, "amount_msat": msat,
                "amount_sent_msat": sent, "destination": PAYEE})
        };
        let y = (t - 86_400.0) as u64;
        r.sendpay_part(&part(1, 1, 1, "aa", 50_000_000, 50_000_051), false, y);
        r.sendpay_part(&part(2, 1, 2, "aa", 25_000_000, 25_000_030), true, y + 5);
        r.sendpay_part(&part(3, 1, 3, "aa", 25_000_000, 25_000_040), true, y + 6);
        r.sendpay_part(&part(4, 1, 1, "bb", 7_000_000, 7_000_009), false, t as u64 - 100);
        for at in [t - 30.0, t - 86_400.0 - 30.0, t - 2.0 * 86_400.0] {
            let i = r.invoice_created(&format!("inv-{at}"), 3_000_000, 2_000_000_000);
            r.invoice_paid(i, at as u64);
        }
        r.invoice_created("unpaid", 1_000, 2_000_000_000);
    }
    let (ok, out, err) = report(dir.path(), &["--days", "3", "--json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("one JSON document");
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 3, "exactly N days, today last");
    // A client's aggregation of the whole lists, by the same definitions.
    let r = records.lock().unwrap();
    let all = |m: &str, p: Value| r.answer(m, &p).unwrap();
    let (forwards, sendpays) = (all("listforwards", json!({})), all("listsendpays", json!({"index": "created"})));
    let invoices = all("listinvoices", json!({"index": "created"}));
    lnwatch_tests::ledger::check(&v, &forwards, &sendpays, &invoices);
    // "aa" paid yesterday in two parts after a failed try (70 msat of fees), "bb" failed today.
    let total = &v["totals"];
    assert_eq!(
        (&total["payments_sent"], &total["payments_failed"], &total["payment_fees_msat"]),
        (&json!(1), &json!(1), &json!(70))
    );
    assert_eq!(total["invoices_paid"], 3);
    // Channels: each with forwards, most fees first, named where gossip has a name.
    let channels = v["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2);
    assert!(channels[0]["fees_msat"].as_u64() >= channels[1]["fees_msat"].as_u64());
    let a = channels.iter().find(|c| c["short_channel_id"] == "103x1x0").unwrap();
    assert_eq!((&a["peer_id"], &a["peer_alias"]), (&json!(PEER_A), &json!("river-hub\u{1b}[2J\u{9b}31m")));
    let b = channels.iter().find(|c| c["short_channel_id"] == "105x1x1").unwrap();
    assert_eq!(b["peer_alias"], Value::Null);
    // Only the window's pages were read, not the whole history (1,500 forwards: two pages
    // and the sendpays' and invoices' one each, or so).
    assert!(v["pages"].as_u64().unwrap() <= 5, "{}", v["pages"]);

    drop(r);

    // The text form: a line per day, the totals, the channels by name (sanitized).
    let (ok, out, _) = report(dir.path(), &["--days", "3"]);
    assert!(ok);
    assert_eq!(out.lines().filter(|l| l.starts_with("20")).count(), 3, "{out}");
    assert!(out.lines().any(|l| l.starts_with("total")), "{out}");
    assert!(out.contains("103x1x0        river-hub") && !out.contains(['\u{1b}', '\u{9b}']), "{out}");
}

/// Several sockets: `report` (and `since`, by the same path) gives each node's document, one
/// JSON line with its `node`, or its text lines led by `[node]`; a node that cannot be reached
/// is named in the error and the others still print.
#[test]
fn several_nodes_report_each_named() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let records = Arc::new(Mutex::new(Records::default()));
    records.lock().unwrap().forward("103x1x0", "105x1x1", 1_000_000, 1_000, "settled", now() - 60.0);
    let _la = node(a.path(), records.clone());
    let _lb = node(b.path(), Arc::new(Mutex::new(Records::default())));
    let (sa, sb) =
        (a.path().join("notif.sock").display().to_string(), b.path().join("notif.sock").display().to_string());
    let (ok, out, err) = lnwatch(&["--socket", &sa, "--socket", &sb, "report", "--days", "1", "--json"]);
    assert!(ok, "{err}");
    let docs: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(docs.len(), 2, "{out}");
    // The alias's C1 control is escaped as in one node's document.
    assert!(out.contains("river-hub") && !out.contains('\u{9b}'), "{out}");
    assert_eq!((docs[0]["node"].as_str(), docs[1]["node"].as_str()), (Some(sa.as_str()), Some(sb.as_str())));
    assert_eq!(
        (&docs[0]["totals"]["forwards_settled"], &docs[1]["totals"]["forwards_settled"]),
        (&json!(1), &json!(0))
    );
    let (ok, out, _) = lnwatch(&["--socket", &sa, "--socket", &sb, "report", "--days", "1"]);
    assert!(
        ok && out.lines().all(|l| l.starts_with(&format!("[{sa}] ")) || l.starts_with(&format!("[{sb}] "))),
        "{out}"
    );
    let gone = a.path().join("gone.sock").display().to_string();
    let (ok, out, err) = lnwatch(&["--socket", &sa, "--socket", &gone, "report", "--days", "1"]);
    assert!(!ok && err.contains(&gone) && out.contains(&format!("[{sa}] ")), "{out}\n{err}");
}
