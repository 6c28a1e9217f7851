//! Command line.

use std::path::PathBuf;

use clap::Parser;

/// `--help`'s text after the options: where the socket is, how to start the plugin, and the
/// keys, from the key map.
fn after_help() -> String {
    format!(
        "\
Socket: --socket, else --lightning-dir/notif.sock, else $LNWATCH_SOCKET, else the config file's
first [[node]], else ~/.lightning/notif.sock.

Config file: --config, else $XDG_CONFIG_HOME/lnwatch/config.toml (~/.config/lnwatch/config.toml);
`lnwatch config` prints the configuration in effect. Flags win over the file.

Start the plugin on the node first:
  lightning-cli plugin start /path/to/lnwatch-plugin
or add `plugin=/path/to/lnwatch-plugin` to the node's config. It listens on
<lightning-dir>/notif.sock (option lnwatch-socket).

Keys:
{}
Set NO_COLOR to disable colours.",
        crate::views::cli_help()
    )
}

#[derive(Debug, Parser)]
#[command(name = "lnwatch", version, about = "Live terminal monitor for Core Lightning nodes")]
pub struct Cli {
    /// The config file (default $XDG_CONFIG_HOME/lnwatch/config.toml; a missing default is fine).
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,
    /// The lnwatch-plugin socket; give it again for each node to watch more than one.
    #[arg(long, value_name = "PATH", global = true)]
    pub socket: Vec<PathBuf>,
    /// The node's lightning dir; the socket is DIR/notif.sock.
    #[arg(long, value_name = "DIR", global = true)]
    pub lightning_dir: Option<PathBuf>,
    /// Where catch-up cursors are kept (default $LNWATCH_STATE_DIR, else
    /// $XDG_STATE_HOME/lnwatch, else ~/.local/state/lnwatch).
    #[arg(long, value_name = "DIR", global = true)]
    pub state_dir: Option<PathBuf>,
    /// Show only these topics at start (comma-separated); others can be switched on with t.
    #[arg(long, value_delimiter = ',', value_name = "TOPIC,…")]
    pub topics: Option<Vec<String>>,
    /// Events kept per topic (and invoices kept).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub history: u32,
    /// Memory for stored events, in MiB (shared by the nodes watched): past it, the busiest
    /// topics drop their oldest first.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub history_mb: u32,
    /// HTLCs this many blocks or fewer from their expiry are shown red (default: half of Core
    /// Lightning's default cltv-final of 18; set it to your node's); also the htlc_expiry
    /// alert's margin [config: alerts.htlc_expiry_blocks, default 9].
    #[arg(long, value_name = "BLOCKS", global = true)]
    pub htlc_expiry_blocks: Option<u64>,
    /// The view shown first [config: ui.start_view].
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(crate::views::names()))]
    pub view: Option<String>,
    /// Colours for a dark or light background, or none (as NO_COLOR) [config: ui.theme].
    #[arg(long, value_enum)]
    pub theme: Option<crate::config::ThemeName>,
    /// No bell and no desktop notification for new alerts [config: ui.bell, ui.notifications].
    #[arg(long)]
    pub quiet: bool,
    /// Run against a simulated node with a lively scenario: no Core Lightning needed.
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print what the node recorded since this cursor was last moved (invoices paid, forwards,
    /// payments), from its own indexes, then move the cursor. No terminal needed: for cron.
    Since(SinceArgs),
    /// Print per UTC day for the last N days what the node earned forwarding, paid and
    /// received (forwards, payments, invoices), with totals and the channels that earned, from
    /// its own records. No terminal needed: for cron and scripts.
    Report(ReportArgs),
    /// Watch the node without a terminal and print one line per alert change (firing, then
    /// resolved), for systemd: runs until stopped, reconnecting when the node goes away.
    Alerts(AlertsArgs),
    /// Print the configuration in effect (the config file, then the flags) as TOML with comments.
    Config,
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AlertsArgs {
    /// One JSON object per line: at, node, kind, severity, subject, message, state.
    #[arg(long)]
    pub json: bool,
    /// A shell command line run (sh -c) once per alert change, the JSON line on its stdin, one at
    /// a time [config: alerts.exec].
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Seconds the command may run before it is killed [config: alerts.exec_timeout, default 10].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub exec_timeout: Option<u64>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// UTC days up to today (today last).
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// JSON instead of text: one object with `days`, `totals` and `channels`.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for the plugin and for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SinceArgs {
    /// The cursor's name: one per reader (`daily`, `weekly`, …); the monitor's own is `monitor`.
    #[arg(long, value_name = "NAME", default_value = "since")]
    pub cursor: String,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Leave the cursor where it was (print the same again next time).
    #[arg(long)]
    pub keep: bool,
    /// Seconds to wait for the plugin and for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
}

impl Cli {
    /// A warning for `--topics` names no Core Lightning release or bundled plugin emits.
    pub fn unknown_topics(&self) -> Option<String> {
        use lnwatch_shared::notification::{BUILTIN_TOPICS, BUNDLED_PLUGIN_TOPICS};
        let known: Vec<&str> =
            BUILTIN_TOPICS.iter().map(|(t, _)| *t).chain(BUNDLED_PLUGIN_TOPICS.iter().copied()).collect();
        let unknown: Vec<&str> =
            self.topics.iter().flatten().map(String::as_str).filter(|t| !known.contains(t)).collect();
        (!unknown.is_empty()).then(|| {
            format!(
                "--topics: {} is not a topic Core Lightning or its bundled plugins send (another plugin's \
                 topic, not seen yet, may still be valid). Known: {}",
                unknown.join(", "),
                known.join(", ")
            )
        })
    }

    /// The command line as clap knows it, with the help's closing text: `--help`, completions
    /// and the man page are made from it.
    pub fn command() -> clap::Command {
        <Cli as clap::CommandFactory>::command().after_help(after_help())
    }

    /// Parses the process's arguments (exiting with clap's message on an error or `--help`).
    pub fn from_env() -> Cli {
        use clap::FromArgMatches;
        let matches = Cli::command().get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// The configuration in effect: the file's, with the flags given over it.
    pub fn effective(&self, mut c: crate::config::Config) -> crate::config::Config {
        if let Some(b) = self.htlc_expiry_blocks {
            c.alerts.htlc_expiry_blocks = b;
        }
        if let Some(v) = &self.view {
            c.ui.start_view = crate::config::StartView(v.clone());
        }
        if let Some(t) = self.theme {
            c.ui.theme = t;
        }
        if self.quiet {
            c.ui.bell = false;
            c.ui.notifications = crate::config::Notifications::Off;
        }
        if let Some(Command::Alerts(a)) = &self.command {
            c.alerts.exec = a.exec.clone().or(c.alerts.exec);
            c.alerts.exec_timeout = a.exec_timeout.unwrap_or(c.alerts.exec_timeout);
        }
        c
    }

    /// The socket the flags or the environment name, if they do.
    fn given_socket(&self) -> Option<PathBuf> {
        if let Some(s) = self.socket.first() {
            return Some(s.clone());
        }
        if let Some(d) = &self.lightning_dir {
            return Some(d.join("notif.sock"));
        }
        std::env::var_os("LNWATCH_SOCKET").filter(|s| !s.is_empty()).map(PathBuf::from)
    }

    /// Every node to watch, with its name (empty where none is given): each `--socket`, else
    /// the one socket found by the precedence in the help, or the config file's `[[node]]`s.
    pub fn sockets(&self, config: &crate::config::Config) -> Vec<(String, PathBuf)> {
        if self.socket.len() > 1 {
            return self.socket.iter().map(|s| (String::new(), s.clone())).collect();
        }
        if self.given_socket().is_none() && !config.nodes.is_empty() {
            return config.nodes.iter().map(|n| (n.name.clone(), n.socket.clone())).collect();
        }
        vec![(String::new(), self.socket_path(config))]
    }

    /// The socket to connect to, by the precedence in the help (`config` is in effect).
    pub fn socket_path(&self, config: &crate::config::Config) -> PathBuf {
        if let Some(s) = self.given_socket() {
            return s;
        }
        if let Some(node) = config.nodes.first() {
            return node.socket.clone();
        }
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
        home.join(".lightning").join("notif.sock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_precedence() {
        let none = crate::config::Config::default();
        let c = Cli::parse_from(["lnwatch", "--socket", "/a.sock", "--lightning-dir", "/ln"]);
        assert_eq!(c.socket_path(&none), PathBuf::from("/a.sock"));
        let c = Cli::parse_from(["lnwatch", "--lightning-dir", "/tmp/l1-regtest"]);
        assert_eq!(c.socket_path(&none), PathBuf::from("/tmp/l1-regtest/notif.sock"));
        let file = crate::config::parse(
            "[[node]]\nname = \"router\"\nsocket = \"/srv/r.sock\"\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.socket_path(&file), PathBuf::from("/tmp/l1-regtest/notif.sock"), "flags win");
        if std::env::var_os("LNWATCH_SOCKET").is_none() {
            let c = Cli::parse_from(["lnwatch"]);
            assert_eq!(c.socket_path(&file), PathBuf::from("/srv/r.sock"), "else the file's first node");
        }
    }

    #[test]
    fn flags_win_over_the_file() {
        let file = crate::config::parse(
            "[alerts]\nhtlc_expiry_blocks = 20\nexec = \"true\"\n[ui]\ntheme = \"light\"\nstart_view = \"forwards\"\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        let c = Cli::parse_from([
            "lnwatch",
            "--htlc-expiry-blocks",
            "4",
            "--view",
            "htlcs",
            "--quiet",
            "alerts",
            "--exec",
            "cat",
        ]);
        let e = c.effective(file.clone());
        assert_eq!((e.alerts.htlc_expiry_blocks, e.ui.start_view.0.as_str()), (4, "htlcs"));
        assert_eq!((e.ui.bell, e.ui.notifications), (false, crate::config::Notifications::Off));
        assert_eq!((e.alerts.exec.as_deref(), e.ui.theme), (Some("cat"), crate::config::ThemeName::Light));
        let e = Cli::parse_from(["lnwatch"]).effective(file);
        assert_eq!((e.alerts.htlc_expiry_blocks, e.alerts.exec.as_deref()), (20, Some("true")), "else the file's");
        assert!(Cli::try_parse_from(["lnwatch", "--view", "nope"]).is_err());
    }

    #[test]
    fn topics_and_history() {
        let c = Cli::parse_from(["lnwatch", "--topics", "connect,disconnect", "--history", "50"]);
        assert_eq!(c.topics.unwrap(), ["connect", "disconnect"]);
        assert_eq!(c.history, 50);
        assert!(Cli::try_parse_from(["lnwatch", "--history", "0"]).is_err());
    }
}
