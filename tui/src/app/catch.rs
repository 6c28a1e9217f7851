//! The monitor's side of catching up ([`crate::catchup`]): when rounds run, applying what they
//! find to the views (marked caught up, merged with what the live events already showed), the
//! "while you were away" line, and the cursor kept on disk through [`Effect`]s the main loop
//! carries out (the app does no I/O itself).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::catchup::cursor::{self, Loaded};
use lnwatch_shared::activity::PartStatus;

use crate::catchup::walk::{MoneyWalk, Walk};
use crate::catchup::{Away, Cursor, Index, Item, Round, Step};

use super::Effect;
use crate::queries::Ask;

use super::App;

/// Live activity is followed by a small round this much later, so the cursor stays current
/// and a restart does not call what was watched "missed".
const FOLLOW_AFTER: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// Connected, the plugin restarted, or a gap: say what was missed.
    Away,
    /// After live activity: keep the cursor current.
    Follow,
}

/// What a round touched, and what of it the views did not know.
#[derive(Debug, Default)]
struct Tally {
    /// By label: paid.
    invoices: HashMap<String, bool>,
    /// By HTLC: the latest status and fee. Kept here, not looked up in the views, which hold
    /// only the newest rows of a big catch-up.
    forwards: HashMap<String, (String, Option<u64>)>,
    payments: BTreeSet<String>,
    /// Parts already applied in this round, with their status.
    parts: HashMap<(String, Option<u64>, Option<u64>), PartStatus>,
    new: Away,
}

#[derive(Debug, Default)]
pub struct CatchUp {
    /// Where cursors live; `None`: kept in memory only (the demo, tests).
    pub state_dir: Option<PathBuf>,
    /// This node's cursor file, once the hello named the node.
    path: Option<PathBuf>,
    /// Loaded or learnt; `None` before the first round of a first run.
    cursor: Option<Cursor>,
    /// The file is being read: rounds wait for it.
    loading: bool,
    round: Option<(Round, Why, Tally)>,
    /// A round to start once the current one ends (a gap during a round).
    again: bool,
    follow_at: Option<f64>,
    /// The node could not answer a round (no `wait`, no `index`): no rounds follow live
    /// activity on this connection, which would only fail again.
    unanswered: bool,
    /// What the latest finished round brought, for tests and the header.
    pub last: Option<Away>,
    /// The walk back through the forwards for the days before this connection.
    walk: Option<Walk>,
    /// The walk through the payments and invoices, and when to walk them again after activity.
    money: Option<MoneyWalk>,
    money_due: Option<f64>,
    /// Events the relay lost (since when, how many) that no finished round has made good yet.
    pub lost: Option<(f64, u64)>,
}

/// Payments and invoices are read again this long after activity in them (they are few; a
/// fresh walk is exact without a boundary to keep).
const MONEY_AFTER: f64 = 5.0;

impl App {
    /// A hello: the node is known; catch up from its cursor (loaded first if need be).
    pub(super) fn catch_up_on_hello(&mut self, node_id: Option<&str>) {
        let c = &mut self.catchup;
        let path = match (&c.state_dir, node_id) {
            (Some(dir), Some(id)) => Some(cursor::path(dir, id, "monitor")),
            _ => None,
        };
        if let Some(p) = path.filter(|p| c.path.as_ref() != Some(p)) {
            c.path = Some(p.clone());
            c.cursor = None;
            c.loading = true;
            c.round = None;
            self.effects.push(Effect::LoadCursor(p));
            return;
        }
        self.start_round(Why::Away);
    }

    /// A hello: the days of the last month are read again from the node's forwards (what was
    /// counted is forgotten; events from now on wait for the walk's boundary).
    pub(super) fn walk_on_hello(&mut self) {
        let (walk, step) = Walk::start(&mut self.data.model.forwards.days, crate::model::days::KEPT, self.now);
        self.catchup.walk = Some(walk);
        self.queries.ask(Ask::Walk(step));
        self.walk_money();
    }

    /// Reads the payments and invoices of the month again.
    fn walk_money(&mut self) {
        let (walk, steps) = MoneyWalk::start(crate::model::days::KEPT, self.now);
        self.catchup.money = Some(walk);
        self.catchup.money_due = None;
        steps.into_iter().for_each(|s| self.queries.ask(Ask::Walk(s)));
    }

    /// A payment or an invoice changed: read them again shortly.
    pub(super) fn money_activity(&mut self) {
        self.catchup.money_due.get_or_insert(self.now + MONEY_AFTER);
    }

    pub(super) fn money_tick(&mut self) {
        let idle = self.catchup.money.as_ref().is_none_or(MoneyWalk::done);
        if idle && self.catchup.money_due.is_some_and(|t| t <= self.now) {
            self.walk_money();
        }
    }

