//! The node's own records, counted exactly: forwards by status and their fees, payment parts by
//! status, invoices paid. Read by index (`list… index=created|updated start=N`), from 0 when
//! the plugin starts (so a restart counts what the node knows, not zero) and then only what is
//! new: each record is counted once in the status it ends in.

use std::collections::BTreeMap;

use serde_json::Value;

/// A list read by index: `listforwards`, `listsendpays`, `listinvoices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Forwards,
    Sendpays,
    Invoices,
}

impl List {
    pub const ALL: [List; 3] = [List::Forwards, List::Sendpays, List::Invoices];

    pub fn method(self) -> &'static str {
        match self {
            List::Forwards => "listforwards",
            List::Sendpays => "listsendpays",
            List::Invoices => "listinvoices",
        }
    }

    /// The member of the answer holding the entries.
    pub fn member(self) -> &'static str {
        match self {
            List::Forwards => "forwards",
            List::Sendpays => "payments",
            List::Invoices => "invoices",
        }
    }

    /// Statuses an entry ends in (counted when reached).
    fn terminal(self, status: &str) -> bool {
        match self {
            List::Forwards => matches!(status, "settled" | "failed" | "local_failed"),
            List::Sendpays => matches!(status, "complete" | "failed"),
            List::Invoices => status == "paid",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Created,
    Updated,
}

impl Lane {
    pub fn name(self) -> &'static str {
        match self {
            Lane::Created => "created",
            Lane::Updated => "updated",
        }
    }
}

/// What the records say, as counted so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Forwards by Core Lightning's status; `offered` counts every forward created.
    pub forwards: BTreeMap<String, u64>,
    pub fees_msat: u64,
    /// Payment parts (`sendpay`s) by the status they ended in.
    pub payments: BTreeMap<String, u64>,
    pub invoices_paid: u64,
}

impl Tally {
    /// Counts one page of `list`'s `lane`. An entry is counted in its final status once: from
    /// the updated lane when the node gave it an `updated_index`, else from the created lane
    /// (an entry born final, as a forward refused here can be).
    pub fn page(&mut self, list: List, lane: Lane, entries: &[Value]) {
        for e in entries {
            let status = e.get("status").and_then(Value::as_str).unwrap_or_default();
            if list == List::Forwards && lane == Lane::Created {
                *self.forwards.entry("offered".into()).or_default() += 1;
            }
            let updated = e.get("updated_index").and_then(Value::as_u64).is_some_and(|u| u > 0);
            let counts = list.terminal(status) && (lane == Lane::Updated || !updated);
            if !counts {
                continue;
            }
            match list {
                List::Forwards => {
                    *self.forwards.entry(status.to_owned()).or_default() += 1;
                    if status == "settled" {
                        self.fees_msat += lnwatch_shared::notification::msat(e.get("fee_msat")).unwrap_or(0);
                    }
                }
                List::Sendpays => *self.payments.entry(status.to_owned()).or_default() += 1,
                List::Invoices => self.invoices_paid += 1,
            }
        }
    }
}

/// Where each list's lanes have been read up to (the next index to ask for).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cursor {
    next: [[u64; 2]; 3],
}

impl Cursor {
    pub fn next(&self, list: List, lane: Lane) -> u64 {
        self.next[list as usize][lane as usize]
    }

    /// Moves past a page's entries.
    pub fn passed(&mut self, list: List, lane: Lane, entries: &[Value]) {
        let key = match lane {
            Lane::Created => "created_index",
            Lane::Updated => "updated_index",
        };
        let last = entries.iter().filter_map(|e| e.get(key).and_then(Value::as_u64)).max();
        if let Some(last) = last {
            let n = &mut self.next[list as usize][lane as usize];
            *n = (*n).max(last + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_entry_counts_once_in_its_final_status() {
        let mut t = Tally::default();
        // Created: one offered (later settled), one refused here at once (no update).
        let created = [
            json!({"created_index": 1, "status": "offered"}),
            json!({"created_index": 2, "status": "local_failed"}),
            json!({"created_index": 3, "status": "settled", "updated_index": 1, "fee_msat": 5}),
        ];
        t.page(List::Forwards, Lane::Created, &created);
        let updated = [
            json!({"created_index": 3, "status": "settled", "updated_index": 1, "fee_msat": 5}),
            json!({"created_index": 1, "status": "settled", "updated_index": 2, "fee_msat": 7}),
        ];
        t.page(List::Forwards, Lane::Updated, &updated);
        assert_eq!(t.forwards.get("offered"), Some(&3));
        assert_eq!((t.forwards.get("settled"), t.forwards.get("local_failed")), (Some(&2), Some(&1)));
        assert_eq!(t.fees_msat, 12);
        t.page(List::Sendpays, Lane::Created, &[json!({"status": "pending"})]);
        t.page(List::Sendpays, Lane::Updated, &[json!({"status": "failed", "updated_index": 1})]);
        t.page(List::Invoices, Lane::Updated, &[json!({"status": "paid", "updated_index": 4})]);
        t.page(List::Invoices, Lane::Updated, &[json!({"status": "expired", "updated_index": 5})]);
        assert_eq!((t.payments.get("failed"), t.invoices_paid), (Some(&1), 1));

        let mut c = Cursor::default();
        c.passed(List::Forwards, Lane::Updated, &updated);
        assert_eq!((c.next(List::Forwards, Lane::Updated), c.next(List::Forwards, Lane::Created)), (3, 0));
    }
}
