//! lnwatch-sim: a simulated lightningd, for the demo, the tests and the benchmarks. It ships
//! inside `lnwatch` (for `--demo`), so it holds nothing that only tests need.
//!
//! - [`lightningd`]: talks to `lnwatch-plugin` exactly as lightningd does, and fails loudly on
//!   anything lightningd would kill the plugin for; [`plugin_process`] runs it (the real binary,
//!   or the library in-process), [`node_dir`] makes its directories, [`stdout_watch`] polices
//!   what it writes.
//! - [`rpc_server`]: a fake `lightning-rpc` socket answering `getinfo` and `listpeers`.
//! - [`fixtures`]: real traffic recorded from lightningd v25.12.1 and v26.06.6, embedded.
//! - [`scenario`]: the demo's lively node; [`workload`]: the benchmarks' traffic; [`records`]: a
//!   node's indexed records (`wait`, `list*` with `index`/`start`/`limit`) for catching up.

pub mod fixtures;
pub mod lightningd;
pub mod node_dir;
pub mod plugin_process;
pub mod records;
pub mod rpc_server;
pub mod scenario;
pub mod stdout_watch;
pub mod workload;

pub use lightningd::{Lightningd, SimError, SimOptions};
