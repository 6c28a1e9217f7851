//! The lines of a detail view (Enter) for each kind of row: what is known about it, in words,
//! times in UTC, peers by name. Every value is sanitized as it is put in its row, so a newline
//! in a label or a peer's message shows as `⏎` and can never start a line of its own.

use lnwatch_shared::activity::{PartStatus, failure_words};
use lnwatch_shared::sanitize::sanitize;

use crate::clock::{ago, clock_on};
use crate::model::channels::Channel;
use crate::model::forwards::ForwardRow;
use crate::model::payments::Payment;
use std::sync::Arc;

use crate::state::{Data, Invoice};
use crate::store::Ev;
use crate::summary::sat;

/// What a detail view shows: a copy of the row as it was when opened.
#[derive(Debug, Clone)]
pub enum Subject {
    Event(Arc<Ev>),
    Invoice(Invoice),
    Channel(Box<Channel>),
    Forward(Box<ForwardRow>),
    Payment(Box<Payment>),
    /// A UTC day of the income view.
    Day(i64),
}

/// The lines of `subject`'s detail, sanitized: made when it is opened (or its secrets shown or
/// hidden), never per frame.
pub fn lines(subject: &Subject, data: &Data, now: f64, show_secrets: bool) -> Arc<[String]> {
    match subject {
        // Pretty JSON: a string's newlines stay escaped, so each line is the JSON's own.
        Subject::Event(ev) => ev.pretty(show_secrets).lines().map(|l| sanitize(l).into_owned()).collect(),
        Subject::Invoice(inv) => invoice(inv, show_secrets, now).into(),
        Subject::Channel(c) => channel(c, data, now).into(),
        Subject::Forward(f) => forward(f, data, now).into(),
        Subject::Payment(p) => payment(p, data, now).into(),
        Subject::Day(day) => income_day(*day, data).into(),
    }
}

/// A detail's lines: `key  value` rows and free lines, each one line whatever its value holds.
struct Lines {
    lines: Vec<String>,
    /// Keys are padded to this many columns.
    key: usize,
}

impl Lines {
    fn new(key: usize) -> Lines {
        Lines { lines: Vec::new(), key }
    }

    fn row(&mut self, key: &str, value: impl AsRef<str>) -> &mut Self {
        self.lines.push(format!("{key:<w$} {}", sanitize(value.as_ref()), w = self.key));
        self
    }

    /// Appends to the last line (a code after its reason).
    fn more(&mut self, text: impl AsRef<str>) {
        if let Some(last) = self.lines.last_mut() {
            last.push_str(&sanitize(text.as_ref()));
        }
    }

    fn line(&mut self, text: impl AsRef<str>) {
        self.lines.push(sanitize(text.as_ref()).into_owned());
    }
}

