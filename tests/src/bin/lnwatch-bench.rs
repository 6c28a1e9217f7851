//! End-to-end benchmarks: the relay against the pyln baseline and the physical floor, latency,
//! and the monitor's idle CPU and memory. See docs/benchmarks.md for what each figure means.
//!
//! `cargo build --release --workspace && target/release/lnwatch-bench all`

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lnwatch_sim::{Lightningd, SimOptions, workload};
use lnwatch_tests::client::Client;
use serde_json::json;

fn sibling_binary(name: &str) -> PathBuf {
    std::env::current_exe().expect("current exe").with_file_name(name)
}

fn vm_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

/// Is this an `event` line, and what is its seq?
fn event_seq(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(br#"{"type":"event","seq":"#)?;
    let end = rest.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Reads event lines until the one with seq `n`; returns when, and how many seqs were missed
/// (reported in `gap` frames). Relays that send no seq are read until `n` event lines arrived.
fn read_events(stream: UnixStream, n: u64) -> (Instant, u64) {
    let mut reader = std::io::BufReader::with_capacity(1 << 20, stream);
    let (mut events, mut missed) = (0u64, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        let got = std::io::BufRead::read_until(&mut reader, b'\n', &mut line).expect("read");
        assert!(got > 0, "relay closed the connection after {events} events");
        if let Some(seq) = event_seq(&line) {
            events += 1;
            if seq >= n {
                return (Instant::now(), missed);
            }
        } else if line.starts_with(br#"{"type":"event""#) {
            events += 1;
            if events >= n {
                return (Instant::now(), missed);
            }
        } else if line.starts_with(br#"{"type":"gap""#) {
            let v: serde_json::Value = serde_json::from_slice(&line).expect("gap frame");
            missed += v["missed"].as_u64().unwrap_or(0);
        }
    }
}

struct Relayed {
    /// Seqs a client reading as fast as it can did not get.
    missed: u64,
    per_sec: f64,
    mb_per_sec: f64,
    peak_rss_kib: u64,
    /// CPU time the relay process used per notification (user + system), in µs.
    cpu_us: f64,
}

/// Notifications/s from a plugin's stdin to one socket client, whatever the plugin.
fn drive(plugin: &Path, opts: SimOptions, socket_name: &str, n: usize, stalled: bool) -> Relayed {
    let (bytes, _) = workload::stream(n);
    let mut ln = Lightningd::spawn(plugin, opts).expect("spawn plugin");
    ln.start().expect("start");
    let sock = ln.lightning_dir().join(socket_name);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "no socket at {}", sock.display());
        std::thread::sleep(Duration::from_millis(10));
    }
    let _stalled = stalled.then(|| UnixStream::connect(&sock).expect("connect stalled client"));
    let client = UnixStream::connect(&sock).expect("connect");
    std::thread::sleep(Duration::from_millis(200));
    let reader = std::thread::spawn(move || read_events(client, n as u64));
    let pid = ln.pid().unwrap_or(0);
    let ticks = cpu_ticks(pid);
    let start = Instant::now();
    ln.write_raw(&bytes).expect("write");
    ln.flush().expect("flush");
    let (end, missed) = reader.join().expect("reader");
    let secs = (end - start).as_secs_f64();
    let peak_rss_kib = vm_kib(pid, "VmHWM:");
    let cpu_us = (cpu_ticks(pid) - ticks) as f64 * 1e4 / n as f64;
    Relayed { missed, per_sec: n as f64 / secs, mb_per_sec: bytes.len() as f64 / secs / 1e6, peak_rss_kib, cpu_us }
}

fn lnwatch(n: usize, stalled: bool) -> Relayed {
    drive(&sibling_binary("lnwatch-plugin"), SimOptions::default(), "notif.sock", n, stalled)
}

fn pyln(n: usize) -> Relayed {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/pyln_relay.py");
    drive(&script, SimOptions::default(), "pyln.sock", n, false)
}

/// The physical limit: the same bytes through a pipe, then a Unix socket, with no parsing.
fn floor(n: usize) -> Relayed {
    let (bytes, _) = workload::stream(n);
    let total = bytes.len();
    let (mut pipe_r, mut pipe_w) = std::io::pipe().expect("pipe");
    let (mut sock_w, mut sock_r) = UnixStream::pair().expect("socketpair");
    let start = Instant::now();
    let writer = std::thread::spawn(move || pipe_w.write_all(&bytes).expect("pipe write"));
    let middle = std::thread::spawn(move || {
        let mut buf = vec![0u8; 256 * 1024];
        let mut moved = 0;
        while moved < total {
            let got = pipe_r.read(&mut buf).expect("pipe read");
            sock_w.write_all(&buf[..got]).expect("socket write");
            moved += got;
        }
    });
    let mut buf = vec![0u8; 1 << 20];
    let mut got = 0;
    while got < total {
        got += sock_r.read(&mut buf).expect("socket read");
    }
    let secs = start.elapsed().as_secs_f64();
    writer.join().expect("writer");
    middle.join().expect("middle");
    Relayed { missed: 0, per_sec: n as f64 / secs, mb_per_sec: total as f64 / secs / 1e6, peak_rss_kib: 0, cpu_us: 0.0 }
}

