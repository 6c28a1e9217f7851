//! The one key map: every key the monitor understands, in each mode, with the action it asks
//! for, its footer hint and its help line. Key handling ([`action`]), the footer ([`hints`]),
//! the help overlay ([`help`]) and `--help` (`crate::views::cli_help`) all read [`BINDINGS`] and the
//! focused view's own commands (bindings too, declared by each [`crate::views`] view), so they
//! cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::filter::Edit;

/// What a key asks for. Applying it is [`crate::app::App`]'s job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Ctrl-Z: give the terminal back to the shell until `fg`.
    Suspend,
    Help,
    /// Close the overlay (or end filter typing, keeping the filter).
    Close,
    NextPane,
    PrevPane,
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    /// The last row; the events pane follows new events again.
    Last,
    Pause,
    Picker,
    /// Topic `n` (0-based) on/off.
    ToggleTopic(usize),
    AllTopics,
    NoTopics,
    /// The picker's current topic on/off.
    ToggleSelectedTopic,
    Filter,
    ClearFilter,
    /// An edit of the filter line being typed.
    Edit(Edit),
    Secrets,
    /// Known-noise events (peer storage custom messages) shown or hidden.
    Noise,
    Clear,
    Enter,
    /// View `n` (0-based): the events view, then the registered views in order.
    View(usize),
    /// The registered view of this name.
    Named(&'static str),
    /// The next sort column of the view (`s`), or the other way round (`S`).
    Sort,
    SortReverse,
    NextView,
    PrevView,
}

/// Where keys go: the main panes, an overlay, or the filter line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Main,
    Help,
    Detail,
    Picker,
    Filter,
}

/// Where keys go in the main mode: a pane of the events view, or one of the registered views
/// ([`crate::views::REGISTRY`]), by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Topics,
    Events,
    Peers,
    Invoices,
    View(&'static str),
}

impl Pane {
    /// The events view's panes, in Tab order.
    pub const ORDER: [Pane; 4] = [Pane::Topics, Pane::Events, Pane::Peers, Pane::Invoices];

