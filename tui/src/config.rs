//! The config file: `$XDG_CONFIG_HOME/lnwatch/config.toml` (else `~/.config/lnwatch/…`), or
//! `--config PATH`. `[alerts]` sets the rules ([`crate::alerts::Rules`]), `[ui]` the monitor,
//! `[[node]]` the nodes watched. Command-line flags win over it. An unknown key or a bad value
//! is an error naming the file, the line and the key; a missing default file is no error.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::alerts::Rules;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub alerts: Rules,
    pub ui: Ui,
    /// The nodes to watch, by name.
    #[serde(rename = "node", skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ui {
    pub start_view: StartView,
    pub bell: bool,
    pub notifications: Notifications,
    pub theme: ThemeName,
}

impl Default for Ui {
    fn default() -> Ui {
        Ui {
            start_view: StartView("events".into()),
            bell: true,
            notifications: Notifications::Osc777,
            theme: ThemeName::Dark,
        }
    }
}

/// A view's name, checked against the views there are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StartView(pub String);

impl TryFrom<String> for StartView {
    type Error = String;
    fn try_from(name: String) -> Result<StartView, String> {
        match crate::views::by_name(&name) {
            Some(_) => Ok(StartView(name)),
            None => Err(format!("no view is called {name:?}; the views: {}", crate::views::names().join(", "))),
        }
    }
}

impl From<StartView> for String {
    fn from(v: StartView) -> String {
        v.0
    }
}

/// How a new alert reaches the desktop: the terminal's notification escape (OSC 777, which
/// foot, WezTerm, Ghostty and urxvt show; OSC 9, which iTerm2, WezTerm and Ghostty show), both
/// (a terminal that knows both shows two), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notifications {
    Osc777,
    Osc9,
    Both,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    Dark,
    Light,
    /// No colours (as `NO_COLOR`).
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeEntry {
    pub name: String,
    pub socket: PathBuf,
}

/// Why the file could not be used: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    /// `alerts.peer_down_after`; empty when no key is to blame.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match (self.line, self.key.as_str()) {
            (0, _) => write!(f, "{file}: {}", self.message),
            (line, "") => write!(f, "{file}:{line}: {}", self.message),
            (line, key) => write!(f, "{file}:{line}: {key}: {}", self.message),
        }
    }
}

/// The default file: `$XDG_CONFIG_HOME/lnwatch/config.toml`, else `~/.config/lnwatch/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("lnwatch").join("config.toml"))
}

/// The configuration from `given` (which must exist) or the default file (which need not);
/// and the file it came from, if one was read.
pub fn load(given: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
    let Some(path) = given.map(Path::to_path_buf).or_else(default_path) else {
        return Ok((Config::default(), None));
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && given.is_none() => return Ok((Config::default(), None)),
        Err(e) => return Err(ConfigError { file: path, line: 0, key: String::new(), message: e.to_string() }),
    };
    parse(&text, &path).map(|c| (c, Some(path)))
}

/// Parses a config file's text; errors name `file`, the line and the key.
pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        let line = text[..at.min(text.len())].matches('\n').count() + 1;
        ConfigError { file: file.to_path_buf(), line, key: key_at(text, at), message: e.message().trim().to_owned() }
    })
}

/// The dotted key at byte `at`: the key on that line (or the table it opens) under the table
/// header above it.
fn key_at(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("").trim();
    if line.starts_with('[') {
        return line.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
    }
    let key = line.split('=').next().unwrap_or("").trim().trim_matches('"');
    let table = text[..start].lines().rev().map(str::trim).find(|l| l.starts_with('['));
    match table.map(|t| t.trim_matches(|c| c == '[' || c == ']').trim()) {
        Some(t) if !key.is_empty() => format!("{t}.{key}"),
        Some(t) => t.to_owned(),
        None => key.to_owned(),
    }
}

