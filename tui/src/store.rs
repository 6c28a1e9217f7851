//! Event storage: a bounded ring per topic (a flood of one topic never pushes out the rare
//! ones), topic counts and on/off state, and the merged, filtered list the events pane shows.
//! Memory is bounded twice: by a count per topic and by a byte budget for all of them, so a
//! few huge events cannot hold more than the budget; past it the heaviest topic gives up its
//! oldest events first.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};

use lnwatch_shared::activity::{ChannelChange, Forward, Move, PayNote};
use lnwatch_shared::frame::EventRef;
use lnwatch_shared::notification::{self, InvoiceNote, PeerChange};
use lnwatch_shared::redact::{may_contain_secret, redact_raw};
use lnwatch_shared::ring::Ring;
use serde_json::Value;

use crate::summary;

pub use crate::filter::TextFilter;

/// Distinct topics kept apart; past this (a misbehaving plugin inventing names), events are
/// filed under [`OVERFLOW_TOPIC`] so memory stays bounded.
pub const MAX_TOPICS: usize = 256;
pub const OVERFLOW_TOPIC: &str = "(other topics)";

/// What hidden secrets are replaced with on screen.
pub const HIDDEN: &str = "•••• (s shows)";

/// One stored event, decoded and summarized once, when it arrives (off the UI thread).
#[derive(Debug)]
pub struct Ev {
    /// Arrival order in this viewer, set by [`Store::push`]: seqs start again when the plugin
    /// restarts, arrival order does not.
    pub order: u64,
    pub seq: u64,
    pub time: f64,
    pub topic: Arc<str>,
    pub origin: Option<Box<str>>,
    /// `params` as the plugin sent them; parsed again only when first drawn and for the
    /// detail view.
    pub params: Box<str>,
    /// `params` with the secrets replaced, only for events that carry secrets (when the plugin
    /// does not redact): what the text filter searches and the line shows while they are hidden.
    params_hidden: Option<Box<str>>,
    /// The events pane's line and the topic's columns, made when the event is first drawn:
    /// most events never are, and ingest stays one parse per event.
    shown: OnceLock<Shown>,
    /// The line with the secrets hidden, for an event that has some, made when first drawn.
    shown_hidden: OnceLock<Box<str>>,
    /// The peer or invoice change the event carries.
    pub note: Option<Note>,
    /// How it turned out: its colour.
    pub outcome: summary::Outcome,
    /// Text-filter memo: `generation << 1 | matched`, so each event is tested once per filter.
    pub(crate) memo: AtomicU64,
    /// Known noise ([`summary::is_noise`]): hidden from the events list unless asked for.
    pub noise: bool,
}

#[derive(Debug)]
struct Shown {
    /// The events pane's line, secrets in it if the event has any.
    summary: Box<str>,
    /// The topic's own columns ([`summary::field_names`]), for topics that have them. They
    /// carry no secrets.
    fields: Option<Box<[Box<str>]>>,
}

/// What an event's line is guessed to cost in memory before it is made: the store's byte
/// budget counts each event once, on arrival.
const SHOWN_BYTES: usize = 96;

/// State an event changes besides the event list: what the peer table, the invoice feed and
/// the operator views ([`crate::model`]) take from it, decoded once on arrival.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    Peer(PeerChange),
    Invoice(InvoiceNote),
    Channel(Box<ChannelChange>),
    /// `channel_open_failed`: the channel id.
    ChannelOpenFailed(String),
    Move(Box<Move>),
    Balances(Vec<(String, u64)>),
    Block(u64),
    Forward(Box<Forward>),
    Pay(Box<PayNote>),
    /// A `warning`'s log line.
    Warning(String),
}

