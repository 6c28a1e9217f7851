//! The main loop, generic over the ratatui backend so tests drive it with `TestBackend`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::app::{App, Effect, Msg};
use crate::files::Files;
use crate::notify::Notify;
use crate::ui;

/// At most ~30 frames per second, whatever the event rate.
pub const FRAME: Duration = Duration::from_millis(33);
/// Messages applied between two frames at most, so keys stay responsive during floods.
const MAX_BATCH: usize = 4096;

/// Applies messages and draws when something changed, until the app quits, asks to be
/// suspended (`app.suspend`: the caller stops the process and calls this again), or every sender
/// is gone (then it draws the final state once). The app's queries go to `queries`, the
/// socket's sending side; its file work to `files`, whose results come back as messages; its
/// new alerts to `notify`.
pub async fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    rx: &mut mpsc::Receiver<Msg>,
    queries: &mpsc::UnboundedSender<Vec<u8>>,
    files: &mut Files,
    notify: &mut Notify,
) -> Result<(), B::Error> {
    let mut last_draw: Option<Instant> = None;
    loop {
        if app.quit || app.suspend {
            return Ok(());
        }
        let wait =
            if app.dirty { FRAME.saturating_sub(last_draw.map_or(FRAME, |t| t.elapsed())) } else { Duration::MAX };
        if app.dirty && wait.is_zero() {
            draw(terminal, app)?;
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
        let Some(msg) = msg else {
            if app.dirty {
                draw(terminal, app)?;
            }
            return Ok(());
        };
        app.update(msg);
        // Drain what else is queued before the next frame.
        for _ in 0..MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => app.update(m),
                Err(_) => break,
            }
        }
        for effect in app.take_effects() {
            match effect {
                // Not connected: the app asks again on the next hello.
                Effect::Send(line) => drop(queries.send(line)),
                Effect::Alert(change) => notify.alert(&change, &crate::alerts::rules::node_name(&app.link)),
                file => files.submit(file),
            }
        }
    }
}

/// Sends the time once a second.
pub async fn ticks(tx: mpsc::Sender<Msg>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        if tx.send(Msg::Tick(crate::now())).await.is_err() {
            return;
        }
    }
}

/// SIGTERM, SIGHUP (tmux pane killed) and SIGINT quit through the normal path, which restores
/// the terminal.
pub async fn signals(tx: mpsc::Sender<Msg>) {
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
    let _ = tx.send(Msg::Quit).await;
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<(), B::Error> {
    app.prepare();
    terminal.draw(|f| ui::render(app, f))?;
    app.dirty = false;
    Ok(())
}
