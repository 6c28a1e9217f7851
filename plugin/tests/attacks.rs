//! Faults found by attacking lnwatch-plugin, each reproduced through the real binary so it
//! cannot come back: memory that followed clients instead of the log, hang-ups noticed late, a
//! peer snapshot overwriting newer events, redaction that rewrote bytes, quadratic long lines,
//! a deleted socket never recreated.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use lnwatch_shared::frame::Frame;
use lnwatch_sim::SimOptions;
use lnwatch_sim::rpc_server::RpcAnswers;
use serde_json::json;

mod support;
use support::*;

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// Reads a client's lines until the event with `seq` (or later) has come.
fn drain_to(c: &mut lnwatch_tests::client::Client, seq: u64) {
    loop {
        let line = c.next_line(T).expect("the client is served to the end");
        if seq_of(&line).is_some_and(|s| s >= seq) {
            return;
        }
    }
}

#[test]
fn stalled_clients_cost_no_more_than_the_log() {
    // 200 clients stop reading while 20,000 events of 4 KB arrive. The log keeps 2,000 of them
    // (8 MB); what each client holds besides must stay small whatever the events' size.
    const N: u64 = 20_000;
    let mut ln = node(SimOptions::default().option("lnwatch-client-queue", 2000));
    let sock = ln.default_socket();
    let mut clients: Vec<_> = (0..200).map(|_| connect(&sock).0).collect();
    let pid = ln.pid().unwrap();
    let pad = "x".repeat(4000);
    for h in 0..N {
        ln.notify("block_added", json!({"block_added":{"hash":pad,"height":h}})).unwrap();
    }
    ln.flush().unwrap();
    // A fresh client's hello says when the plugin has read them all.
    wait_for("the plugin to read every event", || connect(&sock).1.next_seq > N);
    // They resume, one after the other, and each is served to the end (after a gap).
    for c in &mut clients {
        drain_to(c, N);
    }
    let hwm_mib = vm_hwm_kib(pid) / 1024;
    eprintln!("plugin peak RSS with 200 stalled clients: {hwm_mib} MiB");
    assert!(hwm_mib < 64, "plugin peak RSS {hwm_mib} MiB: clients hold copies of the log");
    ln.check().unwrap();
}

#[test]
fn a_client_that_hangs_up_is_let_go_at_once() {
    let ln = node(SimOptions::default());
    let sock = ln.default_socket();
    let pid = ln.pid().unwrap();
    wait_for("the peer snapshot", || ln.rpc().calls().len() >= 2);
    let baseline = open_fds(pid);
    // Monitors that start, read their hello and quit, on a quiet node.
    for _ in 0..1000 {
        drop(connect(&sock));
    }
    // Nothing is notified: the plugin must notice each hang-up by itself.
    wait_for("the plugin to close the hung-up clients", || open_fds(pid) <= baseline);
    let (_c, hello, _) = connect(&sock);
    assert_eq!(hello.next_seq, 1);
}

#[test]
fn a_client_that_only_stops_sending_keeps_receiving() {
    // `echo '{"type":"subscribe",…}' | socat - UNIX-CONNECT:…` closes its sending side after the
    // subscription and keeps reading: that is not a hang-up.
    let mut ln = node(SimOptions::default());
    let mut s = UnixStream::connect(ln.default_socket()).unwrap();
    s.write_all(b"{\"type\":\"subscribe\",\"topics\":[\"block_added\"]}\n").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    ln.notify("connect", connect_params("02aa")).unwrap();
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":7}})).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let mut got = String::new();
    let mut buf = [0u8; 4096];
    while !got.contains("\"height\":7") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the plugin hung up on a half-closed client: {got}");
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(!got.contains("\"topic\":\"connect\""), "the subscription still applies: {got}");
    let frames: Vec<Frame> = got.lines().map(|l| lnwatch_shared::frame::decode(l.as_bytes()).unwrap()).collect();
    assert!(matches!(frames[0], Frame::Hello(_)));
}