impl Note {
    fn of(n: &notification::Notification<'_>) -> Option<Note> {
        use lnwatch_shared::activity as a;
        let text = |k: &str| n.body.get(k).and_then(Value::as_str).map(str::to_owned);
        match n.topic {
            "connect" | "disconnect" => notification::peer_change(n).map(Note::Peer),
            "invoice_creation" | "invoice_payment" => notification::invoice(n).map(Note::Invoice),
            "channel_opened" | "channel_state_changed" => a::channel_change(n).map(|c| Note::Channel(Box::new(c))),
            "channel_open_failed" => text("channel_id").map(Note::ChannelOpenFailed),
            "coin_movement" => a::coin_move(n).map(|m| Note::Move(Box::new(m))),
            "balance_snapshot" => a::balances(n).map(Note::Balances),
            "block_added" => a::block_height(n).map(Note::Block),
            "forward_event" => a::forward(n).map(|f| Note::Forward(Box::new(f))),
            "warning" => text("log").map(Note::Warning),
            _ => a::payment(n).map(|p| Note::Pay(Box::new(p))),
        }
    }
}

impl crate::filter::Searchable for Ev {
    fn topic(&self) -> &str {
        &self.topic
    }

    fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    fn text(&self, reveal: bool) -> &str {
        self.searchable(reveal)
    }

    fn memo(&self) -> &std::sync::atomic::AtomicU64 {
        &self.memo
    }
}

impl Ev {
    pub fn new(seq: u64, time: f64, topic: Arc<str>, origin: Option<&str>, params: &str) -> Ev {
        let value: Value = serde_json::from_str(params).unwrap_or(Value::Null);
        let n = notification::parse(&topic, origin, &value);
        let note = Note::of(&n);
        let outcome = summary::outcome(&n);
        let noise = summary::is_noise(&n);
        let params_hidden = may_contain_secret(params.as_bytes())
            .then(|| redact_raw(params, HIDDEN))
            .filter(|(_, replaced)| *replaced > 0)
            .map(|(text, _)| text.into());
        Ev {
            order: 0,
            seq,
            time,
            topic,
            origin: origin.map(Into::into),
            params: params.into(),
            params_hidden,
            shown: OnceLock::new(),
            shown_hidden: OnceLock::new(),
            note,
            outcome,
            memo: AtomicU64::new(0),
            noise,
        }
    }

    /// From a decoded `event` line; the topic is attached by the store.
    pub fn from_ref(e: &EventRef<'_>, topic: Arc<str>) -> Ev {
        Ev::new(e.seq, e.time, topic, e.origin.as_deref(), e.params.map_or("null", |p| p.get()))
    }

    /// The events pane's line for this event.
    pub fn summary(&self, show_secrets: bool) -> &str {
        match &self.params_hidden {
            Some(hidden) if !show_secrets => self.shown_hidden.get_or_init(|| self.line_of(hidden).into()),
            _ => &self.shown().summary,
        }
    }

    /// The topic's own columns, for topics that have them.
    pub fn fields(&self) -> Option<&[Box<str>]> {
        self.shown().fields.as_deref()
    }

    fn shown(&self) -> &Shown {
        self.shown.get_or_init(|| {
            let value: Value = serde_json::from_str(&self.params).unwrap_or(Value::Null);
            let n = notification::parse(&self.topic, self.origin.as_deref(), &value);
            let fields = summary::fields(&n).map(|f| f.into_iter().map(Into::into).collect());
            Shown { summary: summary::line(&n).into(), fields }
        })
    }

    fn line_of(&self, params: &str) -> String {
        let value: Value = serde_json::from_str(params).unwrap_or(Value::Null);
        summary::line(&notification::parse(&self.topic, self.origin.as_deref(), &value))
    }

    /// The JSON text a search sees.
    pub(crate) fn searchable(&self, show_secrets: bool) -> &str {
        match &self.params_hidden {
            Some(hidden) if !show_secrets => hidden,
            _ => &self.params,
        }
    }

