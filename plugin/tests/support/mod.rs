//! Helpers shared by the plugin's end-to-end tests (`relay.rs`, `attacks.rs`): the real
//! binary under the simulated lightningd, socket clients, and what /proc says of the process.

#![allow(dead_code)] // each test target uses its own part

use std::path::Path;
use std::time::{Duration, Instant};

use lnwatch_shared::frame::{Event, Frame, Hello, Peers};
use lnwatch_sim::{Lightningd, SimOptions};
use lnwatch_tests::client::Client;
use serde_json::{Value, json};

pub const T: Duration = Duration::from_secs(10);

pub fn plugin_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_lnwatch-plugin"))
}

pub fn node(opts: SimOptions) -> Lightningd {
    let mut ln = Lightningd::spawn(plugin_bin(), opts).expect("spawn plugin");
    ln.start().expect("plugin starts");
    ln
}

/// Connects and reads the preamble: hello, then peers.
pub fn connect(path: &Path) -> (Client, Hello, Peers) {
    let mut c = Client::connect(path).expect("connect");
    let Frame::Hello(h) = c.next_frame(T).unwrap() else { panic!("first frame must be hello") };
    let Frame::Peers(p) = c.next_frame(T).unwrap() else { panic!("second frame must be peers") };
    (c, h, p)
}

pub fn next_event(c: &mut Client) -> Event {
    loop {
        match c.next_frame(T).unwrap() {
            Frame::Event(e) => return e,
            Frame::Peers(_) | Frame::Hello(_) => continue,
            other => panic!("expected an event, got {other:?}"),
        }
    }
}

pub fn events(c: &mut Client, n: usize) -> Vec<Event> {
    (0..n).map(|_| next_event(c)).collect()
}

pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + T;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn connect_params(id: &str) -> Value {
    json!({"connect":{"id":id,"direction":"in","address":{"type":"ipv4","address":"127.0.0.1","port":9735}}})
}

/// Reads the `"seq":N` of an event line without a full parse.
pub fn seq_of(line: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(line).ok()?.strip_prefix(r#"{"type":"event","#)?;
    let rest = &s[s.find("\"seq\":")? + 6..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?].parse().ok()
}

/// The plugin's ends of the connections to its socket at `path` (the kernel lists accepted
/// sockets under the listener's path, /proc/net/unix), and how many of them its epoll sets
/// watch for write space (`EPOLLOUT`, /proc/PID/fdinfo).
pub fn clients_watched_for_writing(pid: u32, path: &Path) -> (usize, usize) {
    const EPOLLOUT: u32 = 0x4;
    const CONNECTED: &str = "03";
    let path = path.to_str().unwrap();
    let table = std::fs::read_to_string("/proc/net/unix").unwrap();
    let inodes: std::collections::HashSet<String> = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() == 8 && f[5] == CONNECTED && f[7] == path)
        .map(|f| f[6].to_owned())
        .collect();
    // Descriptor → connection (a socket may have several descriptors).
    let fds: std::collections::HashMap<String, String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            let inode = target.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned();
            inodes.contains(&inode).then(|| (e.file_name().to_string_lossy().into_owned(), inode))
        })
        .collect();
    let mut watched = std::collections::HashSet::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap().flatten() {
        let Ok(info) = std::fs::read_to_string(entry.path()) else { continue };
        for line in info.lines().filter(|l| l.starts_with("tfd:")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let mask =
                words.iter().position(|w| *w == "events:").and_then(|i| u32::from_str_radix(words[i + 1], 16).ok());
            if let Some(inode) = fds.get(words[1]).filter(|_| mask.is_some_and(|m| m & EPOLLOUT != 0)) {
                watched.insert(inode.clone());
            }
        }
    }
    let served: std::collections::HashSet<&String> = fds.values().collect();
    (served.len(), watched.len())
}

pub fn vm_hwm_kib(pid: u32) -> u64 {
    proc_status(pid, "VmHWM:")
}

/// A number from /proc/PID/status.
fn proc_status(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
