//! What to tell an operator when there is no plugin at the socket: the path in full, what is
//! (or is not) there, whether the node itself looks up, and the exact command that starts the
//! plugin. Read from the filesystem by the source task, when a connection attempt fails.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// Network directories lightningd makes inside a lightning dir.
const NETWORKS: [&str; 5] = ["bitcoin", "regtest", "testnet", "testnet4", "signet"];

/// Lines for the "no plugin here" panel.
pub fn diagnose(socket: &Path) -> Vec<String> {
    let mut lines = vec!["lnwatch cannot reach lnwatch-plugin's socket:".to_owned(), format!("  {}", socket.display())];
    let dir = socket.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    match std::fs::symlink_metadata(socket) {
        Ok(m) if m.file_type().is_socket() => {
            lines.push("  a socket is there, but nothing listens on it: the plugin stopped or crashed".into())
        }
        Ok(m) if m.is_dir() => lines.push("  that is a directory, not a socket".into()),
        Ok(_) => lines.push("  that is a regular file, not a socket: remove it, or set lnwatch-socket".into()),
        Err(_) if !dir.is_dir() => lines.push(format!("  the directory {} does not exist", dir.display())),
        Err(_) => lines.push("  nothing is there: lnwatch-plugin is not running on this node".into()),
    }
    // Pointed at the network dir while the plugin's socket is one level up.
    if let Some(name) = dir.file_name().and_then(|n| n.to_str())
        && NETWORKS.contains(&name)
        && let Some(parent) = dir.parent()
        && parent.join("notif.sock").exists()
    {
        lines.push(format!(
            "  did you mean --lightning-dir {}? ({} exists)",
            parent.display(),
            parent.join("notif.sock").display()
        ));
    }
    let rpc = NETWORKS
        .iter()
        .map(|n| dir.join(n).join("lightning-rpc"))
        .chain([dir.join("lightning-rpc")])
        .find(|p| p.exists());
    lines.push(match &rpc {
        Some(p) => format!("  the node is running ({} is there)", p.display()),
        None => {
            format!("  no lightning-rpc under {}: is the node running, and is this its lightning dir?", dir.display())
        }
    });
    let plugin = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("lnwatch-plugin")))
        .filter(|p| p.is_file())
        .map_or_else(|| "/path/to/lnwatch-plugin".to_owned(), |p| p.display().to_string());
    lines.push(String::new());
    lines.push("Start the plugin on the node:".into());
    lines.push(format!("  lightning-cli --lightning-dir={} plugin start {plugin}", dir.display()));
    lines.push("or add `plugin=…/lnwatch-plugin` to its config. lnwatch connects by itself once it is up.".into());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_is_there_and_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let missing = diagnose(&d.join("nope").join("notif.sock"));
        assert!(missing.iter().any(|l| l.contains("does not exist")));
        std::fs::create_dir_all(d.join("regtest")).unwrap();
        std::fs::write(d.join("regtest").join("lightning-rpc"), "").unwrap();
        let lines = diagnose(&d.join("notif.sock"));
        assert!(lines.iter().any(|l| l.contains("not running on this node")));
        assert!(lines.iter().any(|l| l.contains("the node is running")));
        assert!(
            lines.iter().any(|l| l.contains(&format!("lightning-cli --lightning-dir={} plugin start", d.display())))
        );
        std::fs::write(d.join("notif.sock"), "a file").unwrap();
        assert!(diagnose(&d.join("notif.sock")).iter().any(|l| l.contains("regular file")));
        // --lightning-dir pointed at the network dir.
        let lines = diagnose(&d.join("regtest").join("notif.sock"));
        assert!(
            lines.iter().any(|l| l.contains(&format!("did you mean --lightning-dir {}?", d.display()))),
            "{lines:?}"
        );
    }
}