#[test]
fn events_newer_than_the_peer_snapshot_win() {
    // The node answers slowly; a peer connects after `listpeers` was asked and before its answer
    // (as at startup, when peers reconnect while the snapshot is retried).
    let rpc = RpcAnswers {
        listpeers: json!({"peers":[{"id":"02aa","connected":true,"netaddr":["10.0.0.1:9735"]}]}),
        answer_delay: Duration::from_millis(700),
        ..RpcAnswers::default()
    };
    let mut ln = node(SimOptions { rpc, ..SimOptions::default() });
    let sock = ln.default_socket();
    let (mut c, _, _) = connect(&sock);
    wait_for("listpeers to be asked", || ln.rpc().calls().iter().any(|m| m == "listpeers"));
    ln.notify("connect", connect_params("03bb")).unwrap();
    let frames = c.frames_until(T, |f| matches!(f, Frame::Peers(p) if p.complete)).unwrap();
    let Some(Frame::Peers(after)) = frames.last() else { unreachable!() };
    let new = after.peers.iter().find(|p| p.id == "03bb").expect("the newer connect survives the snapshot");
    assert!(new.connected);
    assert_eq!(new.connects, 1, "counted once");
    assert!(after.peers.iter().any(|p| p.id == "02aa" && p.connected), "the snapshot's peers are there too");
    // A monitor connecting now sees the same table.
    let (_c2, _, peers) = connect(&sock);
    assert!(peers.complete && peers.peers.iter().any(|p| p.id == "03bb" && p.connected));
}

