//! The update. Every input (key, socket lines, source state, tick, file results) is a [`Msg`];
//! keys become [`Action`]s through the [`crate::keymap`]; [`App::update`] applies them
//! synchronously, never does I/O, and queues what the world must do as [`Effect`]s that only
//! the run loop carries out; [`crate::ui::render`] only reads.
//!
//! What the app holds: [`Link`] (the connection and its counters), [`Data`] (everything the
//! views show) with the [`Frozen`] copy of it a pause shows, the events view's panes
//! ([`panes`]) and the operator views' cursors (the views themselves are
//! [`crate::views`]), the questions for the node and catch-up.

mod catch;
mod lists;
pub mod panes;

use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind};
use lnwatch_shared::frame::Frame;
use lnwatch_shared::peers::{PeerState, PeerTable};

pub use self::catch::CatchUp;
pub use self::panes::{Cursor, EventsPane, ListPane, PAGE, TopicsPane};
use crate::decode::Received;
pub use crate::detail::Subject;
use crate::filter::LineEdit;
pub use crate::keymap::Pane;
use crate::keymap::{self, Action, Mode};
pub use crate::link::{Arrival, Conn, Link, SourceEvent};
use crate::queries::{Ask, Queries};
pub use crate::state::{Data, Frozen, Invoice, InvoiceState};
use crate::store::{Ev, Note, TextFilter, View};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Lines read in one go from the socket.
    Batch(Vec<Received>),
    Source(SourceEvent),
    /// Wall-clock time, once a second: drives the event rate and relative times.
    Tick(f64),
    /// The terminal's size (columns, rows): which panes exist.
    Resize(u16, u16),
    /// The cursor file asked for with [`Effect::LoadCursor`], read.
    Cursor(crate::catchup::cursor::Loaded),
    /// Something for the footer from work done elsewhere (a cursor that could not be saved).
    Warn(String),
    Quit,
}

/// What the app asks the world to do. [`App::update`] only queues these; the main loop
/// ([`crate::run::event_loop`]) is the one place they are carried out.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A query line for the plugin's socket.
    Send(Vec<u8>),
    /// Read the cursor file and send back [`Msg::Cursor`].
    LoadCursor(std::path::PathBuf),
    SaveCursor(std::path::PathBuf, crate::catchup::Cursor),
    /// An alert fired or resolved: the monitor rings and notifies, `lnwatch alerts` prints.
    Alert(crate::alerts::Change),
}

#[derive(Debug, Clone)]
pub enum Overlay {
    /// `scroll`: lines scrolled down (it wraps on narrow terminals).
    Help {
        scroll: u16,
    },
    /// `lines`: the subject's text, sanitized, made when opened or when secrets are shown or
    /// hidden, never per frame.
    Detail {
        subject: Subject,
        scroll: u16,
        lines: Arc<[String]>,
    },
    TopicPicker {
        cursor: Cursor,
    },
}

pub struct App {
    pub link: Link,
    pub data: Data,
    /// Set while paused.
    pub frozen: Option<Frozen>,
    /// Where keys go: a pane of the events view or another view.
    pub focus: Pane,
    /// The events view's pane to come back to.
    events_focus: Pane,
    pub topics: TopicsPane,
    pub events: EventsPane,
    pub peers: ListPane,
    pub invoices: ListPane,
    /// The operator views' cursors ([`crate::views`]), once moved.
    pub view_cursors: std::collections::HashMap<Pane, Cursor>,
    /// The operator views' sorts, once changed.
    pub view_sorts: std::collections::HashMap<Pane, crate::views::Sort>,
    /// What the app asks the node; the main loop sends the lines.
    pub queries: Queries,
    /// Catching up from the node's indexes.
    pub catchup: CatchUp,
    /// The alert rules in force (the config's `[alerts]`), and the alerts firing: live even
    /// while paused, as an alert must be.
    pub rules: crate::alerts::Rules,
    pub alerts: crate::alerts::Alerts,
    /// The node answered for its channels since the last hello: its state is current.
    channels_fresh: bool,
    /// File work queued for the main loop (see [`App::take_effects`]).
    pub effects: Vec<Effect>,
    pub overlay: Option<Overlay>,
    pub filter: TextFilter,
    /// The filter being typed (`/`), if any.
    pub filter_input: Option<LineEdit>,
    pub show_secrets: bool,
    pub now: f64,
    /// The terminal, as last reported: focus only goes to panes drawn on it.
    pub size: ratatui::layout::Rect,
    /// A short message for the footer, until the given time.
    pub notice: Option<(String, f64)>,
    pub color: bool,
    /// Colours for a light background.
    pub light: bool,
    pub quit: bool,
    /// Ctrl-Z: the loop hands the terminal back to the shell, then redraws everything.
    pub suspend: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// `node 2/3 router` in the header, when the monitor watches several nodes.
    pub fleet_label: Option<String>,
}