/// What each key means, for `lnwatch config`: (table, key, comment).
const DOCS: &[(&str, &str, &str)] = &[
    ("alerts", "channel_closing", "a channel leaves normal toward closing or on chain: who closed, why"),
    ("alerts", "peer_down", "a peer with open channels stays disconnected for peer_down_after"),
    ("alerts", "peer_down_after", "seconds a peer stays down before peer_down fires"),
    ("alerts", "node_down", "the plugin's socket is lost, or the node stops answering, for node_down_after"),
    ("alerts", "node_down_after", "seconds the node stays gone before node_down fires"),
    ("alerts", "htlc_expiry", "an HTLC in flight within htlc_expiry_blocks of its expiry"),
    ("alerts", "htlc_expiry_blocks", "blocks; also where the HTLC view turns red (--htlc-expiry-blocks)"),
    ("alerts", "forward_failures", "this many forwards refused here within 10 minutes (0: off; at most 1000)"),
    (
        "alerts",
        "payment_failed",
        "a payment failed, on the node's word (pay_failure, or listpays once every part failed)",
    ),
    ("alerts", "low_outbound_pct", "a normal channel can send under this percent of its capacity (0: off)"),
    ("alerts", "events_lost", "the relay dropped events; resolved when catch-up has made them good"),
    ("alerts", "exec", "lnwatch alerts runs this (sh -c) per alert change, the JSON line on stdin (--exec)"),
    ("alerts", "exec_timeout", "seconds the command may take before it is killed"),
    ("ui", "start_view", "the view shown first (--view)"),
    ("ui", "bell", "ring the terminal bell for each new alert"),
    (
        "ui",
        "notifications",
        "desktop notification per new alert: osc777, osc9, both, off (in tmux: set allow-passthrough on)",
    ),
    ("ui", "theme", "dark, light (for light backgrounds) or none (no colours, as NO_COLOR) (--theme)"),
];

/// The configuration as TOML with a comment per key: `lnwatch config`. `origin` says where it
/// came from. Parsing the output gives the same configuration back.
pub fn effective_toml(c: &Config, origin: &str) -> String {
    let body = toml::to_string(c).unwrap_or_default();
    let mut out = format!("# lnwatch configuration in effect: {origin}\n");
    let mut table = String::new();
    let mut said: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            close_table(&mut out, &table, &said);
            table = t.trim_matches(|ch| ch == '[' || ch == ']').to_owned();
            out.push('\n');
            if table == "node" && !said.iter().any(|(t, _)| t == "node") {
                out.push_str("# The nodes to watch: name and the lnwatch-plugin socket.\n");
                said.push(("node".into(), String::new()));
            }
        } else if let Some((key, _)) = t.split_once(" = ")
            && let Some((_, _, doc)) = DOCS.iter().find(|(tb, k, _)| *tb == table && *k == key)
        {
            out.push_str(&format!("# {doc}\n"));
            said.push((table.clone(), key.to_owned()));
        }
        if !t.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    close_table(&mut out, &table, &said);
    if c.nodes.is_empty() {
        out.push_str(
            "\n# The nodes to watch:\n# [[node]]\n# name = \"l1\"\n# socket = \"/tmp/l1-regtest/notif.sock\"\n",
        );
    }
    out
}

