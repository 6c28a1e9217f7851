//! The operator's picture of the node, kept from the events: channels, forwards, payments,
//! counters since start, event rates and recent problems. Pure state; the views in
//! [`crate::views`] read it and the app feeds it each event's [`Note`] once, on arrival.

pub mod channels;
pub mod days;
pub mod forwards;
pub mod ledger;
pub mod money;
pub mod names;
pub mod payments;
pub mod problems;
pub mod rates;

use lnwatch_shared::activity::failure_words;
use lnwatch_shared::peers::PeerTable;

use self::channels::{Channels, NORMAL};
use self::forwards::Forwards;
use self::payments::{PayResult, Payments};
pub use self::problems::Problem;
use self::problems::Problems;
use self::rates::Rates;
use crate::store::Note;

#[derive(Debug, Clone)]
pub struct Model {
    pub channels: Channels,
    pub forwards: Forwards,
    pub payments: Payments,
    pub rates: Rates,
    pub problems: Problems,
    pub invoices_paid: u64,
    /// The chain height the node last told.
    pub height: Option<u64>,
    /// On-chain funds (`listfunds`): confirmed and unconfirmed, once asked.
    pub onchain: Option<Onchain>,
    /// Payments and invoices by day, from the node's records (the last walk that finished).
    pub money: Option<std::collections::BTreeMap<i64, money::MoneyDay>>,
}

/// The node's on-chain wallet, from `listfunds`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Onchain {
    pub confirmed_msat: u64,
    pub unconfirmed_msat: u64,
}

impl Onchain {
    /// Unspent outputs by status (spent and reserved ones are not the node's to spend).
    pub fn of(result: &serde_json::Value) -> Onchain {
        let mut o = Onchain::default();
        let outputs = result.get("outputs").and_then(serde_json::Value::as_array).into_iter().flatten();
        for out in outputs.filter(|x| x.get("reserved").and_then(serde_json::Value::as_bool) != Some(true)) {
            let msat = lnwatch_shared::notification::msat(out.get("amount_msat")).unwrap_or(0);
            match out.get("status").and_then(serde_json::Value::as_str) {
                Some("confirmed") => o.confirmed_msat += msat,
                Some("unconfirmed") => o.unconfirmed_msat += msat,
                _ => {}
            }
        }
        o
    }
}

impl Model {
    pub fn new(history: usize) -> Model {
        Model {
            channels: Channels::default(),
            forwards: Forwards::new(history),
            payments: Payments::new(history),
            rates: Rates::default(),
            problems: Problems::default(),
            invoices_paid: 0,
            height: None,
            onchain: None,
            money: None,
        }
    }