#[test]
fn redaction_replaces_only_the_secret() {
    // Numbers past u64, a key order serde would not keep, spacing and escapes: all must reach
    // clients as lightningd wrote them, with only the preimage's value replaced.
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    let params = r#"{"invoice_payment":{"z":1,"msat":340282366920938463463374607431768211456,"label":"caf\u00e9","preimage":"2d30add2188ebf03593a2a693d9155f43b3b32839f085a1694b851ec63fac3c3","a":1.50}}"#;
    let message = format!(r#"{{"jsonrpc":"2.0","method":"invoice_payment","params":{params}}}"#);
    ln.write_raw(message.as_bytes()).unwrap();
    ln.write_raw(b"\n\n").unwrap();
    ln.flush().unwrap();
    let line = loop {
        let line = c.next_line(T).unwrap();
        if seq_of(&line).is_some() {
            break String::from_utf8(line).unwrap();
        }
    };
    let expected = params.replace("2d30add2188ebf03593a2a693d9155f43b3b32839f085a1694b851ec63fac3c3", "<redacted>");
    assert!(line.ends_with(&format!(r#""params":{expected}}}"#)), "{line}");
}

/// CPU seconds a process has used (user + system).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

#[test]
fn a_line_past_the_message_limit_is_skipped_in_linear_time_and_named_right() {
    // 300 MiB without a newline, then a real notification. Searching the whole buffer for a
    // newline after every read made this quadratic (minutes of CPU, relaying stalled), and the
    // log named the frame limit (16 MiB) instead of the message limit (256 MiB).
    let mut ln = node(SimOptions::default());
    let (mut c, _, _) = connect(&ln.default_socket());
    let pid = ln.pid().unwrap();
    let before = cpu_seconds(pid);
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..300 {
        ln.write_raw(&chunk).unwrap();
    }
    ln.write_raw(b"\n\n").unwrap();
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":1}})).unwrap();
    ln.flush().unwrap();
    assert_eq!(next_event(&mut c).topic, "block_added", "relaying goes on after the long line");
    eprintln!("plugin CPU for a 300 MiB line: {:.2} s", cpu_seconds(pid) - before);
    wait_for("the skipped line in the node's log", || {
        ln.logs()
            .iter()
            .any(|l| l["params"]["message"].as_str().is_some_and(|m| m.contains("over the 268435456-byte limit")))
    });
}

#[test]
fn a_deleted_socket_is_recreated_and_a_replaced_one_left_alone() {
    let mut ln = node(SimOptions::default());
    let sock = ln.default_socket();
    let (mut old, _, _) = connect(&sock);
    std::fs::remove_file(&sock).unwrap();
    wait_for("the socket to be recreated", || sock.exists());
    let (mut new, hello, _) = connect(&sock);
    assert_eq!(std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777, 0o600, "same claim rules");
    ln.notify("block_added", json!({"block_added":{"hash":"00","height":5}})).unwrap();
    assert_eq!(next_event(&mut new).seq, hello.next_seq);
    assert_eq!(next_event(&mut old).topic, "block_added", "connected clients never noticed");
    wait_for("the node to be told", || {
        ln.logs()
            .iter()
            .any(|l| l["params"]["message"].as_str().is_some_and(|m| m.contains("was deleted; listening again")))
    });

    // Something else at the path is not the plugin's to remove: it says so, once.
    std::fs::remove_file(&sock).unwrap();
    std::fs::write(&sock, "an operator's file").unwrap();
    wait_for("the node to be told", || {
        ln.logs()
            .iter()
            .any(|l| l["params"]["message"].as_str().is_some_and(|m| m.contains("replaced by something else")))
    });
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(std::fs::read_to_string(&sock).unwrap(), "an operator's file");
    let said =
        ln.logs().iter().filter(|l| l["params"]["message"].as_str().is_some_and(|m| m.contains("replaced"))).count();
    assert_eq!(said, 1, "said once, not every second");
    ln.shutdown().unwrap();
    assert!(ln.wait_exit(T).is_some());
    assert_eq!(std::fs::read_to_string(&sock).unwrap(), "an operator's file", "kept at exit too");
}

#[test]
fn huge_events_are_held_to_the_byte_budget() {
    // 20 events of 5 MB with a client that never reads: the count limits (1,000 replayed,
    // 10,000 queued) would keep all 100 MB; the byte budget keeps 16.
    let mut ln = node(SimOptions::default().option("lnwatch-buffer-mb", 16));
    let sock = ln.default_socket();
    let (_stalled, _, _) = connect(&sock);
    let blob = "x".repeat(5 << 20);
    for i in 0..20 {
        ln.notify("mystery", json!({"mystery":{"i":i,"blob":blob}})).unwrap();
    }
    ln.flush().unwrap();
    wait_for("the plugin to read every event", || connect(&sock).1.next_seq > 20);
    let hwm_mib = vm_hwm_kib(ln.pid().unwrap()) / 1024;
    eprintln!("plugin peak RSS with 20 events of 5 MB: {hwm_mib} MiB");
    assert!(hwm_mib < 64, "plugin peak RSS {hwm_mib} MiB with a 16 MiB buffer");
    // A new client is replayed what fits in the budget, newest last.
    let (mut late, _, _) = connect(&sock);
    let replayed: Vec<u64> =
        std::iter::from_fn(|| late.next_line(Duration::from_secs(2)).ok()).filter_map(|l| seq_of(&l)).collect();
    assert!(!replayed.is_empty() && replayed.len() <= 4, "{replayed:?}");
    assert_eq!(replayed.last(), Some(&20));
}

/// What one client connection saw, checked as it goes: every event is the one after the
/// previous, or a `gap` frame accounts for exactly the seqs skipped.
struct Session {
    last: u64,
    delivered: u64,
    missed: u64,
    first: u64,
}

impl Session {
    fn new(next_seq: u64) -> Session {
        Session { last: next_seq - 1, delivered: 0, missed: 0, first: next_seq }
    }

    fn line(&mut self, line: &[u8]) {
        match lnwatch_shared::frame::decode(line).unwrap() {
            Frame::Event(e) => {
                assert_eq!(e.seq, self.last + 1, "out of order, repeated or lost without a gap frame");
                self.last = e.seq;
                self.delivered += 1;
            }
            Frame::Gap(g) => {
                assert_eq!(g.next_seq, self.last + 1 + g.missed, "the gap counts exactly the seqs skipped");
                self.missed += g.missed;
                self.last = g.next_seq - 1;
            }
            _ => {}
        }
    }
}

mod loss_accounting {
    use super::*;
    use proptest::prelude::*;

    /// One client's behaviour: read this many lines, then stall or hang up and come back.
    #[derive(Debug, Clone)]
    enum Step {
        Read(u16),
        Stall(u8),
        Reconnect,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (1u16..2000).prop_map(Step::Read),
            2 => (1u8..30).prop_map(Step::Stall),
            1 => Just(Step::Reconnect),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

        /// Under random stalls and reconnects, for every client connection: delivered + missed
        /// = the events sent while it was connected, in order, none twice.
        #[test]
        fn delivered_plus_missed_is_sent(plans in proptest::collection::vec(proptest::collection::vec(step(), 1..8), 6)) {
            const N: u64 = 10_000;
            let mut ln = node(SimOptions::default().option("lnwatch-replay", 0).option("lnwatch-client-queue", 300));
            let sock = ln.default_socket();
            let clients: Vec<_> = plans.into_iter().map(|mut plan| {
                plan.push(Step::Read(2000)); // every plan reads on, or it would never finish
                let sock = sock.clone();
                let (c, hello, _) = connect(&sock);
                std::thread::spawn(move || {
                    let mut sessions = vec![Session::new(hello.next_seq)];
                    let mut c = c;
                    for step in plan.iter().cycle() {
                        let s = sessions.last_mut().unwrap();
                        match step {
                            Step::Read(n) => for _ in 0..*n {
                                let Ok(line) = c.next_line(T) else { return sessions };
                                s.line(&line);
                                if s.last >= N { return sessions; }
                            },
                            Step::Stall(ms) => std::thread::sleep(Duration::from_millis(u64::from(*ms))),
                            Step::Reconnect => {
                                let (fresh, hello, _) = connect(&sock);
                                c = fresh;
                                sessions.push(Session::new(hello.next_seq));
                            }
                        }
                    }
                    sessions
                })
            }).collect();
            for h in 1..=N {
                ln.notify("block_added", json!({"block_added":{"hash":"00","height":h}})).unwrap();
            }
            ln.flush().unwrap();
            for client in clients {
                let sessions = client.join().expect("every line checked");
                for s in &sessions[..sessions.len() - 1] {
                    prop_assert_eq!(s.delivered + s.missed, s.last + 1 - s.first);
                }
                // The last connection stays to the end: it accounts for everything since it began.
                let end = sessions.last().unwrap();
                prop_assert_eq!(end.last, N);
                prop_assert_eq!(end.delivered + end.missed, N + 1 - end.first);
            }
            ln.check().unwrap();
        }
    }
}

#[test]
fn the_socket_is_owner_only_from_its_first_instant() {
    // Under the most permissive umask, the socket must still be 0600, and must have been
    // created so (mode set on the socket before bind), not chmod-ed afterwards: a chmod after
    // creation would leave its change time later than its birth time.
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("plugin-umask-000");
    std::fs::write(&wrapper, format!("#!/bin/sh\numask 000\nexec {} \"$@\"\n", plugin_bin().display())).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut ln = lnwatch_sim::Lightningd::spawn(&wrapper, SimOptions::default()).unwrap();
    ln.start().unwrap();
    let meta = std::fs::metadata(ln.default_socket()).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    use std::os::unix::fs::MetadataExt;
    let born = meta.created().expect("this filesystem records birth times");
    let changed = std::time::UNIX_EPOCH + Duration::new(meta.ctime() as u64, meta.ctime_nsec() as u32);
    assert_eq!(born, changed, "the socket's mode was changed after it was created");
    ln.check().unwrap();
}
