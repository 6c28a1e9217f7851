//! Several nodes in one monitor: one [`App`] per node (its own connection, state, cursors,
//! catch-up and alerts), the one shown, and the fleet view (`0`) with a row per node. Keys go
//! to the node shown, except the fleet's own: `0` (the fleet view), `n`/`N` (the next or the
//! previous node) and, in the fleet view, moving and `Enter`. One node down or slow never
//! holds the others: each has its own source and its own messages.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::{App, Msg};
use crate::keymap::Mode;

/// Messages for every node (ticks, the terminal's size, quitting) and keys carry this
/// instead of a node's index.
pub const ALL: usize = usize::MAX;

pub struct Fleet {
    pub apps: Vec<App>,
    /// The names the config gave (`[[node]] name`), else empty: the node's alias is shown.
    pub names: Vec<String>,
    /// The node the other views show.
    pub current: usize,
    /// The fleet view is shown, its cursor on `cursor`.
    pub fleet_view: bool,
    pub cursor: usize,
}

impl Fleet {
    pub fn new(apps: Vec<App>, names: Vec<String>) -> Fleet {
        let mut f = Fleet { apps, names, current: 0, fleet_view: false, cursor: 0 };
        f.label();
        f
    }

    /// A monitor of one node.
    pub fn one(app: App) -> Fleet {
        Fleet::new(vec![app], vec![String::new()])
    }

    pub fn current(&self) -> &App {
        &self.apps[self.current]
    }

    pub fn current_mut(&mut self) -> &mut App {
        &mut self.apps[self.current]
    }

    /// A node's name: the config's, else its alias, else its id, else its socket.
    pub fn name(&self, i: usize) -> String {
        match self.names.get(i).filter(|n| !n.is_empty()) {
            Some(n) => lnwatch_shared::sanitize::one_line(n, 32),
            None => crate::alerts::rules::node_name(&self.apps[i].link),
        }
    }

    /// One message: for node `to`, or for all of them ([`ALL`]).
    pub fn update(&mut self, to: usize, msg: Msg) {
        if to != ALL {
            if let Some(app) = self.apps.get_mut(to) {
                app.update(msg);
            }
            self.label();
            return;
        }
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Tick(t) => self.apps.iter_mut().for_each(|a| a.update(Msg::Tick(t))),
            Msg::Resize(w, h) => self.apps.iter_mut().for_each(|a| a.update(Msg::Resize(w, h))),
            Msg::Quit => self.apps.iter_mut().for_each(|a| a.update(Msg::Quit)),
            other => self.current_mut().update(other),
        }
        self.label();
    }

    /// The header's node label, on the node shown, when there are several.
    fn label(&mut self) {
        let n = self.apps.len();
        let label = (n > 1).then(|| format!("node {}/{n} {}", self.current + 1, self.name(self.current)));
        let current = self.current;
        for (i, app) in self.apps.iter_mut().enumerate() {
            app.fleet_label = if i == current { label.clone() } else { None };
        }
    }

    fn key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        let plain = !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if self.fleet_view {
            let n = self.apps.len();
            match k.code {
                KeyCode::Char('j') | KeyCode::Down if plain => self.cursor = (self.cursor + 1).min(n - 1),
                KeyCode::Char('k') | KeyCode::Up if plain => self.cursor = self.cursor.saturating_sub(1),
                KeyCode::Enter => {
                    self.current = self.cursor;
                    self.fleet_view = false;
                }
                KeyCode::Char('0') | KeyCode::Esc if plain => self.fleet_view = false,
                // Anything else (q, a view's number, ?) is the node's, shown again.
                _ => {
                    self.fleet_view = false;
                    self.current_mut().update(Msg::Key(k));
                }
            }
            self.current_mut().dirty = true;
            return;
        }
        if plain && self.current().mode() == Mode::Main {
            let n = self.apps.len();
            match k.code {
                KeyCode::Char('0') => {
                    self.fleet_view = true;
                    self.cursor = self.current;
                    self.current_mut().dirty = true;
                    return;
                }
                KeyCode::Char('n') | KeyCode::Char('N') if n > 1 => {
                    let step = if k.code == KeyCode::Char('n') { 1 } else { n - 1 };
                    self.current = (self.current + step) % n;
                    self.current_mut().dirty = true;
                    return;
                }
                _ => {}
            }
        }
        self.current_mut().update(Msg::Key(k));
    }

    /// Every node's effects since the last call, with the node's index.
    pub fn take_effects(&mut self) -> Vec<(usize, crate::app::Effect)> {
        let mut out = Vec::new();
        for (i, app) in self.apps.iter_mut().enumerate() {
            out.extend(app.take_effects().into_iter().map(|e| (i, e)));
        }
        out
    }

    pub fn quit(&self) -> bool {
        self.apps.iter().any(|a| a.quit)
    }

    pub fn dirty(&self) -> bool {
        self.apps.iter().any(|a| a.dirty)
    }
}