    /// The detail view: `params` pretty-printed, secrets hidden unless shown.
    pub fn pretty(&self, show_secrets: bool) -> String {
        let value: Value = serde_json::from_str(self.searchable(show_secrets)).unwrap_or(Value::Null);
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// What the event costs in memory, roughly: its texts and a fixed overhead.
    pub fn bytes(&self) -> usize {
        let hidden = self.params_hidden.as_ref().map_or(0, |h| h.len() + SHOWN_BYTES);
        std::mem::size_of::<Ev>() + self.params.len() + SHOWN_BYTES + hidden
    }
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub name: Arc<str>,
    /// Events seen since start (not reset by clearing the events pane).
    pub count: u64,
    pub enabled: bool,
    events: Ring<Arc<Ev>>,
    /// [`Ev::bytes`] of `events`.
    bytes: usize,
}

/// What a merged view holds and hides.
#[derive(Debug, Default, Clone)]
pub struct View {
    pub events: Vec<Arc<Ev>>,
    pub hidden_by_topics: usize,
    pub hidden_by_text: usize,
    /// Known-noise events left out (`n` shows them).
    pub hidden_noise: usize,
    /// Separator rows: `(i, text)` goes before `events[i]` (`i == len`: after the last).
    pub markers: Vec<(usize, Arc<str>)>,
}

/// Separators kept for the events list (restarts, gaps), oldest dropped first.
const MAX_MARKERS: usize = 256;

/// Default byte budget for stored events (`--history-mb`).
pub const DEFAULT_HISTORY_BYTES: usize = 256 << 20;

#[derive(Debug, Clone)]
pub struct Store {
    topics: BTreeMap<Arc<str>, Topic>,
    arrivals: u64,
    /// Separators, each placed before the event that arrives after it (by arrival order).
    markers: Ring<(u64, Arc<str>)>,
    history: usize,
    max_bytes: usize,
    bytes: usize,
    /// The topics shown at start (`--topics`); `None`: all. Others are off when first seen.
    initially_enabled: Option<Vec<String>>,
}

impl Store {
    pub fn new(history: usize, initial_topics: Option<Vec<String>>) -> Store {
        Store {
            topics: BTreeMap::new(),
            arrivals: 0,
            markers: Ring::new(MAX_MARKERS),
            history,
            max_bytes: DEFAULT_HISTORY_BYTES,
            bytes: 0,
            initially_enabled: initial_topics,
        }
    }

    /// Sets the byte budget for stored events (dropping the heaviest topics' oldest if over it).
    pub fn set_max_bytes(&mut self, max_bytes: usize) {
        self.max_bytes = max_bytes;
        self.shed();
    }

    /// What the stored events cost, as counted against the budget.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Topics in display order (by name).
    pub fn topics(&self) -> impl ExactSizeIterator<Item = &Topic> {
        self.topics.values()
    }

    pub fn topic_at(&self, i: usize) -> Option<&Topic> {
        self.topics.values().nth(i)
    }

    /// The store's name for `topic`, adding the topic on first sight (it keeps the caller's
    /// shared name, or files it under [`OVERFLOW_TOPIC`] past [`MAX_TOPICS`]).
    pub fn add_topic(&mut self, topic: &Arc<str>) -> Arc<str> {
        if let Some((k, _)) = self.topics.get_key_value(&**topic) {
            return k.clone();
        }
        let name: Arc<str> = if self.topics.len() >= MAX_TOPICS { OVERFLOW_TOPIC.into() } else { topic.clone() };
        if let Some((k, _)) = self.topics.get_key_value(&*name) {
            return k.clone();
        }
        // `--topics` names the ones shown at start; the others start switched off.
        let enabled = self.initially_enabled.as_ref().is_none_or(|t| t.iter().any(|t| **t == *name));
        let entry = Topic { name: name.clone(), count: 0, enabled, events: Ring::new(self.history), bytes: 0 };
        self.topics.insert(name.clone(), entry);
        name
    }

    /// Stores an event under its topic (created on first sight), stamping its arrival order.
    pub fn push(&mut self, mut ev: Ev) {
        self.arrivals += 1;
        ev.order = self.arrivals;
        ev.topic = self.add_topic(&ev.topic);
        if let Some(t) = self.topics.get_mut(&*ev.topic) {
            t.count += 1;
            let size = ev.bytes();
            t.bytes += size;
            self.bytes += size;
            if let Some(old) = t.events.push(Arc::new(ev)) {
                t.bytes -= old.bytes();
                self.bytes -= old.bytes();
            }
        }
        self.shed();
    }

