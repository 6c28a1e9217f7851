//! A long-running program (`lnwatch alerts`) run by a test, its stdout collected line by line
//! as it writes them, stopped as systemd stops it (SIGTERM).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub struct Lines {
    pub child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Lines {
    pub fn spawn(program: &Path, args: &[&str]) -> Lines {
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().expect("stdout");
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                l.lock().unwrap().push(line);
            }
        });
        Lines { child, lines }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Every line as JSON (a line that is not fails the test).
    pub fn json(&self) -> Vec<Value> {
        self.lines().iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    /// Waits until `f` holds for the lines so far.
    pub fn wait_for(&self, what: &str, within: Duration, f: impl Fn(&[String]) -> bool) {
        let end = std::time::Instant::now() + within;
        while !f(&self.lines()) {
            assert!(std::time::Instant::now() < end, "{what}: not within {within:?}; lines: {:#?}", self.lines());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then its exit status and what it wrote on stderr.
    pub fn stop(&mut self) -> (ExitStatus, String) {
        // SAFETY: signalling the child this test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().expect("wait");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status, err)
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
