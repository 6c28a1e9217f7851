//! Application state and its pure update: every input (key, socket frame, source state, tick)
//! is a [`Msg`]; [`App::update`] applies it synchronously and never does I/O.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use lnwatch_shared::frame::{Frame, Hello, Line, decode_line};
use lnwatch_shared::notification::InvoiceNote;
use lnwatch_shared::peers::PeerTable;
use lnwatch_shared::ring::Ring;

use crate::store::{Ev, Note, Store, TextFilter, View};

/// One decoded line from the socket, owned, ready to be applied.
#[derive(Debug)]
pub enum Incoming {
    Event(Ev),
    Frame(Frame),
    /// A line that was not a frame: counted, never fatal.
    Bad(String),
}

/// Connection to the plugin's socket, as the source task reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEvent {
    Connecting { attempt: u32 },
    Connected,
    Lost { reason: String, retry_in: f64 },
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Lines read in one go from the socket.
    Batch(Vec<Incoming>),
    Source(SourceEvent),
    /// Wall-clock time, once a second: drives the event rate and relative times.
    Tick(f64),
    Resize,
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Topics,
    Events,
    Peers,
    Invoices,
}

impl Pane {
    const ORDER: [Pane; 4] = [Pane::Topics, Pane::Events, Pane::Peers, Pane::Invoices];

    fn step(self, forward: bool) -> Pane {
        let i = Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Pane::ORDER.len();
        Pane::ORDER[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    /// `lines`: the event's JSON, pretty and sanitized, made when opened or when secrets are
    /// shown or hidden, never per frame.
    Detail {
        ev: Arc<Ev>,
        scroll: u16,
        lines: Arc<[String]>,
    },
    TopicPicker {
        cursor: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Conn {
    Connecting { attempt: u32 },
    Up { since: f64 },
    Down { since: f64, reason: String, retry_at: f64 },
}

/// An invoice as the feed shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub label: String,
    pub msat: Option<u64>,
    /// Hex, `"<redacted>"`, or absent.
    pub preimage: Option<String>,
    pub created: Option<f64>,
    pub paid: Option<f64>,
}

/// A list cursor: `follow` keeps it on the newest row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cursor {
    pub index: usize,
    pub follow: bool,
}

impl Cursor {
    fn following() -> Cursor {
        Cursor { index: 0, follow: true }
    }

    /// The selected row of a list of `len` rows.
    pub fn selected(&self, len: usize) -> Option<usize> {
        (len > 0).then(|| if self.follow { len - 1 } else { self.index.min(len - 1) })
    }

    fn moved(self, len: usize, delta: isize) -> Cursor {
        let Some(cur) = self.selected(len) else { return self };
        let index = cur.saturating_add_signed(delta).min(len.saturating_sub(1));
        Cursor { index, follow: false }
    }
}

/// What is shown while paused: the state at the moment of pausing.
#[derive(Debug, Clone)]
pub struct Frozen {
    pub events: Vec<Arc<Ev>>,
    pub peers: PeerTable,
    pub invoices: Vec<Invoice>,
    /// Events received since pausing.
    pub pending: u64,
}

pub struct App {
    pub socket: String,
    pub conn: Conn,
    pub outages: u32,
    pub hello: Option<Hello>,
    /// Seq bookkeeping for the current plugin instance (dedupes replays after a reconnect).
    instance: Option<String>,
    last_seq: u64,
    pub store: Store,
    pub peers: PeerTable,
    peers_seq: u64,
    pub peers_complete: bool,
    pub invoices: Ring<Invoice>,
    pub focus: Pane,
    pub overlay: Option<Overlay>,
    pub paused: Option<Frozen>,
    pub filter: TextFilter,
    /// The filter being typed (`/`), if any.
    pub filter_input: Option<String>,
    /// Events pane shows this topic only (`None`: all); follows the topics cursor.
    pub selected_topic: Option<Arc<str>>,
    /// Topics pane: row 0 is "all", row i+1 is topic i.
    pub topics_cursor: usize,
    pub events_cursor: Cursor,
    pub peers_cursor: Cursor,
    pub invoices_cursor: Cursor,
    pub show_secrets: bool,
    pub now: f64,
    pub rate: f64,
    window_start: f64,
    window_count: u64,
    pub events_total: u64,
    pub missed: u64,
    pub gaps: u64,
    pub bad_lines: u64,
    /// A short message for the footer, until the given time.
    pub notice: Option<(String, f64)>,
    pub color: bool,
    pub quit: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    view: View,
    view_dirty: bool,
}

/// Keys that pause/scroll by a page.
const PAGE: isize = 10;

impl App {
    pub fn new(socket: String, history: usize, topics: Option<Vec<String>>, now: f64) -> App {
        App {
            socket,
            conn: Conn::Connecting { attempt: 1 },
            outages: 0,
            hello: None,
            instance: None,
            last_seq: 0,
            store: Store::new(history, topics),
            peers: PeerTable::new(),
            peers_seq: 0,
            peers_complete: false,
            invoices: Ring::new(history),
            focus: Pane::Events,
            overlay: None,
            paused: None,
            filter: TextFilter::default(),
            filter_input: None,
            selected_topic: None,
            topics_cursor: 0,
            events_cursor: Cursor::following(),
            peers_cursor: Cursor::default(),
            invoices_cursor: Cursor::following(),
            show_secrets: false,
            now,
            rate: 0.0,
            window_start: now,
            window_count: 0,
            events_total: 0,
            missed: 0,
            gaps: 0,
            bad_lines: 0,
            notice: None,
            color: true,
            quit: false,
            dirty: true,
            view: View::default(),
            view_dirty: true,
        }
    }

    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Batch(lines) => lines.into_iter().for_each(|l| self.incoming(l)),
            Msg::Source(s) => self.source(s),
            Msg::Tick(now) => self.tick(now),
            Msg::Resize => {}
            Msg::Quit => self.quit = true,
        }
        self.dirty = true;
    }