fn report(name: &str, n: usize, r: &Relayed) {
    let rss = if r.peak_rss_kib > 0 {
        format!(", peak RSS {:.1} MiB", r.peak_rss_kib as f64 / 1024.0)
    } else {
        String::new()
    };
    let mut missed = if r.missed > 0 { format!(", reader missed {}", r.missed) } else { String::new() };
    if r.cpu_us > 0.0 {
        missed.push_str(&format!(", relay CPU {:.2} µs/notification", r.cpu_us));
    }
    println!("{name:<36} {n:>9} notifications {:>9.0} /s {:>7.1} MB/s{rss}{missed}", r.per_sec, r.mb_per_sec);
}

/// Latencies (ns, sorted) from a relay's stdin to a socket client at a steady `rate`: lnwatch-plugin
/// (`minimal` false) or the minimal relay, through the same harness and the same bytes.
fn latencies(minimal: bool, rate: u64, secs: u64) -> Vec<u64> {
    let (bin, socket) =
        if minimal { ("lnwatch-minimal-relay", "minimal.sock") } else { ("lnwatch-plugin", "notif.sock") };
    let mut ln = Lightningd::spawn(&sibling_binary(bin), SimOptions::default()).expect("spawn");
    ln.start().expect("start");
    let path = ln.lightning_dir().join(socket);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(Instant::now() < deadline, "no socket at {}", path.display());
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut client = Client::connect(&path).expect("connect");
    std::thread::sleep(Duration::from_millis(200));
    let origin = Instant::now();
    let n = (rate * secs) as usize;
    let reader = std::thread::spawn(move || {
        let mut lat = Vec::with_capacity(n);
        while lat.len() < n {
            let line = client.next_line(Duration::from_secs(30)).expect("line");
            let now = origin.elapsed().as_nanos() as u64;
            // lnwatch's event lines, or the notification itself from the minimal relay.
            if event_seq(&line).is_none() && !line.starts_with(br#"{"jsonrpc":"2.0","method":"bench""#) {
                continue;
            }
            let s = String::from_utf8_lossy(&line);
            let t: u64 = s
                .split("\"t\":")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(now);
            lat.push(now.saturating_sub(t));
        }
        lat
    });
    let pad = "ab".repeat(130);
    let interval = Duration::from_nanos(1_000_000_000 / rate);
    let start = Instant::now();
    for i in 0..n as u32 {
        // Sleep, not spin: a spinning writer would take one of the two cores from the relay.
        let due = start + interval * i;
        let now = Instant::now();
        if now < due {
            std::thread::sleep(due - now);
        }
        let t = origin.elapsed().as_nanos() as u64;
        ln.notify("bench", json!({"bench":{"t": t, "pad": pad}})).expect("notify");
    }
    let mut lat = reader.join().expect("reader");
    lat.sort_unstable();
    lat
}

/// The `p` quantile of sorted nanoseconds, in µs.
fn quantile(sorted: &[u64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)] as f64 / 1000.0
}

/// p50/p99 latency from the plugin's stdin to a socket client at a steady `rate`.
fn latency(rate: u64, secs: u64) {
    let lat = latencies(false, rate, secs);
    println!(
        "latency at {rate}/s over {secs} s ({} events): p50 {:.0} µs  p99 {:.0} µs  max {:.0} µs",
        lat.len(),
        quantile(&lat, 0.5),
        quantile(&lat, 0.99),
        quantile(&lat, 1.0)
    );
}

/// lnwatch-plugin's latency against the minimal relay's, `rounds` runs of each, alternating
/// so that whatever this machine does meanwhile falls on both: each run's p50/p99, then the
/// medians over the runs and their ratios.
fn latency_ratio(rate: u64, secs: u64, rounds: usize) {
    let (mut ours, mut minimal) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        for (name, is_minimal, into) in [("lnwatch-plugin", false, &mut ours), ("minimal relay", true, &mut minimal)] {
            let lat = latencies(is_minimal, rate, secs);
            let (p50, p99) = (quantile(&lat, 0.5), quantile(&lat, 0.99));
            println!(
                "round {round} {name:<15} p50 {p50:>6.0} µs  p99 {p99:>7.0} µs  max {:>7.0} µs",
                quantile(&lat, 1.0)
            );
            into.push((p50, p99));
        }
    }
    let median = |v: &[(f64, f64)], pick: fn(&(f64, f64)) -> f64| {
        let mut x: Vec<f64> = v.iter().map(pick).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let (o50, o99) = (median(&ours, |p| p.0), median(&ours, |p| p.1));
    let (m50, m99) = (median(&minimal, |p| p.0), median(&minimal, |p| p.1));
    println!(
        "latency at {rate}/s, median of {rounds} alternating runs: lnwatch-plugin p50 {o50:.0} µs p99 {o99:.0} µs; \
         minimal relay p50 {m50:.0} µs p99 {m99:.0} µs; ratio p50 {:.2}× p99 {:.2}×",
        o50 / m50,
        o99 / m99
    );
}

/// A tmux server of the benchmark's own.
struct Tmux(String);