    /// One event: its topic (for the rates) and what it says. `peers` is the connection table
    /// before this event was applied to it.
    pub fn apply(&mut self, topic: &std::sync::Arc<str>, note: Option<&Note>, time: f64, peers: &PeerTable) {
        self.rates.add(topic, time);
        let Some(note) = note else { return };
        match note {
            // Paid invoices are counted by the feed (`Data::invoice`), once per invoice.
            Note::Invoice(_) => {}
            Note::Peer(lnwatch_shared::notification::PeerChange::Disconnect { id }) => {
                let (open, _) = self.channels.with_peer(id);
                if open > 0 && peers.get(id).is_none_or(|p| p.connected) {
                    let text = format!("peer down with {}", crate::summary::count(open as u64, "channel"));
                    self.problem(format!("peer:{id}"), topic, time, Some(id), text);
                }
            }
            Note::Peer(lnwatch_shared::notification::PeerChange::Connect { id, .. }) => {
                self.problems.resolve(|| format!("peer:{id}"), time);
            }
            Note::Channel(c) => {
                let before = self.channels.apply_change(c, time);
                let new = c.new_state.as_deref().unwrap_or("");
                let scid = c.short_channel_id.as_deref().or(c.channel_id.as_deref()).unwrap_or("?");
                if before.as_deref() == Some(NORMAL) && new != NORMAL {
                    let cause = c.cause.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
                    let text = format!("channel {scid} left normal: {}{cause}", new.to_lowercase());
                    self.problem(format!("channel:{scid}"), topic, time, c.peer_id.as_deref(), text);
                }
                if new == NORMAL {
                    self.problems.resolve(|| format!("channel:{scid}"), time);
                }
            }
            Note::ChannelOpenFailed(id) => {
                let text = format!("channel open failed {}", crate::summary::short_id(id));
                self.problem(format!("open:{id}"), topic, time, None, text)
            }
            Note::Move(m) => {
                self.channels.apply_move(m, time);
            }
            Note::Balances(accounts) => self.channels.apply_balances(accounts),
            Note::Block(h) => self.height = Some(self.height.map_or(*h, |x| x.max(*h))),
            Note::Forward(f) => {
                self.forwards.apply(f, time);
                if f.is_failure() {
                    let out = f.out_channel.as_deref().unwrap_or("?");
                    let peer = self.channels.find(out).and_then(|c| c.peer_id.clone());
                    let reason = f.why();
                    let text = match (f.is_local_failure(), reason) {
                        (true, Some(r)) => format!("forward refused here, out {out}: {r}"),
                        (true, None) => format!("forward refused here, out {out}"),
                        (false, Some(r)) => format!("forward failed downstream of {out}: {r}"),
                        (false, None) => format!("forward failed downstream of {out}"),
                    };
                    let how = if f.is_local_failure() { "refused" } else { "downstream" };
                    self.problem(format!("forwards:{out}:{how}"), topic, time, peer.as_deref(), text);
                } else if f.status == "settled" {
                    // A forward through the channel went: the failures there are behind us.
                    let out = f.out_channel.as_deref().unwrap_or("?");
                    self.problems.resolve(|| format!("forwards:{out}:refused"), time);
                    self.problems.resolve(|| format!("forwards:{out}:downstream"), time);
                }
            }
            Note::Pay(p) => {
                let (before, after) = self.payments.apply(p, time);
                self.payment_changed(&p.payment_hash, before, after, topic, time);
            }
            Note::Warning(text) => {
                self.problem(format!("warning:{text}"), topic, time, None, format!("warning: {text}"))
            }
        }
    }

    /// The node's `listpays` answer about a payment whose parts all failed.
    pub fn payment_answered(&mut self, payment_hash: &str, answer: &serde_json::Value, time: f64) {
        if let Some((before, after)) = self.payments.node_said(payment_hash, answer) {
            let topic: std::sync::Arc<str> = "listpays".into();
            self.payment_changed(payment_hash, Some(before), after, &topic, time);
        }
    }

    /// A payment that has just failed is a problem (with why, from its latest failed part);
    /// one paid resolves it.
    fn payment_changed(
        &mut self,
        payment_hash: &str,
        before: Option<PayResult>,
        after: PayResult,
        topic: &std::sync::Arc<str>,
        time: f64,
    ) {
        let subject = || format!("payment:{payment_hash}");
        if after == PayResult::Failed && before != Some(PayResult::Failed) {
            let pay = self.payments.get(payment_hash);
            let why = pay
                .and_then(|x| x.error())
                .map(|e| failure_words(e.code, Some(&e.message)).unwrap_or_default())
                .unwrap_or_default();
            // The part that failed may not say where it was going; the payment does.
            let dest = pay.and_then(|x| x.destination.clone());
            let hash = crate::summary::short_id(payment_hash);
            self.problem(subject(), topic, time, dest.as_deref(), format!("payment {hash} failed: {why}"));
        }
        if after == PayResult::Succeeded {
            self.problems.resolve(subject, time);
        }
    }

    fn problem(&mut self, subject: String, topic: &std::sync::Arc<str>, time: f64, peer: Option<&str>, text: String) {
        self.problems.seen(subject, topic, time, peer, text);
    }
}