impl App {
    pub fn new(socket: String, history: usize, topics: Option<Vec<String>>, now: f64) -> App {
        App {
            link: Link::new(socket, now),
            data: Data::new(history, topics),
            frozen: None,
            focus: Pane::Events,
            events_focus: Pane::Events,
            topics: TopicsPane::default(),
            events: EventsPane::default(),
            peers: ListPane::default(),
            invoices: ListPane::following(),
            view_cursors: Default::default(),
            view_sorts: Default::default(),
            queries: Queries::new(now),
            catchup: CatchUp::default(),
            rules: Default::default(),
            alerts: Default::default(),
            channels_fresh: false,
            effects: Vec::new(),
            overlay: None,
            filter: TextFilter::default(),
            filter_input: None,
            show_secrets: false,
            now,
            // Until the terminal says otherwise: big enough for every pane.
            size: ratatui::layout::Rect::new(0, 0, 500, 200),
            notice: None,
            color: true,
            light: false,
            quit: false,
            suspend: false,
            dirty: true,
            fleet_label: None,
        }
    }

    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Batch(lines) => lines.into_iter().for_each(|l| self.received(l)),
            Msg::Source(s) => {
                if matches!(s, SourceEvent::Connected) {
                    self.queries.reset();
                    self.catch_up_reset();
                }
                self.link.source(s, self.now);
                self.node_status_changed();
            }
            Msg::Tick(now) => self.tick(now),
            Msg::Resize(w, h) => {
                self.size = ratatui::layout::Rect::new(0, 0, w, h);
                if !crate::layout::shown(self.size, self.focus) {
                    self.focus = Pane::Events;
                }
            }
            Msg::Cursor(loaded) => self.cursor_loaded(loaded),
            Msg::Warn(text) => self.warn(&text),
            Msg::Quit => self.quit = true,
        }
        self.dirty = true;
    }

    /// Sets the alert rules; their HTLC margin is also where the HTLC view turns red.
    pub fn set_rules(&mut self, rules: crate::alerts::Rules) {
        self.data.htlc_expiry_blocks = rules.htlc_expiry_blocks;
        self.rules = rules;
    }

    /// What an operator view reads: the state shown, its moment, the filter, its cursor.
    pub fn ctx(&self, pane: Pane) -> crate::views::Ctx<'_> {
        crate::views::Ctx {
            data: self.shown(),
            now: self.shown_now(),
            filter: &self.filter,
            link: &self.link,
            alerts: &self.alerts,
            cursor: self.cursor_of(pane),
            focused: self.focus == pane,
            sort: self.view_sorts.get(&pane).copied().unwrap_or_default(),
        }
    }

    /// An operator view's cursor: where it was moved to, else on the newest row of a view that
    /// follows new rows, else on the first.
    pub fn cursor_of(&self, pane: Pane) -> Cursor {
        let follows = crate::views::of(pane).is_some_and(|v| v.follows());
        self.view_cursors.get(&pane).copied().unwrap_or(if follows { Cursor::following() } else { Cursor::default() })
    }

    /// Everything queued for the world since the last call: file work, then the query lines
    /// the plugin takes now (the rest wait in [`Queries`]).
    pub fn take_effects(&mut self) -> Vec<Effect> {
        let mut out = std::mem::take(&mut self.effects);
        out.extend(self.queries.take_lines().into_iter().map(Effect::Send));
        out
    }

    /// Brings the events view up to date. Call before drawing.
    pub fn prepare(&mut self) {
        if !self.events.stale {
            return;
        }
        let only = self.topics.selected.as_deref();
        self.events.view = self.shown().store.view(only, &self.filter, self.events.noise);
        self.events.stale = false;
    }

    /// What every view shows: the live state, or the moment a pause froze.
    pub fn shown(&self) -> &Data {
        self.frozen.as_ref().map_or(&self.data, |f| &f.data)
    }

    /// The time the shown state is measured against: now, or when it was paused.
    pub fn shown_now(&self) -> f64 {
        self.frozen.as_ref().map_or(self.now, |f| f.at)
    }

    /// The events pane's rows (as of the last [`App::prepare`]).
    pub fn view(&self) -> &View {
        &self.events.view
    }

    pub fn shown_peers(&self) -> &PeerTable {
        &self.shown().peers
    }

    /// Invoices shown, oldest first, after the text filter.
    pub fn shown_invoices(&self) -> Vec<&Invoice> {
        self.shown().invoices.iter().filter(|i| self.filter.matches_fields(&[("label", &i.label)])).collect()
    }

    pub fn invoices_hidden(&self) -> usize {
        self.shown().invoices.len() - self.shown_invoices().len()
    }

    /// Peers in display order: connected first, then most recent change first.
    pub fn peers_sorted(&self) -> Vec<&PeerState> {
        let mut v: Vec<_> = self.shown_peers().iter().collect();
        v.sort_by(|a, b| {
            b.connected
                .cmp(&a.connected)
                .then(b.since.unwrap_or(0.0).total_cmp(&a.since.unwrap_or(0.0)))
                .then(a.id.cmp(&b.id))
        });
        v
    }

    pub fn selected_event(&self) -> Option<&Arc<Ev>> {
        self.events.selected()
    }

    /// Where keys go now.
    pub fn mode(&self) -> Mode {
        match (&self.filter_input, &self.overlay) {
            (Some(_), _) => Mode::Filter,
            (None, Some(Overlay::Help { .. })) => Mode::Help,
            (None, Some(Overlay::Detail { .. })) => Mode::Detail,
            (None, Some(Overlay::TopicPicker { .. })) => Mode::Picker,
            (None, None) => Mode::Main,
        }
    }

    /// Keys that do something now, for the footer, most particular first.
    pub fn hints(&self) -> Vec<String> {
        keymap::hints(self.mode(), self.focus, crate::views::commands(self.focus), crate::views::count())
    }

    /// A warning for the footer, kept longer than a notice.
    pub fn warn(&mut self, text: &str) {
        self.notice = Some((text.to_owned(), self.now + 30.0));
    }

    fn set_notice(&mut self, text: impl Into<String>) {
        self.notice = Some((text.into(), self.now + 4.0));
    }

    fn tick(&mut self, now: f64) {
        self.now = now;
        self.link.tick(now);
        // A question the plugin never answered (a line it dropped, an old plugin) frees its
        // slot; a catch-up step that got no answer ends its lane, said like a refusal.
        let late = format!("no answer within {:.0} s", crate::queries::ANSWER_WITHIN);
        let given_up = self.queries.tick(now);
        if !given_up.is_empty() {
            self.link.answered(false, now);
        }
        for ask in given_up {
            match ask {
                Ask::CatchUp(step) => self.catch_step_failed(&step, &late),
                Ask::Walk(step) => self.walk_failed(&step, &late, false),
                _ => {}
            }
        }
        // The node confirms what the notifications said about channels, and adds what they do
        // not say (HTLCs in flight).
        let greeted = matches!(self.link.conn, Conn::Up { .. }) && self.link.hello.is_some();
        if greeted && self.data.model.channels.wants_refresh(now) {
            self.data.model.channels.refreshing(now);
            self.queries.ask(Ask::Channels);
        }
        if greeted {
            self.catch_up_tick();
            self.money_tick();
            for label in self.data.invoices_to_recheck(now) {
                self.queries.ask(Ask::Invoice(label));
            }
            for hash in self.data.model.payments.to_ask(now) {
                self.queries.ask(Ask::Pays(hash));
            }
            // Aliases gossip had not brought yet, asked again on their schedule.
            let channels = &self.data.model.channels;
            for id in self.data.names.due(now, |id| channels.public_with(id)) {
                self.queries.ask(Ask::Node(id));
            }
        }
        if self.notice.as_ref().is_some_and(|(_, until)| *until <= now) {
            self.notice = None;
        }
        self.evaluate_alerts();
    }

    /// Runs the alert rules on the live state; what changed goes to the problems list and out
    /// as [`Effect::Alert`].
    fn evaluate_alerts(&mut self) {
        use crate::alerts::{State, rules};
        let facts = rules::Facts {
            data: &self.data,
            link: &self.link,
            fresh: self.channels_fresh,
            lost: self.catchup.lost,
            firing: &self.alerts,
            now: self.now,
        };
        let (found, known) = rules::evaluate(&facts, &self.rules);
        let changes = self.alerts.sync(found, &known, self.now);
        let topic: Arc<str> = "lnwatch".into();
        for c in changes {
            let subject = c.kind.problem_subject(&c.subject);
            let problems = &mut self.data.model.problems;
            match c.state {
                State::Firing => {
                    let text = format!("{}: {}", c.kind.name(), c.message);
                    problems.alert(subject, &topic, c.at, c.peer.as_deref(), text);
                }
                State::Resolved => problems.resolve(|| subject, c.at),
            }
            self.effects.push(Effect::Alert(c));
        }
    }

    // --- socket input -------------------------------------------------------------------------

    fn received(&mut self, line: Received) {
        match line {
            Received::Event(ev) => self.event(ev),
            Received::Frame(Frame::Hello(h)) => {
                if self.link.hello(h) {
                    self.set_notice("the plugin restarted; history before this point is from its previous run");
                    self.data.store.mark("— the plugin restarted: seqs start again —");
                    self.events.stale = true;
                }
                self.node_status_changed();
                self.channels_fresh = false;
                // Questions lost with an earlier connection are asked again.
                for label in self.data.invoices_without_details() {
                    self.queries.ask(Ask::Invoice(label));
                }
                self.queries.ask(Ask::Info);
                self.queries.ask(Ask::Channels);
                self.data.model.channels.refreshing(self.now);
                let node = self.link.hello.as_ref().and_then(|h| h.node_id.clone());
                self.catch_up_on_hello(node.as_deref());
                self.walk_on_hello();
            }
            Received::Frame(Frame::Peers(p)) => {
                for peer in &p.peers {
                    self.ask_alias(&peer.id);
                }
                self.data.peers = PeerTable::from_states(p.peers);
                self.link.peers_seq = p.seq;
                self.link.peers_complete = p.complete;
            }
            Received::Frame(Frame::Gap(g)) => {
                self.link.gap(&g);
                self.mark_missed(g.missed);
            }
            Received::Frame(Frame::Result(r)) => match self.answered(&r.id, true) {
                Some(Ask::Invoice(label)) => self.data.invoice_details(&label, &r.result),
                // Event lines take aliases when drawn: nothing to rebuild.
                Some(Ask::Node(id)) => self.data.names.answered(&id, &r.result),
                Some(Ask::Pays(hash)) => self.data.model.payment_answered(&hash, &r.result, self.now),
                Some(Ask::Channels) => {
                    self.channels_fresh = true;
                    self.data.model.channels.refresh(&r.result);
                    let peers: Vec<String> =
                        self.data.model.channels.iter().filter_map(|c| c.peer_id.clone()).collect();
                    peers.iter().for_each(|p| self.ask_alias(p));
                    self.ask_after_channels();
                }
                Some(Ask::Funds) => self.data.model.onchain = Some(crate::model::Onchain::of(&r.result)),
                Some(Ask::Income(day)) => self.bookkeeper(day, Ok(routing_fees(&r.result))),
                Some(Ask::Closed) => self.data.model.channels.closed(&r.result),
                Some(Ask::Info) => {
                    if let Some(h) = r.result.get("blockheight").and_then(serde_json::Value::as_u64) {
                        self.data.model.height = Some(h);
                    }
                }
                Some(Ask::CatchUp(step)) => self.caught(&step, &r.result),
                Some(Ask::Walk(step)) => self.walked(&step, &r.result),
                None => {}
            },
            Received::Frame(Frame::Error(e)) => {
                // Busy: the plugin frees a slot only once its answer is written, so a question
                // sent the moment an answer arrives can find none free; it is asked again.
                // Anything else (a node without the method, an old plugin): the feed goes on
                // without the details.
                use lnwatch_shared::frame::query_error::{TIMEOUT, UNAVAILABLE};
                match self.answered(&e.id, !matches!(e.code, TIMEOUT | UNAVAILABLE)) {
                    Some(ask) if e.code == lnwatch_shared::frame::query_error::BUSY => self.queries.ask(ask),
                    // The plugin holds as many unread answers as it allows: later, not at once.
                    Some(ask) if e.code == lnwatch_shared::frame::query_error::OVERLOADED => {
                        self.queries.retry_later(ask)
                    }
                    Some(Ask::CatchUp(step)) if e.code == lnwatch_shared::frame::query_error::TOO_LARGE => {
                        self.catch_step_too_large(&step)
                    }
                    Some(Ask::CatchUp(step)) => self.catch_step_failed(&step, &e.message),
                    Some(Ask::Walk(step)) => {
                        let too_large = e.code == lnwatch_shared::frame::query_error::TOO_LARGE;
                        self.walk_failed(&step, &e.message, too_large)
                    }
                    Some(Ask::Income(day)) => self.bookkeeper(day, Err(e.message.clone())),
                    _ => {}
                }
            }
            Received::Frame(Frame::Bye(b)) => {
                self.data.store.mark(&format!("— {} —", b.message));
                self.events.stale = true;
                self.link.bye(b, self.now);
                self.node_status_changed();
            }
            Received::Frame(_) => {}
            Received::Bad(_) => self.link.bad_lines += 1,
        }
    }

    /// What an answer was for; whether the node could answer at all (`ok`: an error of its
    /// own is an answer, a timeout is not) goes to the link.
    fn answered(&mut self, id: &serde_json::Value, ok: bool) -> Option<Ask> {
        let ask = self.queries.answered(id);
        if ask.is_some() {
            self.link.answered(ok, self.now);
        }
        ask
    }

    /// After the channels, what they do not say: the wallet's funds and, once a channel is
    /// closing, how it closed.
    fn ask_after_channels(&mut self) {
        self.queries.ask(Ask::Funds);
        if self.data.model.channels.iter().any(|c| c.is_closing()) {
            self.queries.ask(Ask::Closed);
        }
    }

    /// The bookkeeper's word on a day, into the detail open on it.
    fn bookkeeper(&mut self, day: i64, fees: Result<u64, String>) {
        if let Some(f) = &mut self.frozen {
            f.data.bookkeeper.insert(day, fees.clone());
        }
        self.data.bookkeeper.insert(day, fees);
        let open = matches!(&self.overlay, Some(Overlay::Detail { subject: Subject::Day(d), .. }) if *d == day);
        if open {
            let fresh = self.detail_lines(&Subject::Day(day));
            if let Some(Overlay::Detail { lines, .. }) = self.overlay.as_mut() {
                *lines = fresh;
            }
        }
    }

    /// The node went down (or its relay stopped) or came back: one problem says so, resolved
    /// when a hello arrives again.
    fn node_status_changed(&mut self) {
        use crate::link::NodeStatus;
        let topic: std::sync::Arc<str> = "lnwatch".into();
        let Some(status) = self.link.status_change() else { return };
        let problems = &mut self.data.model.problems;
        match status {
            NodeStatus::Down { since, why } => {
                problems.seen("node".into(), &topic, since, None, format!("node down: {why}"));
            }
            NodeStatus::PluginStopped { since } => problems.seen(
                "plugin".into(),
                &topic,
                since,
                None,
                "lnwatch-plugin stopped (plugin stop): no events until it is started again".into(),
            ),
            NodeStatus::Up => {
                problems.resolve(|| "node".into(), self.now);
                problems.resolve(|| "plugin".into(), self.now);
            }
            NodeStatus::Unknown => {}
        }
    }

    /// Asks the node for a node's alias when it shows up, if unknown or old
    /// ([`crate::model::names`] says when).
    fn ask_alias(&mut self, id: &str) {
        if self.data.names.wants(id, self.now) {
            self.queries.ask(Ask::Node(id.to_owned()));
        }
    }

    /// Events the relay lost: marked in the list, and caught up from the node's records (the
    /// `events_lost` alert holds until that is done).
    fn mark_missed(&mut self, missed: u64) {
        if missed > 0 {
            self.data.store.mark(&format!("— {} missed —", crate::summary::count(missed, "event")));
            self.events.stale = true;
            let (since, n) = self.catchup.lost.unwrap_or((self.now, 0));
            self.catchup.lost = Some((since, n + missed));
            self.catch_up_after_gap();
        }
    }

    fn event(&mut self, ev: Ev) {
        match self.link.arrival(ev.seq) {
            Arrival::Duplicate => return,
            Arrival::New { missed } => self.mark_missed(missed),
        }
        // Replayed events (before the peers snapshot) still count for the views. The store's
        // name for the topic is the one table every view keys by: bounded, a flood of invented
        // topics filed under one overflow name.
        let topic = self.data.store.add_topic(&ev.topic);
        self.data.model.apply(&topic, ev.note.as_ref(), ev.time, &self.data.peers);
        if matches!(ev.note, Some(Note::Forward(_) | Note::Invoice(_) | Note::Pay(_))) {
            self.follow_activity();
        }
        if matches!(ev.note, Some(Note::Invoice(_) | Note::Pay(_))) {
            self.money_activity();
        }
        match &ev.note {
            Some(Note::Peer(change)) if ev.seq > self.link.peers_seq => {
                self.ask_alias(change.id());
                self.data.peers.apply(change, ev.time);
            }
            Some(Note::Pay(p)) => {
                // Payments name their destination and the node that failed them by alias too.
                let nodes = [p.destination.as_deref(), p.error.as_ref().and_then(|e| e.node.as_deref())];
                nodes.into_iter().flatten().for_each(|id| self.ask_alias(id));
            }
            Some(Note::Invoice(inv)) => {
                self.data.invoice(inv.clone(), ev.time);
                if !inv.paid {
                    self.queries.ask(Ask::Invoice(inv.label.clone()));
                }
            }
            _ => {}
        }
        self.data.store.push(ev);
        match &mut self.frozen {
            Some(f) => f.pending += 1,
            None => self.events.stale = true,
        }
    }

    // --- keys ---------------------------------------------------------------------------------

    fn key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        let mode = self.mode();
        if let Some(action) = keymap::action(mode, &k, crate::views::commands(self.focus)) {
            // Ctrl-C and Ctrl-Z mean the same in every mode.
            match action {
                Action::Quit => return self.quit = true,
                Action::Suspend => return self.suspend = true,
                _ => {}
            }
            match mode {
                Mode::Main => self.main(action),
                Mode::Help => self.help(action),
                Mode::Detail => self.detail(action),
                Mode::Picker => self.picker(action),
                Mode::Filter => self.typing(action),
            }
        }
    }

    fn main(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::View(i) => {
                if let Some(view) = crate::views::pane_at(i) {
                    self.show_view(view)
                }
            }
            Action::Named(name) if crate::views::of(Pane::View(name)).is_some() => self.show_view(Pane::View(name)),
            Action::NextView | Action::PrevView => {
                let n = crate::views::count();
                let i = crate::views::index_of(self.focus);
                let next = if action == Action::NextView { (i + 1) % n } else { (i + n - 1) % n };
                self.show_view(crate::views::pane_at(next).unwrap_or(Pane::Events));
            }
            Action::NextPane | Action::PrevPane if self.focus.view() == Pane::Events => {
                // The next pane that is drawn; the events pane always is.
                let forward = action == Action::NextPane;
                let mut next = step(self.focus, forward);
                while !crate::layout::shown(self.size, next) {
                    next = step(next, forward);
                }
                self.focus = next;
            }
            Action::Sort | Action::SortReverse => {
                let Some(view) = crate::views::of(self.focus) else { return };
                let sort = self.view_sorts.entry(self.focus).or_default();
                *sort = if action == Action::Sort { sort.next(view.sorts().len()) } else { sort.reversed() };
            }
            Action::Pause => self.toggle_pause(),
            Action::Picker => self.overlay = Some(Overlay::TopicPicker { cursor: Cursor::default() }),
            Action::ToggleTopic(i) => self.toggle_topic(i),
            Action::Filter => self.filter_input = Some(LineEdit::new(self.filter.text())),
            Action::ClearFilter => self.set_filter(""),
            Action::Secrets => self.toggle_secrets(),
            Action::Noise => {
                self.events.noise = !self.events.noise;
                self.events.stale = true;
            }
            Action::Clear => self.clear_pane(),
            Action::Enter => self.enter(),
            Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::First | Action::Last => {
                self.move_cursor(action)
            }
            _ => {}
        }
    }

    /// Shows `view` (a key, `--view`, the config's `start_view`); the events view comes back
    /// with the pane it had.
    pub fn show_view(&mut self, view: Pane) {
        if self.focus.view() == Pane::Events {
            self.events_focus = self.focus;
        }
        self.focus = if view == Pane::Events { self.events_focus } else { view };
        if !crate::layout::shown(self.size, self.focus) {
            self.focus = Pane::Events;
        }
    }

    fn help(&mut self, action: Action) {
        let Some(Overlay::Help { scroll }) = self.overlay.take() else { return };
        if action != Action::Close {
            self.overlay = Some(Overlay::Help { scroll: scrolled(scroll, action) });
        }
    }

    fn detail(&mut self, action: Action) {
        let Some(Overlay::Detail { subject, scroll, lines }) = self.overlay.take() else { return };
        if action == Action::Close {
            return;
        }
        let scroll = scrolled(scroll, action);
        let lines = if action == Action::Secrets {
            self.toggle_secrets();
            self.detail_lines(&subject)
        } else {
            lines
        };
        self.overlay = Some(Overlay::Detail { subject, scroll, lines });
    }

    fn picker(&mut self, action: Action) {
        let Some(Overlay::TopicPicker { cursor }) = self.overlay.take() else { return };
        let n = self.shown().store.topics().len();
        match action {
            Action::Close => return,
            Action::ToggleSelectedTopic => self.toggle_topic(cursor.selected(n).unwrap_or(0)),
            Action::ToggleTopic(i) => self.toggle_topic(i),
            Action::AllTopics | Action::NoTopics => self.set_all_topics(action == Action::AllTopics),
            _ => {}
        }
        self.overlay = Some(Overlay::TopicPicker { cursor: cursor.moved(action, n, false) });
    }

    fn typing(&mut self, action: Action) {
        let Some(input) = self.filter_input.as_mut() else { return };
        match action {
            Action::Close => self.filter_input = None,
            Action::ClearFilter => {
                self.filter_input = None;
                self.set_filter("");
            }
            Action::Edit(edit) => {
                input.apply(edit);
                let text = input.text();
                self.set_filter(&text);
            }
            _ => {}
        }
    }

    fn detail_lines(&self, subject: &Subject) -> Arc<[String]> {
        crate::detail::lines(subject, self.shown(), self.shown_now(), self.show_secrets)
    }

    fn open_detail(&mut self, subject: Subject) {
        if let Subject::Day(day) = subject
            && !self.data.bookkeeper.contains_key(&day)
        {
            self.queries.ask(Ask::Income(day));
        }
        let lines = self.detail_lines(&subject);
        self.overlay = Some(Overlay::Detail { subject, scroll: 0, lines });
    }

    fn set_filter(&mut self, text: &str) {
        self.filter.set(text);
        self.events.stale = true;
    }

    /// Switches the `i`th topic as shown (the paused copy's list while paused) on or off, in
    /// the live state and the paused copy alike.
    fn toggle_topic(&mut self, i: usize) {
        let Some((name, enabled)) = self.shown().store.topic_at(i).map(|t| (t.name.clone(), !t.enabled)) else {
            return;
        };
        self.data.store.set_enabled(&name, enabled);
        if let Some(f) = &mut self.frozen {
            f.data.store.set_enabled(&name, enabled);
        }
        self.events.stale = true;
    }

    fn set_all_topics(&mut self, enabled: bool) {
        self.data.store.set_all(enabled);
        if let Some(f) = &mut self.frozen {
            f.data.store.set_all(enabled);
        }
        self.events.stale = true;
    }

    fn toggle_secrets(&mut self) {
        if self.link.hello.as_ref().is_some_and(|h| h.redacted) {
            self.set_notice("preimages are redacted by the plugin (lnwatch-redact=true); nothing to show");
        }
        self.show_secrets = !self.show_secrets;
        self.filter.reveal_secrets(self.show_secrets);
        self.events.stale = true;
    }

    fn toggle_pause(&mut self) {
        self.frozen = match self.frozen.take() {
            Some(_) => None,
            None => Some(self.data.freeze(self.now)),
        };
        self.events.stale = true;
    }

    fn enter(&mut self) {
        match self.focus {
            Pane::Events => {
                if let Some(ev) = self.selected_event().cloned() {
                    self.open_detail(Subject::Event(ev));
                }
            }
            Pane::Invoices => {
                let shown = self.shown_invoices();
                let picked =
                    self.invoices.cursor.selected(shown.len()).and_then(|i| shown.get(i)).map(|i| (*i).clone());
                if let Some(inv) = picked {
                    self.open_detail(Subject::Invoice(inv));
                }
            }
            Pane::Topics => {
                if let Some(i) = self.topics.cursor.index.checked_sub(1) {
                    self.toggle_topic(i);
                }
            }
            Pane::Peers => {}
            pane => {
                let Some(view) = crate::views::of(pane) else { return };
                let cx = self.ctx(pane);
                if let Some(subject) = cx.cursor.selected(view.len(&cx)).and_then(|i| view.open(&cx, i)) {
                    self.open_detail(subject);
                }
            }
        }
    }

    /// Clears what the focused pane shows, in the live state and in a paused copy alike.
    fn clear_pane(&mut self) {
        let clear = |data: &mut Data| match crate::views::of(self.focus) {
            Some(view) => view.clear(data),
            None => data.clear(self.focus),
        };
        clear(&mut self.data);
        if let Some(f) = &mut self.frozen {
            clear(&mut f.data);
        }
        self.events.stale = true;
    }

    fn move_cursor(&mut self, action: Action) {
        match self.focus {
            Pane::Events => {
                self.prepare();
                let height = crate::layout::areas(self.size).events.height.saturating_sub(3) as usize;
                self.events.moved(action, height.max(1));
            }
            Pane::Topics => {
                let rows = self.shown().store.topics().len() + 1;
                self.topics.cursor = self.topics.cursor.moved(action, rows, false);
                self.topics.selected = self
                    .topics
                    .cursor
                    .index
                    .checked_sub(1)
                    .and_then(|i| self.shown().store.topic_at(i))
                    .map(|t| t.name.clone());
                self.events.follow_newest();
                self.events.stale = true;
            }
            Pane::Peers => self.peers.cursor = self.peers.cursor.moved(action, self.shown_peers().len(), false),
            Pane::Invoices => {
                self.invoices.cursor = self.invoices.cursor.moved(action, self.shown_invoices().len(), true)
            }
            pane => {
                let Some(view) = crate::views::of(pane) else { return };
                let n = view.len(&self.ctx(pane));
                let moved = self.cursor_of(pane).moved(action, n, view.follows());
                self.view_cursors.insert(pane, moved);
            }
        }
    }
}

