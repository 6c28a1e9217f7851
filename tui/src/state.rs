//! What the monitor knows: stored events, the peer table, the invoice feed, aliases, and the
//! model behind the other views (channels, forwards, payments, rates, problems); and the frozen
//! copy of all of it a pause shows. Readers go through [`App::shown`](crate::app::App::shown), so
//! none of them asks whether the view is paused, and every view shows the same moment.

use lnwatch_shared::notification::InvoiceNote;
use lnwatch_shared::peers::PeerTable;
use lnwatch_shared::ring::Ring;
use serde_json::Value;

use crate::catchup::{InvoiceRow, Item, Subsystem};
use crate::model::Model;
use crate::store::Store;

/// Blocks before an HTLC's expiry it is shown red: half of Core Lightning's default
/// `cltv-final` (18), the margin it keeps before going on chain.
pub const DEFAULT_HTLC_EXPIRY_BLOCKS: u64 = 9;

/// Seconds between asking the node again about unpaid invoices.
pub const INVOICE_RECHECK: f64 = 300.0;

/// An invoice as the feed shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub label: String,
    pub msat: Option<u64>,
    /// Hex, `"<redacted>"`, or absent.
    pub preimage: Option<String>,
    pub created: Option<f64>,
    pub paid: Option<f64>,
    /// From the node (`listinvoices`): the feed's notifications do not carry it.
    pub expires_at: Option<f64>,
    /// Learnt from the node's records after an outage, not from a live event.
    pub caught_up: bool,
    /// The BOLT12 offer it was made for (`offer_id`, `local_offer_id` in the records).
    pub offer_id: Option<String>,
}

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    Open,
    Paid,
    Expired,
}

impl Invoice {
    pub fn state(&self, now: f64) -> InvoiceState {
        match (self.paid, self.expires_at) {
            (Some(_), _) => InvoiceState::Paid,
            (None, Some(at)) if at <= now => InvoiceState::Expired,
            _ => InvoiceState::Open,
        }
    }
}

impl InvoiceState {
    pub fn word(self) -> &'static str {
        match self {
            InvoiceState::Open => "open",
            InvoiceState::Paid => "paid",
            InvoiceState::Expired => "expired",
        }
    }
}

/// The live state, updated by every event.
#[derive(Debug, Clone)]
pub struct Data {
    pub store: Store,
    pub peers: PeerTable,
    pub invoices: Ring<Invoice>,
    /// When the unpaid invoices were last asked about (the node may have deleted them).
    pub invoices_checked_at: f64,
    /// The bookkeeper's routing fees by UTC day (`bkpr-listincome`), or why it has none.
    pub bookkeeper: std::collections::HashMap<i64, Result<u64, String>>,
    /// HTLCs this close to their expiry (in blocks) are shown red (`--htlc-expiry-blocks`).
    pub htlc_expiry_blocks: u64,
    /// Node aliases from gossip (`listnodes`), and when to ask again.
    pub names: crate::model::names::Names,
    /// Channels, forwards, payments, counters and problems.
    pub model: Model,
}

/// What a pause froze: the whole state at that moment, and what arrived since.
#[derive(Debug, Clone)]
pub struct Frozen {
    pub data: Data,
    /// When it was frozen: ages and rate windows are measured against it.
    pub at: f64,
    /// Events received since pausing.
    pub pending: u64,
}

impl Data {
    pub fn new(history: usize, topics: Option<Vec<String>>) -> Data {
        Data {
            store: Store::new(history, topics),
            peers: PeerTable::new(),
            invoices: Ring::new(history),
            invoices_checked_at: 0.0,
            bookkeeper: Default::default(),
            htlc_expiry_blocks: DEFAULT_HTLC_EXPIRY_BLOCKS,
            names: Default::default(),
            model: Model::new(history),
        }
    }

    /// A copy of everything the views show (events are shared, not copied).
    pub fn freeze(&self, now: f64) -> Frozen {
        Frozen { data: self.clone(), at: now, pending: 0 }
    }

    /// A live `invoice_creation` or `invoice_payment`. Every way the feed learns of a payment
    /// (this, catch-up, the expiry answer) counts it here, once per invoice: a replay of a
    /// payment already shown is not counted again.
    pub fn invoice(&mut self, note: InvoiceNote, time: f64) {
        if note.paid {
            // Mark the newest invoice with that label; a payment for one created before we
            // connected gets a row of its own.
            let row = self.invoices.iter_mut().rev().find(|r| r.label == note.label);
            if let Some(row) = row {
                let newly = row.paid.is_none();
                row.paid = Some(time);
                row.msat = note.msat.or(row.msat);
                self.count_paid(newly);
                return;
            }
        }
        self.count_paid(note.paid);
        self.invoices.push(Invoice {
            label: note.label,
            msat: note.msat,
            preimage: note.preimage,
            created: (!note.paid).then_some(time),
            paid: note.paid.then_some(time),
            expires_at: None,
            caught_up: false,
            offer_id: note.offer_id,
        });
    }

    /// Counts an invoice newly paid (the overview's "invoices paid"); returns whether it was.
    fn count_paid(&mut self, newly: bool) -> bool {
        self.model.invoices_paid += u64::from(newly);
        newly
    }

