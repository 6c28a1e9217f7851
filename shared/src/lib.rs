//! lnwatch-shared: what the plugin and the terminal app agree on.
//!
//! - [`date`]: UTC dates of Unix times.
//! - [`frame`]: the socket wire protocol (NDJSON frames) and its line codec.
//! - [`interner`]: topic names shared, not allocated per event.
//! - [`notification`]: decoding of lightningd notifications across every CLN payload shape.
//! - [`peers`]: the peer table reducer (snapshot + connect/disconnect).
//! - [`ring`]: a bounded ring buffer.
//! - [`redact`]: preimage redaction.
//! - [`sanitize`]: making network strings safe to print on a terminal.

pub mod activity;
pub mod date;
pub mod frame;
pub mod interner;
pub mod notification;
pub mod peers;
pub mod redact;
pub mod ring;
pub mod sanitize;

/// Version of the socket protocol spoken by this build (`hello.protocol`).
pub const PROTOCOL_VERSION: u32 = 1;

#[cfg(test)]
mod arb;