/// Routing fees in a `bkpr-listincome` answer: what its `routed` events credit.
fn routing_fees(result: &serde_json::Value) -> u64 {
    let events = result.get("income_events").and_then(serde_json::Value::as_array).into_iter().flatten();
    events
        .filter(|e| e.get("tag").and_then(serde_json::Value::as_str) == Some("routed"))
        .map(|e| {
            let credit = lnwatch_shared::notification::msat(e.get("credit_msat")).unwrap_or(0);
            credit.saturating_sub(lnwatch_shared::notification::msat(e.get("debit_msat")).unwrap_or(0))
        })
        .sum()
}

/// An overlay's scroll offset after a movement key.
fn scrolled(scroll: u16, action: Action) -> u16 {
    match action {
        Action::Down => scroll.saturating_add(1),
        Action::Up => scroll.saturating_sub(1),
        Action::PageDown => scroll.saturating_add(PAGE as u16),
        Action::PageUp => scroll.saturating_sub(PAGE as u16),
        Action::First => 0,
        _ => scroll,
    }
}

fn step(pane: Pane, forward: bool) -> Pane {
    let i = Pane::ORDER.iter().position(|p| *p == pane).unwrap_or(0);
    let n = Pane::ORDER.len();
    Pane::ORDER[if forward { (i + 1) % n } else { (i + n - 1) % n }]
}
