//! Where a reader is in the node's own indexes: per subsystem, the highest `created_index` and
//! `updated_index` it has taken in. Kept per node id and reader name under the state directory
//! (`$XDG_STATE_HOME/lnwatch`, overridable), written atomically (a temporary file renamed over
//! the old one), and read tolerantly: a missing file is a first run, an unreadable one is set
//! aside as `….corrupt` and reported.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Subsystem;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indexes {
    pub created: u64,
    pub updated: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub invoices: Indexes,
    pub forwards: Indexes,
    pub sendpays: Indexes,
}

impl Cursor {
    pub fn of(&self, s: Subsystem) -> &Indexes {
        match s {
            Subsystem::Invoices => &self.invoices,
            Subsystem::Forwards => &self.forwards,
            Subsystem::Sendpays => &self.sendpays,
        }
    }

    pub fn of_mut(&mut self, s: Subsystem) -> &mut Indexes {
        match s {
            Subsystem::Invoices => &mut self.invoices,
            Subsystem::Forwards => &mut self.forwards,
            Subsystem::Sendpays => &mut self.sendpays,
        }
    }
}

/// The state directory: `dir` if given, else `$LNWATCH_STATE_DIR`, else
/// `$XDG_STATE_HOME/lnwatch`, else `~/.local/state/lnwatch`.
pub fn state_dir(dir: Option<&Path>) -> PathBuf {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = dir {
        return d.to_path_buf();
    }
    if let Some(d) = var("LNWATCH_STATE_DIR") {
        return d;
    }
    if let Some(d) = var("XDG_STATE_HOME") {
        return d.join("lnwatch");
    }
    var("HOME").unwrap_or_else(|| PathBuf::from(".")).join(".local").join("state").join("lnwatch")
}

/// A reader's cursor file for a node. Node ids and names are reduced to file-name characters.
pub fn path(dir: &Path, node_id: &str, reader: &str) -> PathBuf {
    let safe = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).take(80).collect()
    };
    dir.join(safe(node_id)).join(format!("{}.json", safe(reader)))
}

/// What reading a cursor file found.
#[derive(Debug, PartialEq)]
pub enum Loaded {
    /// None yet: a first run for this node and reader.
    Missing,
    Found(Cursor),
    /// Unreadable: moved aside to `kept` (if it could be), starting fresh.
    Corrupt {
        reason: String,
        kept: Option<PathBuf>,
    },
}

pub fn load(path: &Path) -> Loaded {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(e) => return Loaded::Corrupt { reason: e.to_string(), kept: None },
    };
    match serde_json::from_slice(&text) {
        Ok(c) => Loaded::Found(c),
        Err(e) => {
            let aside = path.with_extension("json.corrupt");
            let kept = std::fs::rename(path, &aside).ok().map(|_| aside);
            Loaded::Corrupt { reason: e.to_string(), kept }
        }
    }
}

/// Writes `cursor` so that a reader sees the old file or the new one, never a mix: a sibling
/// temporary file, synced, renamed over it.
pub fn save(path: &Path, cursor: &Cursor) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(cursor).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_loaded_and_corrupt_files_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), "02ab/../x", "monitor");
        assert!(p.starts_with(dir.path()) && p.ends_with("02ab____x/monitor.json"), "{p:?}");
        assert_eq!(load(&p), Loaded::Missing);
        let mut c = Cursor::default();
        c.forwards.created = 7;
        save(&p, &c).unwrap();
        assert_eq!(load(&p), Loaded::Found(c.clone()));
        std::fs::write(&p, b"{\"forwards\": [oops").unwrap();
        let Loaded::Corrupt { reason, kept: Some(kept) } = load(&p) else { panic!("not reported") };
        assert!(!reason.is_empty());
        assert!(kept.exists() && !p.exists(), "set aside, so the next save replaces it");
        save(&p, &c).unwrap();
        assert_eq!(load(&p), Loaded::Found(c));
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 2, "the file and the corrupt copy, no temporary: {leftovers:?}");
    }

    #[test]
    fn state_dir_precedence() {
        assert_eq!(state_dir(Some(Path::new("/s"))), PathBuf::from("/s"));
    }
}
