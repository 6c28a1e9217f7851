//! The one key map: every key the monitor understands, in each mode, with the action it asks
//! for, its footer hint and its help line. Key handling ([`action`]), the footer ([`hints`]),
//! the help overlay ([`help`]) and `--help` ([`cli_help`]) all read [`BINDINGS`], so they
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
    Clear,
    Enter,
    /// View `n` (0-based) of [`VIEWS`].
    View(usize),
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

/// Where keys go in the main mode: a pane of the events view, or one of the other views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Topics,
    Events,
    Peers,
    Invoices,
    Overview,
    Channels,
    Forwards,
    Payments,
}

impl Pane {
    /// The events view's panes, in Tab order.
    pub const ORDER: [Pane; 4] = [Pane::Topics, Pane::Events, Pane::Peers, Pane::Invoices];

    /// The view this pane is in.
    pub fn view(self) -> Pane {
        if Pane::ORDER.contains(&self) { Pane::Events } else { self }
    }

    /// The view's name, as the header and help say it.
    pub fn name(self) -> &'static str {
        match self.view() {
            Pane::Overview => "overview",
            Pane::Channels => "channels",
            Pane::Forwards => "forwards",
            Pane::Payments => "payments",
            _ => "events",
        }
    }
}

/// The views, in the order of their keys (`1`–`5`); the events view (the one lnwatch starts
/// in) is `Pane::Events`.
pub const VIEWS: [Pane; 5] = [Pane::Events, Pane::Overview, Pane::Channels, Pane::Forwards, Pane::Payments];

#[derive(Debug, Clone, Copy)]
enum Key {
    Char(char),
    Code(KeyCode),
    Ctrl(char),
    /// `1`–`9`: [`Action::ToggleTopic`] of that number in the picker, [`Action::View`] in the
    /// main panes.
    Digits,
}

/// One line of the key map.
pub struct Binding {
    pub mode: Mode,
    keys: &'static [(Key, Action)],
    /// How the keys are written in the help.
    pub keys_text: &'static str,
    /// The footer's words for it.
    hint: Option<&'static str>,
    /// In [`Mode::Main`], the panes whose footer shows the hint (empty: all). The keys work in
    /// every pane; what they do there is the pane's business.
    hint_in: &'static [Pane],
    pub help: &'static str,
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
const LISTS: &[Pane] = &[Events, Peers, Invoices, Channels, Forwards, Payments];
/// Lists whose rows open a detail.
const DETAILED: &[Pane] = &[Events, Invoices, Channels, Forwards, Payments];
/// Lists the text filter narrows.
const FILTERED: &[Pane] = &[Events, Invoices, Channels, Forwards, Payments, Overview];

const FOLLOW_HELP: &str = "last row; the events pane, forwards and payments follow new rows again";
const PAUSE_HELP: &str =
    "pause / resume: every view freezes at the same moment; events are still collected and counted";

/// Every binding, in the order the footer and the help list them.
pub const BINDINGS: &[Binding] = &[
    // Main panes.
    Binding {
        mode: Main, keys: UP_DOWN, keys_text: "j k ↑ ↓", hint: Some("j/k move"), hint_in: LISTS, help: "move"
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
        keys: &[(C('G'), A::Last), (Code(KeyCode::End), A::Last)],
        keys_text: "G, End",
        hint: Some("G follow"),
        hint_in: &[Events],
        help: FOLLOW_HELP,
    },
    Binding {
        mode: Main,
        keys: &[(Code(KeyCode::Enter), A::Enter)],
        keys_text: "Enter",
        hint: Some("Enter detail"),
        hint_in: DETAILED,
        help: "detail of the selected row: event, invoice, channel, forward, payment",
    },
    Binding {
        mode: Main,
        keys: &[(Code(KeyCode::Enter), A::Enter)],
        keys_text: "Enter",
        hint: Some("Enter on/off"),
        hint_in: &[Topics],
        help: "in the topics pane: the topic on/off",
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
        keys_text: "1 – 5, ← →",
        hint: Some("1-5 views"),
        hint_in: ALL,
        help: "views: 1 events, 2 overview, 3 channels, 4 forwards, 5 payments; ← → (h l) the previous / next",
    },
    Binding {
        mode: Main,
        keys: &[(C(' '), A::Pause)],
        keys_text: "Space",
        hint: Some("Space pause"),
        hint_in: &[Events, Peers],
        help: PAUSE_HELP,
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
        hint_in: &[Events],
        help: "topic picker: toggle topics on/off",
    },
    Binding {
        mode: Main,
        keys: &[(C('t'), A::Picker)],
        keys_text: "t",
        hint: Some("t picker"),
        hint_in: &[Topics],
        help: "topic picker: toggle topics on/off",
    },
    Binding {
        mode: Main,
        keys: &[(C('/'), A::Filter)],
        keys_text: "/",
        hint: Some("/ filter"),
        hint_in: FILTERED,
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
        keys: &[(C('c'), A::Clear)],
        keys_text: "c",
        hint: Some("c clear"),
        hint_in: &[Events, Invoices, Forwards, Payments, Overview],
        help: "clear the current list (forwards and payments keep their totals; the overview its counters)",
    },
    Binding {
        mode: Main,
        keys: &[(C('c'), A::Clear)],
        keys_text: "c",
        hint: Some("c reset counts"),
        hint_in: &[Topics],
        help: "in the topics pane: reset the counts",
    },
    Binding {
        mode: Main,
        keys: &[(C('c'), A::Clear)],
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
        hint_in: &[Topics, Events, Peers, Invoices],
        help: "in the events view: next / previous pane",
    },
    Binding {
        mode: Main,
        keys: &[(C('?'), A::Help)],
        keys_text: "?",
        hint: Some("? help"),
        hint_in: ALL,
        help: "this help",
    },
    Binding {
        mode: Main,
        keys: &[(C('q'), A::Quit)],
        keys_text: "q, Ctrl-C",
        hint: Some("q quit"),
        hint_in: LISTS,
        help: "quit (q/Esc close an overlay first); Ctrl-Z suspends (fg resumes)",
    },
    // Forwards and payments follow too; their footers say so after help and quit.
    Binding {
        mode: Main,
        keys: &[(C('G'), A::Last), (Code(KeyCode::End), A::Last)],
        keys_text: "G, End",
        hint: Some("G follow"),
        hint_in: &[Forwards, Payments],
        help: FOLLOW_HELP,
    },
    // The other views pause too; their footers say so after help and quit, which matter more.
    Binding {
        mode: Main,
        keys: &[(C(' '), A::Pause)],
        keys_text: "Space",
        hint: Some("Space pause"),
        hint_in: &[Topics, Invoices, Overview, Channels, Forwards, Payments],
        help: PAUSE_HELP,
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
        ],
        keys_text: "← → ^A ^E",
        hint: None,
        hint_in: ALL,
        help: "filter: move in the line",
    },
];