/// A time in UTC, dated unless it is on the day of `now`.
fn when(t: Option<f64>, now: f64, none: &str) -> String {
    t.map_or_else(|| none.to_owned(), |t| format!("{} UTC", clock_on(t, now)))
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
pub fn invoice(inv: &Invoice, show_secrets: bool, now: f64) -> Vec<String> {
    let preimage = match inv.preimage.as_deref() {
        None => "-",
        Some(lnwatch_shared::redact::REDACTED) => "redacted by the plugin",
        Some(_) if !show_secrets => crate::store::HIDDEN,
        Some(p) => p,
    };
    let mut out = Lines::new(9);
    out.row("label", &inv.label)
        .row("amount", inv.msat.map_or_else(|| "any amount".into(), sat))
        .row("state", inv.state(now).word())
        .row("created", when(inv.created, now, "before lnwatch was watching"))
        .row("paid", when(inv.paid, now, "-"))
        .row("expires", when(inv.expires_at, now, "not known yet (asked the node)"))
        .row("preimage", preimage);
    if let Some(offer) = &inv.offer_id {
        out.row("offer", offer);
    }
    out.lines
}

pub fn channel(c: &Channel, data: &Data, now: f64) -> Vec<String> {
    let since = c.since.map_or_else(|| "-".into(), |s| format!("{} UTC ({} ago)", clock_on(s, now), ago(now - s)));
    let connected = match data.peer_link(c) {
        Some(true) => "connected",
        Some(false) => "not connected",
        None => "-",
    };
    let mut out = Lines::new(11);
    out.row("peer", node(data, c.peer_id.as_deref()))
        .row("peer link", connected)
        .row("scid", opt(c.short_channel_id.as_deref()))
        .row("channel id", opt(c.channel_id.as_deref()))
        .row("funding tx", opt(c.funding_txid.as_deref()))
        .row("state", &c.state)
        .row("since", since)
        .row("capacity", amount(c.capacity_msat))
        .row("ours", amount(c.local_msat))
        .row("theirs", amount(c.remote_msat()))
        .row("can send", amount(c.spendable_msat))
        .row("can receive", amount(c.receivable_msat))
        .row("our fee", c.fee.map_or_else(|| "-".into(), |f| f.words()))
        .row("their fee", c.their_fee.map_or_else(|| "-".into(), |f| f.words()))
        .row("htlcs", c.htlcs.to_string());
    // Each HTLC in flight, soonest to expire first: how close it is to being forced on chain.
    let height = data.model.height;
    for h in &c.htlc_list {
        let left = match h.blocks_left(height) {
            Some(n) if n < 0 => format!("expired {} blocks ago", -n),
            Some(n) => format!("{n} blocks left"),
            None => "blocks left unknown".into(),
        };
        let expiry = h.expiry.map_or_else(|| "?".into(), |e| e.to_string());
        out.line(format!(
            "  {:<3} {:>16}  expiry {expiry:<8} {left:<18} {}",
            h.direction,
            amount(h.amount_msat),
            h.state
        ));
    }
    if let Some(cause) = &c.cause {
        out.row("cause", cause);
    }
    if let Some(m) = &c.message {
        out.row("message", m);
    }
    if let Some(by) = c.closed_by() {
        out.row("closed", by);
        out.row("closing tx", opt(c.closing_txid.as_deref()));
        out.row("ours at end", amount(c.final_msat.or(c.local_msat)));
        out.row("our funds", funds_back(c));
    }
    // lightningd's own words on it (on chain: what it waits for).
    for s in &c.status {
        out.row("node says", s);
    }
    out.lines
}

/// When our funds in a closing channel are ours to spend, from lightningd's status lines
/// (`… in 143 blocks will spend DELAYED_OUTPUT_TO_US …`).
fn funds_back(c: &Channel) -> String {
    match c.funds_back_in() {
        Some(n) => format!("time-locked: back in {n} blocks (about {})", ago(n as f64 * 600.0)),
        None if c.status.iter().any(|s| s.contains("All outputs resolved")) => "back in the wallet".into(),
        None if c.state == "CLOSED" => "back in the wallet".into(),
        None => "no time-lock named by the node".into(),
    }
}

/// A day of income: the node's records for it, and the bookkeeper's figure to check them by.
pub fn income_day(day: i64, data: &Data) -> Vec<String> {
    let d = data.model.forwards.days.get(day).cloned().unwrap_or_default();
    let m = data.model.money.as_ref().and_then(|m| m.get(&day).copied()).unwrap_or_default();
    let mut out = Lines::new(16);
    out.row("day (UTC)", crate::clock::date(day as f64 * 86_400.0))
        .row("forwards", format!("{} settled · {} failed ({} refused here)", d.settled, d.failures(), d.local_failed))
        .row("fees earned", sat(d.fees_msat))
        .row("forwarded", sat(d.forwarded_msat))
        .row("payments sent", format!("{} · {} failed", m.payments_sent, m.payments_failed))
        .row("payment fees", sat(m.payment_fees_msat))
        .row("invoices paid", format!("{} · {} received", m.invoices_paid, sat(m.received_msat)));
    // What the bookkeeper plugin counted as routing income that day, when it runs.
    let bkpr = match data.bookkeeper.get(&day) {
        None => "asking the bookkeeper (bkpr-listincome)…".to_owned(),
        Some(Err(why)) => format!("not available: {why}"),
        Some(Ok(fees)) if *fees == d.fees_msat => format!("{} routing fees: the same", sat(*fees)),
        Some(Ok(fees)) => format!("{} routing fees: differs by {}", sat(*fees), sat(fees.abs_diff(d.fees_msat))),
    };
    out.row("bookkeeper", bkpr);
    out.lines
}

pub fn forward(r: &ForwardRow, data: &Data, now: f64) -> Vec<String> {
    let f = &r.f;
    let side = |c: Option<&str>| match c {
        Some(c) => format!("{c} · {}", data.channel_peer(c).unwrap_or_else(|| "peer not known".into())),
        None => "-".into(),
    };
    let mut out = Lines::new(11);
    out.row("status", &f.status)
        .row("in", side(f.in_channel.as_deref()))
        .row("out", side(f.out_channel.as_deref()))
        .row("amount in", amount(f.in_msat))
        .row("amount out", amount(f.out_msat))
        .row("fee", amount(f.fee_msat))
        .row("received", when(f.received_time.or(Some(r.first)), now, "-"))
        .row("resolved", when(f.resolved_time.or((f.status != "offered").then_some(r.time)), now, "-"))
        .row("payment", opt(f.payment_hash.as_deref()));
    if f.is_failure() {
        let reason = f.why();
        let (where_, hint) = if f.is_local_failure() {
            ("refused here", f.hint())
        } else {
            ("failed further along the route", Some("the reason is in the onion only the payer can read"))
        };
        out.row("failure", where_);
        if let Some(r) = reason {
            out.row("reason", r);
        }
        if let Some(code) = f.failcode {
            out.more(format!(" (failcode {code})"));
        }
        if let Some(h) = hint {
            out.row("hint", h);
        }
    }
    if let Some(i) = f.created_index {
        out.row("index", i.to_string());
    }
    out.lines
}

pub fn payment(p: &Payment, data: &Data, now: f64) -> Vec<String> {
    let mut out = Lines::new(11);
    out.row("result", p.result().word())
        .row("destination", node(data, p.destination.as_deref()))
        .row("amount", amount(p.amount_msat()))
        .row("sent", amount(p.sent_msat()))
        .row("parts", format!("{} in {} attempt(s)", p.parts.len(), p.attempts()))
        .row("started", when(Some(p.first), now, "-"))
        .row("duration", format!("{:.1}s", p.duration()))
        .row("payment", &p.payment_hash);
    if let Some(e) = p.error() {
        out.row("error", error_words(e));
        if let Some(n) = &e.node {
            out.row("failed at", node(data, Some(n)));
        }
        if let Some(c) = &e.channel {
            out.row("channel", c);
        }
    }
    out.line("");
    out.line("parts (group/part  status  amount  hops  error)");
    for ((g, n), part) in &p.parts {
        let status = match part.status {
            PartStatus::Started => "pending",
            PartStatus::Succeeded => "ok",
            PartStatus::Failed => "failed",
        };
        let err = part.error.as_ref().map(error_words).unwrap_or_default();
        let hops = part.hops.map_or_else(|| "-".into(), |h| h.to_string());
        out.line(format!("{g}/{n}  {status}  {}  {hops}  {err}", amount(part.amount_msat)));
    }
    out.lines
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
