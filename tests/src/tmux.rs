//! A tmux server of the test's own: a program runs in a pane of a given size, keys go in with
//! `send-keys`, the screen comes back with `capture-pane`, as a person would see it.

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of our own, so the test never touches the user's sessions. Programs in it keep
/// their state (catch-up cursors) in a directory of the test's own, never the user's.
pub struct Tmux {
    socket: String,
    state: tempfile::TempDir,
}

impl Tmux {
    pub fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(found.is_ok_and(|o| o.status.success()), "this test needs tmux: apt-get install tmux");
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let state = tempfile::tempdir().expect("a state directory");
        let t = Tmux { socket: format!("lnwatch-test-{}-{n}", std::process::id()), state };
        // The server takes the environment of the command that starts it.
        let ok = Command::new("tmux")
            .args(["-L", &t.socket, "new-session", "-d", "-s", "main", "-x", &w.to_string(), "-y", &h.to_string(), cmd])
            .env("LNWATCH_STATE_DIR", t.state.path())
            .status()
            .expect("tmux")
            .success();
        assert!(ok, "tmux new-session failed");
        t
    }

    /// The pid of the program named `name` in the pane: the pane's process itself, or its
    /// first child when a shell runs it.
    pub fn program_pid(&self, name: &str) -> u32 {
        let out = self.cmd(&["display-message", "-p", "-t", "main", "#{pane_pid}"]);
        let pane: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("pane pid");
        if std::fs::read_to_string(format!("/proc/{pane}/comm")).unwrap_or_default().trim() == name {
            return pane;
        }
        let kids = Command::new("pgrep").args(["-P", &pane.to_string()]).output().expect("pgrep");
        String::from_utf8_lossy(&kids.stdout).lines().next().expect("a child").trim().parse().expect("pid")
    }

    /// Where programs in this server keep their state.
    pub fn state_dir(&self) -> &std::path::Path {
        self.state.path()
    }

    pub fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux")
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }

    /// The screen with its escape sequences (colours).
    pub fn screen_with_styles(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-e", "-t", "main"]).stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    /// Waits until the screen satisfies `cond`; panics with the screen if it never does.
    pub fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, Duration::from_secs(15), cond)
    }

    /// [`Tmux::wait_for`], for at most `within`: for what the monitor promises to show by then.
    pub fn wait_within(&self, what: &str, within: Duration, cond: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alternate_screen(&self) -> bool {
        let out = self.cmd(&["display-message", "-p", "-t", "main", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    pub fn alive(&self) -> bool {
        self.cmd(&["has-session", "-t", "main"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// Whether a styled capture sets a foreground or background colour (SGR 30–38, 40–48, 90–107;
/// 39 and 49 only reset to the default).
pub fn has_colour(styled: &str) -> bool {
    styled.split("\x1b[").skip(1).any(|seq| {
        let params = seq.split('m').next().unwrap_or("");
        params.split(';').filter_map(|p| p.parse::<u32>().ok()).any(|p| matches!(p, 30..=38 | 40..=48 | 90..=107))
    })
}

/// Whether one screen line contains all of `needles`.
pub fn has_line(screen: &str, needles: &[&str]) -> bool {
    screen.lines().any(|l| needles.iter().all(|n| l.contains(n)))
}
