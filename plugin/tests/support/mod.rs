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

pub fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