impl Tmux {
    fn run(cmd: &str) -> Tmux {
        Tmux::sized(cmd, 120, 40)
    }
    fn sized(cmd: &str, width: u16, height: u16) -> Tmux {
        let t = Tmux(format!("lnwatch-bench-{}", std::process::id()));
        let (w, h) = (width.to_string(), height.to_string());
        let ok =
            Command::new("tmux").args(["-L", &t.0, "new-session", "-d", "-s", "b", "-x", &w, "-y", &h, cmd]).status();
        assert!(ok.is_ok_and(|s| s.success()), "tmux is needed: apt-get install tmux");
        t
    }
    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.0, "capture-pane", "-p", "-t", "b"]).output().expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn keys(&self, keys: &str) {
        let _ = Command::new("tmux").args(["-L", &self.0, "send-keys", "-t", "b", keys]).status();
    }
    fn pid(&self) -> u32 {
        let out = Command::new("tmux")
            .args(["-L", &self.0, "list-panes", "-t", "b", "-F", "#{pane_pid}"])
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("pane pid")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.0, "kill-server"]).status();
    }
}

/// CPU of the real `lnwatch` binary, connected to a quiet node, over `secs`.
fn tui_idle(secs: u64) {
    let ln = start_plugin(SimOptions::default());
    let tmux =
        Tmux::run(&format!("exec {} --socket {}", sibling_binary("lnwatch").display(), ln.default_socket().display()));
    std::thread::sleep(Duration::from_secs(2));
    let pid = tmux.pid();
    let (t0, c0) = (Instant::now(), cpu_ticks(pid));
    std::thread::sleep(Duration::from_secs(secs));
    let ticks = cpu_ticks(pid) - c0;
    let hz = 100.0; // USER_HZ on Linux
    let pct = ticks as f64 / hz / t0.elapsed().as_secs_f64() * 100.0;
    println!(
        "lnwatch idle over {secs} s: {ticks} ticks of CPU = {pct:.2}% of one core; RSS {} KiB",
        vm_kib(pid, "VmRSS:")
    );
}

/// Entries `lnwatch since` reads per lane and round at most (lnwatch's `catchup::CAP`); past it
/// the oldest are skipped and counted.
const SINCE_CAP: u64 = 100_000;

/// Catching up `n` forwards: `lnwatch since --json` (the real binary, through the plugin's
/// queries, paged, decoded and merged), against the same pages asked of the node's RPC
/// directly (the baseline: what any reader must at least wait for); and its peak memory for
/// `n` and for a tenth as many.
fn catchup(n: u64) {
    use std::sync::{Arc, Mutex};

    use lnwatch_sim::records::Records;
    use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
    let records = Arc::new(Mutex::new(Records::default()));
    let answers = records.clone();
    let answer = move |method: &str, params: &serde_json::Value| answers.lock().unwrap().answer(method, params);
    let rpc = RpcAnswers { other: Some(Answerer(Arc::new(answer))), ..RpcAnswers::default() };
    let ln = start_plugin(SimOptions { rpc, ..SimOptions::default() });
    let state = tempfile::tempdir().expect("state dir");
    // (time, output, peak RSS in KiB) of one `lnwatch since --json`.
    let since = || {
        use std::io::Read;
        let t = Instant::now();
        let mut child = Command::new(sibling_binary("lnwatch"))
            .args(["--socket", &ln.default_socket().display().to_string(), "--state-dir"])
            .arg(state.path())
            .args(["since", "--json", "--timeout", "600"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("lnwatch since");
        let mut stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).expect("read");
            out
        });
        let peak_kib = peak_rss_until_exit(&mut child);
        (t.elapsed(), reader.join().expect("reader"), peak_kib)
    };
    since(); // The first run sets the cursor.
    let add = |from: u64, to: u64| {
        let mut r = records.lock().unwrap();
        for i in from..to {
            let status = if i % 10 == 0 { "local_failed" } else { "settled" };
            r.forward("103x1x0", "105x1x1", 1_000_000 + i, 1_000, status, 1_763_772_000.0 + i as f64);
        }
    };
    add(0, n);
    let (took, out, peak) = since();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let got = v["forwards"].as_array().map_or(0, Vec::len) as u64;
    if n <= SINCE_CAP {
        assert_eq!(got, n, "every forward once");
    } else {
        // The newest of each lane: their union.
        assert!((SINCE_CAP..=2 * SINCE_CAP).contains(&got), "{got} forwards from two capped lanes");
    }
    // Memory: the same catch-up of a tenth as many.
    add(n, n + n / 10);
    let (_, tenth_out, tenth_peak) = since();
    let v: serde_json::Value = serde_json::from_slice(&tenth_out).expect("JSON");
    assert!(v["forwards"].as_array().map_or(0, Vec::len) as u64 >= (n / 10).min(SINCE_CAP), "every new one");
    let rpc = lnwatch_tests::rpc::Rpc::new(&ln.network_dir().join("lightning-rpc"));
    let t = Instant::now();
    for index in ["created", "updated"] {
        // What `since` reads: the newest SINCE_CAP of each lane.
        let mut start = n.saturating_sub(SINCE_CAP) + 1;
        loop {
            let page = rpc.call("listforwards", json!({"index": index, "start": start, "limit": 1000})).expect("page");
            let rows = page["forwards"].as_array().map(Vec::len).unwrap_or(0) as u64;
            start += rows;
            if rows < 1000 {
                break;
            }
        }
    }
    let base = t.elapsed();
    println!(
        "catch-up of {n} forwards ({got} read): lnwatch since {:.2} s ({} KB of JSON out); the same pages straight from the node's RPC {:.2} s; ratio {:.1}x",
        took.as_secs_f64(),
        out.len() / 1000,
        base.as_secs_f64(),
        took.as_secs_f64() / base.as_secs_f64()
    );
    println!(
        "catch-up memory: lnwatch since peak RSS {:.1} MiB for {n} forwards, {:.1} MiB for {}; ratio {:.2}x",
        peak as f64 / 1024.0,
        tenth_peak as f64 / 1024.0,
        n / 10,
        peak as f64 / tenth_peak.max(1) as f64
    );
}

