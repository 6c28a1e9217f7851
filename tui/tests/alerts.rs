//! `lnwatch alerts`, the real binary, against the plugin under the simulated node: one JSON
//! line per alert change, the same line on `--exec`'s stdin, one alert for a flood, the node
//! going away an alert rather than an exit. And the commands around it: `config`, a bad config
//! file's error, `completions`, `man`.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
use lnwatch_sim::{Lightningd, SimOptions};
use lnwatch_tests::lines::Lines;
use serde_json::{Value, json};

const PEER_A: &str = "0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0";
const CHAN_A: &str = "a2d0851832f0e30a0cf778a826d72f077ca86b69f72677e0267f23f63a0599b4";

/// The node: one channel with peer A in `state`; counts the channel lists it was asked for.
fn node(dir: &std::path::Path, state: Arc<Mutex<String>>, asked: Arc<AtomicUsize>) -> Lightningd {
    let answer = move |method: &str, _: &Value| match method {
        "listpeerchannels" => {
            asked.fetch_add(1, Ordering::SeqCst);
            let state = state.lock().unwrap().clone();
            Some(json!({"channels": [{"peer_id": PEER_A, "peer_connected": true, "state": state,
                "short_channel_id": "103x1x0", "channel_id": CHAN_A, "total_msat": 5_000_000_000u64,
                "to_us_msat": 2_000_000_000u64, "htlcs": []}]}))
        }
        "listnodes" => Some(json!({"nodes": [{"nodeid": PEER_A, "alias": "river-hub"}]})),
        _ => None,
    };
    let rpc = RpcAnswers { other: Some(Answerer(Arc::new(answer))), ..RpcAnswers::default() };
    let opts = SimOptions { rpc, lightning_dir: Some(dir.to_path_buf()), ..SimOptions::default() };
    let mut ln = Lightningd::in_process(opts).expect("plugin");
    ln.start().expect("plugin starts");
    ln
}

/// `lnwatch alerts` running.
fn alerts(args: &[&str]) -> Lines {
    Lines::spawn(std::path::Path::new(env!("CARGO_BIN_EXE_lnwatch")), args)
}

/// `kind state` of each JSON line so far.
fn changes(a: &Lines) -> Vec<String> {
    a.json().iter().map(|o| format!("{} {}", o["kind"].as_str().unwrap(), o["state"].as_str().unwrap())).collect()
}

fn has(a: &Lines, what: &str) -> bool {
    changes(a).iter().any(|c| c == what)
}

fn count(changes: &[String], what: &str) -> usize {
    changes.iter().filter(|c| *c == what).count()
}