    /// The node's answer to a step of a walk.
    pub(super) fn walked(&mut self, step: &Step, result: &serde_json::Value) {
        if MoneyWalk::asks(step) {
            let Some(walk) = self.catchup.money.as_mut() else { return };
            if let Some(next) = walk.answer(step, result) {
                self.queries.ask(Ask::Walk(next));
            }
            self.money_walked();
            return;
        }
        let Some(walk) = self.catchup.walk.as_mut() else { return };
        if let Some(next) = walk.answer(step, result, &mut self.data.model.forwards.days) {
            self.queries.ask(Ask::Walk(next));
        }
    }

    /// A finished money walk replaces what the views show.
    fn money_walked(&mut self) {
        if let Some(walk) = self.catchup.money.as_ref().filter(|w| w.done()) {
            self.data.model.money = Some(walk.money.days());
        }
    }

    /// The node refused a step of a walk, or its answer was too large.
    pub(super) fn walk_failed(&mut self, step: &Step, message: &str, too_large: bool) {
        if MoneyWalk::asks(step) {
            let Some(walk) = self.catchup.money.as_mut() else { return };
            if too_large {
                if let Some(next) = walk.too_large(step) {
                    self.queries.ask(Ask::Walk(next));
                }
            } else {
                walk.failed(step, message);
            }
            self.money_walked();
            return;
        }
        let Some(walk) = self.catchup.walk.as_mut() else { return };
        let days = &mut self.data.model.forwards.days;
        if too_large {
            if let Some(next) = walk.too_large(step, days) {
                self.queries.ask(Ask::Walk(next));
            }
        } else {
            walk.failed(days, message);
        }
    }

    /// The cursor file, read.
    pub(super) fn cursor_loaded(&mut self, loaded: Loaded) {
        self.catchup.loading = false;
        match loaded {
            Loaded::Found(c) => self.catchup.cursor = Some(c),
            Loaded::Missing => {}
            Loaded::Corrupt { reason, kept } => {
                let path = self.catchup.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                let kept = kept.map(|k| format!(", kept as {}", k.display())).unwrap_or_default();
                // What happened first: the footer cuts long paths.
                self.warn(&format!("catch-up cursor unreadable, starting fresh ({reason}): {path}{kept}"));
            }
        }
        self.start_round(Why::Away);
    }

    /// A gap: what the plugin dropped is in the node's records.
    pub(super) fn catch_up_after_gap(&mut self) {
        if self.catchup.round.is_some() {
            self.catchup.again = true;
        } else {
            self.start_round(Why::Away);
        }
    }

    /// Live activity in a subsystem the cursor covers.
    pub(super) fn follow_activity(&mut self) {
        if self.catchup.cursor.is_some() && self.catchup.follow_at.is_none() && !self.catchup.unanswered {
            self.catchup.follow_at = Some(self.now + FOLLOW_AFTER);
        }
    }

    pub(super) fn catch_up_tick(&mut self) {
        if self.catchup.round.is_none() && self.catchup.follow_at.is_some_and(|t| t <= self.now) {
            self.catchup.follow_at = None;
            self.start_round(Why::Follow);
        }
    }

    /// A new connection: questions in flight are lost with the old one.
    pub(super) fn catch_up_reset(&mut self) {
        self.catchup.round = None;
        self.catchup.again = false;
        self.catchup.unanswered = false;
    }

    fn start_round(&mut self, why: Why) {
        let c = &mut self.catchup;
        if c.loading || c.round.is_some() {
            return;
        }
        let (round, steps) = Round::start(c.cursor.clone(), why == Why::Away);
        c.round = Some((round, why, Tally::default()));
        steps.into_iter().for_each(|s| self.queries.ask(Ask::CatchUp(s)));
    }

    /// The node's answer to one step of the round.
    pub(super) fn caught(&mut self, step: &Step, result: &serde_json::Value) {
        let Some((round, _, _)) = self.catchup.round.as_mut() else { return };
        let (items, next) = round.answer(step, result);
        for item in items {
            self.apply_caught(item);
        }
        next.into_iter().for_each(|s| self.queries.ask(Ask::CatchUp(s)));
        self.end_round_if_done();
    }

    pub(super) fn catch_step_failed(&mut self, step: &Step, message: &str) {
        if let Some((round, _, _)) = self.catchup.round.as_mut() {
            round.failed(step, message);
        }
        self.end_round_if_done();
    }

    /// A page over the plugin's answer limit: asked again smaller, or its entry skipped.
    pub(super) fn catch_step_too_large(&mut self, step: &Step) {
        let Some((round, _, _)) = self.catchup.round.as_mut() else { return };
        let next = round.too_large(step);
        next.into_iter().for_each(|s| self.queries.ask(Ask::CatchUp(s)));
        self.end_round_if_done();
    }

