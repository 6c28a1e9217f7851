//! `lnwatch-plugin`: started by lightningd (`plugin=` or `lightning-cli plugin start`).

use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::unix::pipe;

fn stdin_pipe() -> Option<pipe::Receiver> {
    let fd: OwnedFd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    pipe::Receiver::from_owned_fd(fd).ok()
}

fn stdout_pipe() -> Option<pipe::Sender> {
    let fd: OwnedFd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    pipe::Sender::from_owned_fd(fd).ok()
}

const ABOUT: &str = "\
lnwatch-plugin — a Core Lightning plugin that relays every notification to lnwatch clients over
a Unix socket (<lightning-dir>/notif.sock by default, mode 0600).

It is started by lightningd, which talks to it on stdin/stdout; run by hand it has nothing to do.
Load it on a running node:
  lightning-cli plugin start /path/to/lnwatch-plugin
or at startup, with `plugin=/path/to/lnwatch-plugin` in the node's config. Then watch with
  lnwatch --lightning-dir <lightning-dir>

Options (set as `lnwatch-…=value` in the config, or after `plugin start`), with their defaults:
";

fn usage() -> String {
    format!("{ABOUT}{}", lnwatch_plugin::options::usage())
}

/// `--help`/`--version`, or started by hand from a terminal: say what this is and how to load
/// it, instead of waiting silently for lightningd's JSON-RPC. Under lightningd
/// (`LIGHTNINGD_PLUGIN` set, stdin a pipe) it never triggers.
fn by_hand() -> Option<i32> {
    use std::io::IsTerminal;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-V") {
        println!("lnwatch-plugin {}", env!("CARGO_PKG_VERSION"));
        return Some(0);
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", usage());
        return Some(0);
    }
    if std::env::var_os("LIGHTNINGD_PLUGIN").is_none() && std::io::stdin().is_terminal() {
        eprintln!("{}", usage());
        return Some(2);
    }
    None
}

fn main() {
    if let Some(code) = by_hand() {
        std::process::exit(code);
    }
    // stdout belongs to lightningd's JSON-RPC; anything printed there would get the plugin
    // killed, so failures go to stderr (which lightningd inherits).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lnwatch-plugin: cannot start runtime: {e}");
            std::process::exit(1);
        }
    };
    let env = lnwatch_plugin::PluginEnv::from_process();
    let result = runtime.block_on(async {
        // Under lightningd stdin and stdout are pipes: read and write them through epoll rather
        // than tokio's blocking-thread stdio, which adds a thread hop and a copy per read.
        // Anything else (a file, a terminal) gets tokio's stdio; each is chosen on its own.
        let input: Box<dyn AsyncRead + Unpin> = match stdin_pipe() {
            Some(p) => Box::new(p),
            None => Box::new(tokio::io::stdin()),
        };
        let output: Box<dyn AsyncWrite + Unpin + Send> = match stdout_pipe() {
            Some(p) => Box::new(p),
            None => Box::new(tokio::io::stdout()),
        };
        lnwatch_plugin::run(input, output, env).await
    });
    // One thread: the relay never takes more than one core from the node, and needs no more.
    // Client tasks blocked on a stalled peer must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    if let Err(e) = result {
        eprintln!("lnwatch-plugin: {e}");
        std::process::exit(1);
    }
}
