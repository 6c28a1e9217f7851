//! Claiming the socket path and binding the listener.
//!
//! The path is never forced: a stale socket (nothing listening) is replaced, anything else at
//! the path (a regular file, a symlink, a directory, a live socket) is left untouched and the
//! plugin disables itself with a reason the operator can act on.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use interprocess::local_socket::tokio::Listener;
use interprocess::local_socket::{GenericFilePath, ListenerOptions, ToFsName};
use interprocess::os::unix::local_socket::ListenerOptionsExt;

/// `sizeof(sun_path)` on Linux is 108, including the terminating NUL.
pub const MAX_SOCKET_PATH: usize = 107;

/// Makes `path` free for a new socket, or says why it cannot be.
pub fn claim(path: &Path) -> Result<(), String> {
    let len = path.as_os_str().len();
    if len > MAX_SOCKET_PATH {
        return Err(format!(
            "socket path {} is {len} bytes, but a Unix socket path may be at most {MAX_SOCKET_PATH}: \
             set lnwatch-socket to a shorter path",
            path.display()
        ));
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot inspect {}: {e}", path.display())),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(format!(
            "{} is a symbolic link; refusing to replace it (remove it or set lnwatch-socket)",
            path.display()
        ));
    }
    if kind.is_dir() {
        return Err(format!("{} is a directory; set lnwatch-socket to a file path", path.display()));
    }
    if !kind.is_socket() {
        return Err(format!(
            "{} exists and is not a socket; refusing to replace it (remove it or set lnwatch-socket)",
            path.display()
        ));
    }
    match UnixStream::connect(path) {
        Ok(_) => {
            Err(format!("another process is already listening on {}; is lnwatch-plugin running twice?", path.display()))
        }
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(path).map_err(|e| format!("cannot remove stale socket {}: {e}", path.display()))
        }
        Err(e) => Err(format!("cannot check whether socket {} is stale: {e}", path.display())),
    }
}

/// The bound socket file: removed on drop, unless something else has replaced it since.
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    id: (u64, u64),
}

/// What is at the socket's path now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    /// The socket this plugin bound.
    Ours,
    /// Nothing: somebody deleted it.
    Missing,
    /// Something else (another file, another socket): not ours to touch.
    Replaced,
}

impl SocketFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn state(&self) -> PathState {
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if (m.dev(), m.ino()) == self.id => PathState::Ours,
            Err(e) if e.kind() == io::ErrorKind::NotFound => PathState::Missing,
            _ => PathState::Replaced,
        }
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Ok(m) = std::fs::symlink_metadata(&self.path)
            && (m.dev(), m.ino()) == self.id
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Claims `path` and binds an owner-only (0600) listener on it. Must run inside a tokio runtime.
pub fn bind(path: &Path) -> Result<(Listener, SocketFile), String> {
    claim(path)?;
    let name =
        path.to_fs_name::<GenericFilePath>().map_err(|e| format!("invalid socket path {}: {e}", path.display()))?;
    // The mode is applied with fchmod before bind, so there is no window with a wider mode.
    let listener = ListenerOptions::new()
        .name(name)
        .mode(0o600)
        .reclaim_name(false)
        .create_tokio()
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    Ok((listener, SocketFile { path: path.to_path_buf(), id: (meta.dev(), meta.ino()) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn refuses_what_it_must_not_touch() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "keep me").unwrap();
        assert!(claim(&file).unwrap_err().contains("not a socket"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(claim(&link).unwrap_err().contains("symbolic link"));
        assert!(claim(dir.path()).unwrap_err().contains("directory"));

        let long = dir.path().join("x".repeat(120));
        assert!(claim(&long).unwrap_err().contains("at most 107"));
    }

    #[tokio::test]
    async fn binds_0600_replaces_stale_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notif.sock");
        // A stale socket: bound, then its listener closed without removing the file.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let (listener, file) = bind(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A second plugin must not steal a live socket.
        assert!(claim(&path).unwrap_err().contains("already listening"));
        drop(listener);
        drop(file);
        assert!(!path.exists());
    }
}
