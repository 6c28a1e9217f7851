//! The real `lnwatch` binary in tmux, against the plugin under the simulated lightningd: keys
//! go in with `send-keys`, the screen comes back with `capture-pane`, as a person would see it.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lnwatch_tests::tmux::{Tmux, has_colour, has_line};

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

    // Topic toggles: in the picker, 1 switches off the first topic (block_added), and the
    // title says so.
    tmux.keys(&["t", "1", "q"]);
    let s = tmux.wait_for("a topic off", |s| s.contains("✗ block_added") && s.contains("hidden by topics"));
    assert!(!s.contains("height 900002"), "{s}");
    tmux.keys(&["t", "1", "q"]);

    // The node goes away: the outage is shown and history kept; it comes back: reconnected.
    ln.shutdown().unwrap();
    assert!(ln.wait_exit(Duration::from_secs(10)).is_some());
    drop(ln);
    // The simulated node stops as lightningd does (its RPC quiet, then `shutdown`): the plugin
    // says the node is stopping, and the monitor shows it down.
    let s = tmux.wait_for("the outage", |s| s.contains("○ node down") && s.contains("lightningd is shutting down"));
    assert!(s.contains("coffee-7"), "history kept: {s}");
    // Peer state is unknown while the plugin is gone, and looks it.
    assert!(s.contains("Peers as of") && !s.contains("connected─"), "{s}");
    assert!(has_line(&s, &["◌", "0284d0fb…"]) && !has_line(&s, &["●", "0284d0fb…"]), "{s}");
    let mut ln = node(dir.path());
    let s = tmux.wait_for("the reconnect", |s| s.contains("● connected") && s.contains("outages 1"));
    assert!(s.contains("coffee-7"), "{s}");
    ln.notify("block_added", json!({"block_added":{"hash":"00ab","height":950_000}})).unwrap();
    tmux.wait_for("events from the new plugin run", |s| s.contains("height 950000"));

    // Help, then quit: q closes the overlay first, then the app.
    tmux.keys(&["?"]);
    tmux.wait_for("help", |s| s.contains("Keys (q/Esc closes"));
    tmux.keys(&["q"]);
    tmux.wait_for("help closed", |s| !s.contains("Keys (q/Esc closes"));
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
    let s = tmux.wait_for("the topic list", |s| s.contains("✗ block") && s.contains("022d2236… out"));
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
        s.contains("● connected") && s.contains("lnwatch-demo") && s.contains("forward_event") && s.contains("Invoices")
    });
    assert!(has_line(&s, &["●", "in"]) || has_line(&s, &["●", "out"]), "connected peers: {s}");
    // Peers by name: the monitor asked the demo node's gossip (listnodes) through the plugin.
    tmux.wait_for("peer aliases", |s| has_line(s, &["●", "river-hub"]) && s.contains("corner-café"));
    // The scenario keeps it lively: new events arrive.
    let first = s.lines().find(|l| l.contains("Events [all]")).map(str::to_owned);
    tmux.wait_for("more events", |s| s.lines().find(|l| l.contains("Events [all]")).map(str::to_owned) != first);

    // Every view one key away, filled from the same node.
    tmux.keys(&["3"]);
    tmux.wait_for("the channels view", |s| {
        has_line(s, &["normal", "river-hub", "830000x100x0", "5,000,000"]) && s.contains("Channels 5")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("a channel's detail", |s| {
        s.contains("channel · ") && s.contains("capacity    ") && s.contains("ours ")
    });
    tmux.keys(&["q", "4"]);
    tmux.wait_for("the forwards view", |s| {
        s.contains("session  settled") && has_line(s, &["settled", "→", "sat"]) && s.contains("per min")
    });
    tmux.keys(&["5"]);
    tmux.wait_for("the payments view", |s| s.contains("Payments out") && has_line(s, &["paid", "sat"]));
    tmux.keys(&["2"]);
    tmux.wait_for("the overview", |s| {
        s.contains("lnwatch-demo") && s.contains("Busiest topics") && s.contains("Problems") && s.contains("forwards ")
    });
    tmux.keys(&["Left"]);
    tmux.wait_for("back to the events", |s| s.contains("Events [all]"));
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "the demo did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn vm_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn secrets_the_plugin_did_not_redact_stay_hidden_everywhere_until_s() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SimOptions { lightning_dir: Some(dir.path().to_path_buf()), ..SimOptions::default() }
        .option("lnwatch-redact", false);
    let mut ln = Lightningd::in_process(opts).expect("plugin");
    ln.start().expect("plugin starts");
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --lightning-dir {}", dir.path().display()), 160, 40);
    tmux.wait_for("the monitor", |s| s.contains("● connected"));
    // Where the summaries fall back to raw JSON: a custom topic (v25.09+ shape), an unknown
    // built-in-looking topic, and a legacy custom payload (before v25.09).
    let secret = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
    ln.notify_custom("swap_done", "swapper", json!({"swap_done":{"preimage":secret,"amount":"1btc"}})).unwrap();
    ln.notify("mystery", json!({"mystery":{"payment_preimage":secret}})).unwrap();
    ln.notify("old_custom", json!({"origin":"legacy","payload":{"preimage":secret,"k":"v"}})).unwrap();
    let s = tmux
        .wait_for("the three events", |s| s.contains("swap_done") && s.contains("mystery") && s.contains("old_custom"));
    assert!(!s.contains("5ec7e75e"), "a preimage on screen without s: {s}");
    assert!(s.contains("••••"), "{s}");
    // Searching for it finds nothing while hidden…
    tmux.keys(&["/", "5ec7e75e", "Enter"]);
    let s = tmux.wait_for("the filter", |s| s.contains("filter: 5ec7e75e"));
    assert!(!s.contains("swap_done") || !has_line(&s, &["swap_done", "swapper"]), "{s}");
    assert!(s.contains("hidden by filter"), "{s}");
    // …and both show once s is pressed. (Escape then s at once would read as Alt-s.)
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| !s.contains("hidden by filter"));
    tmux.keys(&["s"]);
    let s = tmux.wait_for("the secrets shown", |s| has_line(s, &["swap_done", "5ec7e75e"]));
    assert!(has_line(&s, &["mystery", "5ec7e75e"]) && has_line(&s, &["old_custom", "5ec7e75e"]), "{s}");
    tmux.keys(&["/", "5ec7e75e", "Enter"]);
    let s = tmux.wait_for("the secrets found", |s| s.contains("filter: 5ec7e75e"));
    assert!(!s.contains("hidden by filter"), "{s}");
}

