//! The operator views as components: each is one file here, implementing [`View`], and one
//! line in [`REGISTRY`]. A view reads a [`Ctx`] (the state shown, its moment, the text filter,
//! its cursor) and says how many rows the keys move over, what `Enter` opens on one, what `c`
//! clears, and how it is drawn; the app moves its cursor, opens details and clears through it,
//! and `ui::render` draws it. (The events view, with its four panes, is the app's own.)

pub mod channels;
pub mod forwards;
pub mod overview;
pub mod payments;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::detail::Subject;
use crate::filter::TextFilter;
use crate::keymap::Pane;
use crate::link::Link;
use crate::state::Data;
use crate::widgets::{Cursor, Theme};

/// What a view reads.
pub struct Ctx<'a> {
    /// The state shown: live, or the moment a pause froze.
    pub data: &'a Data,
    /// The time the state is measured against (the pause's moment while paused).
    pub now: f64,
    pub filter: &'a TextFilter,
    /// The connection: the node's identity and the counters since start.
    pub link: &'a Link,
    pub cursor: Cursor,
    pub focused: bool,
}

pub trait View: Sync {
    /// Which view it is: its key (`1`–`5`) and name come from [`crate::keymap::VIEWS`].
    fn pane(&self) -> Pane;
    /// What its rows are, for the help.
    fn about(&self) -> &'static str;
    /// Rows the keys move over and `Enter` opens, in the order shown.
    fn len(&self, cx: &Ctx<'_>) -> usize;
    /// What `Enter` opens on row `i`, if anything.
    fn open(&self, _cx: &Ctx<'_>, _i: usize) -> Option<Subject> {
        None
    }
    /// Whether new rows arrive at the end, so that `G` follows them.
    fn follows(&self) -> bool {
        false
    }
    /// Its own keys and what they do here, for the help (the keys every list shares are in
    /// the key table).
    fn commands(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// What `c` clears.
    fn clear(&self, data: &mut Data);
    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme);
}

/// Every operator view; adding one is a file here and a line in this list.
pub static REGISTRY: [&dyn View; 4] =
    [&overview::Overview, &channels::Channels, &forwards::Forwards, &payments::Payments];

/// What the events view (the app's own, with its four panes) shows, for the help.
const EVENTS_ABOUT: &str = "every notification as it arrives, by topic, with live peers and the invoice feed";

/// The help's section on the views, made from the registry: each view's key and name, what its
/// rows are, and its own commands.
pub fn help() -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for (i, pane) in crate::keymap::VIEWS.iter().enumerate() {
        let (about, commands) = match of(*pane) {
            Some(v) => (v.about(), v.commands()),
            None => (EVENTS_ABOUT, &[][..]),
        };
        rows.push((format!("{} {}", i + 1, pane.name()), about.to_owned()));
        rows.extend(commands.iter().map(|(keys, what)| (format!("  {keys}"), (*what).to_owned())));
    }
    rows
}

/// The view shown for `pane`, if it is one of these.
pub fn of(pane: Pane) -> Option<&'static dyn View> {
    REGISTRY.iter().copied().find(|v| v.pane() == pane)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::VIEWS;

    /// Every view key leads to a view: the events view, or one in the registry; and the help's
    /// section on views is made from what each registered view says of itself.
    #[test]
    fn the_registry_covers_every_view_and_makes_the_help() {
        for pane in VIEWS.iter().skip(1) {
            assert!(of(*pane).is_some(), "{pane:?} has a key but no view");
        }
        assert_eq!(REGISTRY.len(), VIEWS.len() - 1, "a registered view without a key");
        let help = help();
        for (i, view) in REGISTRY.iter().enumerate() {
            let key = VIEWS.iter().position(|p| *p == view.pane()).unwrap() + 1;
            let row = help.iter().position(|(k, v)| *k == format!("{key} {}", view.pane().name()) && v == view.about());
            let row = row.unwrap_or_else(|| panic!("view {i} is not in the help: {help:?}"));
            for (n, (keys, what)) in view.commands().iter().enumerate() {
                assert_eq!(help[row + 1 + n], (format!("  {keys}"), (*what).to_owned()));
            }
        }
    }
}
