//! End-to-end benchmarks of the relay. See docs/benchmarks.md.
//!
//! `cargo build --release --workspace && target/release/lnwatch-bench relay [N]`

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lnwatch_sim::client::Client;
use lnwatch_sim::{Lightningd, SimOptions, workload};

fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name(name)
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

/// Is this an `event` line, and what is its seq?
fn event_seq(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(br#"{"type":"event","seq":"#)?;
    let end = rest.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Notifications/s from the plugin's stdin to a socket client, and the plugin's peak RSS,
/// optionally with a second client that never reads.
fn relay(n: usize, stalled: bool) {
    let (bytes, mean) = workload::stream(n);
    let mut ln = Lightningd::spawn(&sibling_binary("lnwatch-plugin"), SimOptions::default()).expect("spawn plugin");
    ln.start().expect("start");
    let sock = ln.default_socket();
    let _stalled = stalled.then(|| Client::connect(&sock).expect("connect stalled client"));
    let mut client = Client::connect(&sock).expect("connect");
    let reader = std::thread::spawn(move || {
        let target = n as u64;
        loop {
            let line = client.next_line(Duration::from_secs(60)).expect("relay stalled");
            if event_seq(&line) == Some(target) {
                return Instant::now();
            }
        }
    });
    let start = Instant::now();
    ln.write_raw(&bytes).expect("write");
    ln.flush().expect("flush");
    let end = reader.join().expect("reader");
    let secs = (end - start).as_secs_f64();
    let pid = ln.pid().unwrap_or(0);
    println!(
        "relay{}: {n} notifications ({mean:.0} B mean) in {secs:.3} s = {:.0} notifications/s, {:.1} MB/s; plugin peak RSS {} KiB",
        if stalled { " (+1 stalled client)" } else { "" },
        n as f64 / secs,
        bytes.len() as f64 / secs / 1e6,
        vm_kib(pid, "VmHWM:"),
    );
    let _ = std::io::stdout().flush();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().map(String::as_str).unwrap_or("relay");
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    match what {
        "relay" => {
            relay(n, false);
            relay(n, true);
        }
        other => {
            eprintln!("unknown benchmark {other:?}; try: relay [N]");
            std::process::exit(2);
        }
    }
}
