//! Payments sent and invoices paid by UTC day, summed from the node's `listsendpays` and
//! `listinvoices` (a walk back through them, [`crate::catchup::walk::MoneyWalk`]). A payment is
//! its payment hash: sent on the day its last part completed, its fee what the completed parts
//! cost over what they delivered; failed on the day of its last failed part if none completed.
//! An invoice counts on the day of `paid_at`, with `amount_received_msat`.

use std::collections::{BTreeMap, HashMap};

use lnwatch_shared::activity::{PartStatus, PayNote};

use super::days::day_of;

/// One day's payments and invoices.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MoneyDay {
    pub payments_sent: u64,
    pub payments_failed: u64,
    pub payment_fees_msat: u64,
    pub invoices_paid: u64,
    pub received_msat: u64,
}

/// A payment's parts as far as read.
#[derive(Debug, Clone, Default)]
struct Payment {
    completed: Option<f64>,
    fees_msat: u64,
    failed: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Money {
    /// The window's payments by hash (a payment's parts may be read pages apart).
    payments: HashMap<String, Payment>,
    /// By day: invoices paid and what they brought.
    invoices: BTreeMap<i64, (u64, u64)>,
}

impl Money {
    /// A payment part from `listsendpays`, dated `time` (its completion, else its start).
    pub fn part(&mut self, p: &PayNote, time: f64) {
        let pay = self.payments.entry(p.payment_hash.clone()).or_default();
        match p.status {
            PartStatus::Succeeded => {
                pay.completed = Some(pay.completed.map_or(time, |t| t.max(time)));
                pay.fees_msat += p.sent_msat.zip(p.amount_msat).map_or(0, |(s, a)| s.saturating_sub(a));
            }
            PartStatus::Failed => pay.failed = Some(pay.failed.map_or(time, |t| t.max(time))),
            PartStatus::Started => {}
        }
    }

    /// An invoice paid at `time`, bringing `received_msat`.
    pub fn invoice_paid(&mut self, received_msat: u64, time: f64) {
        let d = self.invoices.entry(day_of(time)).or_default();
        d.0 += 1;
        d.1 += received_msat;
    }

    /// Every day with something in it.
    pub fn days(&self) -> BTreeMap<i64, MoneyDay> {
        let mut out: BTreeMap<i64, MoneyDay> = BTreeMap::new();
        for p in self.payments.values() {
            match (p.completed, p.failed) {
                (Some(t), _) => {
                    let d = out.entry(day_of(t)).or_default();
                    d.payments_sent += 1;
                    d.payment_fees_msat += p.fees_msat;
                }
                (None, Some(t)) => out.entry(day_of(t)).or_default().payments_failed += 1,
                (None, None) => {}
            }
        }
        for (day, (paid, received)) in &self.invoices {
            let d = out.entry(*day).or_default();
            d.invoices_paid += paid;
            d.received_msat += received;
        }
        out
    }
}
