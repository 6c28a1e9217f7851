//! The directories lightningd gives a plugin: the lightning dir and, under it, the network dir
//! (the plugin's cwd and `configuration.lightning-dir`). A fresh temporary one unless a test
//! names its own; removed with the value.

use std::io;
use std::path::{Path, PathBuf};

pub struct NodeDir {
    _tmp: Option<tempfile::TempDir>,
    lightning_dir: PathBuf,
    network_dir: PathBuf,
}

impl NodeDir {
    /// `lightning_dir`, or a temporary directory; the network dir `network` is created in it.
    pub fn new(lightning_dir: Option<&Path>, network: &str) -> io::Result<NodeDir> {
        let (tmp, lightning_dir) = match lightning_dir {
            Some(d) => (None, d.to_path_buf()),
            None => {
                let t = tempfile::Builder::new().prefix("lnwatch-sim-").tempdir()?;
                let d = t.path().to_path_buf();
                (Some(t), d)
            }
        };
        let network_dir = lightning_dir.join(network);
        std::fs::create_dir_all(&network_dir)?;
        Ok(NodeDir { _tmp: tmp, lightning_dir, network_dir })
    }

    /// `--lightning-dir`: the parent of the network dir.
    pub fn lightning_dir(&self) -> &Path {
        &self.lightning_dir
    }

    /// The network dir: the plugin's cwd and `configuration.lightning-dir`.
    pub fn network_dir(&self) -> &Path {
        &self.network_dir
    }
}
