//! A socket client reading a node's `notif.sock` on its own thread, keeping every line, so a
//! test can wait for what it expects and check, at the end, everything that came.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::client::Client;
use lnwatch_shared::frame::{self, Event, Frame};

use crate::wait_until;

/// One line from the socket, raw and decoded.
#[derive(Debug, Clone)]
pub struct Line {
    pub raw: String,
    pub frame: Option<Frame>,
}

#[derive(Default)]
struct Shared {
    lines: Vec<Line>,
    closed: bool,
}

pub struct Watcher {
    shared: Arc<Mutex<Shared>>,
}

impl Watcher {
    /// Connects to `socket` (retrying until it exists) and starts reading.
    pub fn connect(socket: &Path) -> Watcher {
        let mut client = wait_until(&format!("{} to accept", socket.display()), Duration::from_secs(30), || {
            Client::connect(socket).ok()
        });
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mine = Arc::clone(&shared);
        thread::spawn(move || {
            while let Ok(bytes) = client.next_line(Duration::from_secs(3600)) {
                let raw = String::from_utf8_lossy(&bytes).into_owned();
                let frame = frame::decode(&bytes).ok();
                lock(&mine).lines.push(Line { raw, frame });
            }
            lock(&mine).closed = true;
        });
        Watcher { shared }
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<Line> {
        lock(&self.shared).lines.clone()
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.shared)
            .lines
            .iter()
            .filter_map(|l| match &l.frame {
                Some(Frame::Event(e)) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether the plugin closed the connection.
    pub fn closed(&self) -> bool {
        lock(&self.shared).closed
    }

    /// Waits for an event of `topic` whose `params` satisfy `pred`, and returns it.
    pub fn wait_event(&self, topic: &str, mut pred: impl FnMut(&serde_json::Value) -> bool) -> Event {
        wait_until(&format!("a {topic} event"), Duration::from_secs(60), || {
            self.events().into_iter().find(|e| e.topic == topic && pred(&e.params))
        })
    }
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
