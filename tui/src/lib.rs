//! lnwatch: the terminal monitor. Elm-style: inputs become [`app::Msg`]s on one channel,
//! [`app::App::update`] is pure, [`ui::render`] only draws, I/O lives at the edges
//! ([`source`], [`main`]'s input and tick tasks).

pub mod alerts;
pub mod alerts_command;
pub mod app;
pub mod catchup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod decode;
pub mod demo;
pub mod detail;
pub mod diagnose;
pub mod files;
pub mod filter;
pub mod fleet;
pub mod headless;
pub mod json_out;
pub mod keymap;
pub mod layout;
pub mod link;
pub mod model;
pub mod notify;
pub mod queries;
pub mod report;
pub mod run;
pub mod since;
pub mod source;
pub mod state;
pub mod store;
pub mod summary;
pub mod ui;
pub mod views;
pub mod widgets;

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in seconds.
pub fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}
