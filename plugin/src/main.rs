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

fn main() {
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
