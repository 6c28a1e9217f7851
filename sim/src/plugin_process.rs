//! The plugin as lightningd runs it: a child process with the network dir as cwd and
//! `LIGHTNINGD_PLUGIN`/`LIGHTNINGD_VERSION` set, stdin and stdout pipes, stderr inherited; or the
//! plugin library on a thread of this process over real pipes (the demo).

use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The plugin's end of the conversation, as seen from lightningd.
pub struct Pipes {
    pub stdin: Box<dyn Write + Send>,
    pub stdout: Box<dyn Read + Send>,
}

pub enum PluginProcess {
    Process(Child),
    InProcess(Option<thread::JoinHandle<()>>),
}

impl PluginProcess {
    /// Starts the binary at `binary` as lightningd would.
    pub fn spawn(binary: &Path, network_dir: &Path, version: &str) -> io::Result<(PluginProcess, Pipes)> {
        let mut child = Command::new(binary)
            .current_dir(network_dir)
            .env("LIGHTNINGD_PLUGIN", "1")
            .env("LIGHTNINGD_VERSION", version)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = Box::new(child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?);
        let stdout = Box::new(child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?);
        Ok((PluginProcess::Process(child), Pipes { stdin, stdout }))
    }

    /// Runs the plugin library on a thread of this process, over real pipes.
    pub fn in_process(network_dir: &Path, version: &str) -> io::Result<(PluginProcess, Pipes)> {
        let (plugin_stdin, our_stdin) = io::pipe()?;
        let (our_stdout, plugin_stdout) = io::pipe()?;
        let env =
            lnwatch_plugin::PluginEnv { lightningd_version: Some(version.to_owned()), cwd: network_dir.to_path_buf() };
        let (in_fd, out_fd): (OwnedFd, OwnedFd) = (plugin_stdin.into(), plugin_stdout.into());
        let handle = thread::Builder::new().name("lnwatch-plugin".into()).spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                let (Ok(input), Ok(output)) = (
                    tokio::net::unix::pipe::Receiver::from_owned_fd(in_fd),
                    tokio::net::unix::pipe::Sender::from_owned_fd(out_fd),
                ) else {
                    return;
                };
                let _ = lnwatch_plugin::run(input, output, env).await;
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        })?;
        Ok((PluginProcess::InProcess(Some(handle)), Pipes { stdin: Box::new(our_stdin), stdout: Box::new(our_stdout) }))
    }

    /// Waits for the plugin to exit. `None` if it is still running after `timeout`.
    /// For an in-process plugin the status is always success.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self {
                PluginProcess::Process(child) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Some(status);
                    }
                }
                PluginProcess::InProcess(handle) => {
                    if handle.as_ref().is_none_or(|h| h.is_finished()) {
                        if let Some(h) = handle.take() {
                            let _ = h.join();
                        }
                        return Some(std::os::unix::process::ExitStatusExt::from_raw(0));
                    }
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The plugin's process id (`None` in-process).
    pub fn pid(&self) -> Option<u32> {
        match self {
            PluginProcess::Process(c) => Some(c.id()),
            PluginProcess::InProcess(_) => None,
        }
    }

    /// Kills a child process (an in-process plugin ends when its stdin closes).
    pub fn kill(&mut self) {
        if let PluginProcess::Process(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
