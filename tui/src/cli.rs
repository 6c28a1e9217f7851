//! Command line.

use std::path::PathBuf;

use clap::Parser;

/// `--help`'s text after the options: where the socket is, how to start the plugin, and the
/// keys, from the key map.
fn after_help() -> String {
    format!(
        "\
Socket: --socket, else --lightning-dir/notif.sock, else $LNWATCH_SOCKET, else ~/.lightning/notif.sock.

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
    /// The lnwatch-plugin socket.
    #[arg(long, value_name = "PATH", global = true)]
    pub socket: Option<PathBuf>,
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
    /// Memory for stored events, in MiB: past it, the busiest topics drop their oldest first.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub history_mb: u32,
    /// HTLCs this many blocks or fewer from their expiry are shown red (default: half of Core
    /// Lightning's default cltv-final of 18; set it to your node's).
    #[arg(long, value_name = "BLOCKS", default_value_t = crate::state::DEFAULT_HTLC_EXPIRY_BLOCKS)]
    pub htlc_expiry_blocks: u64,
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

    /// Parses the process's arguments (exiting with clap's message on an error or `--help`).
    pub fn from_env() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().after_help(after_help()).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// The socket to connect to, by the precedence in the help.
    pub fn socket_path(&self) -> PathBuf {
        if let Some(s) = &self.socket {
            return s.clone();
        }
        if let Some(d) = &self.lightning_dir {
            return d.join("notif.sock");
        }
        if let Some(s) = std::env::var_os("LNWATCH_SOCKET").filter(|s| !s.is_empty()) {
            return s.into();
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
        let c = Cli::parse_from(["lnwatch", "--socket", "/a.sock", "--lightning-dir", "/ln"]);
        assert_eq!(c.socket_path(), PathBuf::from("/a.sock"));
        let c = Cli::parse_from(["lnwatch", "--lightning-dir", "/tmp/l1-regtest"]);
        assert_eq!(c.socket_path(), PathBuf::from("/tmp/l1-regtest/notif.sock"));
    }

    #[test]
    fn topics_and_history() {
        let c = Cli::parse_from(["lnwatch", "--topics", "connect,disconnect", "--history", "50"]);
        assert_eq!(c.topics.unwrap(), ["connect", "disconnect"]);
        assert_eq!(c.history, 50);
        assert!(Cli::try_parse_from(["lnwatch", "--history", "0"]).is_err());
    }
}
