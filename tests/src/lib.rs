//! lnwatch-sim: a simulated lightningd for tests, the demo and benchmarks.
//!
//! - [`lightningd`]: drives `lnwatch-plugin` (the real binary, or the library in-process) over
//!   stdin/stdout exactly as lightningd does, and fails loudly on anything lightningd would kill
//!   the plugin for.
//! - [`rpc_server`]: a fake `lightning-rpc` socket answering `getinfo` and `listpeers`.
//! - [`fixtures`]: real traffic recorded from lightningd v25.12.1, embedded.
//! - [`client`]: a blocking socket client for the relay protocol.

pub mod client;
pub mod fixtures;
pub mod lightningd;
pub mod rpc_server;
pub mod scenario;
pub mod workload;

pub use lightningd::{Lightningd, SimError, SimOptions};
