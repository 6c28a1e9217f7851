//! The text of a detail view (Enter) for each kind of row: what is known about it, in words,
//! times in UTC, peers by name. Not yet sanitized: the app does that line by line.

use lnwatch_shared::activity::{PartStatus, failure_hint, failure_words};

use crate::app::{Data, Invoice};
use crate::model::channels::Channel;
use crate::model::forwards::ForwardRow;
use crate::model::payments::Payment;
use crate::summary::sat;
use crate::ui::{ago, clock};

fn when(t: Option<f64>, none: &str) -> String {
    t.map_or_else(|| none.to_owned(), |t| format!("{} UTC", clock(t)))
}

fn amount(msat: Option<u64>) -> String {
    msat.map_or_else(|| "-".into(), sat)
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("-")
}

/// `name (id)`, or `-`.
fn node(data: &Data, id: Option<&str>) -> String {
    id.map_or_else(|| "-".into(), |id| format!("{} ({id})", data.name(id)))
}

/// An invoice: what the feed knows.
pub fn invoice(inv: &Invoice, show_secrets: bool, now: f64) -> String {
    let preimage = match inv.preimage.as_deref() {
        None => "-",
        Some(lnwatch_shared::redact::REDACTED) => "redacted by the plugin",
        Some(_) if !show_secrets => crate::store::HIDDEN,
        Some(p) => p,
    };
    format!(
        "label     {}\namount    {}\nstate     {}\ncreated   {}\npaid      {}\nexpires   {}\npreimage  {}",
        inv.label,
        inv.msat.map_or_else(|| "any amount".into(), sat),
        inv.state(now).word(),
        when(inv.created, "before lnwatch was watching"),
        when(inv.paid, "-"),
        when(inv.expires_at, "not known yet (asked the node)"),
        preimage
    )
}

pub fn channel(c: &Channel, data: &Data, now: f64) -> String {
    let since = c.since.map_or_else(|| "-".into(), |s| format!("{} UTC ({} ago)", clock(s), ago(now - s)));
    let connected = match c.peer_connected {
        Some(true) => "connected",
        Some(false) => "not connected",
        None => "-",
    };
    let mut out = format!(
        "peer        {}\npeer link   {connected}\nscid        {}\nchannel id  {}\nfunding tx  {}\nstate       {}\nsince       {since}\ncapacity    {}\nours        {}\ntheirs      {}\nhtlcs       {}",
        node(data, c.peer_id.as_deref()),
        opt(c.short_channel_id.as_deref()),
        opt(c.channel_id.as_deref()),
        opt(c.funding_txid.as_deref()),
        c.state,
        amount(c.capacity_msat),
        amount(c.local_msat),
        amount(c.remote_msat()),
        c.htlcs,
    );
    if let Some(cause) = &c.cause {
        out.push_str(&format!("\ncause       {cause}"));
    }
    if let Some(m) = &c.message {
        out.push_str(&format!("\nmessage     {m}"));
    }
    if let Some(by) = c.closed_by() {
        out.push_str(&format!("\nclosed      {by}"));
    }
    out
}

pub fn forward(r: &ForwardRow, data: &Data) -> String {
    let f = &r.f;
    let side = |c: Option<&str>| match c {
        Some(c) => format!("{c} · {}", data.channel_peer(c).unwrap_or_else(|| "peer not known".into())),
        None => "-".into(),
    };
    let mut out = format!(
        "status      {}\nin          {}\nout         {}\namount in   {}\namount out  {}\nfee         {}\nreceived    {}\nresolved    {}\npayment     {}",
        f.status,
        side(f.in_channel.as_deref()),
        side(f.out_channel.as_deref()),
        amount(f.in_msat),
        amount(f.out_msat),
        amount(f.fee_msat),
        when(f.received_time.or(Some(r.first)), "-"),
        when(f.resolved_time.or((f.status != "offered").then_some(r.time)), "-"),
        opt(f.payment_hash.as_deref()),
    );
    if f.is_failure() {
        let reason = failure_words(f.failcode, f.failreason.as_deref());
        let (where_, hint) = if f.is_local_failure() {
            ("refused here", failure_hint(f.failcode, f.failreason.as_deref()))
        } else {
            ("failed further along the route", Some("the reason is in the onion only the payer can read"))
        };
        out.push_str(&format!("\nfailure     {where_}"));
        if let Some(r) = reason {
            out.push_str(&format!("\nreason      {r}"));
        }
        if let Some(code) = f.failcode {
            out.push_str(&format!(" (failcode {code})"));
        }
        if let Some(h) = hint {
            out.push_str(&format!("\nhint        {h}"));
        }
    }
    if let Some(i) = f.created_index {
        out.push_str(&format!("\nindex       {i}"));
    }
    out
}

pub fn payment(p: &Payment, data: &Data) -> String {
    let mut out = format!(
        "result      {}\ndestination {}\namount      {}\nsent        {}\nparts       {} in {} attempt(s)\nstarted     {}\nduration    {:.1}s\npayment     {}",
        p.result().word(),
        node(data, p.destination.as_deref()),
        amount(p.amount_msat()),
        amount(p.sent_msat()),
        p.parts.len(),
        p.attempts(),
        when(Some(p.first), "-"),
        p.duration(),
        p.payment_hash,
    );
    if let Some(e) = p.error() {
        out.push_str(&format!("\nerror       {}", error_words(e)));
        if let Some(n) = &e.node {
            out.push_str(&format!("\nfailed at   {}", node(data, Some(n))));
        }
        if let Some(c) = &e.channel {
            out.push_str(&format!("\nchannel     {c}"));
        }
    }
    out.push_str("\n\nparts (group/part  status  amount  hops  error)");
    for ((g, n), part) in &p.parts {
        let status = match part.status {
            PartStatus::Started => "pending",
            PartStatus::Succeeded => "ok",
            PartStatus::Failed => "failed",
        };
        let err = part.error.as_ref().map(error_words).unwrap_or_default();
        out.push_str(&format!(
            "\n{g}/{n}  {status}  {}  {}  {err}",
            amount(part.amount_msat),
            part.hops.map_or_else(|| "-".into(), |h| h.to_string())
        ));
    }
    out
}

/// An error as words, with the node's own message when it says more.
pub fn error_words(e: &lnwatch_shared::activity::PayError) -> String {
    let message = failure_words(None, Some(&e.message)).unwrap_or_default();
    let Some(w) = failure_words(e.code, None) else { return message };
    // The node's sentence often ends with the name the code already gave: keep the rest.
    let plain = message.to_ascii_lowercase().replace('_', " ");
    let rest = match plain.find(&w) {
        Some(at) => format!("{}{}", &message[..at], &message[at + w.len()..]),
        None => message,
    };
    let rest = rest.trim_matches(|c: char| c == ':' || c == ',' || c.is_whitespace());
    if rest.is_empty() { w } else { format!("{w}: {rest}") }
}