    /// Brings derived state (the events view) up to date. Call before drawing.
    pub fn prepare(&mut self) {
        if !self.view_dirty {
            return;
        }
        let only = self.selected_topic.as_deref();
        self.view = match &self.paused {
            Some(f) => self.store.view_of(&f.events, only, &self.filter),
            None => self.store.view(only, &self.filter),
        };
        self.view_dirty = false;
    }

    /// The events pane's rows (as of the last [`App::prepare`]).
    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn shown_peers(&self) -> &PeerTable {
        self.paused.as_ref().map_or(&self.peers, |f| &f.peers)
    }

    /// Invoices shown (frozen while paused), oldest first, after the text filter.
    pub fn shown_invoices(&self) -> Vec<&Invoice> {
        let all: Vec<&Invoice> = match &self.paused {
            Some(f) => f.invoices.iter().collect(),
            None => self.invoices.iter().collect(),
        };
        all.into_iter().filter(|i| self.filter.matches_texts(&[&i.label])).collect()
    }

    pub fn invoices_hidden(&self) -> usize {
        let total = self.paused.as_ref().map_or(self.invoices.len(), |f| f.invoices.len());
        total - self.shown_invoices().len()
    }

    /// Peers in display order: connected first, then most recent change first.
    pub fn peers_sorted(&self) -> Vec<&lnwatch_shared::peers::PeerState> {
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
        self.events_cursor.selected(self.view.events.len()).and_then(|i| self.view.events.get(i))
    }

    fn set_notice(&mut self, text: impl Into<String>) {
        self.notice = Some((text.into(), self.now + 4.0));
    }

    // --- socket input -------------------------------------------------------------------------

    fn incoming(&mut self, line: Incoming) {
        match line {
            Incoming::Event(ev) => self.event(ev),
            Incoming::Frame(Frame::Hello(h)) => self.hello(h),
            Incoming::Frame(Frame::Peers(p)) => {
                self.peers = PeerTable::from_states(p.peers);
                self.peers_seq = p.seq;
                self.peers_complete = p.complete;
            }
            Incoming::Frame(Frame::Gap(g)) => {
                self.missed += g.missed;
                self.gaps += 1;
                self.last_seq = g.next_seq.saturating_sub(1);
            }
            Incoming::Frame(_) => {}
            Incoming::Bad(_) => self.bad_lines += 1,
        }
    }

