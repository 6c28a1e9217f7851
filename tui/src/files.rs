//! The monitor's file work (catch-up cursors), done on a thread of its own so the screen and
//! the keys never wait on a disk, or on whatever was put at a cursor's path. The app asks with
//! [`Effect`]s; the main loop hands them here and gets the results back as [`Msg`]s.

use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use crate::app::{Effect, Msg};
use crate::catchup::cursor;

/// File work for a node (its index in the fleet), and its result for that node.
pub struct Files {
    ask: std_mpsc::Sender<(usize, Effect)>,
    done: mpsc::UnboundedReceiver<(usize, Msg)>,
}

impl Files {
    /// Starts the worker; it ends when this is dropped.
    pub fn start() -> Files {
        let (ask, asked) = std_mpsc::channel::<(usize, Effect)>();
        let (tell, done) = mpsc::unbounded_channel();
        let worker = move || {
            // One at a time, in order: a later save never lands before an earlier one.
            for (node, effect) in asked {
                let msg = match effect {
                    Effect::LoadCursor(path) => Some(Msg::Cursor(cursor::load(&path))),
                    Effect::SaveCursor(path, c) => cursor::save(&path, &c)
                        .err()
                        .map(|e| Msg::Warn(format!("could not save the catch-up cursor to {}: {e}", path.display()))),
                    // Not file work: the main loop does these.
                    Effect::Send(_) | Effect::Alert(_) => None,
                };
                if msg.is_some_and(|m| tell.send((node, m)).is_err()) {
                    return;
                }
            }
        };
        // Should no thread be had, the worker is dropped with its channels: file work is not
        // done and cursors stay in memory, which catch-up survives.
        let _ = std::thread::Builder::new().name("lnwatch-files".into()).spawn(worker);
        Files { ask, done }
    }

    pub fn submit(&self, node: usize, effect: Effect) {
        let _ = self.ask.send((node, effect));
    }

    /// The next result; pending for ever when there is none.
    pub async fn next(&mut self) -> (usize, Msg) {
        match self.done.recv().await {
            Some(m) => m,
            None => std::future::pending().await,
        }
    }
}