    /// Merges a `listinvoices` entry met while catching up: a row for an invoice not seen,
    /// the paid state for one seen open. True if it is a payment not shown before.
    pub fn invoice_caught_up(&mut self, inv: &InvoiceRow) -> bool {
        if let Some(newly_paid) = self.merge_record(inv) {
            return newly_paid;
        }
        let paid_at = inv.paid.then(|| inv.paid_at.unwrap_or(0.0));
        self.invoices.push(Invoice {
            label: inv.label.clone(),
            msat: inv.msat,
            preimage: inv.preimage.clone(),
            created: None,
            paid: paid_at,
            expires_at: inv.expires_at,
            caught_up: true,
            offer_id: inv.offer_id.clone(),
        });
        self.count_paid(paid_at.is_some())
    }

    /// Merges a `listinvoices` answer for `label` into the feed's rows, read as catch-up reads
    /// them. An answer without it means the node no longer has it (`delinvoice`, `autoclean`):
    /// an unpaid row the node did answer for before goes (a paid one stays: the payment
    /// happened; one never found by its label, as a numeric label may not be, stays too).
    pub fn invoice_details(&mut self, label: &str, result: &Value) {
        let Some(list) = result.get("invoices").and_then(Value::as_array) else { return };
        if list.is_empty() {
            self.invoices.retain(|r| r.label != label || r.paid.is_some() || r.expires_at.is_none());
            return;
        }
        for inv in list {
            if let Some(Item::Invoice(row)) = Item::of(Subsystem::Invoices, inv) {
                self.merge_record(&row);
            }
        }
    }

    /// What the node's records say of an invoice, merged into the feed's row for it: `None` if
    /// the feed has none, else whether it newly marked it paid.
    fn merge_record(&mut self, inv: &InvoiceRow) -> Option<bool> {
        let row = self.invoices.iter_mut().rev().find(|r| r.label == inv.label)?;
        let paid_at = inv.paid.then(|| inv.paid_at.unwrap_or(0.0));
        row.expires_at = inv.expires_at.or(row.expires_at);
        row.msat = row.msat.or(inv.msat);
        let newly_paid = row.paid.is_none() && paid_at.is_some();
        row.paid = row.paid.or(paid_at);
        Some(self.count_paid(newly_paid))
    }

    /// What the views call a node: its alias, else its id cut short. Not yet sanitized.
    pub fn name(&self, id: &str) -> String {
        self.names.name(id)
    }

    /// An event's summary with the nodes it names by alias where gossip has told one since it
    /// was written (summaries are made once, on arrival, with ids cut short).
    pub fn named<'a>(&self, ev: &crate::store::Ev, summary: &'a str) -> std::borrow::Cow<'a, str> {
        use crate::store::Note;
        let ids: [Option<&str>; 2] = match ev.note.as_ref() {
            Some(Note::Peer(change)) => [Some(change.id()), None],
            Some(Note::Channel(c)) => [c.peer_id.as_deref(), None],
            Some(Note::Pay(p)) => [p.destination.as_deref(), p.error.as_ref().and_then(|e| e.node.as_deref())],
            _ => [None, None],
        };
        let mut out = std::borrow::Cow::Borrowed(summary);
        for id in ids.into_iter().flatten() {
            if let Some(alias) = self.names.alias(id) {
                let short = crate::summary::short_id(id);
                if out.contains(&short) {
                    out = std::borrow::Cow::Owned(out.replace(&short, alias));
                }
            }
        }
        out
    }

    /// Whether a channel's peer is connected: the live peer table's word first (it hears of a
    /// disconnect before the next `listpeerchannels`), else what that last said.
    pub fn peer_link(&self, c: &crate::model::channels::Channel) -> Option<bool> {
        let live = c.peer_id.as_deref().and_then(|p| self.peers.get(p)).map(|p| p.connected);
        live.or(c.peer_connected)
    }

    /// The peer at the other end of a channel (by short channel id or channel id), by name.
    pub fn channel_peer(&self, channel: &str) -> Option<String> {
        self.model.channels.find(channel).and_then(|c| c.peer_id.as_deref()).map(|p| self.name(p))
    }

    /// Labels of open invoices the node has not told us the expiry of.
    /// Every [`INVOICE_RECHECK`] seconds, the unpaid invoices to ask about again (newest
    /// first, at most 100): one deleted since (`delinvoice`, `autoclean`) then leaves the feed.
    pub fn invoices_to_recheck(&mut self, now: f64) -> Vec<String> {
        if now - self.invoices_checked_at < INVOICE_RECHECK {
            return Vec::new();
        }
        self.invoices_checked_at = now;
        self.invoices.iter().rev().filter(|r| r.paid.is_none()).take(100).map(|r| r.label.clone()).collect()
    }

    pub fn invoices_without_details(&self) -> Vec<String> {
        self.invoices.iter().filter(|r| r.paid.is_none() && r.expires_at.is_none()).map(|r| r.label.clone()).collect()
    }
}

impl Data {
    /// Clears what `pane` shows (the app clears a paused copy the same way).
    pub fn clear(&mut self, pane: crate::keymap::Pane) {
        use crate::keymap::Pane;
        match pane {
            Pane::Events => self.store.clear_events(),
            Pane::Topics => self.store.reset_counts(),
            Pane::Peers => self.peers.retain_connected(),
            Pane::Invoices => self.invoices.clear(),
            // The operator views clear what is theirs ([`crate::views::View::clear`]).
            _ => {}
        }
    }
}
