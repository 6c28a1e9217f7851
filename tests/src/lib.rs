//! lnwatch-tests: the system tests' support (the tests themselves are in `e2e/`, the
//! benchmark tool in `src/bin`).
//!
//! - [`client`]: a blocking client of the relay's socket protocol.
//! - [`chain`] and [`backend`]: a regtest chain in a directory, mined by the test and served to
//!   real lightningd nodes by `lnwatch-regtest-chain`, their Bitcoin backend (there is no
//!   bitcoind); [`plugin_io`] is the plugin protocol of that binary and of `lnwatch-recorder`.
//! - [`network`]: real lightningd nodes on that chain (pyln-testing's `NodeFactory`, in Rust),
//!   reached with [`rpc`], their `notif.sock` read with [`watch`].
//! - [`tmux`]: the terminal a person would use, for the monitor's tests.
//! - [`ledger`]: what `lnwatch report` must say, from the node's whole lists.
//! - [`lines`]: a long-running program's stdout, line by line (`lnwatch alerts`).

pub mod backend;
pub mod chain;
pub mod client;
pub mod ledger;
pub mod lines;
pub mod network;
pub mod plugin_io;
pub mod rpc;
pub mod tmux;
pub mod watch;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Polls `f` until it returns `Some`, every 50 ms; panics naming `what` after `timeout`.
pub fn wait_until<T>(what: &str, timeout: Duration, f: impl FnMut() -> Option<T>) -> T {
    wait_until_or_none(timeout, f).unwrap_or_else(|| panic!("timed out after {timeout:?} waiting for {what}"))
}

/// Polls `f` until it returns `Some`, every 50 ms, for at most `timeout`.
pub fn wait_until_or_none<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A binary of this workspace, next to the running test's own directory (`target/<profile>/`).
/// `cargo test --workspace` builds them all before any test runs.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test>-<hash> → target/<profile>/<name>
    let path = exe.parent().and_then(|deps| deps.parent()).map(|dir| dir.join(name)).unwrap_or_default();
    assert!(
        path.is_file(),
        "{} is not built: run `cargo test --workspace` (or `cargo build --workspace`)",
        path.display()
    );
    path
}