#[test]
fn huge_events_cost_the_history_budget_not_their_size() {
    // Twenty events of 5 MB: kept raw they would hold ~100 MB; the budget is 16 MiB.
    let dir = tempfile::tempdir().unwrap();
    let mut ln = node(dir.path());
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let tmux =
        Tmux::start(&format!("NO_COLOR=1 {bin} --history-mb 16 --lightning-dir {}", dir.path().display()), 120, 40);
    tmux.wait_for("the monitor", |s| s.contains("● connected"));
    let blob = "x".repeat(5 << 20);
    for i in 0..20 {
        ln.notify("mystery", json!({"mystery":{"i":i,"blob":blob}})).unwrap();
    }
    ln.notify("block_added", json!({"block_added":{"hash":"00ab","height":424_242}})).unwrap();
    tmux.wait_for("the last event", |s| s.contains("height 424242"));
    let pid = tmux.program_pid("lnwatch");
    let rss_mib = vm_kib(pid, "VmRSS:") / 1024;
    eprintln!("lnwatch RSS after 20 events of 5 MB, --history-mb 16: {rss_mib} MiB");
    // Kept whole, the events alone would be 100 MiB (and each is parsed, summarized and copied
    // on the way). What the allocator keeps of the transient copies varies with the load of
    // the machine (39–59 MiB seen with the other tmux tests beside it), so the bound leaves
    // room for that and still fails well before the events are kept.
    assert!(rss_mib < 90, "lnwatch holds {rss_mib} MiB");
    // Still responsive to keys: the view moves.
    tmux.keys(&["k"]);
    tmux.wait_for("the scrolled view", |s| s.contains("scrolled (G follows)"));
}