    fn hello(&mut self, h: Hello) {
        if self.instance.as_deref() != Some(h.instance.as_str()) {
            // A new plugin run: its seqs start again. History is kept.
            if self.instance.is_some() {
                self.set_notice("the plugin restarted; history before this point is from its previous run");
            }
            self.instance = Some(h.instance.clone());
            self.last_seq = 0;
            self.peers_seq = 0;
        }
        self.hello = Some(h);
    }

    fn event(&mut self, ev: Ev) {
        if ev.seq <= self.last_seq {
            // Replayed after a reconnect: already stored.
            return;
        }
        if self.last_seq > 0 && ev.seq > self.last_seq + 1 {
            // Missed while disconnected (the replay ring did not reach back far enough).
            self.missed += ev.seq - self.last_seq - 1;
            self.gaps += 1;
        }
        self.last_seq = ev.seq;
        self.derive(&ev);
        self.store.push(ev);
        self.events_total += 1;
        self.window_count += 1;
        match &mut self.paused {
            Some(f) => f.pending += 1,
            None => self.view_dirty = true,
        }
    }

    /// Peer and invoice state carried by an event.
    fn derive(&mut self, ev: &Ev) {
        match &ev.note {
            Some(Note::Peer(change)) if ev.seq > self.peers_seq => {
                self.peers.apply(change, ev.time);
            }
            Some(Note::Invoice(inv)) => self.invoice(inv.clone(), ev.time),
            _ => {}
        }
    }

    fn invoice(&mut self, note: InvoiceNote, time: f64) {
        if note.paid {
            // Mark the newest invoice with that label; a payment for one created before we
            // connected gets a row of its own.
            if let Some(row) = self.invoices.iter_mut().rev().find(|r| r.label == note.label) {
                row.paid = Some(time);
                row.msat = note.msat.or(row.msat);
                return;
            }
        }
        self.invoices.push(Invoice {
            label: note.label,
            msat: note.msat,
            preimage: note.preimage,
            created: (!note.paid).then_some(time),
            paid: note.paid.then_some(time),
        });
    }

    fn source(&mut self, s: SourceEvent) {
        self.conn = match s {
            SourceEvent::Connecting { attempt } => Conn::Connecting { attempt },
            SourceEvent::Connected => Conn::Up { since: self.now },
            SourceEvent::Lost { reason, retry_in } => {
                if !matches!(self.conn, Conn::Down { .. }) {
                    self.outages += 1;
                }
                let since = match &self.conn {
                    Conn::Down { since, .. } => *since,
                    _ => self.now,
                };
                Conn::Down { since, reason, retry_at: self.now + retry_in }
            }
        };
    }

    fn tick(&mut self, now: f64) {
        self.now = now;
        let dt = now - self.window_start;
        if dt >= 1.0 {
            self.rate = self.window_count as f64 / dt;
            self.window_start = now;
            self.window_count = 0;
        }
        if self.notice.as_ref().is_some_and(|(_, until)| *until <= now) {
            self.notice = None;
        }
    }

    // --- keys ---------------------------------------------------------------------------------

