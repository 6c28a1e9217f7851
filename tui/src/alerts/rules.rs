//! The rules: from the monitor's state at one moment, which alert conditions hold. Pure: the
//! monitor and `lnwatch alerts` call [`evaluate`] once a second with the same state.

use lnwatch_shared::activity::failure_words;

use super::{Alerts, Condition, Kind, Rules, Severity};
use crate::clock::clock;
use crate::link::{Link, NodeStatus};
use crate::model::forwards::REFUSED_WINDOW;
use crate::model::payments::PayResult;
use crate::state::Data;
use crate::summary::{count, sat, short_id};

/// What the rules read.
pub struct Facts<'a> {
    pub data: &'a Data,
    pub link: &'a Link,
    /// The node answered for its channels since the relay's last hello: the state is the
    /// node's, not left over from before an outage.
    pub fresh: bool,
    /// Events the relay lost (since when, how many) that catch-up has not yet made good.
    pub lost: Option<(f64, u64)>,
    /// Alerts firing now: a firing one holds until well past its threshold (no flapping).
    pub firing: &'a Alerts,
    pub now: f64,
}

/// The node as alerts name it: its alias, else its id, else the socket watched.
pub fn node_name(link: &Link) -> String {
    let hello = link.hello.as_ref();
    hello
        .and_then(|h| h.alias.as_deref())
        .filter(|a| lnwatch_shared::sanitize::visible(a))
        .or_else(|| hello.and_then(|h| h.node_id.as_deref()))
        .map_or_else(|| link.socket.clone(), |s| lnwatch_shared::sanitize::one_line(s, 66))
}

/// The node's id, else the socket: `node_down`'s and `forward_failures`' subject.
pub fn node_subject(link: &Link) -> String {
    link.hello.as_ref().and_then(|h| h.node_id.clone()).unwrap_or_else(|| link.socket.clone())
}

/// The conditions holding now, and the kinds whose state is known now (the others keep what
/// fired: while the node is down, its peers and channels are as they were).
pub fn evaluate(f: &Facts, rules: &Rules) -> (Vec<Condition>, Vec<Kind>) {
    let mut out = Vec::new();
    let mut known = vec![Kind::NodeDown];
    if rules.node_down {
        node_down(f, rules, &mut out);
    }
    if f.link.status() != NodeStatus::Up {
        return (out, known);
    }
    known.extend([Kind::EventsLost, Kind::PaymentFailed, Kind::ForwardFailures]);
    if rules.events_lost {
        events_lost(f, &mut out);
    }
    if rules.payment_failed {
        payments(f, &mut out);
    }
    if rules.forward_failures > 0 {
        forward_failures(f, rules, &mut out);
    }
    if f.fresh {
        known.extend([Kind::ChannelClosing, Kind::PeerDown, Kind::HtlcExpiry, Kind::LowOutbound]);
        if rules.channel_closing {
            channel_closing(f, &mut out);
        }
        if rules.peer_down {
            peer_down(f, rules, &mut out);
        }
        if rules.htlc_expiry {
            htlc_expiry(f, rules, &mut out);
        }
        if rules.low_outbound_pct > 0 {
            low_outbound(f, rules, &mut out);
        }
    }
    (out, known)
}

fn firing(kind: Kind, subject: String, severity: Severity, message: String) -> Condition {
    Condition { kind, subject, severity, message, since: None, after: 0.0, firing: true, peer: None }
}

fn node_down(f: &Facts, rules: &Rules, out: &mut Vec<Condition>) {
    let link = f.link;
    let name = node_name(link);
    let down = match link.status() {
        NodeStatus::Down { since, why } => Some((since, Severity::Critical, format!("node {name} down: {why}"))),
        NodeStatus::PluginStopped { since } => Some((
            since,
            Severity::Warning,
            format!("lnwatch-plugin stopped on {name} (plugin stop): lightningd runs, nothing is watched"),
        )),
        NodeStatus::Up => link
            .unanswered_since
            .map(|since| (since, Severity::Critical, format!("node {name} not answering (its RPC times out)"))),
        // Never reached since lnwatch started.
        NodeStatus::Unknown => link.absent.as_ref().map(|why| {
            let why = why.first().map_or("", String::as_str);
            (link.started, Severity::Critical, format!("cannot reach lnwatch-plugin at {}: {why}", link.socket))
        }),
    };
    if let Some((since, severity, message)) = down {
        out.push(Condition {
            since: Some(since),
            after: rules.node_down_after as f64,
            message: format!("{message} (since {} UTC)", clock(since)),
            ..firing(Kind::NodeDown, node_subject(link), severity, String::new())
        });
    }
}

