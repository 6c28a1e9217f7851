//! `lnwatch`: live terminal monitor for Core Lightning.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use lnwatch::app::{App, Msg};
use lnwatch::cli::Cli;
use lnwatch::config::{Config, ThemeName};
use lnwatch::files::Files;
use lnwatch::fleet::{ALL, Fleet};
use lnwatch::notify::Notify;
use lnwatch::{demo, now, run, source};
use tokio::sync::mpsc;

// Events are made on the socket task's thread and freed on the UI thread: glibc's allocator
// spends a third of the monitor's time on that (locks, consolidation) at high rates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Why lnwatch cannot draw here, if it cannot: it needs a terminal on stdout and a controlling
/// terminal to read keys from (`ssh host lnwatch` without `-t`, `setsid`, cron have neither).
fn no_terminal() -> Option<&'static str> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return Some("stdout is not a terminal");
    }
    if std::fs::File::open("/dev/tty").is_err() {
        return Some("there is no controlling terminal to read keys from");
    }
    None
}

fn main() -> ExitCode {
    use lnwatch::cli::Command;
    let cli = Cli::from_env();
    // A config file that cannot be used is a usage error, as a bad flag is.
    let (file, from) = match lnwatch::config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "lnwatch: config: {e}");
            return ExitCode::from(2);
        }
    };
    let config = cli.effective(file);
    let nodes = cli.sockets(&config);
    // The headless commands print what they found, or why they could not.
    let headless = match &cli.command {
        Some(Command::Since(args)) => Some((
            "since",
            lnwatch::catchup::cursor::state_dir(cli.state_dir.as_deref()).and_then(|dir| {
                lnwatch::headless::each_node(&nodes, args.json, |socket| lnwatch::since::run(socket, &dir, args))
            }),
        )),
        Some(Command::Report(args)) => Some((
            "report",
            lnwatch::headless::each_node(&nodes, args.json, |socket| lnwatch::report::run(socket, args)),
        )),
        Some(Command::Alerts(args)) => {
            let opts = lnwatch::alerts_command::Options {
                nodes: nodes.clone(),
                json: args.json,
                exec: config.alerts.exec.clone(),
                exec_timeout: Duration::from_secs(config.alerts.exec_timeout.max(1)),
                rules: config.alerts.clone(),
            };
            Some(("alerts", lnwatch::alerts_command::run(opts).map(|()| String::new())))
        }
        Some(Command::Config) => {
            let origin = match &from {
                Some(path) => format!("{}, then the flags", path.display()),
                None => "defaults (no config file), then the flags".into(),
            };
            Some(("config", Ok(lnwatch::config::effective_toml(&config, &origin))))
        }
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "lnwatch", &mut out);
            Some(("completions", Ok(String::from_utf8_lossy(&out).into_owned())))
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            let page = clap_mangen::Man::new(Cli::command()).render(&mut out).map_err(|e| e.to_string());
            Some(("man", page.map(|()| String::from_utf8_lossy(&out).into_owned())))
        }
        None => None,
    };
    if let Some((name, result)) = headless {
        return match result {
            Ok(text) => {
                let _ = std::io::stdout().write_all(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "lnwatch {name}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // Checked before anything starts, so nothing is written to a terminal that is not there.
    if let Some(why) = no_terminal() {
        eprintln!("lnwatch: needs a terminal: {why} (with ssh, use ssh -t)");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lnwatch: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async_main(cli, config, nodes));
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "lnwatch: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn async_main(cli: Cli, config: Config, nodes: Vec<(String, std::path::PathBuf)>) -> Result<(), String> {
    let demo = if cli.demo { Some(demo::Demo::start()?) } else { None };
    let nodes = match &demo {
        Some(d) => vec![(String::new(), d.socket())],
        None => nodes,
    };
    // The demo's node is new each run: its cursor stays in memory.
    let state_dir = match demo {
        Some(_) => Ok(None),
        None => lnwatch::catchup::cursor::state_dir(cli.state_dir.as_deref()).map(Some),
    };
    // NO_COLOR wins over the file, not over --theme.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = cli.theme.unwrap_or(if no_color { ThemeName::None } else { config.ui.theme });
    let unknown_topics = cli.unknown_topics();
    if let Some(warning) = &unknown_topics {
        // Said before the screen is taken (so it is there after quitting) and in the footer.
        eprintln!("lnwatch: {warning}");
    }
    // --history-mb is the monitor's, shared by the nodes it watches.
    let history_bytes = (cli.history_mb as usize * (1 << 20) / nodes.len().max(1)).max(1 << 20);
    let apps = nodes
        .iter()
        .map(|(_, socket)| {
            let mut app = App::new(socket.display().to_string(), cli.history as usize, cli.topics.clone(), now());
            match &state_dir {
                Ok(dir) => app.catchup.state_dir = dir.clone(),
                Err(e) => app.warn(&format!("{e}; cursors are kept in memory")),
            }
            app.data.store.set_max_bytes(history_bytes);
            app.set_rules(config.alerts.clone());
            if let Some(view) = lnwatch::views::by_name(&config.ui.start_view.0) {
                app.show_view(view);
            }
            app.color = theme != ThemeName::None;
            app.light = theme == ThemeName::Light;
            if let Some(warning) = &unknown_topics {
                app.warn(warning);
            }
            app
        })
        .collect();
    let mut fleet = Fleet::new(apps, nodes.iter().map(|(name, _)| name.clone()).collect());
    let mut notify = Notify::new(config.ui.bell, config.ui.notifications, Box::new(std::io::stdout()));

    let (tx, mut rx) = mpsc::channel(256);
    let mut queries = Vec::new();
    for (i, (_, socket)) in nodes.into_iter().enumerate() {
        let (q, q_rx) = mpsc::unbounded_channel();
        queries.push(q);
        tokio::spawn(source::run(socket, i, tx.clone(), q_rx));
    }
    tokio::spawn(input(tx.clone()));
    tokio::spawn(run::ticks(tx.clone()));
    tokio::spawn(run::signals(tx));

    // Raw mode and the alternate screen; the panic hook ratatui installs restores the terminal.
    let mut terminal = ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    if let Ok(size) = terminal.size() {
        fleet.update(ALL, Msg::Resize(size.width, size.height));
    }
    let mut files = Files::start();
    let mut result = run::event_loop(&mut terminal, &mut fleet, &mut rx, &queries, &mut files, &mut notify).await;
    while result.is_ok() && run::suspended(&fleet) {
        // Ctrl-Z, as vim and htop do it: restore the terminal, stop, and take it back on `fg`.
        let _ = ratatui::try_restore();
        // SAFETY: raising a signal on our own process; SIGTSTP's default action stops it.
        unsafe { libc::raise(libc::SIGTSTP) };
        terminal = ratatui::try_init().map_err(|e| format!("cannot set up the terminal again: {e}"))?;
        let _ = terminal.clear();
        for app in &mut fleet.apps {
            app.suspend = false;
            app.dirty = true;
        }
        result = run::event_loop(&mut terminal, &mut fleet, &mut rx, &queries, &mut files, &mut notify).await;
    }
    // The terminal may be gone (tmux pane killed): restoring must not print, or panic on a
    // closed stderr before the demo's directory is removed.
    let _ = ratatui::try_restore();
    drop(demo);
    result.map_err(|e| e.to_string())
}

async fn input(tx: mpsc::Sender<(usize, Msg)>) {
    let mut events = EventStream::new();
    while let Some(ev) = events.next().await {
        let msg = match ev {
            Ok(Event::Key(k)) => Msg::Key(k),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => Msg::Quit,
        };
        if tx.send((ALL, msg)).await.is_err() {
            return;
        }
    }
}
