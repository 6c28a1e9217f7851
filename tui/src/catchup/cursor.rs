//! Where a reader is in the node's own indexes: per subsystem, the highest `created_index` and
//! `updated_index` it has taken in. Kept per node id and reader name under the state directory
//! (`$XDG_STATE_HOME/lnwatch`, overridable), written atomically (a temporary file renamed over
//! the old one), and read tolerantly: a missing file is a first run, an unreadable one is set
//! aside as `….corrupt` and reported.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Index, Subsystem};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indexes {
    pub created: u64,
    pub updated: u64,
}

impl Indexes {
    pub fn get(&self, i: Index) -> u64 {
        match i {
            Index::Created => self.created,
            Index::Updated => self.updated,
        }
    }

    pub fn at(&mut self, i: Index) -> &mut u64 {
        match i {
            Index::Created => &mut self.created,
            Index::Updated => &mut self.updated,
        }
    }
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
/// `$XDG_STATE_HOME/lnwatch`, else `~/.local/state/lnwatch`. A relative `XDG_STATE_HOME` is
/// ignored (the XDG spec says so); with no usable `HOME` either there is no default, rather
/// than a directory relative to wherever lnwatch was started.
pub fn state_dir(dir: Option<&Path>) -> Result<PathBuf, String> {
    state_dir_from(dir, |k| std::env::var_os(k))
}

fn state_dir_from(dir: Option<&Path>, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<PathBuf, String> {
    let var = |k: &str| var(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = dir {
        return Ok(d.to_path_buf());
    }
    if let Some(d) = var("LNWATCH_STATE_DIR") {
        return Ok(d);
    }
    if let Some(d) = var("XDG_STATE_HOME").filter(|d| d.is_absolute()) {
        return Ok(d.join("lnwatch"));
    }
    match var("HOME").filter(|h| h.is_absolute()) {
        Some(home) => Ok(home.join(".local").join("state").join("lnwatch")),
        None => Err("no place for catch-up cursors: HOME is not set (or not an absolute path); \
                     give --state-dir or LNWATCH_STATE_DIR"
            .into()),
    }
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

/// Cursor files are a few hundred bytes; anything much larger is not one.
const MAX_FILE: u64 = 64 * 1024;

/// Reads a cursor file. It never blocks or follows a link: a FIFO, a device, a symbolic link or
/// anything over 64 KiB at the path is unreadable, set aside like a corrupt file.
pub fn load(path: &Path) -> Loaded {
    let text = match read_small(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(e) => return set_aside(path, e.to_string()),
    };
    match serde_json::from_slice(&text) {
        Ok(c) => Loaded::Found(c),
        Err(e) => set_aside(path, e.to_string()),
    }
}

fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::new(ErrorKind::InvalidData, "a symbolic link, not a cursor file"),
            _ => e,
        })?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(Error::new(ErrorKind::InvalidData, format!("{what}, not a cursor file")));
    }
    let mut text = Vec::new();
    file.take(MAX_FILE + 1).read_to_end(&mut text)?;
    if text.len() as u64 > MAX_FILE {
        return Err(Error::new(ErrorKind::InvalidData, format!("over {MAX_FILE} bytes, not a cursor file")));
    }
    Ok(text)
}

/// Renames what is at `path` (the link itself, for a link) to `….json.corrupt`.
fn set_aside(path: &Path, reason: String) -> Loaded {
    let aside = path.with_extension("json.corrupt");
    let kept = std::fs::rename(path, &aside).ok().map(|_| aside);
    Loaded::Corrupt { reason, kept }
}

/// Writes `cursor` so that a reader sees the old file or the new one, never a mix: a temporary
/// file created anew in the same directory (exclusively, never through a link planted there,
/// mode 0600), synced, renamed over the file. Directories it creates are 0700.
pub fn save(path: &Path, cursor: &Cursor) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::DirBuilderExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".cursor-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(&serde_json::to_vec_pretty(cursor).map_err(std::io::Error::other)?)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
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
        use std::ffi::OsString;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(v))
        };
        let at = |d: Option<&str>, pairs| state_dir_from(d.map(Path::new), env(pairs));
        assert_eq!(at(Some("/s"), &[("HOME", "/h")]), Ok(PathBuf::from("/s")));
        assert_eq!(at(None, &[("LNWATCH_STATE_DIR", "/l"), ("HOME", "/h")]), Ok(PathBuf::from("/l")));
        assert_eq!(at(None, &[("XDG_STATE_HOME", "/x"), ("HOME", "/h")]), Ok(PathBuf::from("/x/lnwatch")));
        // A relative XDG_STATE_HOME is ignored, as the spec says.
        assert_eq!(at(None, &[("XDG_STATE_HOME", "x"), ("HOME", "/h")]), Ok(PathBuf::from("/h/.local/state/lnwatch")));
        // No HOME (or a relative one): no default, never ./.local/state.
        assert!(at(None, &[("XDG_STATE_HOME", "rel")]).unwrap_err().contains("HOME is not set"));
        assert!(at(None, &[("HOME", "")]).is_err());
        assert!(at(None, &[("HOME", "h")]).is_err());
    }

    #[test]
    fn saves_never_follow_a_link_planted_in_the_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let p = path(&dir.path().join("state"), "02ab", "monitor");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        // Every name the old code would have used, and the file itself, point at the victim.
        for name in [format!("monitor.json.tmp{}", std::process::id()), "monitor.json".into()] {
            std::os::unix::fs::symlink(&victim, p.parent().unwrap().join(name)).unwrap();
        }
        save(&p, &Cursor::default()).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let meta = std::fs::symlink_metadata(&p).unwrap();
        assert!(meta.file_type().is_file(), "the link was replaced, not followed");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let fresh = path(&dir.path().join("new"), "02ab", "monitor");
        save(&fresh, &Cursor::default()).unwrap();
        let dir_mode = std::fs::metadata(fresh.parent().unwrap()).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn fifos_devices_links_and_huge_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("monitor.json");
        let fifo = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string for the duration of the call.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let Loaded::Corrupt { reason, kept: Some(_) } = load(&p) else { panic!("a FIFO was read") };
        assert!(reason.contains("FIFO"), "{reason}");
        std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
        let Loaded::Corrupt { reason, kept } = load(&p) else { panic!("/dev/zero was read") };
        assert!(reason.contains("symbolic link") && kept.is_some(), "{reason}");
        assert!(std::fs::metadata("/dev/zero").is_ok(), "the link was moved, not what it points at");
        std::fs::write(&p, vec![b' '; 100_000]).unwrap();
        let Loaded::Corrupt { reason, .. } = load(&p) else { panic!("a huge file was read") };
        assert!(reason.contains("over"), "{reason}");
    }
}
