//! The main loop, generic over the ratatui backend so tests drive it with `TestBackend`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::app::{Effect, Msg};
use crate::files::Files;
use crate::fleet::{ALL, Fleet};
use crate::notify::Notify;
use crate::ui;

/// At most ~30 frames per second, whatever the event rate.
pub const FRAME: Duration = Duration::from_millis(33);
/// Messages applied between two frames at most, so keys stay responsive during floods.
const MAX_BATCH: usize = 4096;

/// Applies messages and draws when something changed, until a node's app quits, asks to be
/// suspended (`suspend`: the caller stops the process and calls this again), or every sender
/// is gone (then it draws the final state once). Messages come tagged with their node (or
/// [`ALL`]); each node's queries go to its socket's sending side in `queries`; file work to
/// `files`, whose results come back tagged; new alerts to `notify`.
pub async fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    fleet: &mut Fleet,
    rx: &mut mpsc::Receiver<(usize, Msg)>,
    queries: &[mpsc::UnboundedSender<Vec<u8>>],
    files: &mut Files,
    notify: &mut Notify,
) -> Result<(), B::Error> {
    let mut last_draw: Option<Instant> = None;
    loop {
        if fleet.quit() || suspended(fleet) {
            return Ok(());
        }
        let dirty = fleet.dirty();
        let wait = if dirty { FRAME.saturating_sub(last_draw.map_or(FRAME, |t| t.elapsed())) } else { Duration::MAX };
        if dirty && wait.is_zero() {
            draw(terminal, fleet)?;
            last_draw = Some(Instant::now());
            continue;
        }
        let next = async {
            tokio::select! {
                m = rx.recv() => m,
                m = files.next() => Some(m),
            }
        };
        let msg = if wait == Duration::MAX {
            next.await
        } else {
            match tokio::time::timeout(wait, next).await {
                Ok(m) => m,
                Err(_) => continue,
            }
        };
        let Some((to, msg)) = msg else {
            if fleet.dirty() {
                draw(terminal, fleet)?;
            }
            return Ok(());
        };
        fleet.update(to, msg);
        // Drain what else is queued before the next frame.
        for _ in 0..MAX_BATCH {
            match rx.try_recv() {
                Ok((to, m)) => fleet.update(to, m),
                Err(_) => break,
            }
        }
        carry_out(fleet, queries, files, notify);
    }
}

/// A node's app asked for the terminal to be handed back (Ctrl-Z).
pub fn suspended(fleet: &Fleet) -> bool {
    fleet.apps.iter().any(|a| a.suspend)
}

/// Every node's effects: query lines to its socket, file work, alerts to the terminal.
fn carry_out(fleet: &mut Fleet, queries: &[mpsc::UnboundedSender<Vec<u8>>], files: &Files, notify: &mut Notify) {
    for (i, effect) in fleet.take_effects() {
        match effect {
            // Not connected: the app asks again on the next hello.
            Effect::Send(line) => {
                if let Some(q) = queries.get(i) {
                    drop(q.send(line));
                }
            }
            Effect::Alert(change) => notify.alert(&change, &fleet.name(i)),
            file => files.submit(i, file),
        }
    }
}

/// Sends the time once a second.
pub async fn ticks(tx: mpsc::Sender<(usize, Msg)>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        if tx.send((ALL, Msg::Tick(crate::now()))).await.is_err() {
            return;
        }
    }
}

/// SIGTERM, SIGHUP (tmux pane killed) and SIGINT quit through the normal path, which restores
/// the terminal.
pub async fn signals(tx: mpsc::Sender<(usize, Msg)>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) =
        (signal(SignalKind::terminate()), signal(SignalKind::hangup()), signal(SignalKind::interrupt()))
    else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = hup.recv() => {}
        _ = int.recv() => {}
    }
    let _ = tx.send((ALL, Msg::Quit)).await;
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, fleet: &mut Fleet) -> Result<(), B::Error> {
    if fleet.fleet_view {
        terminal.draw(|f| ui::fleet::render(fleet, f))?;
    } else {
        fleet.current_mut().prepare();
        let app = fleet.current();
        terminal.draw(|f| ui::render(app, f))?;
    }
    fleet.apps.iter_mut().for_each(|a| a.dirty = false);
    Ok(())
}
