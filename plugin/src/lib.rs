//! lnwatch-plugin: a Core Lightning plugin that relays every notification, stamped with a
//! sequence number, as NDJSON over a Unix socket to any number of clients.
//!
//! `main.rs` only builds a runtime and calls [`run`] with stdin/stdout; tests and the demo call
//! it with pipes of their own.

pub mod allowlist;
pub mod budget;
pub mod client;
pub mod config;
pub mod conn;
pub mod dispatch;
pub mod event;
pub mod hub;
pub mod listen;
pub mod manifest;
pub mod metrics;
pub mod options;
pub mod outbox;
pub mod query;
pub mod request;
pub mod rpc;
pub mod socket;
pub mod stdio;

pub use dispatch::{Exit, PluginEnv};
pub use stdio::{Incoming, run};