    /// Applies one item, once per round: both lanes (created, updated) bring what was made and
    /// changed since the cursor, and a row that left the views must not be counted twice.
    fn apply_caught(&mut self, item: Item) {
        let Some((_, _, tally)) = self.catchup.round.as_mut() else { return };
        let seen = match &item {
            Item::Invoice(row) => tally.invoices.get(&row.label).is_some_and(|paid| *paid == row.paid),
            Item::Forward(f, _) => tally.forwards.get(&f.key()).is_some_and(|(status, _)| *status == f.status),
            Item::Pay(p, _) => tally.parts.get(&(p.payment_hash.clone(), p.groupid, p.partid)) == Some(&p.status),
        };
        if seen {
            return;
        }
        match item {
            Item::Invoice(row) => {
                if self.data.invoice_caught_up(&row) {
                    tally.new.invoices_paid += 1;
                }
                let paid = tally.invoices.entry(row.label).or_default();
                *paid |= row.paid;
            }
            Item::Forward(f, time) => {
                if self.data.model.forwards.apply_caught_up(&f, time) {
                    tally.new.add_forward(&f.status, f.fee_msat);
                }
                tally.forwards.insert(f.key(), (f.status.clone(), f.fee_msat));
            }
            Item::Pay(p, time) => {
                let (before, after) = self.data.model.payments.apply_caught_up(&p, time, self.now);
                if before != Some(after) {
                    tally.new.add_payment(after);
                }
                tally.payments.insert(p.payment_hash.clone());
                tally.parts.insert((p.payment_hash.clone(), p.groupid, p.partid), p.status);
                if let Some(d) = &p.destination {
                    self.ask_alias(&d.clone());
                }
            }
        }
    }

    /// What an outage round found, from the views: every invoice, forward and payment past
    /// the cursor, marked caught up, whether the plugin's replay had shown it already or not
    /// (the replay is history too).
    fn mark_and_count(&mut self, tally: &Tally) -> Away {
        let mut away = Away::default();
        for (label, paid) in &tally.invoices {
            away.invoices_paid += u64::from(*paid);
            if let Some(row) = self.data.invoices.iter_mut().rev().find(|r| &r.label == label) {
                row.caught_up = true;
            }
        }
        for (key, (status, fee)) in &tally.forwards {
            away.add_forward(status, *fee);
            if let Some(row) = self.data.model.forwards.get_mut(key) {
                row.caught_up = true;
            }
        }
        for hash in &tally.payments {
            if let Some(p) = self.data.model.payments.get_mut(hash) {
                p.caught_up = true;
                away.add_payment(p.result());
            }
        }
        away
    }

    fn end_round_if_done(&mut self) {
        let Some((round, why, tally)) = self.catchup.round.take_if(|(r, _, _)| r.done()) else { return };
        // After an outage, everything past the cursor; while watching, only what the live
        // events missed.
        let away = if why == Why::Away { self.mark_and_count(&tally) } else { tally.new };
        if round.learnt() {
            let cursor = round.cursor().clone();
            // Everything up to the cursor has been taken in: counted, or from before.
            let counted = &mut self.data.model.forwards.counted;
            counted.settle(Index::Created, cursor.forwards.created);
            counted.settle(Index::Updated, cursor.forwards.updated);
            if let Some(path) = &self.catchup.path {
                self.effects.push(Effect::SaveCursor(path.clone(), cursor.clone()));
            }
            self.catchup.cursor = Some(cursor);
        }
        if !round.first_run && (why == Why::Away || !away.is_empty()) {
            let what = if why == Why::Away { "while you were away" } else { "caught up" };
            let line = format!("{what}: {}", away.words());
            self.data.store.mark(&format!("↺ {line}"));
            self.events.stale = true;
            if !away.is_empty() {
                self.set_notice(line);
            }
        }
        for o in &round.oversized {
            self.data.store.mark(&format!("↺ catch-up: {o}"));
            self.events.stale = true;
            self.warn(&format!("catch-up: {o}"));
        }
        for (s, n) in &round.skipped {
            let name = s.name();
            self.warn(&format!("catch-up capped: {n} older {name} not fetched (list{name} has them)"));
        }
        // In the list rather than the footer: an older node without `wait` says so on every
        // connect, and must not push out warnings that matter more.
        if let Some(e) = round.errors.first() {
            self.catchup.unanswered = true;
            self.data.store.mark(&format!("↺ catch-up incomplete: the node could not answer {e}"));
            self.events.stale = true;
        }
        self.catchup.last = Some(away);
        if std::mem::take(&mut self.catchup.again) {
            self.start_round(Why::Away);
        } else if round.errors.is_empty() && round.skipped.is_empty() {
            // Everything the relay dropped is in the node's records, and now in the views.
            self.catchup.lost = None;
        }
    }
}