    fn shed(&mut self) {
        while self.bytes > self.max_bytes {
            let Some(t) = self.topics.values_mut().max_by_key(|t| t.bytes) else { return };
            let Some(old) = t.events.pop_oldest() else { return };
            t.bytes -= old.bytes();
            self.bytes -= old.bytes();
        }
    }

    pub fn is_enabled(&self, topic: &str) -> bool {
        self.topics.get(topic).is_some_and(|t| t.enabled)
    }

    /// Whether `topic` is one the operator switched off (an unknown one is not).
    pub fn hides(&self, topic: &str) -> bool {
        self.topics.get(topic).is_some_and(|t| !t.enabled)
    }

    pub fn set_enabled(&mut self, topic: &str, enabled: bool) {
        if let Some(t) = self.topics.get_mut(topic) {
            t.enabled = enabled;
        }
    }

    pub fn set_all(&mut self, enabled: bool) {
        self.topics.values_mut().for_each(|t| t.enabled = enabled);
    }

    pub fn clear_events(&mut self) {
        self.markers.clear();
        self.topics.values_mut().for_each(|t| {
            t.events.clear();
            t.bytes = 0;
        });
        self.bytes = 0;
    }

    pub fn reset_counts(&mut self) {
        self.topics.values_mut().for_each(|t| t.count = 0);
    }

    /// A separator row before the next event to arrive ("— 2,054 events missed —").
    pub fn mark(&mut self, text: &str) {
        self.markers.push((self.arrivals + 1, text.into()));
    }

    /// Where the separators fall among `events` (in arrival order): a separator whose events
    /// are hidden sits before the next one shown.
    fn place_markers(&self, view: &mut View) {
        view.markers = self
            .markers
            .iter()
            .filter(|(order, _)| view.events.first().is_some_and(|e| e.order < *order))
            .map(|(order, text)| (view.events.partition_point(|e| e.order < *order), text.clone()))
            .collect();
    }