    fn key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.filter_input.is_some() {
            return self.filter_key(k);
        }
        match self.overlay.take() {
            Some(Overlay::Help) => {
                if !matches!(k.code, KeyCode::Char('q' | '?') | KeyCode::Esc | KeyCode::Enter) {
                    self.overlay = Some(Overlay::Help);
                }
            }
            Some(Overlay::Detail { ev, scroll, lines }) => self.detail_key(k, ev, scroll, lines),
            Some(Overlay::TopicPicker { cursor }) => self.picker_key(k, cursor),
            None => self.main_key(k),
        }
    }

    fn filter_key(&mut self, k: KeyEvent) {
        let Some(input) = self.filter_input.as_mut() else { return };
        match k.code {
            KeyCode::Esc => {
                self.filter_input = None;
                self.set_filter("");
            }
            KeyCode::Enter => self.filter_input = None,
            KeyCode::Backspace => {
                input.pop();
                let text = input.clone();
                self.set_filter(&text);
            }
            KeyCode::Char(c) if !c.is_control() => {
                input.push(c);
                let text = input.clone();
                self.set_filter(&text);
            }
            _ => {}
        }
    }

    fn detail_lines(&self, ev: &Ev) -> Arc<[String]> {
        ev.pretty(self.show_secrets).lines().map(|l| lnwatch_shared::sanitize::sanitize(l).into_owned()).collect()
    }

    fn set_filter(&mut self, text: &str) {
        self.filter.set(text);
        self.view_dirty = true;
    }

    fn detail_key(&mut self, k: KeyEvent, ev: Arc<Ev>, scroll: u16, mut lines: Arc<[String]>) {
        let scroll = match k.code {
            KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter => return,
            KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
            KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
            KeyCode::PageDown => scroll.saturating_add(PAGE as u16),
            KeyCode::PageUp => scroll.saturating_sub(PAGE as u16),
            KeyCode::Char('g') | KeyCode::Home => 0,
            KeyCode::Char('s') => {
                self.toggle_secrets();
                lines = self.detail_lines(&ev);
                scroll
            }
            _ => scroll,
        };
        self.overlay = Some(Overlay::Detail { ev, scroll, lines });
    }

    fn picker_key(&mut self, k: KeyEvent, cursor: usize) {
        let n = self.store.topics().len();
        let cursor = match k.code {
            KeyCode::Char('q' | 't') | KeyCode::Esc => return,
            KeyCode::Char('j') | KeyCode::Down => (cursor + 1).min(n.saturating_sub(1)),
            KeyCode::Char('k') | KeyCode::Up => cursor.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::Enter => {
                self.toggle_topic(cursor);
                cursor
            }
            KeyCode::Char('a') => {
                self.store.set_all(true);
                self.view_dirty = true;
                cursor
            }
            KeyCode::Char('n') => {
                self.store.set_all(false);
                self.view_dirty = true;
                cursor
            }
            KeyCode::Char(c @ '1'..='9') => {
                self.toggle_topic(c as usize - '1' as usize);
                cursor
            }
            _ => cursor,
        };
        self.overlay = Some(Overlay::TopicPicker { cursor });
    }

    fn toggle_topic(&mut self, i: usize) {
        self.store.toggle(i);
        self.view_dirty = true;
    }

    fn toggle_secrets(&mut self) {
        if self.hello.as_ref().is_some_and(|h| h.redacted) {
            self.set_notice("preimages are redacted by the plugin (lnwatch-redact=true); nothing to show");
        }
        self.show_secrets = !self.show_secrets;
        self.filter.reveal_secrets(self.show_secrets);
        self.view_dirty = true;
    }

    fn main_key(&mut self, k: KeyEvent) {
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.overlay = Some(Overlay::Help),
            KeyCode::Tab => self.focus = self.focus.step(true),
            KeyCode::BackTab => self.focus = self.focus.step(false),
            KeyCode::Char(' ') => self.toggle_pause(),
            KeyCode::Char('t') => self.overlay = Some(Overlay::TopicPicker { cursor: 0 }),
            KeyCode::Char(c @ '1'..='9') => self.toggle_topic(c as usize - '1' as usize),
            KeyCode::Char('/') => self.filter_input = Some(self.filter.text().to_owned()),
            KeyCode::Esc => self.set_filter(""),
            KeyCode::Char('s') => self.toggle_secrets(),
            KeyCode::Char('c') => self.clear_pane(),
            KeyCode::Enter => self.enter(),
            KeyCode::Char('j') | KeyCode::Down => self.move_cursor(1),
            KeyCode::Char('k') | KeyCode::Up => self.move_cursor(-1),
            KeyCode::PageDown => self.move_cursor(PAGE),
            KeyCode::PageUp => self.move_cursor(-PAGE),
            KeyCode::Char('g') | KeyCode::Home => self.move_cursor(isize::MIN / 2),
            KeyCode::Char('G') | KeyCode::End => self.follow(),
            _ => {}
        }
    }

    fn toggle_pause(&mut self) {
        match self.paused.take() {
            Some(_) => self.view_dirty = true,
            None => {
                self.paused = Some(Frozen {
                    events: self.store.all(),
                    peers: self.peers.clone(),
                    invoices: self.invoices.iter().cloned().collect(),
                    pending: 0,
                })
            }
        }
    }

    fn enter(&mut self) {
        match self.focus {
            Pane::Events => {
                if let Some(ev) = self.selected_event().cloned() {
                    let lines = self.detail_lines(&ev);
                    self.overlay = Some(Overlay::Detail { ev, scroll: 0, lines });
                }
            }
            Pane::Topics => {
                if let Some(i) = self.topics_cursor.checked_sub(1) {
                    self.toggle_topic(i);
                }
            }
            _ => {}
        }
    }

    fn clear_pane(&mut self) {
        match self.focus {
            Pane::Events => {
                self.store.clear_events();
                if let Some(f) = &mut self.paused {
                    f.events.clear();
                }
            }
            Pane::Topics => self.store.reset_counts(),
            Pane::Peers => {
                self.peers.retain_connected();
                if let Some(f) = &mut self.paused {
                    f.peers.retain_connected();
                }
            }
            Pane::Invoices => {
                self.invoices.clear();
                if let Some(f) = &mut self.paused {
                    f.invoices.clear();
                }
            }
        }
        self.view_dirty = true;
    }

    fn move_cursor(&mut self, delta: isize) {
        match self.focus {
            Pane::Events => {
                self.prepare();
                self.events_cursor = self.events_cursor.moved(self.view.events.len(), delta);
            }
            Pane::Topics => {
                let n = self.store.topics().len() + 1;
                self.topics_cursor = self.topics_cursor.saturating_add_signed(delta).min(n - 1);
                self.selected_topic =
                    self.topics_cursor.checked_sub(1).and_then(|i| self.store.topic_at(i)).map(|t| t.name.clone());
                self.events_cursor = Cursor::following();
                self.view_dirty = true;
            }
            Pane::Peers => self.peers_cursor = self.peers_cursor.moved(self.shown_peers().len(), delta),
            Pane::Invoices => self.invoices_cursor = self.invoices_cursor.moved(self.shown_invoices().len(), delta),
        }
    }

    fn follow(&mut self) {
        match self.focus {
            Pane::Events => self.events_cursor = Cursor::following(),
            Pane::Invoices => self.invoices_cursor = Cursor::following(),
            Pane::Peers => self.peers_cursor = Cursor { index: usize::MAX, follow: false },
            Pane::Topics => {
                self.topics_cursor = self.store.topics().len();
                self.move_cursor(0);
            }
        }
    }

    /// Keys that do something in the current context, for the footer.
    pub fn hints(&self) -> &'static str {
        if self.filter_input.is_some() {
            return "type to filter (! inverts) · Enter keep · Esc clear";
        }
        match (&self.overlay, self.focus) {
            (Some(Overlay::Help), _) => "q/Esc/? close",
            (Some(Overlay::Detail { .. }), _) => "j/k scroll · s secrets · q/Esc close",
            (Some(Overlay::TopicPicker { .. }), _) => "j/k move · Space toggle · a all · n none · 1-9 · q/Esc close",
            (None, Pane::Events) => {
                "j/k move · G follow · Enter detail · Space pause · t topics · / filter · c clear · Tab pane · ? help · q quit"
            }
            (None, Pane::Topics) => {
                "j/k select topic · Enter on/off · 1-9 toggle · t picker · c reset counts · Tab pane · ? help"
            }
            (None, Pane::Peers) => "j/k move · c forget disconnected · Space pause · Tab pane · ? help · q quit",
            (None, Pane::Invoices) => "j/k move · s secrets · / filter · c clear · Tab pane · ? help · q quit",
        }
    }
}

/// Decodes socket lines into what [`App::update`] applies; runs in the source task, off the UI
/// thread. Topic names are shared, so storing an event allocates no new topic string.
#[derive(Default)]
pub struct Decoder {
    topics: std::collections::HashMap<Box<str>, Arc<str>>,
}

impl Decoder {
    pub fn decode(&mut self, line: &[u8]) -> Incoming {
        match decode_line(line) {
            Ok(Line::Event(e)) => {
                let topic = match self.topics.get(&*e.topic) {
                    Some(t) => t.clone(),
                    None => {
                        let t: Arc<str> = Arc::from(&*e.topic);
                        if self.topics.len() < crate::store::MAX_TOPICS {
                            self.topics.insert(e.topic.as_ref().into(), t.clone());
                        }
                        t
                    }
                };
                Incoming::Event(Ev::from_ref(&e, topic))
            }
            Ok(Line::Frame(f)) => Incoming::Frame(f),
            Err(e) => Incoming::Bad(e.to_string()),
        }
    }
}
