//! The monitor's voice for a new alert: the terminal bell and a desktop notification through
//! the terminal (OSC 777 `notify`, OSC 9), both switchable in `[ui]`. Inside tmux the
//! notification is wrapped for passthrough (tmux passes it on with `allow-passthrough on`);
//! the bell tmux passes on by itself.

use std::io::Write;

use lnwatch_shared::sanitize::one_line;

use crate::alerts::{Change, State};
use crate::config::Notifications;

pub struct Notify {
    pub bell: bool,
    pub desktop: Notifications,
    /// Running inside tmux (`$TMUX`).
    pub tmux: bool,
    out: Box<dyn Write + Send>,
}

impl Notify {
    pub fn new(bell: bool, desktop: Notifications, out: Box<dyn Write + Send>) -> Notify {
        let tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
        Notify { bell, desktop, tmux, out }
    }

    /// Says nothing (tests that draw into a buffer).
    pub fn silent() -> Notify {
        Notify { bell: false, desktop: Notifications::Off, tmux: false, out: Box::new(std::io::sink()) }
    }

    /// Rings and notifies for a new alert; a resolved one is only drawn.
    pub fn alert(&mut self, c: &Change, node: &str) {
        let bytes = self.bytes(c, node);
        if !bytes.is_empty() {
            // A terminal gone (pane killed) is the quit path's business, not this one's.
            let _ = self.out.write_all(&bytes).and_then(|_| self.out.flush());
        }
    }

    /// What [`Notify::alert`] writes.
    pub fn bytes(&self, c: &Change, node: &str) -> Vec<u8> {
        let mut out = Vec::new();
        if c.state != State::Firing {
            return out;
        }
        if self.bell {
            out.push(0x07);
        }
        // Fields are separated by `;` in OSC 777: the title must not hold one.
        let title = one_line(&format!("lnwatch {node}: {} {}", c.severity.name(), c.kind.name()), 80).replace(';', ",");
        let body = one_line(&c.message, 240);
        let mut seqs = Vec::new();
        if matches!(self.desktop, Notifications::Osc777 | Notifications::Both) {
            seqs.push(format!("\x1b]777;notify;{title};{body}\x1b\\"));
        }
        if matches!(self.desktop, Notifications::Osc9 | Notifications::Both) {
            seqs.push(format!("\x1b]9;{title}: {body}\x1b\\"));
        }
        for s in seqs {
            if self.tmux {
                // DCS passthrough: every ESC inside doubled.
                out.extend_from_slice(format!("\x1bPtmux;{}\x1b\\", s.replace('\x1b', "\x1b\x1b")).as_bytes());
            } else {
                out.extend_from_slice(s.as_bytes());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{Kind, Severity};

    fn change(state: State) -> Change {
        Change {
            at: 0.0,
            kind: Kind::PeerDown,
            subject: "02aa".into(),
            severity: Severity::Warning,
            message: "peer b;ob\u{7}\u{1b}]2;x down".into(),
            state,
            peer: None,
        }
    }

    #[test]
    fn bell_and_notifications_as_switched() {
        let mut n = Notify::silent();
        n.bell = true;
        n.desktop = Notifications::Both;
        let b = String::from_utf8(n.bytes(&change(State::Firing), "carol")).unwrap();
        assert!(b.starts_with('\u{7}'));
        assert!(b.contains("\x1b]777;notify;lnwatch carol: warning peer_down;peer b;ob"), "{b:?}");
        assert!(b.contains("\x1b]9;lnwatch carol: warning peer_down: peer b;ob"), "{b:?}");
        // The message cannot end the sequence or start one of its own.
        assert_eq!(b.matches('\u{1b}').count(), 4, "{b:?}");
        assert_eq!(b.matches('\u{7}').count(), 1, "{b:?}");
        assert!(n.bytes(&change(State::Resolved), "carol").is_empty(), "resolved: drawn, not rung");
        n.tmux = true;
        n.bell = false;
        n.desktop = Notifications::Osc777;
        let b = String::from_utf8(n.bytes(&change(State::Firing), "carol")).unwrap();
        assert!(b.starts_with("\x1bPtmux;\x1b\x1b]777;notify;") && b.ends_with("\x1b\x1b\\\x1b\\"), "{b:?}");
        n.desktop = Notifications::Off;
        assert!(n.bytes(&change(State::Firing), "carol").is_empty());
    }
}
