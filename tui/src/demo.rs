//! `--demo`: the real pipeline with no node. The plugin library runs in-process under the
//! simulated lightningd, on a real Unix socket in a temporary directory, fed first with the
//! recorded traffic and then with a live scenario; the TUI connects to it like to any node.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use lnwatch_sim::rpc_server::RpcAnswers;
use lnwatch_sim::scenario::{self, Scenario};
use lnwatch_sim::{Lightningd, SimOptions, fixtures};

pub struct Demo {
    node: Arc<Mutex<Lightningd>>,
    stop: Arc<AtomicBool>,
    feeder: Option<thread::JoinHandle<()>>,
    socket: PathBuf,
}

impl Demo {
    pub fn start() -> Result<Demo, String> {
        let opts = SimOptions {
            rpc: RpcAnswers { listpeers: scenario::initial_listpeers(), ..RpcAnswers::default() },
            // Show preimages in the demo (press s): they are made up.
            ..SimOptions::default()
        }
        .option("lnwatch-redact", false);
        let mut node = Lightningd::in_process(opts).map_err(|e| e.to_string())?;
        node.start().map_err(|e| format!("demo plugin did not start: {e}"))?;
        let socket = node.default_socket();
        let node = Arc::new(Mutex::new(node));
        let stop = Arc::new(AtomicBool::new(false));
        let feeder = {
            let (node, stop) = (node.clone(), stop.clone());
            thread::Builder::new()
                .name("demo-feeder".into())
                .spawn(move || feed(&node, &stop))
                .map_err(|e| e.to_string())?
        };
        Ok(Demo { node, stop, feeder: Some(feeder), socket })
    }

    pub fn socket(&self) -> PathBuf {
        self.socket.clone()
    }
}

fn feed(node: &Mutex<Lightningd>, stop: &AtomicBool) {
    // The plugin's peer snapshot replaces its table: let it land before the history does.
    for _ in 0..100 {
        if node.lock().map_or(true, |n| n.rpc().calls().len() >= 2) {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    // History first: the real recorded traffic, so every pane has something at once.
    for n in fixtures::mix() {
        if let Ok(mut node) = node.lock() {
            let _ = node.write_message(&n);
        }
    }
    if let Ok(mut node) = node.lock() {
        let _ = node.flush();
    }
    let mut scenario = Scenario::new(0x5eed);
    while !stop.load(Ordering::Relaxed) {
        let (wait, msgs) = scenario.step();
        // Sleep in small steps so quitting is prompt.
        let mut left = wait;
        while !left.is_zero() && !stop.load(Ordering::Relaxed) {
            let step = left.min(Duration::from_millis(50));
            thread::sleep(step);
            left -= step;
        }
        let Ok(mut node) = node.lock() else { return };
        for m in msgs {
            let _ = node.write_message(&m);
        }
        let _ = node.flush();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(f) = self.feeder.take() {
            let _ = f.join();
        }
        if let Ok(mut node) = self.node.lock() {
            let _ = node.shutdown();
            node.wait_exit(Duration::from_secs(2));
        }
    }
}