fn events_lost(f: &Facts, out: &mut Vec<Condition>) {
    if let Some((since, n)) = f.lost {
        let message = format!(
            "the relay lost {} since {} UTC: counts are short until catch-up from the node's records ends",
            count(n, "event"),
            clock(since)
        );
        out.push(firing(Kind::EventsLost, node_subject(f.link), Severity::Warning, message));
    }
}

fn payments(f: &Facts, out: &mut Vec<Condition>) {
    let data = f.data;
    for p in data.model.payments.iter() {
        let hash = &p.payment_hash;
        let to = p.destination.as_deref().map(|d| format!(" to {}", data.name(d))).unwrap_or_default();
        let amount = p.amount_msat().map(|m| format!(" of {}", sat(m))).unwrap_or_default();
        match p.result() {
            // Failed for good, on the node's word (see `model::payments`). Only payments tried
            // since lnwatch started: a restart does not ring for old ones.
            PayResult::Failed if p.last >= f.link.started => {
                let why = p.error().and_then(|e| failure_words(e.code, Some(&e.message))).unwrap_or_default();
                let why = if why.is_empty() { String::new() } else { format!(": {why}") };
                let message = format!("payment {}{amount}{to} failed{why}", short_id(hash));
                out.push(Condition {
                    peer: p.destination.clone(),
                    ..firing(Kind::PaymentFailed, hash.clone(), Severity::Warning, message)
                });
            }
            PayResult::Succeeded if f.firing.is_firing(Kind::PaymentFailed, hash) => out.push(Condition {
                firing: false,
                ..firing(
                    Kind::PaymentFailed,
                    hash.clone(),
                    Severity::Warning,
                    format!("payment {}{to} paid", short_id(hash)),
                )
            }),
            _ => {}
        }
    }
}

fn forward_failures(f: &Facts, rules: &Rules, out: &mut Vec<Condition>) {
    let forwards = &f.data.model.forwards;
    let n = forwards.refused_within(f.now) as u64;
    let subject = node_subject(f.link);
    // Fires at the threshold; holds until the count is under half of it.
    let hold = rules.forward_failures.div_ceil(2).max(1);
    let holds = n >= rules.forward_failures || (n >= hold && f.firing.is_firing(Kind::ForwardFailures, &subject));
    if !holds {
        return;
    }
    let latest = forwards.last_refused.as_ref().map_or_else(String::new, |fw| {
        let out = fw.out_channel.as_deref().unwrap_or("?");
        let peer = f.data.model.channels.find(out).and_then(|c| c.peer_id.as_deref()).map(|p| f.data.name(p));
        let peer = peer.map(|p| format!(" ({p})")).unwrap_or_default();
        let why = fw.why().unwrap_or_else(|| "no reason given".into());
        format!("; latest out {out}{peer}: {why}")
    });
    let message = format!("{} refused here in the last {:.0} min{latest}", count(n, "forward"), REFUSED_WINDOW / 60.0);
    out.push(firing(Kind::ForwardFailures, subject, Severity::Warning, message));
}

/// A channel's name in a message: its short id, else its id cut short, and its peer.
fn channel_words(f: &Facts, c: &crate::model::channels::Channel) -> (String, String) {
    let subject = c.short_channel_id.clone().or_else(|| c.channel_id.clone()).unwrap_or_else(|| "?".into());
    let shown = c.short_channel_id.clone().unwrap_or_else(|| short_id(&subject));
    let peer = c.peer_id.as_deref().map(|p| format!(" with {}", f.data.name(p))).unwrap_or_default();
    (subject, format!("channel {shown}{peer}"))
}