/// Keys of `table` left out (unset options) shown commented out, so every key is seen.
fn close_table(out: &mut String, table: &str, said: &[(String, String)]) {
    for (_, key, doc) in DOCS.iter().filter(|(t, k, _)| *t == table && !said.iter().any(|(st, sk)| st == t && sk == k))
    {
        out.push_str(&format!("# {doc}\n# {key} = \"\"\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_KEY: &str = r#"
[alerts]
channel_closing = false
peer_down = false
peer_down_after = 2
node_down = false
node_down_after = 7
htlc_expiry = false
htlc_expiry_blocks = 12
forward_failures = 25
payment_failed = false
low_outbound_pct = 15
events_lost = false
exec = "notify-send lnwatch"
exec_timeout = 3

[ui]
start_view = "channels"
bell = false
notifications = "osc9"
theme = "light"

[[node]]
name = "router"
socket = "/srv/router/notif.sock"

[[node]]
name = "wallet"
socket = "/srv/wallet/notif.sock"
"#;

    #[test]
    fn every_key_is_read() {
        let c = parse(EVERY_KEY, Path::new("c.toml")).unwrap();
        let a = &c.alerts;
        assert_eq!(
            (a.channel_closing, a.peer_down, a.peer_down_after, a.node_down, a.node_down_after),
            (false, false, 2, false, 7)
        );
        assert_eq!((a.htlc_expiry, a.htlc_expiry_blocks, a.forward_failures), (false, 12, 25));
        assert_eq!((a.payment_failed, a.low_outbound_pct, a.events_lost), (false, 15, false));
        assert_eq!((a.exec.as_deref(), a.exec_timeout), (Some("notify-send lnwatch"), 3));
        assert_eq!(
            c.ui,
            Ui {
                start_view: StartView("channels".into()),
                bell: false,
                notifications: Notifications::Osc9,
                theme: ThemeName::Light
            }
        );
        assert_eq!(c.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["router", "wallet"]);
        assert_eq!(c.nodes[1].socket, PathBuf::from("/srv/wallet/notif.sock"));
        // Every key of the structs is in the test text, and documented.
        let printed = effective_toml(&c, "test");
        for (table, key, _) in DOCS {
            assert!(EVERY_KEY.contains(&format!("\n{key} = ")), "{table}.{key} is tested");
            assert!(printed.contains(&format!("\n{key} = ")), "{table}.{key} is printed:\n{printed}");
        }
    }

    #[test]
    fn the_printed_configuration_reads_back_the_same() {
        for c in [Config::default(), parse(EVERY_KEY, Path::new("c.toml")).unwrap()] {
            let printed = effective_toml(&c, "test");
            assert_eq!(parse(&printed, Path::new("printed")).unwrap(), c, "{printed}");
            assert!(printed.lines().filter(|l| l.contains(" = ") && !l.starts_with('#')).count() >= 16);
        }
        let printed = effective_toml(&Config::default(), "defaults");
        assert!(printed.contains("# exec = \"\""), "an unset key is shown commented out:\n{printed}");
        assert!(printed.contains("# [[node]]"));
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let err = |text: &str| parse(text, Path::new("/etc/lnwatch.toml")).unwrap_err();
        let e = err("[alerts]\npeer_down_after = 5\npeer_dwn = true\n");
        assert_eq!((e.line, e.key.as_str()), (3, "alerts.peer_dwn"), "{e}");
        assert!(e.to_string().starts_with("/etc/lnwatch.toml:3: alerts.peer_dwn: unknown field `peer_dwn`"), "{e}");
        let e = err("[ui]\n\ntheme = \"sepia\"\n");
        assert_eq!((e.line, e.key.as_str()), (3, "ui.theme"), "{e}");
        let e = err("[alerts]\nlow_outbound_pct = 150\n");
        assert_eq!((e.line, e.key.as_str()), (2, "alerts.low_outbound_pct"), "{e}");
        assert!(e.message.contains("not a percentage"), "{e}");
        let e = err("[ui]\nstart_view = \"nope\"\n");
        assert!(e.message.contains("overview") && e.key == "ui.start_view", "{e}");
        let e = err("[alerts]\npeer_down_after = \"five\"\n");
        assert_eq!((e.line, e.key.as_str()), (2, "alerts.peer_down_after"), "{e}");
        let e = err("[colours]\nx = 1\n");
        assert_eq!(e.line, 1, "{e}");
        let e = err("[[node]]\nname = \"a\"\n");
        assert!(e.message.contains("socket"), "a node without its socket: {e}");
        let e = err("[alerts\n");
        assert_eq!(e.line, 1, "{e}");
    }

    #[test]
    fn a_missing_default_file_is_fine_a_missing_given_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert!(load(Some(&missing)).is_err());
        // SAFETY: tests in this module that read the environment do not run concurrently
        // with one that changes XDG_CONFIG_HOME; this is the only one.
        unsafe { std::env::set_var("XDG_CONFIG_HOME", dir.path()) };
        assert_eq!(load(None).unwrap(), (Config::default(), None));
        std::fs::create_dir_all(dir.path().join("lnwatch")).unwrap();
        std::fs::write(dir.path().join("lnwatch/config.toml"), "[ui]\nbell = false\n").unwrap();
        let (c, from) = load(None).unwrap();
        assert!(!c.ui.bell);
        assert_eq!(from, Some(dir.path().join("lnwatch/config.toml")));
    }
}