#[test]
fn without_a_terminal_it_says_so_in_one_line_and_exits_1() {
    // `setsid` leaves no controlling terminal; stdin is /dev/null (as `ssh host lnwatch`).
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let cmd = format!("clear; setsid {bin} --demo </dev/null; echo lnwatch-exited-$?; sleep 30");
    let tmux = Tmux::start(&cmd, 100, 20);
    let s = tmux.wait_for("the exit", |s| s.contains("lnwatch-exited-"));
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "one line, then the shell's: {s}");
    assert!(lines[0].starts_with("lnwatch: needs a terminal"), "{s}");
    assert_eq!(lines[1].trim(), "lnwatch-exited-1");
    assert!(!tmux.alternate_screen());
    // Piped stdout too.
    let out = Command::new(bin).arg("--demo").stdin(std::process::Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn a_socket_that_is_not_lnwatchs_is_called_so() {
    // Something listening that never says hello: the node's own RPC socket, say.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("regtest")).unwrap();
    let rpc = dir.path().join("regtest").join("lightning-rpc");
    let listener = std::os::unix::net::UnixListener::bind(&rpc).unwrap();
    let held = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --socket {}", rpc.display()), 200, 30);
    let s = tmux.wait_for("the verdict", |s| s.contains("not an lnwatch socket"));
    let want = format!("listens on {}", dir.path().join("notif.sock").display());
    assert!(s.contains(&want), "{s}");
    assert!(!s.contains("● connected"), "{s}");
    drop(held);
}

#[test]
fn unknown_topics_on_the_command_line_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let _ln = node(dir.path());
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let cmd = format!("NO_COLOR=1 {bin} --topics bogus,connect --lightning-dir {}; sleep 30", dir.path().display());
    let tmux = Tmux::start(&cmd, 200, 30);
    let s = tmux.wait_for("the warning", |s| s.contains("--topics: bogus is not a topic"));
    assert!(s.contains("may still be valid"), "{s}");
    tmux.keys(&["q"]);
    let s = tmux.wait_for("the shell", |s| !s.contains("Topics"));
    assert!(s.contains("Known: connect, disconnect"), "the list stays after quitting: {s}");
}

