//! What `lnwatch report` must say, computed the plain way: the node's whole `listforwards`,
//! `listsendpays` and `listinvoices` aggregated per UTC day by the report's definitions
//! (written here apart from the report's code, so each checks the other).

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// The report's per-day fields, in its order.
pub const FIELDS: [&str; 10] = [
    "forwards_settled",
    "forwards_failed",
    "forwards_local_failed",
    "forwarded_msat",
    "fees_msat",
    "payments_sent",
    "payments_failed",
    "payment_fees_msat",
    "invoices_paid",
    "received_msat",
];

pub use lnwatch_shared::date::date;

/// Per day (`YYYY-MM-DD`), the report's fields from the three lists.
pub fn by_day(forwards: &Value, sendpays: &Value, invoices: &Value) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let mut bump = |t: f64, k: &str, by: u64| {
        let e = out.entry(date(t)).or_insert_with(|| json!({}));
        e[k] = json!(e[k].as_u64().unwrap_or(0) + by);
    };
    let list = |v: &Value, k: &str| v[k].as_array().cloned().unwrap_or_default();
    let num = |v: &Value, k: &str| v[k].as_f64();
    for f in list(forwards, "forwards") {
        let Some(t) = num(&f, "resolved_time").or(num(&f, "received_time")) else { continue };
        match f["status"].as_str() {
            Some("settled") => {
                bump(t, "forwards_settled", 1);
                bump(t, "fees_msat", f["fee_msat"].as_u64().unwrap_or(0));
                bump(t, "forwarded_msat", f["out_msat"].as_u64().unwrap_or(0));
            }
            Some("failed") => bump(t, "forwards_failed", 1),
            Some("local_failed") => {
                bump(t, "forwards_failed", 1);
                bump(t, "forwards_local_failed", 1);
            }
            _ => {}
        }
    }
    // A payment is its hash: sent when a part completed (the latest completion's day, the fees
    // of the completed parts), else failed when a part failed (the latest failure's day).
    let mut pays: BTreeMap<String, (Option<f64>, u64, Option<f64>)> = BTreeMap::new();
    for p in list(sendpays, "payments") {
        let Some(hash) = p["payment_hash"].as_str() else { continue };
        let t = num(&p, "completed_at").or(num(&p, "created_at")).unwrap_or(0.0);
        let e = pays.entry(hash.to_owned()).or_default();
        match p["status"].as_str() {
            Some("complete") => {
                e.0 = Some(e.0.map_or(t, |x: f64| x.max(t)));
                let (sent, amount) = (p["amount_sent_msat"].as_u64(), p["amount_msat"].as_u64());
                e.1 += sent.zip(amount).map_or(0, |(s, a)| s.saturating_sub(a));
            }
            Some("failed") => e.2 = Some(e.2.map_or(t, |x: f64| x.max(t))),
            _ => {}
        }
    }
    for (done, fees, failed) in pays.into_values() {
        match (done, failed) {
            (Some(t), _) => {
                bump(t, "payments_sent", 1);
                bump(t, "payment_fees_msat", fees);
            }
            (None, Some(t)) => bump(t, "payments_failed", 1),
            _ => {}
        }
    }
    for i in list(invoices, "invoices") {
        if i["status"] == "paid"
            && let Some(t) = num(&i, "paid_at")
        {
            bump(t, "invoices_paid", 1);
            bump(t, "received_msat", i["amount_received_msat"].as_u64().unwrap_or(0));
        }
    }
    out
}

/// Checks a report's `days` against [`by_day`], field by field (days with nothing included),
/// and its `totals` against the days' sums.
pub fn check(report: &Value, forwards: &Value, sendpays: &Value, invoices: &Value) {
    let want = by_day(forwards, sendpays, invoices);
    let days = report["days"].as_array().expect("days");
    for d in days {
        let day = d["day"].as_str().expect("day");
        let w = want.get(day).cloned().unwrap_or(json!({}));
        for k in FIELDS {
            assert_eq!(d[k].as_u64(), Some(w[k].as_u64().unwrap_or(0)), "{day} {k}: {report}");
        }
    }
    for k in FIELDS {
        let sum: u64 = days.iter().map(|d| d[k].as_u64().unwrap_or(0)).sum();
        assert_eq!(report["totals"][k].as_u64(), Some(sum), "total {k}");
    }
}