    /// The events pane: enabled topics (only `only`, if given), known noise only if `noise`,
    /// passing `filter`, in arrival order.
    pub fn view(&self, only: Option<&str>, filter: &TextFilter, noise: bool) -> View {
        let mut hidden_by_topics = 0;
        let rings = self.topics.values().filter(|t| only.is_none_or(|o| *t.name == *o)).filter(|t| {
            if !t.enabled {
                hidden_by_topics += t.events.len();
            }
            t.enabled
        });
        let mut merged = merge(rings.map(|t| &t.events));
        let before = merged.len();
        if !noise {
            merged.retain(|e| !e.noise);
        }
        let hidden_noise = before - merged.len();
        let mut view = filter_view(merged, filter, hidden_by_topics);
        view.hidden_noise = hidden_noise;
        self.place_markers(&mut view);
        view
    }
}

fn filter_view(events: Vec<Arc<Ev>>, filter: &TextFilter, hidden_by_topics: usize) -> View {
    if !filter.is_active() {
        return View { events, hidden_by_topics, ..View::default() };
    }
    let before = events.len();
    let events: Vec<_> = events.into_iter().filter(|e| filter.matches(&**e)).collect();
    View { hidden_by_text: before - events.len(), events, hidden_by_topics, ..View::default() }
}

/// k-way merge by arrival order of rings that are each in arrival order.
fn merge<'a>(rings: impl Iterator<Item = &'a Ring<Arc<Ev>>>) -> Vec<Arc<Ev>> {
    let rings: Vec<&Ring<Arc<Ev>>> = rings.filter(|r| !r.is_empty()).collect();
    let mut out = Vec::with_capacity(rings.iter().map(|r| r.len()).sum());
    if let [only] = rings.as_slice() {
        out.extend(only.iter().cloned());
        return out;
    }
    let mut heap: BinaryHeap<Reverse<(u64, usize, usize)>> =
        rings.iter().enumerate().filter_map(|(r, ring)| ring.get(0).map(|e| Reverse((e.order, r, 0)))).collect();
    while let Some(Reverse((_, r, i))) = heap.pop() {
        if let Some(e) = rings[r].get(i) {
            out.push(e.clone());
        }
        if let Some(next) = rings[r].get(i + 1) {
            heap.push(Reverse((next.order, r, i + 1)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(s: &mut Store, seq: u64, topic: &str, params: &str) {
        s.push(Ev::new(seq, seq as f64, topic.into(), None, params));
    }

    fn seqs(v: &View) -> Vec<u64> {
        v.events.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn per_topic_history_and_merged_order() {
        let mut s = Store::new(2, None);
        push(&mut s, 1, "invoice_payment", "{}");
        for seq in 2..=6 {
            push(&mut s, seq, "coin_movement", "{}");
        }
        push(&mut s, 7, "block_added", "{}");
        let v = s.view(None, &TextFilter::default(), false);
        // The rare invoice survives the coin_movement flood.
        assert_eq!(seqs(&v), [1, 5, 6, 7]);
        assert_eq!(s.topics().map(|t| t.count).sum::<u64>(), 7);
        assert_eq!(seqs(&s.view(Some("coin_movement"), &TextFilter::default(), false)), [5, 6]);
    }

    #[test]
    fn topic_toggles_and_text_filter_report_what_they_hide() {
        let mut s = Store::new(10, None);
        push(&mut s, 1, "connect", r#"{"connect":{"id":"02AA"}}"#);
        push(&mut s, 2, "block_added", r#"{"block_added":{"height":1}}"#);
        push(&mut s, 3, "connect", r#"{"connect":{"id":"03bb"}}"#);
        s.set_enabled("block_added", false);
        let mut f = TextFilter::default();
        f.set("02aa");
        let v = s.view(None, &f, false);
        assert_eq!((seqs(&v), v.hidden_by_topics, v.hidden_by_text), (vec![1], 1, 1));
        f.set("!02aa");
        assert_eq!(seqs(&s.view(None, &f, false)), [3]);
        f.set("CONNECT");
        assert_eq!(seqs(&s.view(None, &f, false)), [1, 3]);
    }

    #[test]
    fn initial_topics_and_overflow() {
        let mut s = Store::new(1, Some(vec!["connect".into()]));
        let (block, connect) = (s.add_topic(&"block_added".into()), s.add_topic(&"connect".into()));
        assert!(!s.is_enabled(&block));
        assert!(s.is_enabled(&connect));
        let mut s = Store::new(1, None);
        for i in 0..MAX_TOPICS + 10 {
            s.add_topic(&format!("t{i}").into());
        }
        assert_eq!(s.topics().len(), MAX_TOPICS + 1);
        assert_eq!(&*s.add_topic(&"yet-another".into()), OVERFLOW_TOPIC);
    }

    #[test]
    fn a_byte_budget_bounds_big_events_and_spares_rare_topics() {
        let mut s = Store::new(1000, None);
        let big = format!(r#"{{"blob":"{}"}}"#, "x".repeat(100_000));
        push(&mut s, 1, "invoice_payment", r#"{"invoice_payment":{"label":"coffee"}}"#);
        s.set_max_bytes(1_000_000);
        for seq in 2..=40 {
            push(&mut s, seq, "mystery", &big);
        }
        assert!(s.bytes() <= 1_000_000, "{}", s.bytes());
        let v = s.view(None, &TextFilter::default(), false);
        assert_eq!(v.events.first().map(|e| e.seq), Some(1), "the small rare event stays");
        assert_eq!(v.events.last().map(|e| e.seq), Some(40), "the newest big one stays");
        assert!(v.events.len() < 12);
        s.clear_events();
        assert_eq!(s.bytes(), 0);
    }
}
