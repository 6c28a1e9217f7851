//! A node's records as lightningd keeps them for `wait` and the `list*` calls' `index`/`start`/
//! `limit`: invoices, forwards and sendpays, each entry with a `created_index` and, once
//! changed, an `updated_index` from its subsystem's counters. What the simulated node answers
//! catch-up queries from.

use serde_json::{Value, json};

#[derive(Debug, Default, Clone)]
struct Subsystem {
    /// In `created_index` order (entry `i` has index `i + 1`).
    entries: Vec<Value>,
    /// (updated_index, entry) in update order; an entry updated again leaves a stale pair.
    updates: Vec<(u64, usize)>,
    created: u64,
    updated: u64,
}

impl Subsystem {
    fn add(&mut self, mut entry: Value) -> u64 {
        self.created += 1;
        entry["created_index"] = json!(self.created);
        self.entries.push(entry);
        self.created
    }

    /// Changes the entry `created` with `f` and gives it the next `updated_index`.
    fn update(&mut self, created: u64, f: impl FnOnce(&mut Value)) {
        let Some(i) = created.checked_sub(1).filter(|i| (*i as usize) < self.entries.len()) else { return };
        let e = &mut self.entries[i as usize];
        f(e);
        self.updated += 1;
        e["updated_index"] = json!(self.updated);
        self.updates.push((self.updated, i as usize));
    }

