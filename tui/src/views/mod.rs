//! The operator views as components: each is one file here, implementing [`View`], and one
//! line in [`REGISTRY`] (its number key follows from its place there). A view reads a [`Ctx`]
//! (the state shown, its moment, the text filter, its cursor), declares its commands (keys,
//! action, footer words, help) and says how many rows the keys move over, what `Enter` opens
//! on one, what `c` clears, and how it is drawn; the app moves its cursor, opens details and
//! clears through it, and `ui::render` draws it. (The events view, with its four panes, is
//! the app's own.)

pub mod channels;
pub mod forwards;
pub mod htlcs;
pub mod income;
pub mod overview;
pub mod payments;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::detail::Subject;
use crate::filter::TextFilter;
use crate::keymap::{Binding, Pane};
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
    /// The alerts firing: live, even while the rest is paused.
    pub alerts: &'a crate::alerts::Alerts,
    pub cursor: Cursor,
    pub focused: bool,
    /// How its rows are sorted (`s`, `S`).
    pub sort: Sort,
}

/// A view's sort: 0 its own order, else a column of its [`View::sorts`] (1-based), largest
/// first unless reversed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub reverse: bool,
}

impl Sort {
    /// `s`: the next of `n` sort columns (after the last, the view's own order again).
    pub fn next(self, n: usize) -> Sort {
        Sort { column: (self.column + 1) % (n + 1), reverse: false }
    }

    /// `S`: the other way round.
    pub fn reversed(self) -> Sort {
        Sort { reverse: !self.reverse, ..self }
    }

    /// Sorts `rows` by the column, with `cmp` giving a column's ascending order (stable: ties
    /// keep the view's own order).
    pub fn apply<T>(self, rows: &mut [T], cmp: impl Fn(&T, &T, usize) -> std::cmp::Ordering) {
        if self.column == 0 {
            if self.reverse {
                rows.reverse();
            }
            return;
        }
        rows.sort_by(|a, b| {
            let o = cmp(a, b, self.column);
            if self.reverse { o } else { o.reverse() }
        });
    }

    /// For the title: `sorted by fees ↓`, none in the view's own order.
    pub fn words(self, names: &[&str]) -> Option<String> {
        let arrow = if self.reverse { "↑" } else { "↓" };
        match self.column {
            0 if self.reverse => Some(format!("order reversed {arrow}")),
            0 => None,
            c => names.get(c - 1).map(|n| format!("sorted by {n} {arrow}")),
        }
    }
}

/// What a view says of itself, declared once per view.
pub struct Spec {
    /// Its name, as the header and help say it; it is also its [`Pane::View`].
    pub name: &'static str,
    /// What its rows are, for the help.
    pub about: &'static str,
    /// Its keys, what they do here and their footer words, most useful first: the footer and
    /// the help list them, and the key lookup tries them before the keys every view shares.
    pub commands: &'static [Binding],
    /// The names `field:VALUE` filters its rows by.
    pub fields: &'static [&'static str],
    /// The columns `s` sorts its rows by, in the order `s` cycles them.
    pub sorts: &'static [&'static str],
    /// Whether new rows arrive at the end, so that `G` follows them.
    pub follows: bool,
}