    /// The view this pane is in.
    pub fn view(self) -> Pane {
        if Pane::ORDER.contains(&self) { Pane::Events } else { self }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Key {
    Char(char),
    Code(KeyCode),
    Ctrl(char),
    Alt(char),
    /// `1`–`9`: [`Action::ToggleTopic`] of that number in the picker, [`Action::View`] in the
    /// main panes (the app ignores a number with no view).
    Digits,
}

/// One line of the key map.
pub struct Binding {
    pub mode: Mode,
    pub keys: &'static [(Key, Action)],
    /// How the keys are written in the help.
    pub keys_text: &'static str,
    /// The footer's words for it.
    pub hint: Option<&'static str>,
    /// In [`Mode::Main`], the events view's panes whose footer shows the hint (empty: every
    /// pane and view). The keys work everywhere; what they do there is the pane's business.
    pub hint_in: &'static [Pane],
    pub help: &'static str,
}

impl Binding {
    /// A view's own command in the main mode, shown in its footer and help.
    pub const fn command(
        keys: &'static [(Key, Action)],
        keys_text: &'static str,
        hint: &'static str,
        help: &'static str,
    ) -> Binding {
        Binding { mode: Main, keys, keys_text, hint: Some(hint), hint_in: ALL, help }
    }
}

/// The commands a list view shares, each with the view's own words for the help.
pub const fn moves(help: &'static str) -> Binding {
    Binding::command(UP_DOWN, "j k ↑ ↓", "j/k move", help)
}
pub const fn detail(help: &'static str) -> Binding {
    Binding::command(ENTER, "Enter", "Enter detail", help)
}
pub const fn clears(help: &'static str) -> Binding {
    Binding::command(CLEAR, "c", "c clear", help)
}
pub const fn follows(help: &'static str) -> Binding {
    Binding::command(LAST, "G, End", "G follow", help)
}
pub const fn sorts(help: &'static str) -> Binding {
    Binding::command(SORT, "s S", "s/S sort", help)
}
pub const fn filters(help: &'static str) -> Binding {
    Binding::command(FILTER, "/", "/ filter", help)
}

use Action as A;
use Key::{Char as C, Code};
use Mode::*;
use Pane::*;

const ALL: &[Pane] = &[];
const UP_DOWN: &[(Key, Action)] =
    &[(C('j'), A::Down), (Code(KeyCode::Down), A::Down), (C('k'), A::Up), (Code(KeyCode::Up), A::Up)];
/// Scrolling an overlay (help, detail).
const SCROLL: &[(Key, Action)] = &[
    (C('j'), A::Down),
    (Code(KeyCode::Down), A::Down),
    (C('k'), A::Up),
    (Code(KeyCode::Up), A::Up),
    (Code(KeyCode::PageDown), A::PageDown),
    (Code(KeyCode::PageUp), A::PageUp),
    (C('g'), A::First),
    (Code(KeyCode::Home), A::First),
];
const ENTER: &[(Key, Action)] = &[(Code(KeyCode::Enter), A::Enter)];
const CLEAR: &[(Key, Action)] = &[(C('c'), A::Clear)];
const LAST: &[(Key, Action)] = &[(C('G'), A::Last), (Code(KeyCode::End), A::Last)];
const FILTER: &[(Key, Action)] = &[(C('/'), A::Filter)];
const SORT: &[(Key, Action)] = &[(C('s'), A::Sort), (C('S'), A::SortReverse)];

/// The events view's panes that list rows.
const EVENT_LISTS: &[Pane] = &[Events, Peers, Invoices];
const EVENT_PANES: &[Pane] = &Pane::ORDER;

/// Every binding, in the order the footer and the help list them: in the main mode, the
/// events view's panes' own keys, then the keys every view shares (a registered view's own
/// commands come before these).
pub const BINDINGS: &[Binding] = &[
    // The events view's panes.
    Binding {
        mode: Main,
        keys: UP_DOWN,
        keys_text: "j k ↑ ↓",
        hint: Some("j/k move"),
        hint_in: EVENT_LISTS,
        help: "move in the events, peers and invoices panes",
    },
    Binding {
        mode: Main,
        keys: UP_DOWN,
        keys_text: "j k ↑ ↓",
        hint: Some("j/k select topic"),
        hint_in: &[Topics],
        help: "in the topics pane: pick the topic the events pane shows",
    },
    Binding {
        mode: Main,
        keys: LAST,
        keys_text: "G, End",
        hint: Some("G follow"),
        hint_in: &[Events],
        help: "last row; the events pane follows new events again",
    },
    Binding {
        mode: Main,
        keys: ENTER,
        keys_text: "Enter",
        hint: Some("Enter detail"),
        hint_in: &[Events, Invoices],
        help: "detail of the selected event or invoice",
    },
    Binding {
        mode: Main,
        keys: ENTER,
        keys_text: "Enter",
        hint: Some("Enter on/off"),
        hint_in: &[Topics],
        help: "in the topics pane: the topic on/off",
    },
    Binding {
        mode: Main,
        keys: &[(C('s'), A::Secrets)],
        keys_text: "s",
        hint: Some("s secrets"),
        hint_in: &[Invoices],
        help: "show / hide preimages (when the plugin does not redact them)",
    },
    Binding {
        mode: Main,
        keys: &[(C('t'), A::Picker)],
        keys_text: "t",
        hint: Some("t topics"),
        hint_in: &[Events, Topics],
        help: "topic picker: toggle topics on/off",
    },
    Binding {
        mode: Main,
        keys: &[(C('n'), A::Noise)],
        keys_text: "n",
        hint: None,
        hint_in: &[Events],
        help: "show / hide known-noise events (custom messages for peer storage, types 0x0007 and 0x0009)",
    },
    Binding {
        mode: Main,
        keys: CLEAR,
        keys_text: "c",
        hint: Some("c clear"),
        hint_in: &[Events, Invoices],
        help: "clear the events or invoices pane",
    },
    Binding {
        mode: Main,
        keys: CLEAR,
        keys_text: "c",
        hint: Some("c reset counts"),
        hint_in: &[Topics],
        help: "in the topics pane: reset the counts",
    },
    Binding {
        mode: Main,
        keys: CLEAR,
        keys_text: "c",
        hint: Some("c forget disconnected"),
        hint_in: &[Peers],
        help: "in the peers pane: forget disconnected peers",
    },
    Binding {
        mode: Main,
        keys: &[(Code(KeyCode::Tab), A::NextPane), (Code(KeyCode::BackTab), A::PrevPane)],
        keys_text: "Tab / Shift-Tab",
        hint: Some("Tab pane"),
        hint_in: EVENT_PANES,
        help: "in the events view: next / previous pane",
    },
    // Every view.
    Binding {
        mode: Main,
        keys: &[
            (Code(KeyCode::PageDown), A::PageDown),
            (Code(KeyCode::PageUp), A::PageUp),
            (C('g'), A::First),
            (Code(KeyCode::Home), A::First),
        ],
        keys_text: "PgUp PgDn g",
        hint: None,
        hint_in: ALL,
        help: "page up / down, first row",
    },
    Binding {
        mode: Main,
        keys: &[
            (Key::Digits, A::View(0)),
            (Code(KeyCode::Right), A::NextView),
            (C('l'), A::NextView),
            (Code(KeyCode::Left), A::PrevView),
            (C('h'), A::PrevView),
        ],
        keys_text: "1 – 9, ← →",
        hint: Some(VIEWS_HINT),
        hint_in: ALL,
        help: "views by number (below); ← → (h l) the previous / next",
    },
    Binding {
        mode: Main,
        keys: &[(C('H'), A::Named("htlcs"))],
        keys_text: "H",
        hint: None,
        hint_in: ALL,
        help: "every HTLC in flight, soonest expiry first (the htlcs view)",
    },
    Binding {
        mode: Main,
        keys: FILTER,
        keys_text: "/",
        hint: Some("/ filter"),
        hint_in: ALL,
        help: "filter every list: words, field:VALUE (status:failed, peer:NAME, topic:NAME); ! inverts a term",
    },
    Binding {
        mode: Main,
        keys: &[(Code(KeyCode::Esc), A::ClearFilter)],
        keys_text: "Esc",
        hint: None,
        hint_in: ALL,
        help: "clear the text filter",
    },
    Binding {
        mode: Main,
        keys: &[(C(' '), A::Pause)],
        keys_text: "Space",
        hint: Some("Space pause"),
        hint_in: ALL,
        help: "pause / resume: every view freezes at the same moment; events are still collected and counted",
    },
    Binding {
        mode: Main,
        keys: &[(C('?'), A::Help)],
        keys_text: "?",
        hint: Some(HELP_HINT),
        hint_in: ALL,
        help: "this help",
    },
    Binding {
        mode: Main,
        keys: &[(C('q'), A::Quit)],
        keys_text: "q, Ctrl-C",
        hint: Some("q quit"),
        hint_in: ALL,
        help: "quit (q/Esc close an overlay first); Ctrl-Z suspends (fg resumes)",
    },
    // The help overlay.
    Binding {
        mode: Help,
        keys: SCROLL,
        keys_text: "j k PgUp PgDn",
        hint: Some("j/k scroll"),
        hint_in: ALL,
        help: "help: scroll",
    },
    Binding {
        mode: Help,
        keys: &[
            (C('q'), A::Close),
            (C('?'), A::Close),
            (Code(KeyCode::Esc), A::Close),
            (Code(KeyCode::Enter), A::Close),
        ],
        keys_text: "q Esc ?",
        hint: Some("q/Esc/? close"),
        hint_in: ALL,
        help: "close the help",
    },
    // The event detail.
    Binding {
        mode: Detail,
        keys: SCROLL,
        keys_text: "j k PgUp PgDn g",
        hint: Some("j/k scroll"),
        hint_in: ALL,
        help: "detail: scroll",
    },
    Binding {
        mode: Detail,
        keys: &[(C('s'), A::Secrets)],
        keys_text: "s",
        hint: Some("s secrets"),
        hint_in: ALL,
        help: "detail: show / hide preimages",
    },
    Binding {
        mode: Detail,
        keys: &[(C('q'), A::Close), (Code(KeyCode::Esc), A::Close), (Code(KeyCode::Enter), A::Close)],
        keys_text: "q Esc",
        hint: Some("q/Esc close"),
        hint_in: ALL,
        help: "detail: close",
    },
    // The topic picker.
    Binding {
        mode: Picker,
        keys: UP_DOWN,
        keys_text: "j k",
        hint: Some("j/k move"),
        hint_in: ALL,
        help: "picker: move",
    },
    Binding {
        mode: Picker,
        keys: &[(C(' '), A::ToggleSelectedTopic), (Code(KeyCode::Enter), A::ToggleSelectedTopic)],
        keys_text: "Space Enter",
        hint: Some("Space toggle"),
        hint_in: ALL,
        help: "picker: the topic on/off",
    },
    Binding {
        mode: Picker,
        keys: &[(C('a'), A::AllTopics)],
        keys_text: "a",
        hint: Some("a all"),
        hint_in: ALL,
        help: "picker: every topic on",
    },
    Binding {
        mode: Picker,
        keys: &[(C('n'), A::NoTopics)],
        keys_text: "n",
        hint: Some("n none"),
        hint_in: ALL,
        help: "picker: every topic off",
    },
    Binding {
        mode: Picker,
        keys: &[(Key::Digits, A::ToggleTopic(0))],
        keys_text: "1 – 9",
        hint: Some("1-9"),
        hint_in: ALL,
        help: "picker: toggle the first nine topics",
    },
    Binding {
        mode: Picker,
        keys: &[(C('q'), A::Close), (C('t'), A::Close), (Code(KeyCode::Esc), A::Close)],
        keys_text: "q t Esc",
        hint: Some("q/Esc close"),
        hint_in: ALL,
        help: "picker: close",
    },
    // Typing the text filter (other printable keys are typed).
    Binding {
        mode: Filter,
        keys: &[(Code(KeyCode::Enter), A::Close)],
        keys_text: "Enter",
        hint: Some("Enter keep"),
        hint_in: ALL,
        help: "filter: keep it and go back to the panes",
    },
    Binding {
        mode: Filter,
        keys: &[(Code(KeyCode::Esc), A::ClearFilter)],
        keys_text: "Esc",
        hint: Some("Esc clear"),
        hint_in: ALL,
        help: "filter: clear it",
    },
    Binding {
        mode: Filter,
        keys: &[
            (Code(KeyCode::Backspace), A::Edit(Edit::DeleteBack)),
            (Key::Ctrl('h'), A::Edit(Edit::DeleteBack)),
            (Key::Ctrl('w'), A::Edit(Edit::DeleteWord)),
            (Key::Ctrl('u'), A::Edit(Edit::DeleteToStart)),
        ],
        keys_text: "Backspace ^W ^U",
        hint: Some("^W/^U delete"),
        hint_in: ALL,
        help: "filter: delete a character, a word, to the start",
    },
    Binding {
        mode: Filter,
        keys: &[
            (Code(KeyCode::Left), A::Edit(Edit::Left)),
            (Code(KeyCode::Right), A::Edit(Edit::Right)),
            (Code(KeyCode::Home), A::Edit(Edit::Start)),
            (Key::Ctrl('a'), A::Edit(Edit::Start)),
            (Code(KeyCode::End), A::Edit(Edit::End)),
            (Key::Ctrl('e'), A::Edit(Edit::End)),
            (Key::Alt('b'), A::Edit(Edit::WordLeft)),
            (Key::Alt('f'), A::Edit(Edit::WordRight)),
        ],
        keys_text: "← → ^A ^E M-b M-f",
        hint: None,
        hint_in: ALL,
        help: "filter: move in the line (Alt-b / Alt-f by word)",
    },
];

/// The footer's words for the number keys, with the number of views filled in by [`hints`].
const VIEWS_HINT: &str = "1-N views";
/// The footer keeps this hint when it must drop others.
pub const HELP_HINT: &str = "? help";

/// The action for a key in `mode`; in the main mode the focused view's own commands (`own`)
/// come first, so a view may give a key its own meaning.
pub fn action(mode: Mode, k: &KeyEvent, own: &[Binding]) -> Option<Action> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    match (ctrl, k.code) {
        (true, KeyCode::Char('c')) => return Some(Action::Quit),
        (true, KeyCode::Char('z')) => return Some(Action::Suspend),
        _ => {}
    }
    let own = own.iter().filter(|_| mode == Main);
    let found =
        own.chain(BINDINGS.iter().filter(|b| b.mode == mode)).flat_map(|b| b.keys.iter()).find_map(|(key, action)| {
            match (key, k.code) {
                (Key::Ctrl(c), KeyCode::Char(got)) if ctrl && *c == got => Some(*action),
                (Key::Alt(c), KeyCode::Char(got)) if alt && !ctrl && *c == got => Some(*action),
                (Key::Char(c), KeyCode::Char(got)) if !ctrl && !alt && *c == got => Some(*action),
                (Key::Code(code), got) if !ctrl && *code == got => Some(*action),
                (Key::Digits, KeyCode::Char(d @ '1'..='9')) if !ctrl => {
                    let n = d as usize - '1' as usize;
                    match action {
                        Action::View(_) => Some(Action::View(n)),
                        _ => Some(Action::ToggleTopic(n)),
                    }
                }
                _ => None,
            }
        });
    match (found, mode, k.code) {
        (None, Filter, KeyCode::Char(c)) if !ctrl && !alt && !c.is_control() => Some(Action::Edit(Edit::Insert(c))),
        _ => found,
    }
}

/// The footer's hints for `mode`, most particular first: the focused pane's or view's own
/// (`own`, a view's commands), then those every view shares. `views` is how many views the
/// number keys reach.
pub fn hints(mode: Mode, pane: Pane, own: &[Binding], views: usize) -> Vec<String> {
    let shared = BINDINGS
        .iter()
        .filter(|b| b.mode == mode && (mode != Main || b.hint_in.is_empty() || b.hint_in.contains(&pane)));
    let own = own.iter().filter(|_| mode == Main);
    let mut out: Vec<String> = Vec::new();
    if mode == Filter {
        out.push("type to filter (! inverts)".into());
    }
    for w in own.chain(shared).filter_map(|b| b.hint) {
        let w = if w == VIEWS_HINT { format!("1-{views} views") } else { w.to_owned() };
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The hints joined into a footer of at most `width` columns: hints that do not fit are left
/// out whole, from the end, but the help's hint stays so that every key can be found.
pub fn footer(hints: &[String], width: usize) -> String {
    let mut kept: Vec<&str> = hints.iter().map(String::as_str).collect();
    let len = |k: &[&str]| k.iter().map(|h| h.chars().count()).sum::<usize>() + 3 * k.len().saturating_sub(1);
    while len(&kept) > width {
        match kept.iter().rposition(|h| *h != HELP_HINT) {
            Some(i) if kept.len() > 1 => {
                kept.remove(i);
            }
            _ => break,
        }
    }
    kept.join(" · ")
}

/// The help overlay's rows: each main key once (what it does in each pane joined), then one
/// row per overlay and the filter line with its keys. The views' own commands are listed by
/// [`crate::views::help`].
pub fn help() -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for b in BINDINGS.iter().filter(|b| b.mode == Main) {
        match rows.iter_mut().find(|(k, _)| k == b.keys_text) {
            Some((_, h)) if !h.contains(b.help) => *h = format!("{h}; {}", b.help),
            Some(_) => {}
            None => rows.push((b.keys_text.to_owned(), b.help.to_owned())),
        }
    }
    for (mode, name) in
        [(Picker, "in the picker"), (Detail, "in a detail"), (Filter, "typing a filter"), (Help, "in this help")]
    {
        rows.push((name.to_owned(), hints(mode, Pane::Events, &[], 0).join(" · ")));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_actions_by_mode_and_pane() {
        let act = |mode, k: &KeyEvent| action(mode, k, &[]);
        assert_eq!(act(Main, &key(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(act(Main, &key(KeyCode::Char('3'))), Some(Action::View(2)));
        assert_eq!(act(Picker, &key(KeyCode::Char('3'))), Some(Action::ToggleTopic(2)));
        assert_eq!(act(Main, &key(KeyCode::Right)), Some(Action::NextView));
        assert_eq!(act(Main, &KeyEvent::new(KeyCode::Char('H'), KeyModifiers::SHIFT)), Some(Action::Named("htlcs")));
        assert_eq!(act(Picker, &key(KeyCode::Char('a'))), Some(Action::AllTopics));
        assert_eq!(act(Main, &key(KeyCode::Char('a'))), None);
        assert_eq!(act(Filter, &key(KeyCode::Char('q'))), Some(Action::Edit(Edit::Insert('q'))));
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(act(Filter, &ctrl('w')), Some(Action::Edit(Edit::DeleteWord)));
        assert_eq!(act(Filter, &ctrl('u')), Some(Action::Edit(Edit::DeleteToStart)));
        assert_eq!(act(Main, &ctrl('u')), None);
        assert_eq!(act(Filter, &key(KeyCode::Esc)), Some(Action::ClearFilter));
        let alt = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT);
        assert_eq!(act(Filter, &alt('b')), Some(Action::Edit(Edit::WordLeft)));
        assert_eq!(act(Filter, &alt('f')), Some(Action::Edit(Edit::WordRight)));
        assert_eq!(act(Filter, &alt('x')), None, "an Alt key is not typed");
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Main, Help, Detail, Picker, Filter] {
            assert_eq!(act(mode, &ctrl_c), Some(Action::Quit));
        }
        // A view's own command wins over the shared meaning of its key, in the main mode only.
        const OWN: &[Binding] = &[Binding::command(&[(C('s'), A::Last)], "s", "s sort", "sort")];
        assert_eq!(action(Main, &key(KeyCode::Char('s')), OWN), Some(Action::Last));
        assert_eq!(action(Main, &key(KeyCode::Char('s')), &[]), Some(Action::Secrets));
        assert_eq!(action(Detail, &key(KeyCode::Char('s')), OWN), Some(Action::Secrets));
    }

    #[test]
    fn every_hinted_key_does_something_and_the_help_lists_it() {
        let help = help();
        for b in BINDINGS {
            assert!(!b.keys.is_empty());
            let listed = match (b.mode, b.hint) {
                (Main, _) => help.iter().any(|(k, h)| k == b.keys_text && h.contains(b.help)),
                (_, Some(hint)) => help.iter().any(|(_, h)| h.contains(hint)),
                (_, None) => true,
            };
            assert!(listed, "{} ({}) is not in the help", b.keys_text, b.help);
        }
        // The picker's a/n are in the help, as everything else.
        assert!(help.iter().any(|(_, h)| h.contains("a all · n none")));
        assert_eq!(hints(Help, Events, &[], 5).join(" · "), "j/k scroll · q/Esc/? close");
        assert_eq!(
            hints(Main, Events, &[], 5).join(" · "),
            "j/k move · G follow · Enter detail · t topics · c clear · Tab pane · 1-5 views · / filter · Space pause · ? help · q quit"
        );
        assert_eq!(
            hints(Filter, Events, &[], 5).join(" · "),
            "type to filter (! inverts) · Enter keep · Esc clear · ^W/^U delete"
        );
        // A view's commands come first, then what every view shares; no events-pane keys.
        const OWN: &[Binding] = &[moves("move"), detail("open")];
        assert_eq!(
            hints(Main, Pane::View("x"), OWN, 6).join(" · "),
            "j/k move · Enter detail · 1-6 views · / filter · Space pause · ? help · q quit"
        );
    }

    #[test]
    fn a_narrow_footer_drops_whole_hints_and_keeps_the_help() {
        let hints = hints(Main, Events, &[], 5);
        let full = footer(&hints, 500);
        assert_eq!(full, hints.join(" · "));
        for width in 0..full.chars().count() {
            let cut = footer(&hints, width);
            assert!(cut.contains(HELP_HINT), "{width}: {cut}");
            assert!(cut.chars().count() <= width.max(HELP_HINT.len()), "{width}: {cut}");
            for part in cut.split(" · ") {
                assert!(hints.iter().any(|h| h == part), "{width}: {part} is not a whole hint");
            }
        }
    }
}
