//! The plugin's options, each declared once: its name (a contract with operators' configs), type,
//! default and description feed the manifest, and the same value reads it from `init`.

use serde_json::{Value, json};

/// One option. The default's JSON type is the option's type.
pub struct Opt<T: 'static> {
    pub name: &'static str,
    pub default: T,
    pub description: &'static str,
    /// Smallest value accepted (ints only).
    pub min: u64,
}

pub const SOCKET: Opt<&str> = Opt {
    name: "lnwatch-socket",
    default: "notif.sock",
    description: "Unix socket lnwatch clients connect to; relative paths are resolved against the lightning dir",
    min: 0,
};
pub const REPLAY: Opt<u64> =
    Opt { name: "lnwatch-replay", default: 1000, description: "Events kept and replayed to each new client", min: 0 };
pub const CLIENT_QUEUE: Opt<u64> = Opt {
    name: "lnwatch-client-queue",
    default: 10_000,
    description: "Events queued per client before a slow client starts missing them",
    min: 1,
};
pub const BUFFER_MB: Opt<u64> = Opt {
    name: "lnwatch-buffer-mb",
    default: 64,
    description: "MiB the kept events may take (replay and client queues): past it the oldest go first",
    min: 1,
};
pub const QUERY_TIMEOUT: Opt<u64> = Opt {
    name: "lnwatch-query-timeout",
    default: 30,
    description: "Seconds the node gets to answer a client's query before the client is told it timed out",
    min: 1,
};
pub const REDACT: Opt<bool> = Opt {
    name: "lnwatch-redact",
    default: true,
    description: "Replace payment preimages with \"<redacted>\" before relaying",
    min: 0,
};
pub const METRICS: Opt<&str> = Opt {
    name: "lnwatch-metrics",
    default: "",
    description: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9750); empty: off",
    min: 0,
};
pub const LOG: Opt<bool> =
    Opt { name: "lnwatch-log", default: false, description: "Also relay the node's log lines (the log topic)", min: 0 };

/// Upper bound for the size options: far above any sensible setting, low enough that a typo
/// cannot make the plugin reserve gigabytes.
const MAX_COUNT: u64 = 10_000_000;

/// What every option says of itself, whatever its type: the one list the manifest, `--help`
/// and the README's table (checked by a test) are made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub name: &'static str,
    /// lightningd's option type: `string`, `int` or `bool`.
    pub kind: &'static str,
    pub default: Value,
    pub description: &'static str,
    /// Whether `setconfig` may change it while the plugin runs (none may yet: each is read at
    /// `init`).
    pub dynamic: bool,
}

/// Every option, in the order operators read them.
pub fn all() -> [Spec; 8] {
    [
        SOCKET.spec("string"),
        REPLAY.spec("int"),
        CLIENT_QUEUE.spec("int"),
        BUFFER_MB.spec("int"),
        QUERY_TIMEOUT.spec("int"),
        REDACT.spec("bool"),
        LOG.spec("bool"),
        METRICS.spec("string"),
    ]
}

/// The manifest's `options`.
pub fn manifest() -> Value {
    Value::Array(
        all()
            .into_iter()
            .map(|o| {
                let mut v = json!({"name": o.name, "type": o.kind, "default": o.default, "description": o.description});
                if o.dynamic {
                    v["dynamic"] = json!(true);
                }
                v
            })
            .collect(),
    )
}

/// The options as `--help` lists them.
pub fn usage() -> String {
    all().iter().map(|o| format!("  {}={}\n      {}\n", o.name, shown(&o.default), o.description)).collect()
}

/// A default as it is written in a config file.
pub fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<T: Into<Value> + Copy> Opt<T> {
    fn spec(&self, kind: &'static str) -> Spec {
        Spec { name: self.name, kind, default: self.default.into(), description: self.description, dynamic: false }
    }
}

impl Opt<&'static str> {
    /// A non-empty string.
    pub fn read(&self, options: &Value) -> Result<String, String> {
        match options.get(self.name) {
            None | Some(Value::Null) => Ok(self.default.to_owned()),
            // Empty only where empty is the default (off).
            Some(Value::String(s)) if !s.is_empty() || self.default.is_empty() => Ok(s.clone()),
            Some(other) => Err(format!("{} must be a non-empty string, got {other}", self.name)),
        }
    }
}

impl Opt<u64> {
    pub fn read(&self, options: &Value) -> Result<usize, String> {
        let (name, min) = (self.name, self.min);
        let n = match options.get(name) {
            None | Some(Value::Null) => self.default,
            Some(Value::Number(n)) => {
                n.as_u64().ok_or_else(|| format!("{name} must be a whole number ≥ {min}, got {n}"))?
            }
            // Older lightningd versions pass some option values as strings.
            Some(Value::String(s)) => {
                s.trim().parse().map_err(|_| format!("{name} must be a whole number ≥ {min}, got {s:?}"))?
            }
            Some(other) => return Err(format!("{name} must be a whole number ≥ {min}, got {other}")),
        };
        if !(min..=MAX_COUNT).contains(&n) {
            return Err(format!("{name} must be between {min} and {MAX_COUNT}, got {n}"));
        }
        Ok(n as usize)
    }
}

impl Opt<bool> {
    pub fn read(&self, options: &Value) -> Result<bool, String> {
        let name = self.name;
        match options.get(name) {
            None | Some(Value::Null) => Ok(self.default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => match s.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(format!("{name} must be true or false, got {s:?}")),
            },
            Some(other) => Err(format!("{name} must be true or false, got {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's option table is the operator's reference: the same options, defaults
    /// included, as the plugin declares.
    #[test]
    fn the_readme_lists_every_option_with_its_default() {
        let readme = include_str!("../../README.md");
        let table = readme.split("### Plugin options").nth(1).expect("the README has a plugin options section");
        let rows: Vec<(String, String)> = table
            .lines()
            .skip_while(|l| !l.starts_with("| `"))
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
                (cells[1].to_owned(), cells[2].to_owned())
            })
            .collect();
        let declared: Vec<(String, String)> = all().iter().map(|o| (o.name.to_owned(), shown(&o.default))).collect();
        assert_eq!(rows, declared);
    }

    #[test]
    fn manifest_and_usage_come_from_the_same_list() {
        let m = manifest();
        let names: Vec<&str> = m.as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names, all().map(|o| o.name));
        let usage = usage();
        assert!(all().iter().all(|o| usage.contains(o.name) && usage.contains(o.description)), "{usage}");
    }
}