fn channel_closing(f: &Facts, out: &mut Vec<Condition>) {
    for c in f.data.model.channels.iter().filter(|c| c.is_closing() && c.state != "CLOSED") {
        let (subject, name) = channel_words(f, c);
        let by = c.closed_by().unwrap_or("closing");
        let why = c.message.as_deref().map(|m| format!(": {}", lnwatch_shared::sanitize::one_line(m, 120)));
        let message = format!("{name} closing, {by}, now {}{}", c.state_words(), why.unwrap_or_default());
        out.push(Condition {
            since: c.since,
            peer: c.peer_id.clone(),
            ..firing(Kind::ChannelClosing, subject, Severity::Warning, message)
        });
    }
}

fn peer_down(f: &Facts, rules: &Rules, out: &mut Vec<Condition>) {
    let data = f.data;
    let mut seen = std::collections::HashSet::new();
    for c in data.model.channels.iter().filter(|c| !c.is_closing()) {
        let Some(id) = c.peer_id.as_deref() else { continue };
        if !seen.insert(id) {
            continue;
        }
        let peer = data.peers.get(id);
        let connected = peer.map(|p| p.connected).or(c.peer_connected).unwrap_or(true);
        if connected {
            continue;
        }
        let (open, _) = data.model.channels.with_peer(id);
        // Unknown since when (a peer already down when the relay started): from when found.
        let since = peer.and_then(|p| p.since);
        let when = since.map(|s| format!(" since {} UTC", clock(s))).unwrap_or_default();
        let message = format!("peer {} down{when} with {}", data.name(id), count(open as u64, "channel"));
        out.push(Condition {
            since,
            after: rules.peer_down_after as f64,
            peer: Some(id.to_owned()),
            ..firing(Kind::PeerDown, id.to_owned(), Severity::Warning, message)
        });
    }
}

fn htlc_expiry(f: &Facts, rules: &Rules, out: &mut Vec<Condition>) {
    let height = f.data.model.height;
    // One per payment: a forward's HTLC in and HTLC out share it; the one expiring first speaks.
    let mut soonest: std::collections::BTreeMap<String, (i64, Condition)> = Default::default();
    for c in f.data.model.channels.iter() {
        for h in &c.htlc_list {
            let Some(left) = h.blocks_left(height).filter(|l| *l <= rules.htlc_expiry_blocks as i64) else {
                continue;
            };
            let (scid, name) = channel_words(f, c);
            let subject = h.payment_hash.clone().unwrap_or_else(|| format!("{scid}/{}", h.expiry.unwrap_or(0)));
            if soonest.get(&subject).is_some_and(|(l, _)| *l <= left) {
                continue;
            }
            let amount = h.amount_msat.map(sat).unwrap_or_else(|| "?".into());
            let message = format!(
                "HTLC of {amount} {} on {name} expires at block {}: {left} blocks left",
                h.direction,
                h.expiry.unwrap_or(0)
            );
            let cond = Condition {
                peer: c.peer_id.clone(),
                ..firing(Kind::HtlcExpiry, subject.clone(), Severity::Critical, message)
            };
            soonest.insert(subject, (left, cond));
        }
    }
    out.extend(soonest.into_values().map(|(_, c)| c));
}

fn low_outbound(f: &Facts, rules: &Rules, out: &mut Vec<Condition>) {
    for c in f.data.model.channels.iter().filter(|c| c.is_normal()) {
        let (Some(cap), Some(can)) = (c.capacity_msat, c.spendable_msat.or(c.local_msat)) else { continue };
        if cap == 0 {
            continue;
        }
        let (subject, name) = channel_words(f, c);
        let pct = can as f64 * 100.0 / cap as f64;
        // Holds until 5 points above the threshold: a payment either way does not flap it.
        let limit =
            rules.low_outbound_pct as f64 + if f.firing.is_firing(Kind::LowOutbound, &subject) { 5.0 } else { 0.0 };
        if pct < limit {
            let message =
                format!("{name} can send {} of {} ({pct:.1}%, under {}%)", sat(can), sat(cap), rules.low_outbound_pct);
            out.push(Condition {
                peer: c.peer_id.clone(),
                ..firing(Kind::LowOutbound, subject, Severity::Info, message)
            });
        }
    }
}