/// Waits for `child` to exit successfully, sampling its peak RSS (VmHWM) meanwhile: in KiB.
/// (`wait4`'s rusage would not do: on Linux it counts the parent's RSS from before `exec`.)
fn peak_rss_until_exit(child: &mut std::process::Child) -> u64 {
    let mut peak = 0;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "lnwatch exited with {status}");
            return peak;
        }
        peak = vm_kib(child.id(), "VmHWM:").max(peak);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `lnwatch report --days 30` over a node with `n` forwards spread over 100 days (so 30 days
/// hold 30 % of them): its time against the same window's pages asked through the same
/// plugin socket with nothing done to them (the baseline: what any reader must wait for), and
/// its peak memory with `n` and with `n / 10` forwards (it keeps only the days' sums).
fn report_days(n: u64) {
    use std::sync::{Arc, Mutex};

    use lnwatch_sim::records::Records;
    use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let node = |count: u64| {
        let mut r = Records::default();
        let step = 100.0 * 86_400.0 / count as f64;
        for i in 0..count {
            let status = if i % 10 == 0 { "local_failed" } else { "settled" };
            let at = now - 100.0 * 86_400.0 + i as f64 * step;
            r.forward(if i % 2 == 0 { "103x1x0" } else { "105x1x1" }, "107x1x0", 1_000_000 + i, 1_000, status, at);
        }
        let records = Arc::new(Mutex::new(r));
        let answer = move |method: &str, params: &serde_json::Value| records.lock().unwrap().answer(method, params);
        let rpc = RpcAnswers { other: Some(Answerer(Arc::new(answer))), ..RpcAnswers::default() };
        start_plugin(SimOptions { rpc, ..SimOptions::default() })
    };
    // (seconds, peak RSS in KiB, pages read) of one report.
    let run = |ln: &Lightningd| {
        let t = Instant::now();
        let mut child = Command::new(sibling_binary("lnwatch"))
            .args(["--socket", &ln.default_socket().display().to_string(), "report", "--days", "30", "--json"])
            .args(["--timeout", "600"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("lnwatch report");
        // Its output is a few lines: the pipe holds it until the end.
        let peak = peak_rss_until_exit(&mut child);
        let took = t.elapsed();
        let out = child.wait_with_output().expect("output");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        (
            took.as_secs_f64(),
            peak,
            v["pages"].as_u64().unwrap_or(0),
            v["totals"]["forwards_settled"].as_u64().unwrap_or(0),
        )
    };
    // The baseline: the same window's pages of listforwards through the plugin's socket.
    let raw = |ln: &Lightningd, pages: u64| {
        let mut c = lnwatch_tests::client::Client::connect(&ln.default_socket()).expect("connect");
        let t = Instant::now();
        let mut end = n;
        for i in 0..pages {
            let start = end.saturating_sub(999).max(1);
            c.query(json!(i), "listforwards", json!({"index": "created", "start": start, "limit": end - start + 1}))
                .expect("query");
            c.answer(&json!(i), Duration::from_secs(60)).expect("answer");
            end = start - 1;
        }
        t.elapsed().as_secs_f64()
    };
    let small = node(n / 10);
    let (_, small_peak, _, _) = run(&small);
    drop(small);
    let ln = node(n);
    let (took, peak, pages, settled) = run(&ln);
    let base = raw(&ln, pages);
    println!(
        "report --days 30 over {n} forwards ({settled} settled in the window, {pages} pages): {took:.2} s; \
         the same pages through the plugin's socket, untouched, {base:.2} s; ratio {:.2}x; \
         peak RSS {} MiB (with {} forwards: {} MiB)",
        took / base,
        peak / 1024,
        n / 10,
        small_peak / 1024
    );
}

/// A big routing node: 2,000 channels with 1,000 peers and `n` forwards over 100 days in its
/// records. The real `lnwatch` in a 200×60 tmux window: how long until the first screen shows
/// every peer and channel, how long until today's forwards are read back (`today settled …`
/// in the forwards view) against the same pages read through the plugin's socket untouched,
/// and the monitor's peak memory.
fn bignode(n: u64) {
    use std::sync::{Arc, Mutex};

    use lnwatch_sim::records::Records;
    use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
    const CHANNELS: u64 = 2_000;
    const PEERS: u64 = 1_000;
    let scid = |i: u64| format!("{}x{}x0", 700_000 + i, i % 3000);
    let peer = |i: u64| format!("02{:064x}", i % PEERS);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let midnight = (now / 86_400.0).floor() * 86_400.0;
    let mut r = Records::default();
    let step = 100.0 * 86_400.0 / n as f64;
    let (mut settled, mut failed, mut first_today) = (0u64, 0u64, None);
    for i in 0..n {
        let status = if i % 10 == 0 { "local_failed" } else { "settled" };
        let at = now - 100.0 * 86_400.0 + (i + 1) as f64 * step;
        r.forward(&scid(i % CHANNELS), &scid((i * 7 + 1) % CHANNELS), 1_000_000 + i, 1_000, status, at);
        // A refusal has no resolution time: the monitor dates it by its arrival.
        let dated = if status == "settled" { at } else { at - 0.5 };
        if dated >= midnight {
            first_today.get_or_insert(i + 1);
            if status == "settled" { settled += 1 } else { failed += 1 }
        }
    }
    let channels: Vec<serde_json::Value> = (0..CHANNELS)
        .map(|i| {
            json!({"peer_id": peer(i), "peer_connected": true, "state": "CHANNELD_NORMAL", "short_channel_id": scid(i),
                "channel_id": format!("{i:064x}"), "total_msat": 10_000_000_000u64, "to_us_msat": 4_000_000_000u64 + i,
                "htlcs": [], "state_changes": [{"timestamp": "2026-11-01T00:00:00.000Z", "cause": "user"}]})
        })
        .collect();
    let channels = json!({ "channels": channels });
    let peers: Vec<serde_json::Value> = (0..PEERS).map(|i| json!({"id": peer(i), "connected": true})).collect();
    let records = Arc::new(Mutex::new(r));
    let answer = move |method: &str, params: &serde_json::Value| {
        records.lock().unwrap().answer(method, params).or_else(|| match method {
            "listpeerchannels" => Some(channels.clone()),
            "listnodes" => Some(json!({"nodes": []})),
            "listfunds" => Some(json!({"outputs": [], "channels": []})),
            "listclosedchannels" => Some(json!({"closedchannels": []})),
            "listinvoices" => Some(json!({"invoices": []})),
            _ => None,
        })
    };
    let rpc = RpcAnswers {
        listpeers: json!({ "peers": peers }),
        other: Some(Answerer(Arc::new(answer))),
        ..RpcAnswers::default()
    };
    let ln = start_plugin(SimOptions { rpc, ..SimOptions::default() });
    let state = tempfile::tempdir().expect("state dir");
    let cmd = format!(
        "exec env NO_COLOR=1 {} --socket {} --state-dir {}",
        sibling_binary("lnwatch").display(),
        ln.default_socket().display(),
        state.path().display()
    );
    let launched = Instant::now();
    let tmux = Tmux::sized(&cmd, 200, 60);
    let wait = |what: &str, done: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if done(&tmux.screen()) {
                return launched.elapsed().as_secs_f64();
            }
            assert!(Instant::now() < deadline, "no {what}:\n{}", tmux.screen());
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait("the monitor", &|s| s.contains("lnwatch "));
    tmux.keys("2");
    let all = format!("peers {PEERS}/{PEERS} up · channels {CHANNELS}/{CHANNELS} normal");
    let first = wait("first screen", &|s| s.contains(&all));
    tmux.keys("4");
    let line = format!("today    settled {settled} · failed {failed} ");
    let day = wait(&format!("{line:?}"), &|s| s.contains(&line));
    // The walk goes on through the month (the income view): memory once it is done.
    tmux.keys("6");
    let month = wait("the month read", &|s| s.contains("Income") && !s.contains("reading the node's forwards"));
    let peak = vm_kib(tmux.pid(), "VmHWM:");
    drop(tmux);
    // The baseline: today's pages of listforwards through the plugin's socket, untouched.
    let first_today = first_today.unwrap_or(n + 1);
    let mut c = lnwatch_tests::client::Client::connect(&ln.default_socket()).expect("connect");
    let t = Instant::now();
    let (mut start, mut pages) = (first_today, 0);
    while start <= n {
        c.query(json!(pages), "listforwards", json!({"index": "created", "start": start, "limit": 1000}))
            .expect("query");
        c.answer(&json!(pages), Duration::from_secs(60)).expect("answer");
        start += 1000;
        pages += 1;
    }
    let base = t.elapsed().as_secs_f64();
    // The monitor reads nothing before it is connected: its catch-up counts from its first
    // screen, as the baseline's from its connected client.
    println!(
        "big node ({CHANNELS} channels, {PEERS} peers, {n} forwards, {} today): first screen {first:.2} s after launch; \
         today's forwards read back {:.2} s later; the same {pages} pages through the plugin's socket, \
         untouched, {base:.2} s; ratio {:.2}x; the month read {month:.2} s after launch; lnwatch peak RSS {:.1} MiB",
        settled + failed,
        day - first,
        (day - first) / base,
        peak as f64 / 1024.0
    );
}

fn start_plugin(opts: SimOptions) -> Lightningd {
    spawn(&sibling_binary("lnwatch-plugin"), opts)
}

/// Peak RSS of the plugin (with a stalled client) and of the real `lnwatch` after `n` events.
fn rss(n: usize) {
    let mut ln = start_plugin(SimOptions::default());
    let sock = ln.default_socket();
    let _stalled = UnixStream::connect(&sock).expect("stalled client");
    let tmux = Tmux::run(&format!("exec {} --socket {}", sibling_binary("lnwatch").display(), sock.display()));
    std::thread::sleep(Duration::from_secs(1));
    let tui = tmux.pid();
    let mut probe = Client::connect(&sock).expect("probe");
    let (chunk, _) = workload::stream(100_000);
    let mut samples = Vec::new();
    let mut sent = 0;
    let start = Instant::now();
    while sent < n {
        ln.write_raw(&chunk).expect("write");
        ln.flush().expect("flush");
        sent += 100_000;
        // Keep the probe client drained so only the stalled one is stalled.
        while let Ok(line) = probe.next_line(Duration::from_millis(1)) {
            if event_seq(&line).is_some_and(|s| s as usize >= sent) {
                break;
            }
        }
        if sent % 1_000_000 == 0 {
            samples.push((sent, vm_kib(ln.pid().unwrap_or(0), "VmRSS:"), vm_kib(tui, "VmRSS:")));
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let secs = start.elapsed().as_secs_f64();
    println!("after {n} events in {secs:.0} s (RSS in KiB at each million: events, plugin, lnwatch):");
    for (n, p, t) in &samples {
        println!("  {n:>9} {p:>8} {t:>8}");
    }
    println!(
        "peak RSS: plugin (1 stalled client) {:.1} MiB, lnwatch {:.1} MiB",
        vm_kib(ln.pid().unwrap_or(0), "VmHWM:") as f64 / 1024.0,
        vm_kib(tui, "VmHWM:") as f64 / 1024.0
    );
}

/// The highest steady rate the real `lnwatch` keeps up with: it is fed through the plugin at
/// each rate for `secs`, and falls behind when the plugin reports a gap to it (the header shows
/// "missed").
fn tui_rate(rates: &[u64], secs: u64) {
    for &rate in rates {
        let mut ln = start_plugin(SimOptions::default());
        let sock = ln.default_socket();
        let tmux = Tmux::run(&format!("exec {} --socket {}", sibling_binary("lnwatch").display(), sock.display()));
        std::thread::sleep(Duration::from_secs(1));
        // Feed in 10 ms slices of rate/100 notifications.
        let per_slice = (rate / 100) as usize;
        let (slice, _) = workload::stream(per_slice);
        let start = Instant::now();
        let slices = secs * 100;
        for i in 0..slices {
            let due = start + Duration::from_millis(10 * i);
            let now = Instant::now();
            if now < due {
                std::thread::sleep(due - now);
            }
            ln.write_raw(&slice).expect("write");
            ln.flush().expect("flush");
        }
        let achieved = (slices as usize * per_slice) as f64 / start.elapsed().as_secs_f64();
        std::thread::sleep(Duration::from_secs(2));
        let out = Command::new("tmux").args(["-L", &tmux.0, "capture-pane", "-p", "-t", "b"]).output().expect("tmux");
        let screen = String::from_utf8_lossy(&out.stdout);
        let header = screen.lines().next().unwrap_or("").to_owned();
        let verdict = if header.contains("missed") { "FELL BEHIND" } else { "kept up" };
        println!("lnwatch at {rate}/s (achieved {achieved:.0}/s) for {secs} s: {verdict}; header: {}", header.trim());
    }
}

/// The hardening faults' scenarios, run against the binaries in `dirs` (this build's first,
/// then e.g. a baseline built from an older commit: `LNWATCH_BENCH_BASELINE=DIR`).
fn faults(dirs: &[PathBuf]) {
    for dir in dirs {
        let plugin = dir.join("lnwatch-plugin");
        let lnwatch = dir.join("lnwatch");
        println!("binaries in {}:", dir.display());
        // 1: 200 clients stall while 20,000 events of 4 KB arrive, then resume one by one.
        {
            let mut ln = spawn(&plugin, SimOptions::default().option("lnwatch-client-queue", 2000));
            let sock = ln.default_socket();
            let mut clients: Vec<Client> = (0..200).map(|_| Client::connect(&sock).expect("client")).collect();
            let pad = "x".repeat(4000);
            for h in 0..20_000 {
                ln.notify("block_added", json!({"block_added":{"hash":pad,"height":h}})).expect("notify");
            }
            ln.flush().expect("flush");
            for c in &mut clients {
                while let Ok(line) = c.next_line(Duration::from_secs(10)) {
                    if event_seq(&line).is_some_and(|s| s >= 20_000) {
                        break;
                    }
                }
            }
            let hwm = vm_kib(ln.pid().unwrap_or(0), "VmHWM:") / 1024;
            println!("  1. 200 stalled clients, 20,000 x 4 KB events: plugin peak RSS {hwm} MiB");
        }
        // 2: 1,000 monitors connect, read their hello and quit, on a quiet node.
        {
            let ln = spawn(&plugin, SimOptions::default());
            let sock = ln.default_socket();
            std::thread::sleep(Duration::from_millis(300));
            let fds = || std::fs::read_dir(format!("/proc/{}/fd", ln.pid().unwrap_or(0))).map_or(0, |d| d.count());
            let before = fds();
            for _ in 0..1000 {
                let mut c = Client::connect(&sock).expect("client");
                let _ = c.next_line(Duration::from_secs(5));
            }
            std::thread::sleep(Duration::from_millis(200));
            println!("  2. 1,000 connect/hello/close cycles: plugin fds {before} before, {} 200 ms after", fds());
        }
        // 6: the monitor idle with a 5 MB event on screen.
        {
            let mut ln = spawn(&plugin, SimOptions::default());
            let sock = ln.default_socket();
            let tmux = Tmux::run(&format!("exec {} --socket {}", lnwatch.display(), sock.display()));
            std::thread::sleep(Duration::from_secs(1));
            ln.notify("mystery", json!({"mystery":{"blob":"x".repeat(5 << 20)}})).expect("notify");
            std::thread::sleep(Duration::from_secs(3));
            let pid = tmux.pid();
            let (t0, c0) = (Instant::now(), cpu_ticks(pid));
            std::thread::sleep(Duration::from_secs(10));
            let pct = (cpu_ticks(pid) - c0) as f64 / 100.0 / t0.elapsed().as_secs_f64() * 100.0;
            println!("  6. lnwatch idle for 10 s with a 5 MB event on screen: {pct:.1}% of a core");
        }
        // 7: a 300 MiB line with no newline, then a notification.
        {
            let mut ln = spawn(&plugin, SimOptions::default());
            let mut c = Client::connect(&ln.default_socket()).expect("client");
            let pid = ln.pid().unwrap_or(0);
            let (t0, c0) = (Instant::now(), cpu_ticks(pid));
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..300 {
                ln.write_raw(&chunk).expect("write");
            }
            ln.write_raw(b"\n\n").expect("write");
            ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).expect("notify");
            ln.flush().expect("flush");
            while let Ok(line) = c.next_line(Duration::from_secs(600)) {
                if event_seq(&line).is_some() {
                    break;
                }
            }
            let cpu = (cpu_ticks(pid) - c0) as f64 / 100.0;
            println!(
                "  7. a 300 MiB line, then an event: relayed after {:.2} s, {cpu:.2} s of plugin CPU",
                t0.elapsed().as_secs_f64()
            );
        }
    }
}

/// One monitor watching `nodes` simulated nodes at `rate` notifications/s each for `secs`,
/// against the baseline of the same monitor watching one node at the same total rate, in the
/// same run: CPU (share of a core), peak RSS, and whether every node kept up (no `missed` in
/// its header, checked on each node with `n`).
fn fleet(nodes: usize, rate: u64, secs: u64) {
    let watch = |nodes: usize, rate: u64| {
        let mut lns: Vec<Lightningd> = (0..nodes).map(|_| start_plugin(SimOptions::default())).collect();
        let sockets: Vec<String> = lns.iter().map(|ln| format!("--socket {}", ln.default_socket().display())).collect();
        let tmux = Tmux::run(&format!("exec {} {}", sibling_binary("lnwatch").display(), sockets.join(" ")));
        std::thread::sleep(Duration::from_secs(2));
        let pid = tmux.pid();
        let per_slice = (rate / 100).max(1) as usize;
        let (slice, _) = workload::stream(per_slice);
        let (t0, c0) = (Instant::now(), cpu_ticks(pid));
        for i in 0..secs * 100 {
            let due = t0 + Duration::from_millis(10 * i);
            let now = Instant::now();
            if now < due {
                std::thread::sleep(due - now);
            }
            for ln in &mut lns {
                ln.write_raw(&slice).expect("write");
                ln.flush().expect("flush");
            }
        }
        let cpu = (cpu_ticks(pid) - c0) as f64 / 100.0 / t0.elapsed().as_secs_f64() * 100.0;
        std::thread::sleep(Duration::from_secs(2));
        let mut behind = 0;
        for _ in 0..nodes {
            let out =
                Command::new("tmux").args(["-L", &tmux.0, "capture-pane", "-p", "-t", "b"]).output().expect("tmux");
            behind += usize::from(String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").contains("missed"));
            let _ = Command::new("tmux").args(["-L", &tmux.0, "send-keys", "-t", "b", "n"]).status();
            std::thread::sleep(Duration::from_millis(300));
        }
        (cpu, vm_kib(pid, "VmHWM:") as f64 / 1024.0, behind)
    };
    let total = nodes as u64 * rate;
    let (base_cpu, base_rss, base_behind) = watch(1, total);
    let (cpu, rss, behind) = watch(nodes, rate);
    println!(
        "one monitor, {nodes} nodes at {rate}/s each for {secs} s: {cpu:.1}% of a core, peak RSS {rss:.1} MiB, \
         {behind} of {nodes} fell behind; baseline, one node at {total}/s: {base_cpu:.1}%, {base_rss:.1} MiB, \
         {base_behind} fell behind; ratios {:.2}x CPU, {:.2}x memory",
        cpu / base_cpu.max(0.1),
        rss / base_rss.max(0.1)
    );
}

/// A scrape of `lnwatch-metrics` on a node with `channels` channels (and as many peers), timed
/// over 20 scrapes, against the baseline of the node's own `listpeerchannels` (what every scrape
/// asks) called directly on its RPC socket in the same run.
fn scrape(channels: usize) {
    let list: Vec<serde_json::Value> = (0..channels)
        .map(|i| {
            json!({"peer_id": format!("02{i:064x}"), "peer_connected": i % 7 != 0, "state": "CHANNELD_NORMAL",
                "short_channel_id": format!("{}x{}x0", 800_000 + i, i % 3000), "total_msat": 5_000_000_000u64,
                "to_us_msat": 1_000_000u64 * i as u64, "htlcs": [{"direction": "out", "expiry": 840_200 + i, "amount_msat": 1000}]})
        })
        .collect();
    let answer = json!({"channels": list});
    let answers = lnwatch_sim::rpc_server::RpcAnswers {
        getinfo: json!({"id": "03aa", "blockheight": 840_000}),
        other: Some(lnwatch_sim::rpc_server::Answerer(std::sync::Arc::new(
            move |method: &str, _: &serde_json::Value| match method {
                "listpeerchannels" => Some(answer.clone()),
                "listnodes" => Some(json!({"nodes": []})),
                "listforwards" => Some(json!({"forwards": []})),
                "listsendpays" => Some(json!({"payments": []})),
                "listinvoices" => Some(json!({"invoices": []})),
                _ => None,
            },
        ))),
        ..Default::default()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
    let ln = start_plugin(
        SimOptions { rpc: answers, ..SimOptions::default() }.option("lnwatch-metrics", format!("127.0.0.1:{port}")),
    );
    let get = || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics port");
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
        let mut body = Vec::new();
        s.read_to_end(&mut body).expect("read");
        body.len()
    };
    std::thread::sleep(Duration::from_secs(1));
    let size = get();
    let t = Instant::now();
    for _ in 0..20 {
        get();
    }
    let per_scrape = t.elapsed().as_secs_f64() / 20.0;
    let rpc = lnwatch_tests::rpc::Rpc::new(&ln.network_dir().join("lightning-rpc"));
    let t = Instant::now();
    for _ in 0..20 {
        rpc.call("listpeerchannels", json!({})).expect("listpeerchannels");
    }
    let raw = t.elapsed().as_secs_f64() / 20.0;
    println!(
        "scrape of a node with {channels} channels: {:.1} ms, {} KiB; its listpeerchannels alone {:.1} ms; ratio {:.2}x",
        per_scrape * 1000.0,
        size / 1024,
        raw * 1000.0,
        per_scrape / raw
    );
}

fn spawn(plugin: &Path, opts: SimOptions) -> Lightningd {
    let mut ln = Lightningd::spawn(plugin, opts).expect("spawn plugin");
    ln.start().expect("start");
    ln
}

fn compare(n: usize, n_pyln: usize) {
    let floor = floor(n);
    let ours = lnwatch(n, false);
    let base = pyln(n_pyln);
    report("floor (pipe + unix socket, no parse)", n, &floor);
    report("lnwatch-plugin", n, &ours);
    report("pyln-client relay (baseline)", n_pyln, &base);
    println!("lnwatch-plugin / pyln baseline: {:.1}x", ours.per_sec / base.per_sec);
    println!("lnwatch-plugin / floor:         {:.0}%", ours.per_sec / floor.per_sec * 100.0);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().map(String::as_str).unwrap_or("all");
    let num = |i: usize, default: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    match what {
        "relay" => {
            let n = num(1, 1_000_000) as usize;
            report("lnwatch-plugin", n, &lnwatch(n, false));
            report("lnwatch-plugin (+1 stalled client)", n, &lnwatch(n, true));
        }
        "pyln" => report("pyln-client relay", num(1, 50_000) as usize, &pyln(num(1, 50_000) as usize)),
        "floor" => report("floor", num(1, 1_000_000) as usize, &floor(num(1, 1_000_000) as usize)),
        "compare" => compare(num(1, 1_000_000) as usize, num(2, 50_000) as usize),
        "latency" => latency(num(1, 10_000), num(2, 10)),
        "latency-ratio" => latency_ratio(num(1, 10_000), num(2, 10), num(3, 5) as usize),
        "tui-idle" => tui_idle(num(1, 60)),
        "rss" => rss(num(1, 10_000_000) as usize),
        "tui-rate" => tui_rate(&[25_000, 50_000, 100_000, 200_000, 400_000], num(1, 5)),
        "catchup" => catchup(num(1, 100_000)),
        "report" => report_days(num(1, 1_000_000)),
        "fleet" => fleet(num(1, 10) as usize, num(2, 1_000), num(3, 10)),
        "scrape" => scrape(num(1, 2_000) as usize),
        "bignode" => bignode(num(1, 1_000_000)),
        "faults" => {
            let mut dirs = vec![sibling_binary("lnwatch").parent().map(Path::to_path_buf).unwrap_or_default()];
            dirs.extend(std::env::var_os("LNWATCH_BENCH_BASELINE").map(PathBuf::from));
            faults(&dirs);
        }
        "all" => {
            compare(1_000_000, 50_000);
            latency_ratio(10_000, 10, 5);
            tui_idle(60);
            rss(10_000_000);
            tui_rate(&[25_000, 50_000, 100_000, 200_000, 400_000], 5);
            catchup(100_000);
            report_days(1_000_000);
            fleet(10, 1_000, 10);
            scrape(2_000);
            bignode(1_000_000);
        }
        // Proves the harness still runs end to end, in seconds (CI).
        "smoke" => {
            compare(20_000, 2_000);
            latency_ratio(1_000, 1, 1);
            catchup(2_000);
            report_days(20_000);
            fleet(2, 100, 1);
            scrape(50);
            bignode(20_000);
        }
        other => {
            eprintln!(
                "unknown benchmark {other:?}: relay [N] | pyln [N] | floor [N] | compare [N] [N_PYLN] | latency [RATE] [SECS] | latency-ratio [RATE] [SECS] [ROUNDS] | tui-idle [SECS] | rss [N] | tui-rate [SECS] | catchup [N] | report [N] | fleet [NODES] [RATE] [SECS] | scrape [CHANNELS] | bignode [FORWARDS] | faults | all | smoke"
            );
            std::process::exit(2);
        }
    }
}