pub trait View: Sync {
    fn spec(&self) -> &'static Spec;
    fn name(&self) -> &'static str {
        self.spec().name
    }
    fn about(&self) -> &'static str {
        self.spec().about
    }
    fn commands(&self) -> &'static [Binding] {
        self.spec().commands
    }
    fn fields(&self) -> &'static [&'static str] {
        self.spec().fields
    }
    fn sorts(&self) -> &'static [&'static str] {
        self.spec().sorts
    }
    fn follows(&self) -> bool {
        self.spec().follows
    }
    /// Rows the keys move over and `Enter` opens, in the order shown.
    fn len(&self, cx: &Ctx<'_>) -> usize;
    /// What `Enter` opens on row `i`, if anything.
    fn open(&self, _cx: &Ctx<'_>, _i: usize) -> Option<Subject> {
        None
    }
    /// What `c` clears.
    fn clear(&self, data: &mut Data);
    fn draw(&self, cx: &Ctx<'_>, f: &mut Frame, area: Rect, t: &Theme);
}

/// Every operator view after the events view, in the order of their number keys (the events
/// view is `1`); adding one is a file here and a line in this list.
pub static REGISTRY: &[&dyn View] = &[
    &overview::Overview,
    &channels::Channels,
    &forwards::Forwards,
    &payments::Payments,
    &income::Income,
    &htlcs::Htlcs,
];

/// What the events view (the app's own, with its four panes) shows, for the help.
const EVENTS_ABOUT: &str = "every notification as it arrives, by topic, with live peers and the invoice feed";

/// What the fleet view is, for the help.
const FLEET_ABOUT: &str = "a row per node watched (--socket more than once, or [[node]]s): up or down, block, peers, channels, balance, fees today, alerts; Enter shows one";

/// How many views the number keys reach.
pub fn count() -> usize {
    REGISTRY.len() + 1
}

/// The view of number key `n` (0-based): the events view, then the registry's.
pub fn pane_at(n: usize) -> Option<Pane> {
    match n {
        0 => Some(Pane::Events),
        n => REGISTRY.get(n - 1).map(|v| Pane::View(v.name())),
    }
}

/// The number key (0-based) of the view `pane` is in.
pub fn index_of(pane: Pane) -> usize {
    (0..count()).find(|n| pane_at(*n) == Some(pane.view())).unwrap_or(0)
}

/// The view called `name` (`events`, `overview`, …): `--view` and the config's `start_view`.
pub fn by_name(name: &str) -> Option<Pane> {
    (0..count()).filter_map(pane_at).find(|p| self::name(*p) == name)
}

/// Every view's name, in key order.
pub fn names() -> Vec<&'static str> {
    (0..count()).filter_map(pane_at).map(name).collect()
}

/// The name of the view `pane` is in.
pub fn name(pane: Pane) -> &'static str {
    of(pane).map_or("events", |v| v.name())
}

/// The focused pane's own commands: a view's, or none for the events view's panes (theirs are
/// in the key table).
pub fn commands(pane: Pane) -> &'static [Binding] {
    of(pane).map_or(&[], |v| v.commands())
}

/// The help's section on the views, made from the registry: each view's key and name, what its
/// rows are, and its own commands.
pub fn help() -> Vec<(String, String)> {
    let mut rows = vec![
        ("0 fleet".to_owned(), FLEET_ABOUT.to_owned()),
        ("  n N".to_owned(), "the next, the previous node the views show".to_owned()),
        (format!("1 {}", name(Pane::Events)), EVENTS_ABOUT.to_owned()),
    ];
    for (i, view) in REGISTRY.iter().enumerate() {
        rows.push((format!("{} {}", i + 2, view.name()), view.about().to_owned()));
        rows.extend(view.commands().iter().map(|b| (format!("  {}", b.keys_text), b.help.to_owned())));
    }
    rows
}

/// The key table for `--help`: the shared keys, then each view with its own.
pub fn cli_help() -> String {
    let mut rows = crate::keymap::help();
    rows.extend(help());
    let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0) + 2;
    rows.iter().map(|(k, h)| format!("  {k:width$}{h}\n")).collect()
}

/// The view shown for `pane`, if it is one of these.
pub fn of(pane: Pane) -> Option<&'static dyn View> {
    let Pane::View(name) = pane else { return None };
    REGISTRY.iter().copied().find(|v| v.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{Mode, hints};

    /// Every registered view has a number key, a name no other has, and the help and the
    /// footer are made from what it says of itself.
    #[test]
    fn the_registry_makes_the_keys_the_help_and_the_footers() {
        let help = help();
        for (i, view) in REGISTRY.iter().enumerate() {
            let pane = Pane::View(view.name());
            assert_eq!(pane_at(i + 1), Some(pane));
            assert_eq!(index_of(pane), i + 1);
            assert!(std::ptr::eq(of(pane).unwrap(), *view), "two views named {}", view.name());
            let row = help.iter().position(|(k, v)| *k == format!("{} {}", i + 2, view.name()) && v == view.about());
            let row = row.unwrap_or_else(|| panic!("view {i} is not in the help: {help:?}"));
            for (n, b) in view.commands().iter().enumerate() {
                assert_eq!(help[row + 1 + n], (format!("  {}", b.keys_text), b.help.to_owned()));
            }
            let footer = hints(Mode::Main, pane, view.commands(), count());
            let own: Vec<&str> = view.commands().iter().filter_map(|b| b.hint).collect();
            assert_eq!(footer[..own.len()], own[..], "{}'s footer", view.name());
            assert!(footer.contains(&format!("1-{} views", count())));
        }
        assert_eq!(pane_at(0), Some(Pane::Events));
        assert_eq!(pane_at(count()), None);
        assert!(cli_help().contains(&format!("{} {}", count(), REGISTRY[REGISTRY.len() - 1].name())));
    }
}