    /// Entries from `start` on in the order of `index`, at most `limit`: what lightningd's
    /// indexed listing returns, found by position rather than by scanning.
    fn list(&self, params: &Value) -> Vec<Value> {
        let start = params.get("start").and_then(Value::as_u64).unwrap_or(0);
        let limit = params.get("limit").and_then(Value::as_u64).unwrap_or(u64::MAX) as usize;
        if params.get("index").and_then(Value::as_str) == Some("updated") {
            let from = self.updates.partition_point(|(u, _)| *u < start);
            self.updates[from..]
                .iter()
                .filter(|(u, i)| self.entries[*i]["updated_index"] == *u)
                .take(limit)
                .map(|(_, i)| self.entries[*i].clone())
                .collect()
        } else {
            let from = (start.saturating_sub(1) as usize).min(self.entries.len());
            self.entries[from..].iter().take(limit).cloned().collect()
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Records {
    invoices: Subsystem,
    forwards: Subsystem,
    sendpays: Subsystem,
    /// Forwards by incoming HTLC (`in_channel`, `in_htlc_id`): their `created_index`.
    by_htlc: std::collections::HashMap<(String, u64), u64>,
}

impl Records {
    pub fn invoice_created(&mut self, label: &str, msat: u64, expires_at: u64) -> u64 {
        self.invoices.add(json!({"label": label, "status": "unpaid", "amount_msat": msat, "expires_at": expires_at,
            "payment_hash": format!("{:064x}", self.invoices.created + 1), "payment_preimage": "<redacted>"}))
    }

    /// An invoice with a description (a bolt12 payer's note can be megabytes).
    pub fn invoice_described(&mut self, label: &str, msat: u64, expires_at: u64, description: &str) -> u64 {
        let created = self.invoice_created(label, msat, expires_at);
        if let Some(e) = self.invoices.entries.last_mut() {
            e["description"] = json!(description);
        }
        created
    }

    pub fn invoice_paid(&mut self, created: u64, at: u64) {
        self.invoices.update(created, |e| {
            e["status"] = json!("paid");
            e["paid_at"] = json!(at);
            e["amount_received_msat"] = e["amount_msat"].clone();
        });
    }

    /// A forward, already resolved (`settled`, `failed` or `local_failed`), as its events
    /// would record it (`in_htlc_id` counts the forwards).
    pub fn forward(
        &mut self,
        in_channel: &str,
        out_channel: &str,
        out_msat: u64,
        fee_msat: u64,
        status: &str,
        at: f64,
    ) {
        let mut f = json!({"in_channel": in_channel, "in_htlc_id": self.forwards.created, "out_channel": out_channel,
            "in_msat": out_msat + fee_msat, "out_msat": out_msat, "fee_msat": fee_msat, "status": "offered",
            "style": "tlv", "received_time": at - 0.5});
        if status != "local_failed" {
            self.forward_event(&mut f.clone());
        }
        f["status"] = json!(status);
        if status == "local_failed" {
            // lightningd records a refusal with no resolution time.
            f["failcode"] = json!(4103);
            f["failreason"] = json!("WIRE_TEMPORARY_CHANNEL_FAILURE");
        } else {
            f["resolved_time"] = json!(at);
        }
        self.forward_event(&mut f);
    }

    /// Records a `forward_event` body as lightningd does, and gives the event the index it
    /// carries: an offer (or a refusal never offered on) adds an entry and carries its
    /// `created_index`; a resolution updates the entry of its incoming HTLC and carries the
    /// `updated_index` instead. The preimage is not kept.
    pub fn forward_event(&mut self, event: &mut Value) {
        let htlc = event["in_channel"].as_str().map(str::to_owned).zip(event["in_htlc_id"].as_u64());
        let known = htlc.as_ref().and_then(|h| self.by_htlc.get(h)).copied();
        let mut entry = event.clone();
        if let Some(e) = entry.as_object_mut() {
            for k in ["preimage", "created_index", "updated_index"] {
                e.remove(k);
            }
        }
        match known.filter(|_| event["status"] != "offered") {
            Some(created) => {
                self.forwards.update(created, |e| {
                    for (k, v) in entry.as_object().into_iter().flatten() {
                        e[k] = v.clone();
                    }
                });
                event["updated_index"] = json!(self.forwards.updated);
                if let Some(e) = event.as_object_mut() {
                    e.remove("created_index");
                }
            }
            None => {
                let created = self.forwards.add(entry);
                if let Some(h) = htlc {
                    self.by_htlc.insert(h, created);
                }
                event["created_index"] = json!(created);
            }
        }
    }

    /// A one-part payment, completed or failed.
    pub fn sendpay(&mut self, hash: &str, destination: &str, msat: u64, ok: bool, at: u64) {
        let id = self.sendpays.created + 1;
        let part = json!({"id": id, "groupid": 1, "partid": 1, "payment_hash": hash, "amount_msat": msat,
            "amount_sent_msat": msat + 1, "destination": destination});
        self.sendpay_part(&part, ok, at);
    }

    /// One part of a payment, from its `sendpay_success` body or `sendpay_failure` data: the
    /// entry lightningd adds when the part is sent (`pending`), then completes or fails.
    pub fn sendpay_part(&mut self, part: &Value, ok: bool, at: u64) {
        let mut entry = json!({"status": "pending", "created_at": at});
        for k in ["id", "groupid", "partid", "payment_hash", "amount_msat", "amount_sent_msat", "destination"] {
            if let Some(v) = part.get(k) {
                entry[k] = v.clone();
            }
        }
        let created = self.sendpays.add(entry);
        self.sendpays.update(created, |e| {
            e["status"] = json!(if ok { "complete" } else { "failed" });
            e["completed_at"] = json!(at + 1);
            if ok {
                e["payment_preimage"] = json!("<redacted>");
            }
        });
    }

    /// `listpays` as xpay's `listpays.c` builds it from the sendpays: one entry per payment
    /// hash and group, `complete` if a part completed, else `pending` if one is in flight,
    /// else `failed`; oldest first.
    fn pays(&self, hash: Option<&str>) -> Vec<Value> {
        let mut groups: Vec<((String, u64), Value)> = Vec::new();
        for e in &self.sendpays.entries {
            let Some(h) = e["payment_hash"].as_str().filter(|h| hash.is_none_or(|want| want == *h)) else { continue };
            let key = (h.to_owned(), e["groupid"].as_u64().unwrap_or(0));
            let i = match groups.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    let entry = json!({"payment_hash": h, "groupid": key.1, "created_at": e["created_at"],
                        "destination": e["destination"], "status": "failed"});
                    groups.push((key, entry));
                    groups.len() - 1
                }
            };
            let status = &mut groups[i].1["status"];
            match e["status"].as_str() {
                Some("complete") => *status = json!("complete"),
                Some("pending") if *status != "complete" => *status = json!("pending"),
                _ => {}
            }
        }
        groups.into_iter().map(|(_, v)| v).collect()
    }

    /// `wait`, `listinvoices`, `listforwards`, `listsendpays` or `listpays` as lightningd answers them;
    /// `None` for any other method.
    pub fn answer(&self, method: &str, params: &Value) -> Option<Value> {
        let of = |name: &str| match name {
            "invoices" => Some(&self.invoices),
            "forwards" => Some(&self.forwards),
            "sendpays" => Some(&self.sendpays),
            _ => None,
        };
        match method {
            "wait" => {
                let name = params.get("subsystem").and_then(Value::as_str)?;
                let s = of(name)?;
                let index = params.get("indexname").and_then(Value::as_str).unwrap_or("created");
                let now = if index == "updated" { s.updated } else { s.created };
                Some(json!({"subsystem": name, index: now}))
            }
            "listinvoices" if params.get("index").is_some() => Some(json!({"invoices": self.invoices.list(params)})),
            "listforwards" => Some(json!({"forwards": self.forwards.list(params)})),
            "listsendpays" => Some(json!({"payments": self.sendpays.list(params)})),
            "listpays" => Some(json!({"pays": self.pays(params.get("payment_hash").and_then(Value::as_str))})),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_page_as_lightningd_pages_them() {
        let mut r = Records::default();
        let a = r.invoice_created("a", 1000, 10);
        r.invoice_created("b", 2000, 10);
        r.invoice_paid(a, 5);
        for i in 0..5 {
            r.forward("1x1x0", "2x1x0", 1000, 1, "settled", i as f64);
        }
        assert_eq!(
            r.answer("wait", &json!({"subsystem":"invoices","indexname":"created","nextvalue":0})).unwrap()["created"],
            2
        );
        assert_eq!(
            r.answer("wait", &json!({"subsystem":"invoices","indexname":"updated","nextvalue":0})).unwrap()["updated"],
            1
        );
        let page = r.answer("listforwards", &json!({"index":"created","start":2,"limit":2})).unwrap();
        let got: Vec<_> =
            page["forwards"].as_array().unwrap().iter().map(|f| f["created_index"].as_u64().unwrap()).collect();
        assert_eq!(got, [2, 3]);
        let upd = r.answer("listinvoices", &json!({"index":"updated","start":1})).unwrap();
        assert_eq!(upd["invoices"][0]["label"], "a");
        assert_eq!(upd["invoices"][0]["status"], "paid");
        assert!(r.answer("listinvoices", &json!({"label":"a"})).is_none(), "left to whoever answers by label");
    }

    #[test]
    fn listpays_groups_parts_as_xpay_does() {
        let mut r = Records::default();
        let part = |group: u64, partid: u64| json!({"payment_hash": "ab", "groupid": group, "partid": partid});
        r.sendpay_part(&part(1, 1), false, 10);
        r.sendpay_part(&part(1, 2), false, 11);
        r.sendpay_part(&part(2, 1), true, 12);
        r.sendpay("cd", "02bb", 1000, false, 13);
        let all = r.answer("listpays", &json!({})).unwrap();
        let got: Vec<_> =
            all["pays"].as_array().unwrap().iter().map(|p| (p["groupid"].clone(), p["status"].clone())).collect();
        assert_eq!(got, [(json!(1), json!("failed")), (json!(2), json!("complete")), (json!(1), json!("failed"))]);
        let one = r.answer("listpays", &json!({"payment_hash": "cd"})).unwrap();
        assert_eq!(one["pays"].as_array().unwrap().len(), 1);
    }
}
