//! Outgoing payments: every part and attempt of one payment hash gathered into one row, from
//! `sendpay_*` (every payer), xpay's `pay_part_start/end` and `pay`'s `pay_success/failure`.
//! Where sources disagree about why a part failed, the one that decoded the error wins
//! ([`PayNote::authoritative_error`]).
//!
//! A payment is called failed only on the node's word: `pay_failure` (the pay plugin), its
//! records (`listsendpays`, read by a catch-up), or its `listpays` answer once the payment has
//! been quiet for [`QUIET`] seconds. xpay says nothing about a whole payment, and between its
//! attempts every part tried so far has failed: from the events alone that is "pending".

use std::collections::{BTreeMap, HashMap, VecDeque};

use lnwatch_shared::activity::{PartStatus, PayError, PayNote};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayResult {
    Pending,
    Succeeded,
    Failed,
}

impl PayResult {
    pub fn word(self) -> &'static str {
        match self {
            PayResult::Pending => "pending",
            PayResult::Succeeded => "paid",
            PayResult::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub status: PartStatus,
    pub amount_msat: Option<u64>,
    pub sent_msat: Option<u64>,
    pub hops: Option<usize>,
    pub started: f64,
    pub ended: Option<f64>,
    pub error: Option<PayError>,
    authoritative: bool,
}

/// Seconds with every part failed and nothing new tried before the node is asked: xpay starts
/// its next attempt within milliseconds of a failure, so by then it has given up.
pub const QUIET: f64 = 2.0;
/// Seconds before asking again when the node said the payment is still in flight.
pub const ASK_AGAIN: f64 = 10.0;

/// What the node said about a payment, from its records or `listpays`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    Complete,
    Failed,
    /// A part is in flight by the node's records, though the events said none is.
    Pending,
    /// It does not know the payment (a sendpay of another node's plugin, deleted records).
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    order: u64,
    pub payment_hash: String,
    pub destination: Option<String>,
    /// The payment's amount: xpay's total, else the parts' amounts.
    pub total_msat: Option<u64>,
    pub first: f64,
    pub last: f64,
    /// By (group, part): a group is one `pay`/`xpay` call, a part one HTLC route.
    pub parts: BTreeMap<(u64, u64), Part>,
    /// Said by `pay_success`/`pay_failure` about the whole payment.
    pub overall: Option<(PartStatus, Option<PayError>)>,
    /// First learnt from the node's records after an outage, not from a live event.
    pub caught_up: bool,
    /// The node's word and how many parts the payment had when it was given: a part tried
    /// since makes it stale.
    pub said: Option<(Word, usize)>,
    /// When the node was last asked (`listpays`).
    asked: Option<f64>,
}

impl Payment {
    pub fn result(&self) -> PayResult {
        match self.overall.as_ref().map(|(s, _)| *s) {
            Some(PartStatus::Succeeded) => return PayResult::Succeeded,
            Some(PartStatus::Failed) if !self.parts.values().any(|p| p.status == PartStatus::Succeeded) => {
                return PayResult::Failed;
            }
            _ => {}
        }
        let (mut ok, mut open) = (false, false);
        for p in self.parts.values() {
            ok |= p.status == PartStatus::Succeeded;
            open |= p.status == PartStatus::Started;
        }
        match (ok, open, self.word()) {
            (true, _, _) | (_, _, Some(Word::Complete)) => PayResult::Succeeded,
            (false, false, Some(Word::Failed)) => PayResult::Failed,
            _ => PayResult::Pending,
        }
    }

    /// The node's word, while no part has been tried since it was given.
    fn word(&self) -> Option<Word> {
        self.said.filter(|(_, parts)| *parts == self.parts.len()).map(|(w, _)| w)
    }

    /// Every part tried has failed and neither the payer nor the node has said it is over: xpay
    /// between attempts, or a payer that gave up without a word.
    pub fn awaiting_word(&self) -> bool {
        self.overall.is_none()
            && !self.parts.is_empty()
            && self.parts.values().all(|p| p.status == PartStatus::Failed)
            && !matches!(self.word(), Some(Word::Failed | Word::Complete | Word::Unknown))
    }

    /// The groups (calls) and the parts tried.
    pub fn attempts(&self) -> usize {
        let mut groups: Vec<u64> = self.parts.keys().map(|(g, _)| *g).collect();
        groups.dedup();
        groups.len().max(1)
    }

    /// What was sent, fees included, by the parts that succeeded.
    pub fn sent_msat(&self) -> Option<u64> {
        let ok = self.parts.values().filter(|p| p.status == PartStatus::Succeeded);
        ok.map(|p| p.sent_msat.or(p.amount_msat)).sum()
    }

