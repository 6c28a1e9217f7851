//! `--demo`: the real pipeline with no node. The plugin library runs in-process under the
//! simulated lightningd, on a real Unix socket in a temporary directory, fed by a scenario of a
//! small routing node that also answers the monitor's queries; the TUI connects to it like to
//! any node.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use lnwatch_sim::rpc_server::{Answerer, RpcAnswers};
use lnwatch_sim::scenario::Scenario;
use lnwatch_sim::{Lightningd, SimOptions};

pub struct Demo {
    node: Arc<Mutex<Lightningd>>,
    stop: Arc<AtomicBool>,
    feeder: Option<thread::JoinHandle<()>>,
    socket: PathBuf,
}

impl Demo {
    pub fn start() -> Result<Demo, String> {
        let scenario = Arc::new(Mutex::new(Scenario::new(0x5eed)));
        let answerer = {
            let scenario = scenario.clone();
            Answerer(Arc::new(move |method: &str, params: &serde_json::Value| {
                scenario.lock().ok()?.answer(method, params, now())
            }))
        };
        let (getinfo, listpeers) = {
            let s = scenario.lock().map_err(|e| e.to_string())?;
            (s.getinfo(), s.listpeers())
        };
        let opts = SimOptions {
            version: "v26.06.6".into(),
            rpc: RpcAnswers { getinfo, listpeers, other: Some(answerer), ..RpcAnswers::default() },
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
                .spawn(move || feed(&node, &scenario, &stop))
                .map_err(|e| e.to_string())?
        };
        Ok(Demo { node, stop, feeder: Some(feeder), socket })
    }

    pub fn socket(&self) -> PathBuf {
        self.socket.clone()
    }
}

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

fn feed(node: &Mutex<Lightningd>, scenario: &Mutex<Scenario>, stop: &AtomicBool) {
    // The plugin's peer snapshot replaces its table: let it land before the first event does.
    for _ in 0..100 {
        if node.lock().map_or(true, |n| n.rpc().calls().len() >= 2) {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    while !stop.load(Ordering::Relaxed) {
        let Ok((wait, msgs)) = scenario.lock().map(|mut s| s.step(now())) else { return };
        if let Ok(mut node) = node.lock() {
            for m in msgs {
                let _ = node.write_message(&m);
            }
            let _ = node.flush();
        }
        // Sleep in small steps so quitting is prompt.
        let mut left = wait;
        while !left.is_zero() && !stop.load(Ordering::Relaxed) {
            let step = left.min(Duration::from_millis(50));
            thread::sleep(step);
            left -= step;
        }
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