/// The action for a key in `mode`.
pub fn action(mode: Mode, k: &KeyEvent) -> Option<Action> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match (ctrl, k.code) {
        (true, KeyCode::Char('c')) => return Some(Action::Quit),
        (true, KeyCode::Char('z')) => return Some(Action::Suspend),
        _ => {}
    }
    let found =
        BINDINGS.iter().filter(|b| b.mode == mode).flat_map(|b| b.keys.iter()).find_map(|(key, action)| {
            match (key, k.code) {
                (Key::Ctrl(c), KeyCode::Char(got)) if ctrl && *c == got => Some(*action),
                (Key::Char(c), KeyCode::Char(got)) if !ctrl && *c == got => Some(*action),
                (Key::Code(code), got) if !ctrl && *code == got => Some(*action),
                (Key::Digits, KeyCode::Char(d @ '1'..='9')) if !ctrl => {
                    let n = d as usize - '1' as usize;
                    match action {
                        Action::View(_) => (n < VIEWS.len()).then_some(Action::View(n)),
                        _ => Some(Action::ToggleTopic(n)),
                    }
                }
                _ => None,
            }
        });
    match (found, mode, k.code) {
        (None, Filter, KeyCode::Char(c)) if !ctrl && !c.is_control() => Some(Action::Edit(Edit::Insert(c))),
        _ => found,
    }
}

/// The footer's hints for `mode` (and the focused `pane` in the main panes).
pub fn hints(mode: Mode, pane: Pane) -> String {
    let words = BINDINGS
        .iter()
        .filter(|b| b.mode == mode && (mode != Main || b.hint_in.is_empty() || b.hint_in.contains(&pane)))
        .filter_map(|b| b.hint);
    let mut out: Vec<&str> = Vec::new();
    if mode == Filter {
        out.push("type to filter (! inverts)");
    }
    for w in words {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out.join(" · ")
}

/// The help overlay's rows: each main key once (what it does in each pane joined), then one
/// row per overlay and the filter line with its keys.
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
        rows.push((name.to_owned(), hints(mode, Pane::Events)));
    }
    rows
}

/// The key table for `--help`.
pub fn cli_help() -> String {
    let rows = help();
    let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0) + 2;
    rows.iter().map(|(k, h)| format!("  {k:width$}{h}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_actions_by_mode_and_pane() {
        assert_eq!(action(Main, &key(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(action(Main, &key(KeyCode::Char('3'))), Some(Action::View(2)));
        assert_eq!(action(Main, &key(KeyCode::Char('9'))), None);
        assert_eq!(action(Picker, &key(KeyCode::Char('3'))), Some(Action::ToggleTopic(2)));
        assert_eq!(action(Main, &key(KeyCode::Right)), Some(Action::NextView));
        assert_eq!(action(Picker, &key(KeyCode::Char('a'))), Some(Action::AllTopics));
        assert_eq!(action(Main, &key(KeyCode::Char('a'))), None);
        assert_eq!(action(Filter, &key(KeyCode::Char('q'))), Some(Action::Edit(Edit::Insert('q'))));
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(action(Filter, &ctrl('w')), Some(Action::Edit(Edit::DeleteWord)));
        assert_eq!(action(Filter, &ctrl('u')), Some(Action::Edit(Edit::DeleteToStart)));
        assert_eq!(action(Main, &ctrl('u')), None);
        assert_eq!(action(Filter, &key(KeyCode::Esc)), Some(Action::ClearFilter));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [Main, Help, Detail, Picker, Filter] {
            assert_eq!(action(mode, &ctrl_c), Some(Action::Quit));
        }
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
        assert!(cli_help().contains("a all · n none"));
        assert_eq!(hints(Help, Events), "j/k scroll · q/Esc/? close");
        assert_eq!(
            hints(Main, Events),
            "j/k move · G follow · Enter detail · 1-5 views · Space pause · t topics · / filter · c clear · Tab pane · ? help · q quit"
        );
        assert_eq!(hints(Filter, Events), "type to filter (! inverts) · Enter keep · Esc clear · ^W/^U delete");
    }
}
