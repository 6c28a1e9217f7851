//! `lnwatch alerts`: the monitor's state and rules without a terminal, for systemd. One line
//! per alert change on stdout (text, or JSON with `--json`); with `--exec`, a command per change
//! with the JSON on its stdin, one at a time, killed past its timeout, its failures logged on
//! stderr and never fatal. The node going away is an alert, not an exit: it runs until stopped
//! (SIGTERM, SIGINT) and reconnects as the monitor does.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::alerts::{Rules, line};
use crate::app::{App, Effect};
use crate::fleet::Fleet;

pub struct Options {
    /// The nodes watched: name (empty: the node's alias) and socket.
    pub nodes: Vec<(String, PathBuf)>,
    pub rules: Rules,
    pub json: bool,
    /// A shell command line run per change (`sh -c`).
    pub exec: Option<String>,
    pub exec_timeout: Duration,
}

/// Changes waiting for the command at most; past it one is dropped and the log says so.
const EXEC_QUEUE: usize = 1000;
/// Events kept per topic: alerts read the state, not the history.
const HISTORY: usize = 200;

pub fn run(opts: Options) -> Result<(), String> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(serve(opts));
    Ok(())
}

async fn serve(opts: Options) {
    let apps = opts
        .nodes
        .iter()
        .map(|(_, socket)| {
            let mut app = App::new(socket.display().to_string(), HISTORY, None, crate::now());
            app.set_rules(opts.rules.clone());
            app
        })
        .collect();
    let mut fleet = Fleet::new(apps, opts.nodes.iter().map(|(name, _)| name.clone()).collect());
    let sockets: Vec<String> = opts.nodes.iter().map(|(_, s)| s.display().to_string()).collect();
    log(&format!("watching {} ({})", sockets.join(", "), summary(&opts.rules)));
    let (tx, mut rx) = mpsc::channel(256);
    let mut queries = Vec::new();
    for (i, (_, socket)) in opts.nodes.iter().enumerate() {
        let (q, q_rx) = mpsc::unbounded_channel();
        queries.push(q);
        tokio::spawn(crate::source::run(socket.clone(), i, tx.clone(), q_rx));
    }
    tokio::spawn(crate::run::ticks(tx.clone()));
    tokio::spawn(crate::run::signals(tx));
    let exec = opts.exec.clone().map(|cmd| Exec::start(cmd, opts.exec_timeout));
    let mut stdout = std::io::stdout();
    while let Some((to, msg)) = rx.recv().await {
        fleet.update(to, msg);
        if fleet.quit() {
            break;
        }
        for (i, effect) in fleet.take_effects() {
            match effect {
                Effect::Send(l) => drop(queries[i].send(l)),
                Effect::Alert(change) => {
                    let node = fleet.name(i);
                    let json = line::json(&change, &node);
                    let text = if opts.json { json.clone() } else { line::text(&change, &node) };
                    // A reader gone (a closed pipe) does not stop the command or the watching.
                    let _ = writeln!(stdout, "{text}").and_then(|_| stdout.flush());
                    if let Some(x) = &exec {
                        x.push(json);
                    }
                }
                // No cursor files: catch-up here only fills the state in memory, and never
                // moves the monitor's cursor.
                Effect::LoadCursor(_) | Effect::SaveCursor(..) => {}
            }
        }
    }
    if let Some(x) = exec {
        x.finish().await;
    }
}

fn summary(r: &Rules) -> String {
    let on = |b: bool, s: String| if b { s } else { String::new() };
    let parts = [
        on(r.node_down, format!("node_down after {} s", r.node_down_after)),
        on(r.peer_down, format!("peer_down after {} s", r.peer_down_after)),
        on(r.channel_closing, "channel_closing".into()),
        on(r.htlc_expiry, format!("htlc_expiry within {} blocks", r.htlc_expiry_blocks)),
        on(r.forward_failures > 0, format!("forward_failures at {} in 10 min", r.forward_failures)),
        on(r.payment_failed, "payment_failed".into()),
        on(r.low_outbound_pct > 0, format!("low_outbound under {}%", r.low_outbound_pct)),
        on(r.events_lost, "events_lost".into()),
    ];
    let on: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if on.is_empty() { "every rule is off".into() } else { on.join(", ") }
}

fn log(text: &str) {
    let _ = writeln!(std::io::stderr(), "lnwatch alerts: {text}");
}

/// The command run per change, one at a time, in order.
struct Exec {
    tx: mpsc::Sender<String>,
    worker: tokio::task::JoinHandle<()>,
    timeout: Duration,
}

impl Exec {
    fn start(cmd: String, timeout: Duration) -> Exec {
        let (tx, mut rx) = mpsc::channel::<String>(EXEC_QUEUE);
        let worker = tokio::spawn(async move {
            while let Some(json) = rx.recv().await {
                if let Err(e) = run_once(&cmd, &json, timeout).await {
                    log(&format!("--exec {cmd:?}: {e}"));
                }
            }
        });
        Exec { tx, worker, timeout }
    }

    fn push(&self, json: String) {
        if self.tx.try_send(json).is_err() {
            log(&format!("--exec: {EXEC_QUEUE} changes already wait for the command; this one is not passed to it"));
        }
    }

    /// Lets the command finish what is queued, for at most one timeout more.
    async fn finish(self) {
        drop(self.tx);
        let _ = tokio::time::timeout(self.timeout, self.worker).await;
    }
}

/// Runs `cmd` with `json` and a newline on its stdin; `Err` says how it failed.
async fn run_once(cmd: &str, json: &str, timeout: Duration) -> Result<(), String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills what it started too.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let pid = child.id();
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is no failure.
        let _ = stdin.write_all(format!("{json}\n").as_bytes()).await;
    }
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().find(|l| !l.trim().is_empty()).map(crate::headless::one_line);
            Err(format!("{}{}", out.status, first.map(|l| format!(": {l}")).unwrap_or_default()))
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            if let Some(pid) = pid {
                // SAFETY: signalling the process group this function started.
                unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
            }
            Err(format!("killed after {} s", timeout.as_secs()))
        }
    }
}