#[test]
fn alerts_print_each_change_once_run_the_command_with_it_and_outlive_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(Mutex::new("CHANNELD_NORMAL".to_owned()));
    let asked = Arc::new(AtomicUsize::new(0));
    let mut ln = node(dir.path(), state.clone(), asked.clone());
    let recorded = dir.path().join("exec.jsonl");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[alerts]\npeer_down_after = 1\nnode_down_after = 1\nforward_failures = 5\nexec = \"cat >> '{}'\"\n",
            recorded.display()
        ),
    )
    .unwrap();
    let socket = ln.default_socket().display().to_string();
    let mut alerts = alerts(&["--config", &config.display().to_string(), "--socket", &socket, "alerts", "--json"]);
    let end = Instant::now() + Duration::from_secs(20);
    while asked.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < end, "lnwatch alerts never asked for the channels");
        std::thread::sleep(Duration::from_millis(20));
    }
    let within = Duration::from_secs(15);

    ln.notify("disconnect", json!({"disconnect": {"id": PEER_A}})).unwrap();
    alerts.wait_for("peer_down", within, |_| has(&alerts, "peer_down firing"));
    ln.notify(
        "connect",
        json!({"connect": {"id": PEER_A, "direction": "out",
        "address": {"type": "ipv4", "address": "127.0.0.1", "port": 9735}}}),
    )
    .unwrap();
    alerts.wait_for("peer_down resolved", within, |_| has(&alerts, "peer_down resolved"));

    // The peer force-closes: the event, then the node's list, say so.
    *state.lock().unwrap() = "AWAITING_UNILATERAL".into();
    ln.notify(
        "channel_state_changed",
        json!({"channel_state_changed": {"peer_id": PEER_A, "channel_id": CHAN_A,
        "short_channel_id": "103x1x0", "old_state": "CHANNELD_NORMAL", "new_state": "AWAITING_UNILATERAL",
        "cause": "remote", "message": "Peer sent error: internal error"}}),
    )
    .unwrap();
    alerts.wait_for("channel_closing", within, |_| has(&alerts, "channel_closing firing"));

    for i in 0..1000u64 {
        ln.notify(
            "forward_event",
            json!({"forward_event": {"payment_hash": format!("{i:064x}"),
            "in_channel": "105x1x1", "in_htlc_id": i, "out_channel": "103x1x0", "in_msat": 1_000_000,
            "status": "local_failed", "failcode": 4103, "failreason": "WIRE_TEMPORARY_CHANNEL_FAILURE",
            "received_time": 1_763_772_000.0}}),
        )
        .unwrap();
    }
    alerts.wait_for("forward_failures", within, |_| has(&alerts, "forward_failures firing"));

    // The node goes: an alert, not an exit.
    ln.shutdown().unwrap();
    alerts.wait_for("node_down", within, |_| has(&alerts, "node_down firing"));
    std::thread::sleep(Duration::from_secs(2));
    let changes = changes(&alerts);
    for (what, n) in [
        ("peer_down firing", 1),
        ("peer_down resolved", 1),
        ("channel_closing firing", 1),
        ("forward_failures firing", 1),
        ("node_down firing", 1),
    ] {
        assert_eq!(count(&changes, what), n, "{what}: {changes:?}");
    }
    assert_eq!(changes.len(), 5, "nothing else: {changes:?}");

    let objects = alerts.json();
    let closing = objects.iter().find(|o| o["kind"] == "channel_closing").unwrap();
    assert_eq!((closing["subject"].as_str(), closing["severity"].as_str()), (Some("103x1x0"), Some("warning")));
    let message = closing["message"].as_str().unwrap();
    assert!(message.contains("river-hub") && message.contains("closed by the peer"), "{message}");
    let down = objects.iter().find(|o| o["kind"] == "peer_down").unwrap();
    assert_eq!(down["subject"], PEER_A);
    let node_down = objects.iter().find(|o| o["kind"] == "node_down").unwrap();
    assert_eq!(node_down["severity"], "critical");
    for o in &objects {
        let at = o["at"].as_str().unwrap();
        assert!(at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "RFC 3339 UTC: {at}");
        assert!(o["node"].is_string() && o["message"].is_string());
    }
    // The command got the same objects, in the same order.
    let end = Instant::now() + Duration::from_secs(10);
    let exec: Vec<Value> = loop {
        let got: Vec<Value> = std::fs::read_to_string(&recorded)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON on the command's stdin"))
            .collect();
        if got.len() >= objects.len() || Instant::now() > end {
            break got;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exec, objects);

    // Stopped as systemd stops it.
    let (status, _) = alerts.stop();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_failing_or_slow_command_is_logged_and_never_stops_the_alerts() {
    let dir = tempfile::tempdir().unwrap();
    // No node at all: node_down fires after its delay, with a command that fails, then one
    // that outlives its timeout.
    let socket = dir.path().join("notif.sock").display().to_string();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[alerts]\nnode_down_after = 1\nexec_timeout = 1\n").unwrap();
    let cfg = config.display().to_string();
    let mut failing = alerts(&["--config", &cfg, "--socket", &socket, "alerts", "--exec", "echo nope >&2; exit 3"]);
    let mut slow = alerts(&["--config", &cfg, "--socket", &socket, "alerts", "--json", "--exec", "sleep 30"]);
    let within = Duration::from_secs(15);
    failing.wait_for("node_down without a node", within, |l| !l.is_empty());
    slow.wait_for("node_down without a node", within, |l| !l.is_empty());
    let text = failing.lines()[0].clone();
    assert!(text.contains(" firing   critical node_down ") && text.contains("cannot reach lnwatch-plugin"), "{text}");
    std::thread::sleep(Duration::from_secs(3));
    assert!(failing.running() && slow.running());
    let (_, err) = failing.stop();
    assert!(err.contains("exit status: 3: nope"), "the failure logged: {err}");
    let (_, err) = slow.stop();
    assert!(err.contains("killed after 1 s"), "the timeout logged: {err}");
}

fn lnwatch(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lnwatch")).args(args).output().expect("lnwatch runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_completions_and_man() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "[alerts]\npeer_down_after = 60\n\n[ui]\ntheme = \"light\"\n").unwrap();
    let f = file.display().to_string();
    let (code, out, err) = lnwatch(&["--config", &f, "--htlc-expiry-blocks", "4", "config"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&format!("in effect: {f}, then the flags")), "{out}");
    assert!(out.contains("\npeer_down_after = 60\n") && out.contains("\ntheme = \"light\"\n"), "the file: {out}");
    assert!(out.contains("\nhtlc_expiry_blocks = 4\n"), "the flag over it: {out}");
    assert!(out.contains("# seconds a peer stays down"), "with comments: {out}");
    // What it prints is a config file that gives the same.
    let printed = dir.path().join("printed.toml");
    std::fs::write(&printed, &out).unwrap();
    let (code, again, _) = lnwatch(&["--config", &printed.display().to_string(), "config"]);
    assert_eq!(code, Some(0));
    assert_eq!(again.lines().skip(1).collect::<Vec<_>>(), out.lines().skip(1).collect::<Vec<_>>());

    std::fs::write(&file, "[alerts]\npeer_down_after = 60\n\n[ui]\nbel = false\n").unwrap();
    let (code, _, err) = lnwatch(&["--config", &f, "config"]);
    assert_eq!(code, Some(2), "a usage error");
    assert!(err.contains(&format!("{f}:5: ui.bel: unknown field `bel`")), "{err}");
    let (code, _, err) = lnwatch(&["--config", &dir.path().join("none.toml").display().to_string(), "config"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("none.toml"), "{err}");

    for (shell, mark) in
        [("bash", "complete -F _lnwatch"), ("zsh", "#compdef lnwatch"), ("fish", "complete -c lnwatch")]
    {
        let (code, out, _) = lnwatch(&["completions", shell]);
        assert_eq!(code, Some(0));
        assert!(out.contains(mark) && out.contains("alerts") && out.contains("socket"), "{shell}: {out}");
    }
    let (code, out, _) = lnwatch(&["man"]);
    assert_eq!(code, Some(0));
    assert!(out.contains(".TH lnwatch 1") && out.contains("alerts") && out.contains("config"), "{out}");
}

/// The docs' examples: the files are the ones docs/alerts.md shows, and they do what it says
/// with a JSON line from `lnwatch alerts` (the notifier through a stand-in `notify-send`, the
/// push to a local HTTP server).
#[test]
fn the_documented_commands_do_what_the_docs_say() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let page = std::fs::read_to_string(docs.join("alerts.md")).unwrap();
    for file in ["lnwatch-alerts.service", "notify-desktop.sh", "push-ntfy.sh"] {
        let text = std::fs::read_to_string(docs.join("examples").join(file)).unwrap();
        assert!(page.contains(&text), "docs/alerts.md shows examples/{file} as it is");
    }
    for tool in ["jq", "curl"] {
        if Command::new(tool).arg("--version").output().is_err() {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but {tool} is missing");
            return;
        }
    }
    let line = r#"{"at":"2026-12-02T14:03:11Z","node":"bob","kind":"node_down","severity":"critical","subject":"03aa","message":"node bob down: gone","state":"firing"}"#;
    let run = |script: &str, env: &[(&str, String)]| {
        let mut child = Command::new("sh")
            .arg(docs.join("examples").join(script))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{line}\n").as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "{script}");
    };

    let bin = tempfile::tempdir().unwrap();
    let args = bin.path().join("args");
    let stub = bin.path().join("notify-send");
    std::fs::write(&stub, format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n", args.display())).unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    run("notify-desktop.sh", &[("PATH", path)]);
    let got = std::fs::read_to_string(&args).unwrap();
    assert_eq!(got, "-u\ncritical\n-a\nlnwatch\nbob: node_down firing\nnode bob down: gone\n");

    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alerts", server.local_addr().unwrap());
    let request = std::thread::spawn(move || {
        use std::io::{BufRead, Read, Write};
        let (mut s, _) = server.accept().unwrap();
        let mut r = std::io::BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut l = String::new();
            r.read_line(&mut l).unwrap();
            head.push_str(&l);
            if l == "\r\n" {
                break;
            }
        }
        let len: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
            .unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").unwrap();
        (head, String::from_utf8(body).unwrap())
    });
    run("push-ntfy.sh", &[("LNWATCH_PUSH_URL", url)]);
    let (head, body) = request.join().unwrap();
    assert!(head.starts_with("POST /alerts "), "{head}");
    assert!(head.contains("Title: lnwatch bob: node_down firing") && head.contains("Priority: urgent"), "{head}");
    assert_eq!(body, "node bob down: gone");
}

/// Several sockets: one service watches them all and names the node on every line; the node
/// that cannot be reached is down, the other is not.
#[test]
fn alerts_watch_several_nodes_and_name_each() {
    let dir = tempfile::tempdir().unwrap();
    let live = tempfile::tempdir().unwrap();
    let _ln = node(live.path(), Arc::new(Mutex::new("CHANNELD_NORMAL".into())), Arc::new(AtomicUsize::new(0)));
    let missing = dir.path().join("gone.sock").display().to_string();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[alerts]\nnode_down_after = 1\n").unwrap();
    let live_socket = live.path().join("notif.sock").display().to_string();
    let a = alerts(&[
        "--config",
        &config.display().to_string(),
        "--socket",
        &live_socket,
        "--socket",
        &missing,
        "alerts",
        "--json",
    ]);
    a.wait_for("node_down for the missing node", Duration::from_secs(15), |_| has(&a, "node_down firing"));
    std::thread::sleep(Duration::from_secs(2));
    let down: Vec<Value> = a.json().into_iter().filter(|o| o["kind"] == "node_down").collect();
    assert_eq!(down.len(), 1, "only the missing node: {down:?}");
    assert_eq!(down[0]["node"], missing.as_str(), "named by its socket until it says its alias");
}