    pub fn amount_msat(&self) -> Option<u64> {
        self.total_msat.or_else(|| {
            let ok: Vec<_> = self.parts.values().filter(|p| p.status == PartStatus::Succeeded).collect();
            if ok.is_empty() {
                // A failed payment: what one group tried to deliver.
                let first = self.parts.keys().next()?.0;
                self.parts.range((first, 0)..=(first, u64::MAX)).map(|(_, p)| p.amount_msat).sum()
            } else {
                ok.iter().map(|p| p.amount_msat).sum()
            }
        })
    }

    /// Seconds from the first part to the last word on it.
    pub fn duration(&self) -> f64 {
        self.last - self.first
    }

    /// Why it failed (or why the latest part failed): the decoded error of the latest failed part.
    pub fn error(&self) -> Option<&PayError> {
        if let Some((_, Some(e))) = &self.overall
            && self.result() == PayResult::Failed
            && self.parts.values().all(|p| p.error.is_none())
        {
            return Some(e);
        }
        self.parts
            .values()
            .filter(|p| p.status == PartStatus::Failed)
            .max_by(|a, b| {
                a.authoritative.cmp(&b.authoritative).then(a.ended.unwrap_or(0.0).total_cmp(&b.ended.unwrap_or(0.0)))
            })
            .and_then(|p| p.error.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct Payments {
    list: VecDeque<Payment>,
    by_hash: HashMap<String, u64>,
    next_order: u64,
    max: usize,
}

impl Payments {
    pub fn new(max: usize) -> Payments {
        Payments { list: VecDeque::new(), by_hash: HashMap::new(), next_order: 0, max: max.max(1) }
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Payment> + ExactSizeIterator {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn count(&self, result: PayResult) -> usize {
        self.list.iter().filter(|p| p.result() == result).count()
    }

    pub fn clear(&mut self) {
        self.list.clear();
        self.by_hash.clear();
    }

    pub fn get(&self, payment_hash: &str) -> Option<&Payment> {
        self.list.get(self.position(payment_hash)?)
    }

    pub fn get_mut(&mut self, payment_hash: &str) -> Option<&mut Payment> {
        let i = self.position(payment_hash)?;
        self.list.get_mut(i)
    }

    fn position(&self, payment_hash: &str) -> Option<usize> {
        self.by_hash.get(payment_hash).and_then(|o| self.index_of(*o))
    }

    /// Applies one note; returns the payment's result before and after.
    pub fn apply(&mut self, n: &PayNote, time: f64) -> (Option<PayResult>, PayResult) {
        self.merge(n, time, false)
    }

    /// Applies a `listsendpays` entry read at `now` (a new payment is marked caught up). The
    /// node's records are its word: once every part they list failed, [`QUIET`] seconds
    /// before they were read, the payment has. A payment failing as they are read (xpay between
    /// attempts) is asked about as a live one is.
    pub fn apply_caught_up(&mut self, n: &PayNote, time: f64, now: f64) -> (Option<PayResult>, PayResult) {
        let (before, _) = self.merge(n, time, true);
        let Some(p) = self.get_mut(&n.payment_hash) else { return (before, PayResult::Pending) };
        if now - p.last >= QUIET && p.parts.values().all(|part| part.status == PartStatus::Failed) {
            p.said = Some((Word::Failed, p.parts.len()));
        }
        (before, p.result())
    }

    /// The payments to ask the node about now (`listpays`): every part failed, quiet for
    /// [`QUIET`] seconds, not asked in the last [`ASK_AGAIN`]. Each is marked asked.
    pub fn to_ask(&mut self, now: f64) -> Vec<String> {
        let mut due = Vec::new();
        for p in self.list.iter_mut() {
            let quiet = now - p.last >= QUIET;
            if quiet && p.awaiting_word() && p.asked.is_none_or(|at| now - at >= ASK_AGAIN) {
                p.asked = Some(now);
                due.push(p.payment_hash.clone());
            }
        }
        due
    }

    /// The node's `listpays` answer for one payment hash: the status of its latest group.
    /// Returns the payment's result before and after, if it is still kept.
    pub fn node_said(&mut self, payment_hash: &str, answer: &serde_json::Value) -> Option<(PayResult, PayResult)> {
        let p = self.get_mut(payment_hash)?;
        let before = p.result();
        let pays = answer.get("pays").and_then(serde_json::Value::as_array);
        let latest = pays.into_iter().flatten().filter(|e| e["payment_hash"] == payment_hash).max_by_key(|e| {
            (
                e.get("created_at").and_then(serde_json::Value::as_u64),
                e.get("groupid").and_then(serde_json::Value::as_u64),
            )
        });
        let word = match latest.and_then(|e| e.get("status")).and_then(serde_json::Value::as_str) {
            Some("complete") => Word::Complete,
            Some("failed") => Word::Failed,
            Some("pending") => Word::Pending,
            _ => Word::Unknown,
        };
        p.said = Some((word, p.parts.len()));
        Some((before, p.result()))
    }

    fn merge(&mut self, n: &PayNote, time: f64, caught_up: bool) -> (Option<PayResult>, PayResult) {
        let i = match self.position(&n.payment_hash) {
            Some(i) => i,
            None => self.push(n, time, caught_up),
        };
        let p = &mut self.list[i];
        let before = (!p.parts.is_empty() || p.overall.is_some()).then(|| p.result());
        p.last = p.last.max(time);
        p.destination = p.destination.take().or_else(|| n.destination.clone());
        p.total_msat = p.total_msat.or(n.total_msat);
        match n.partid {
            None => p.overall = Some((n.status, n.error.clone())),
            Some(partid) => {
                let key = (n.groupid.unwrap_or(0), partid);
                let part = p.parts.entry(key).or_insert(Part {
                    status: PartStatus::Started,
                    amount_msat: None,
                    sent_msat: None,
                    hops: None,
                    started: time,
                    ended: None,
                    error: None,
                    authoritative: false,
                });
                part.amount_msat = part.amount_msat.or(n.amount_msat);
                part.sent_msat = part.sent_msat.or(n.sent_msat);
                part.hops = part.hops.or(n.hops);
                // xpay times each part: the payment lasted at least that long.
                if let Some(d) = n.duration {
                    p.last = p.last.max(part.started + d);
                }
                // A part that ended stays ended; a late start (another source) does not reopen it.
                if n.status != PartStatus::Started {
                    part.status = n.status;
                    part.ended = Some(time);
                    if n.error.is_some() && (n.authoritative_error || !part.authoritative) {
                        part.error = n.error.clone();
                        part.authoritative = n.authoritative_error;
                    }
                }
            }
        }
        (before, p.result())
    }

    fn index_of(&self, order: u64) -> Option<usize> {
        let first = self.list.front()?.order;
        let i = order.checked_sub(first)? as usize;
        (self.list.get(i)?.order == order).then_some(i)
    }

    fn push(&mut self, n: &PayNote, time: f64, caught_up: bool) -> usize {
        if self.list.len() >= self.max
            && let Some(old) = self.list.pop_front()
        {
            self.by_hash.remove(&old.payment_hash);
        }
        let order = self.next_order;
        self.next_order += 1;
        self.by_hash.insert(n.payment_hash.clone(), order);
        self.list.push_back(Payment {
            order,
            payment_hash: n.payment_hash.clone(),
            destination: None,
            total_msat: None,
            first: time,
            last: time,
            parts: BTreeMap::new(),
            overall: None,
            caught_up,
            said: None,
            asked: None,
        });
        self.list.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(topic_status: PartStatus, part: Option<u64>) -> PayNote {
        PayNote {
            payment_hash: "ab".into(),
            groupid: Some(7),
            partid: part,
            status: topic_status,
            amount_msat: Some(5_000),
            total_msat: None,
            sent_msat: None,
            destination: Some("035d".into()),
            hops: None,
            duration: None,
            error: None,
            authoritative_error: false,
        }
    }

    #[test]
    fn xpay_parts_merge_with_sendpay_and_the_real_reason_wins() {
        let mut p = Payments::new(10);
        let start = PayNote { total_msat: Some(10_000), hops: Some(2), ..note(PartStatus::Started, Some(1)) };
        assert_eq!(p.apply(&start, 1.0), (None, PayResult::Pending));
        let real =
            PayError { message: "incorrect".into(), code: Some(16399), node: Some("035d".into()), channel: None };
        let end = PayNote { error: Some(real.clone()), authoritative_error: true, ..note(PartStatus::Failed, Some(1)) };
        // v26.06 order: pay_part_end, then the misleading sendpay_failure.
        p.apply(&end, 2.0);
        let misleading = PayNote {
            error: Some(PayError { message: "Malformed error reply".into(), ..Default::default() }),
            ..note(PartStatus::Failed, Some(1))
        };
        // Every part failed, but no one has said the payment is over: pending.
        assert_eq!(p.apply(&misleading, 2.1), (Some(PayResult::Pending), PayResult::Pending));
        let pay = p.iter().next().unwrap();
        assert_eq!(pay.error(), Some(&real));
        // A second part succeeds: the payment is paid, parts and attempts count.
        p.apply(&note(PartStatus::Started, Some(2)), 3.0);
        let (before, after) =
            p.apply(&PayNote { sent_msat: Some(10_010), ..note(PartStatus::Succeeded, Some(2)) }, 4.0);
        assert_eq!((before, after), (Some(PayResult::Pending), PayResult::Succeeded));
        let pay = p.iter().next().unwrap();
        assert_eq!((pay.parts.len(), pay.attempts(), pay.duration()), (2, 1, 3.0));
        assert_eq!((pay.amount_msat(), pay.sent_msat()), (Some(10_000), Some(10_010)));
        assert_eq!(p.count(PayResult::Succeeded), 1);
    }

    fn listpays(status: &str) -> serde_json::Value {
        serde_json::json!({"pays": [
            {"payment_hash": "ab", "groupid": 6, "created_at": 1, "status": "failed"},
            {"payment_hash": "ab", "groupid": 7, "created_at": 2, "status": status},
        ]})
    }

    /// xpay between attempts looks failed; only the node's word says so, and only while
    /// nothing has been tried since.
    #[test]
    fn failed_only_on_the_nodes_word() {
        let mut p = Payments::new(10);
        p.apply(&note(PartStatus::Started, Some(1)), 1.0);
        p.apply(&note(PartStatus::Failed, Some(1)), 1.5);
        assert_eq!(p.get("ab").unwrap().result(), PayResult::Pending);
        assert!(p.to_ask(2.0).is_empty(), "not quiet yet: xpay may be choosing its next route");
        // xpay's next attempt comes at once: still nothing to ask.
        p.apply(&note(PartStatus::Started, Some(2)), 1.6);
        assert!(p.to_ask(4.0).is_empty(), "a part is in flight");
        p.apply(&note(PartStatus::Failed, Some(2)), 4.0);
        assert!(p.to_ask(5.0).is_empty());
        assert_eq!(p.to_ask(6.0), ["ab"]);
        assert!(p.to_ask(7.0).is_empty(), "asked once");
        // The node says its latest group is still in flight: asked again later.
        assert_eq!(p.node_said("ab", &listpays("pending")), Some((PayResult::Pending, PayResult::Pending)));
        assert!(p.to_ask(15.0).is_empty());
        assert_eq!(p.to_ask(16.0), ["ab"]);
        assert_eq!(p.node_said("ab", &listpays("failed")), Some((PayResult::Pending, PayResult::Failed)));
        assert!(p.to_ask(100.0).is_empty(), "the word is kept");
        // A part tried after the word makes it stale: pending again until the node speaks.
        p.apply(&note(PartStatus::Started, Some(3)), 101.0);
        p.apply(&note(PartStatus::Failed, Some(3)), 102.0);
        assert_eq!(p.get("ab").unwrap().result(), PayResult::Pending);
        assert_eq!(p.to_ask(104.0), ["ab"]);
        // A payment the node does not know is not asked about again.
        assert_eq!(p.node_said("ab", &serde_json::json!({"pays": []})).unwrap().1, PayResult::Pending);
        assert!(p.to_ask(200.0).is_empty());
        // The node's records are its word too (a catch-up).
        let mut q = Payments::new(10);
        assert_eq!(q.apply_caught_up(&note(PartStatus::Failed, Some(1)), 1.0, 1.5).1, PayResult::Pending);
        assert_eq!(q.apply_caught_up(&note(PartStatus::Failed, Some(1)), 1.0, 3.0).1, PayResult::Failed);
        assert_eq!(p.node_said("zz", &listpays("failed")), None, "an unknown hash changes nothing");
    }

    #[test]
    fn pay_failure_decides_a_payment_without_parts_and_rows_are_bounded() {
        let mut p = Payments::new(2);
        let fail = PayNote {
            error: Some(PayError { message: "no route".into(), code: Some(205), ..Default::default() }),
            ..note(PartStatus::Failed, None)
        };
        assert_eq!(p.apply(&fail, 1.0).1, PayResult::Failed);
        assert_eq!(p.iter().next().unwrap().error().unwrap().message, "no route");
        for h in ["cd", "ef"] {
            p.apply(&PayNote { payment_hash: h.into(), ..note(PartStatus::Started, Some(0)) }, 2.0);
        }
        assert_eq!(p.len(), 2);
        assert_eq!(p.iter().next().unwrap().payment_hash, "cd");
        p.apply(&PayNote { payment_hash: "ef".into(), ..note(PartStatus::Succeeded, Some(0)) }, 3.0);
        assert_eq!(p.iter().last().unwrap().result(), PayResult::Succeeded);
    }
}
