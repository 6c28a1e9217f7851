//! The real `lnwatch` binary in tmux, against the plugin under the simulated lightningd: keys
//! go in with `send-keys`, the screen comes back with `capture-pane`, as a person would see it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lnwatch_testkit::tmux::{Tmux, has_colour, has_line};

use lnwatch_sim::rpc_server::RpcAnswers;
use lnwatch_sim::{Lightningd, SimOptions};
use serde_json::json;

const PEER_A: &str = "0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0";
const PEER_B: &str = "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59";

fn node(dir: &Path) -> Lightningd {
    let rpc = RpcAnswers {
        listpeers: json!({"peers":[{"id":PEER_A,"connected":true,"netaddr":["127.0.0.1:19847"],"num_channels":1}]}),
        ..RpcAnswers::default()
    };
    let opts = SimOptions { rpc, lightning_dir: Some(dir.to_path_buf()), ..SimOptions::default() };
    let mut ln = Lightningd::in_process(opts).expect("plugin");
    ln.start().expect("plugin starts");
    ln
}

#[test]
fn a_person_watching_a_node_in_tmux() {
    let dir = tempfile::tempdir().unwrap();
    let mut ln = node(dir.path());
    let socket: PathBuf = ln.default_socket();
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    // `--lightning-dir` finds the plugin's default socket, DIR/notif.sock.
    assert_eq!(socket, dir.path().join("notif.sock"));
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --lightning-dir {}", dir.path().display()), 120, 40);

    // Connected, with the node's peer snapshot.
    let s = tmux.wait_for("the snapshot", |s| {
        s.contains("● connected") && s.contains("SLEEPYCHIPMUNK") && s.contains("0284d0fb…")
    });
    assert!(has_line(&s, &["●", "0284d0fb…", "127.0.0.1:19847"]), "{s}");
    assert!(!has_colour(&tmux.screen_with_styles()), "NO_COLOR is honoured");

    // A peer connects; an invoice is created and paid.
    ln.notify(
        "connect",
        json!({"connect":{"id":PEER_B,"direction":"in","address":{"type":"ipv4","address":"10.0.0.7","port":9735}}}),
    )
    .unwrap();
    ln.notify("invoice_creation", json!({"invoice_creation":{"label":"coffee-7","msat":12345,"preimage":"2d30add2188ebf03593a2a693d9155f43b3b32839f085a1694b851ec63fac3c3"}})).unwrap();
    let s = tmux.wait_for("the invoice", |s| s.contains("coffee-7"));
    assert!(has_line(&s, &["●", "022d2236…", "in", "10.0.0.7:9735", "×1"]), "{s}");
    assert!(has_line(&s, &["coffee-7", "12.345 sat", "open", "redacted"]), "{s}");
    assert!(!s.contains("2d30add2"), "preimages stay hidden: {s}");
    ln.notify("invoice_payment", json!({"invoice_payment":{"label":"coffee-7","msat":12345,"preimage":"2d30"}}))
        .unwrap();
    tmux.wait_for("the invoice paid", |s| has_line(s, &["coffee-7", "12.345 sat", "paid"]));
    ln.notify("disconnect", json!({"disconnect":{"id":PEER_B}})).unwrap();
    tmux.wait_for("the peer down", |s| has_line(s, &["○", "022d2236…", "10.0.0.7:9735"]));

    // Pause: the view freezes, events keep being counted.
    tmux.keys(&["Space"]);
    tmux.wait_for("PAUSED", |s| s.contains("PAUSED +0"));
    for h in 0..3 {
        ln.notify("block_added", json!({"block_added":{"hash":"00ab","height":900_000 + h}})).unwrap();
    }
    let s = tmux.wait_for("3 pending", |s| s.contains("PAUSED +3"));
    assert!(!s.contains("height 900000"), "frozen while paused: {s}");
    tmux.keys(&["Space"]);
    let s = tmux.wait_for("resumed", |s| s.contains("height 900002"));
    assert!(!s.contains("PAUSED"));

    // Text filter: only matching events are listed, and the title says how many are hidden.
    tmux.keys(&["/", "coffee", "Enter"]);
    let s = tmux.wait_for("the filter", |s| s.contains("hidden by filter") && s.contains("filter: coffee"));
    assert!(!s.contains("height 900002"), "{s}");
    assert!(s.lines().filter(|l| l.contains("invoice_")).count() >= 2, "{s}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| !s.contains("hidden by filter") && s.contains("height 900002"));

    // Topic toggles: 1 switches off the first topic (block_added), and the title says so.
    tmux.keys(&["1"]);
    let s = tmux.wait_for("a topic off", |s| s.contains("1✗ block_added") && s.contains("hidden by topics"));
    assert!(!s.contains("height 900002"), "{s}");
    tmux.keys(&["1"]);

    // The node goes away: the outage is shown and history kept; it comes back: reconnected.
    ln.shutdown().unwrap();
    assert!(ln.wait_exit(Duration::from_secs(10)).is_some());
    drop(ln);
    let s = tmux.wait_for("the outage", |s| s.contains("○ disconnected"));
    assert!(s.contains("coffee-7"), "history kept: {s}");
    let mut ln = node(dir.path());
    let s = tmux.wait_for("the reconnect", |s| s.contains("● connected") && s.contains("outages 1"));
    assert!(s.contains("coffee-7"), "{s}");
    ln.notify("block_added", json!({"block_added":{"hash":"00ab","height":950_000}})).unwrap();
    tmux.wait_for("events from the new plugin run", |s| s.contains("height 950000"));

    // Help, then quit: q closes the overlay first, then the app.
    tmux.keys(&["?"]);
    tmux.wait_for("help", |s| s.contains("Keys (q/Esc closes)"));
    tmux.keys(&["q"]);
    tmux.wait_for("help closed", |s| !s.contains("Keys (q/Esc closes)"));
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "lnwatch did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
    ln.check().unwrap();
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut ln = node(dir.path());
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    // A shell stays in the pane after lnwatch exits, so the screen can be inspected.
    // The socket from LNWATCH_SOCKET; only `connect` shown at start (`--topics`).
    let cmd = format!(
        "LNWATCH_SOCKET={} {bin} --topics connect; echo lnwatch-exited-$?; sleep 30",
        ln.default_socket().display()
    );
    let tmux = Tmux::start(&cmd, 80, 24);
    tmux.wait_for("the monitor", |s| s.contains("● connected"));
    ln.notify("block_added", json!({"block_added":{"hash":"00ab","height":777}})).unwrap();
    ln.notify(
        "connect",
        json!({"connect":{"id":PEER_B,"direction":"out","address":{"type":"ipv4","address":"10.0.0.7","port":9735}}}),
    )
    .unwrap();
    let s = tmux.wait_for("the topic list", |s| s.contains("1✗ block") && s.contains("022d2236… out"));
    assert!(s.contains("1 hidden by topics") && !s.contains("height 777"), "{s}");
    assert!(tmux.alternate_screen(), "lnwatch draws on the alternate screen");
    assert!(has_colour(&tmux.screen_with_styles()), "colours without NO_COLOR");
    // The pane runs a shell; lnwatch is its child.
    let shell = tmux.cmd(&["display-message", "-p", "-t", "main", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&shell.stdout).trim().to_owned();
    let pid = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
    let pid = String::from_utf8_lossy(&pid.stdout).lines().next().expect("lnwatch pid").trim().to_owned();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let s = tmux.wait_for("the shell after lnwatch", |s| s.contains("lnwatch-exited-0"));
    assert!(!tmux.alternate_screen(), "the alternate screen was left: {s}");
    assert!(!s.contains("● connected"), "the monitor's screen is gone: {s}");
}

#[test]
fn the_demo_runs_with_no_node() {
    // The README's first command.
    let tmux = Tmux::start(&format!("{} --demo", env!("CARGO_BIN_EXE_lnwatch")), 100, 30);
    let s = tmux.wait_for("the demo's node", |s| {
        s.contains("● connected") && s.contains("SLEEPYCHIPMUNK") && s.contains("block_added") && s.contains("Invoices")
    });
    assert!(has_line(&s, &["●", "in"]) || has_line(&s, &["●", "out"]), "connected peers: {s}");
    // The scenario keeps it lively: new events arrive.
    let first = s.lines().find(|l| l.contains("Events [all]")).map(str::to_owned);
    tmux.wait_for("more events", |s| s.lines().find(|l| l.contains("Events [all]")).map(str::to_owned) != first);
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "the demo did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
}