#[test]
fn killing_the_demos_tmux_session_removes_its_directory() {
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --demo"), 200, 30);
    let s = tmux.wait_for("the demo", |s| s.contains("● connected"));
    // The header ends with the demo's socket, in a directory of its own.
    let socket = s.lines().next().unwrap().split_whitespace().last().unwrap().to_owned();
    let dir = Path::new(&socket).parent().unwrap().to_path_buf();
    assert!(dir.exists(), "{s}");
    drop(tmux); // kill-server: the pane's process gets SIGHUP, its terminal is gone
    let deadline = Instant::now() + Duration::from_secs(10);
    while dir.exists() {
        assert!(Instant::now() < deadline, "{} left behind", dir.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let _ln = node(dir.path());
    // An interactive shell does the job control, as in a real terminal.
    let tmux = Tmux::start("env -i PATH=/usr/bin:/bin TERM=xterm bash --norc --noprofile -i", 120, 30);
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    // Keys typed before the shell reads its terminal are lost: wait for its prompt.
    tmux.wait_for("the prompt", |s| s.contains("bash-"));
    tmux.keys(&[&format!("NO_COLOR=1 {bin} --lightning-dir {}", dir.path().display()), "Enter"]);
    tmux.wait_for("the monitor", |s| s.contains("● connected"));
    assert!(tmux.alternate_screen());
    tmux.keys(&["C-z"]);
    let s = tmux.wait_for("the shell", |s| s.contains("Stopped"));
    assert!(!tmux.alternate_screen(), "the terminal is the shell's again: {s}");
    tmux.keys(&["fg", "Enter"]);
    tmux.wait_for("the monitor again", |s| s.contains("● connected") && s.contains("Events"));
    assert!(tmux.alternate_screen());
    tmux.keys(&["q"]);
    // With no HOME (env -i), cursors stay in memory: nothing lands in the working directory.
    assert!(!Path::new(".local").exists(), "state written under the working directory");
}

#[test]
fn a_fifo_or_a_device_at_the_cursor_path_neither_freezes_nor_feeds_the_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let _ln = node(dir.path());
    let state = tempfile::tempdir().unwrap();
    let node_dir = state.path().join("0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0");
    std::fs::create_dir_all(&node_dir).unwrap();
    let fifo = std::ffi::CString::new(node_dir.join("monitor.json").as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let cmd =
        format!("NO_COLOR=1 {bin} --lightning-dir {} --state-dir {}", dir.path().display(), state.path().display());
    let tmux = Tmux::start(&cmd, 200, 30);
    tmux.wait_for("the FIFO named and set aside", |s| s.contains("cursor unreadable") && s.contains("a FIFO"));
    assert!(node_dir.join("monitor.json.corrupt").exists());
    tmux.keys(&["q"]);
    wait_until("the monitor to quit", || !tmux.alive());
    // A link to /dev/zero: not followed, not read.
    std::fs::remove_file(node_dir.join("monitor.json.corrupt")).unwrap();
    // The first round may have saved a fresh cursor in its place.
    let _ = std::fs::remove_file(node_dir.join("monitor.json"));
    std::os::unix::fs::symlink("/dev/zero", node_dir.join("monitor.json")).unwrap();
    let tmux = Tmux::start(&cmd, 200, 30);
    tmux.wait_for("the link named", |s| s.contains("cursor unreadable") && s.contains("symbolic link"));
    tmux.keys(&["q"]);
    wait_until("the monitor to quit", || !tmux.alive());
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn with_no_plugin_a_panel_says_what_is_wrong_and_what_to_run() {
    // A node that is up (its lightning-rpc is there) without lnwatch-plugin.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("regtest")).unwrap();
    let _rpc = std::os::unix::net::UnixListener::bind(dir.path().join("regtest").join("lightning-rpc")).unwrap();
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let d = dir.path().display();
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --lightning-dir {d}"), 200, 40);
    let s = tmux.wait_for("the panel", |s| s.contains("No plugin yet"));
    assert!(s.contains(&format!("{d}/notif.sock")), "the path in full: {s}");
    assert!(s.contains("not running on this node") && s.contains("the node is running"), "{s}");
    assert!(s.contains(&format!("lightning-cli --lightning-dir={d} plugin start")), "{s}");
    assert!(!s.contains("outages"), "no outage for a connection that never was: {s}");
    drop(tmux);

    // Pointed at the network dir while the plugin's socket is one level up: "did you mean".
    let _plugin = std::os::unix::net::UnixListener::bind(dir.path().join("notif.sock")).unwrap();
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --lightning-dir {d}/regtest"), 200, 40);
    let s = tmux.wait_for("the panel", |s| s.contains("No plugin yet"));
    assert!(s.contains(&format!("did you mean --lightning-dir {d}?")), "{s}");
    drop(tmux);

    // A regular file at the path.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notif.sock"), "not a socket").unwrap();
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --lightning-dir {}", other.path().display()), 200, 40);
    let s = tmux.wait_for("the panel", |s| s.contains("No plugin yet"));
    assert!(s.contains("regular file, not a socket"), "{s}");
}

/// Labels from the network: a newline cannot start a line of lnwatch's own in the invoice
/// detail, and a flag or a joined emoji (whose widths terminals disagree on) reaches the
/// terminal as plain characters, so nothing is left in cells after a redraw.
#[test]
fn hostile_labels_stay_on_one_line_and_draw_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut ln = node(dir.path());
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --lightning-dir {}", dir.path().display()), 120, 40);
    tmux.wait_for("connected", |s| s.contains("● connected"));
    ln.notify(
        "invoice_creation",
        json!({"invoice_creation":{"label":"🇩🇪 berlin 👨\u{200d}👩\u{200d}👧 ok","msat":1000}}),
    )
    .unwrap();
    ln.notify(
        "invoice_creation",
        json!({"invoice_creation":{"label":"forged\nstate     paid\rpaid      00:00:00 UTC","msat":2000}}),
    )
    .unwrap();
    let s = tmux.wait_for("both invoices", |s| s.contains("DE berlin") && s.contains("forged"));
    for c in ['\u{1f1e9}', '\u{1f1ea}', '\u{200d}'] {
        assert!(!s.contains(c), "{c:?} reached the terminal: {s}");
    }
    assert!(s.contains("DE berlin 👨👩👧 ok"), "{s}");
    // Focus the invoices pane and open the newest invoice.
    for _ in 0..4 {
        tmux.keys(&["Tab", "G", "Enter"]);
        std::thread::sleep(Duration::from_millis(200));
        if tmux.screen().contains("invoice · forged") {
            break;
        }
        tmux.keys(&["Escape"]);
    }
    let s = tmux.wait_for("the invoice's detail", |s| s.contains("invoice · forged"));
    assert!(s.contains("label     forged⏎state     paid␍paid      00:00:00 UTC"), "{s}");
    let starts = |p: &str| s.lines().filter(|l| l.trim_start_matches(['│', ' ']).starts_with(p)).count();
    assert_eq!(starts("state "), 1, "only lnwatch's own state line: {s}");
    assert!(has_line(&s, &["state", "open"]), "{s}");
    assert_eq!(starts("paid "), 1, "{s}");
    tmux.keys(&["q", "q"]);
}

/// A node on another host, its socket forwarded (as `ssh -L local.sock:remote.sock` does; here
/// `socat` between two Unix sockets stands in for the tunnel): the monitor watches the
/// forwarded socket, says so when the tunnel drops, and is back with the node's new events
/// once it is up again (docs/remote.md).
#[test]
fn a_forwarded_socket_that_drops_and_comes_back() {
    if Command::new("socat").arg("-V").output().is_err() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but socat is missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ln = node(dir.path());
    let local = dir.path().join("tunnel.sock");
    let remote = ln.default_socket();
    let tunnel = || {
        Command::new("socat")
            .arg(format!("UNIX-LISTEN:{},fork,unlink-early,mode=600", local.display()))
            .arg(format!("UNIX-CONNECT:{}", remote.display()))
            // Its own group: the tunnel drops with the connections it forwards.
            .process_group(0)
            .spawn()
            .expect("socat")
    };
    let drop_tunnel = |mut child: std::process::Child| {
        // SAFETY: signalling the process group this test started.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        let _ = child.wait();
    };
    let wait_socket = || {
        let end = Instant::now() + Duration::from_secs(10);
        while !local.exists() {
            assert!(Instant::now() < end, "the tunnel's socket");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let forward = tunnel();
    wait_socket();
    let bin = env!("CARGO_BIN_EXE_lnwatch");
    let tmux = Tmux::start(&format!("NO_COLOR=1 {bin} --socket {}", local.display()), 120, 30);
    tmux.wait_for("connected through the tunnel", |s| s.contains("● connected") && s.contains("SLEEPYCHIPMUNK"));

    // The tunnel drops (ssh killed, the link down): its connections go with it.
    drop_tunnel(forward);
    let _ = std::fs::remove_file(&local);
    tmux.wait_for("the outage said", |s| s.contains("○ node down") || s.contains("○ disconnected"));
    ln.notify("block_added", json!({"block_added": {"hash": format!("{:064x}", 7), "height": 777_001}})).unwrap();

    let forward = tunnel();
    wait_socket();
    let s = tmux
        .wait_for("back, with what the node relayed meanwhile", |s| s.contains("● connected") && s.contains("777001"));
    assert!(!s.contains("○ node down"), "{s}");
    tmux.keys(&["q"]);
    drop_tunnel(forward);
}
