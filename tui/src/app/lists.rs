//! The rows the channel, forward and payment views show, in order and after the text filter;
//! the views draw them, the keys move over them and Enter opens the selected one, so all three
//! read the same list. Each row is matched by its columns' names (`peer:`, `state:`, `status:`).

use lnwatch_shared::activity::failure_words;

use super::App;
use crate::model::Problem;
use crate::model::channels::Channel;
use crate::model::forwards::ForwardRow;
use crate::model::payments::Payment;

impl App {
    /// Channels: trouble first, then normal ones, then closing and closed.
    pub fn channel_rows(&self) -> Vec<&Channel> {
        let all = self.shown().model.channels.sorted();
        if !self.filter.is_active() {
            return all;
        }
        all.into_iter()
            .filter(|c| {
                let peer = c.peer_id.as_deref().map(|p| self.shown().name(p)).unwrap_or_default();
                let state = c.state_words();
                self.filter.matches_fields(&[
                    ("peer", &peer),
                    ("peer_id", c.peer_id.as_deref().unwrap_or("")),
                    ("scid", c.short_channel_id.as_deref().unwrap_or("")),
                    ("channel_id", c.channel_id.as_deref().unwrap_or("")),
                    ("state", &state),
                    ("cause", c.cause.as_deref().unwrap_or("")),
                    ("topic", "channel_state_changed channel_opened coin_movement balance_snapshot"),
                ])
            })
            .collect()
    }

    /// Forwards, oldest first (by their last change: rows caught up after an outage go where
    /// they happened, not where they arrived).
    pub fn forward_rows(&self) -> Vec<&ForwardRow> {
        let rows = self.shown().model.forwards.rows();
        let mut all: Vec<&ForwardRow> = rows.iter().collect();
        if !all.is_sorted_by(|a, b| a.time <= b.time) {
            all.sort_by(|a, b| a.time.total_cmp(&b.time));
        }
        if !self.filter.is_active() {
            return all;
        }
        all.into_iter()
            .filter(|r| {
                let f = &r.f;
                let name =
                    |c: &Option<String>| c.as_deref().and_then(|c| self.shown().channel_peer(c)).unwrap_or_default();
                let reason = failure_words(f.failcode, f.failreason.as_deref()).unwrap_or_default();
                self.filter.matches_fields(&[
                    ("status", &f.status),
                    ("in", f.in_channel.as_deref().unwrap_or("")),
                    ("out", f.out_channel.as_deref().unwrap_or("")),
                    ("peer", &name(&f.in_channel)),
                    ("peer", &name(&f.out_channel)),
                    ("reason", &reason),
                    ("payment_hash", f.payment_hash.as_deref().unwrap_or("")),
                    ("topic", "forward_event"),
                ])
            })
            .collect()
    }

    /// Payments, oldest first (by their first part).
    pub fn payment_rows(&self) -> Vec<&Payment> {
        let mut all: Vec<&Payment> = self.shown().model.payments.iter().collect();
        if !all.is_sorted_by(|a, b| a.first <= b.first) {
            all.sort_by(|a, b| a.first.total_cmp(&b.first));
        }
        if !self.filter.is_active() {
            return all;
        }
        all.into_iter()
            .filter(|p| {
                let dest = p.destination.as_deref().map(|d| self.shown().name(d)).unwrap_or_default();
                let error = p.error().map(|e| e.message.as_str()).unwrap_or("");
                self.filter.matches_fields(&[
                    ("status", p.result().word()),
                    ("peer", &dest),
                    ("destination", p.destination.as_deref().unwrap_or("")),
                    ("payment_hash", &p.payment_hash),
                    ("error", error),
                    ("topic", "sendpay_success sendpay_failure pay_part_start pay_part_end pay_success pay_failure"),
                ])
            })
            .collect()
    }

    /// The overview's problems, newest first: those of topics switched on, after the filter.
    pub fn problem_rows(&self) -> Vec<&Problem> {
        let store = &self.shown().store;
        self.shown()
            .model
            .problems
            .iter()
            .rev()
            .filter(|p| store.is_enabled(&p.topic))
            .filter(|p| {
                !self.filter.is_active() || {
                    let peer = p.peer.as_deref().map(|id| self.shown().name(id)).unwrap_or_default();
                    self.filter.matches_fields(&[("peer", &peer), ("what", &p.text), ("topic", &p.topic)])
                }
            })
            .collect()
    }
}
