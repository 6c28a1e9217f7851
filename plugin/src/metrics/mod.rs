//! Prometheus metrics (`lnwatch-metrics=HOST:PORT`): `GET /metrics` in the OpenMetrics text
//! format, encoded by `prometheus-client`. Nothing here runs on the relay's path: the hub only
//! counts notifications by topic (an increment under the lock it already holds); the node's
//! records are read by a task of their own ([`records`]), the channels and the chain at each
//! scrape, by the HTTP task.
//!
//! Label values are bounded: topics (the hub's interned names), statuses and states (Core
//! Lightning's words), channels (the node's own) with their peer's alias or id. No payment
//! hash, no free text.

pub mod http;
pub mod records;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use self::records::{Cursor, Lane, List, Tally};
use crate::hub::Hub;
use crate::outbox::Logger;

/// Entries asked for per page of the records.
const PAGE: u64 = 1000;
/// How often the records are read again for what is new.
const FOLLOW_EVERY: Duration = Duration::from_secs(5);
/// Peers whose alias is asked for per round (`listnodes`), so a big node's first rounds stay short.
const ALIASES_PER_ROUND: usize = 50;
/// How long the node gets per call made for a scrape.
const SCRAPE_CALL: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TopicLabel {
    topic: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabel {
    short_channel_id: String,
    peer: String,
}

/// The metrics and what they are made from.
pub struct Metrics {
    registry: Registry,
    notifications: Family<TopicLabel, Counter>,
    forwards: Family<StatusLabel, Counter>,
    fees: Counter,
    payments: Family<StatusLabel, Counter>,
    invoices_paid: Counter,
    peers_connected: Gauge,
    channels: Family<StateLabel, Gauge>,
    local: Family<ChannelLabel, Gauge>,
    capacity: Family<ChannelLabel, Gauge>,
    peer_connected: Family<ChannelLabel, Gauge>,
    htlcs: Gauge,
    soonest_expiry: Family<DirectionLabel, Gauge>,
    height: Gauge,
    clients: Gauge,
    dropped: Counter,
    caught_up: Gauge,
    node_up: Gauge,
    /// The records as counted, and how far they were read.
    tally: Tally,
    cursor: Cursor,
    /// Peers' aliases from gossip (`None`: it has none), and the channel peers the last scrape
    /// met whose alias was not asked for yet.
    aliases: HashMap<String, Option<String>>,
    unnamed: Vec<String>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let m = Metrics {
            registry: Registry::default(),
            notifications: Default::default(),
            forwards: Default::default(),
            fees: Default::default(),
            payments: Default::default(),
            invoices_paid: Default::default(),
            peers_connected: Default::default(),
            channels: Default::default(),
            local: Default::default(),
            capacity: Default::default(),
            peer_connected: Default::default(),
            htlcs: Default::default(),
            soonest_expiry: Default::default(),
            height: Default::default(),
            clients: Default::default(),
            dropped: Default::default(),
            caught_up: Default::default(),
            node_up: Default::default(),
            tally: Tally::default(),
            cursor: Cursor::default(),
            aliases: HashMap::new(),
            unnamed: Vec::new(),
        };
        let r = &mut registry;
        r.register("lnwatch_notifications", "Notifications relayed, by topic", m.notifications.clone());
        r.register(
            "lnwatch_forwards",
            "Forwards by Core Lightning's status (offered: every forward)",
            m.forwards.clone(),
        );
        r.register("lnwatch_forward_fees_msat", "Fees earned by settled forwards, msat", m.fees.clone());
        r.register("lnwatch_payments", "Payment parts (sendpay) by the status they ended in", m.payments.clone());
        r.register("lnwatch_invoices_paid", "Invoices paid", m.invoices_paid.clone());
        r.register("lnwatch_peers_connected", "Peers connected now", m.peers_connected.clone());
        r.register("lnwatch_channels", "Channels by Core Lightning's state", m.channels.clone());
        r.register("lnwatch_channel_local_msat", "What is ours in a channel, msat", m.local.clone());
        r.register("lnwatch_channel_capacity_msat", "A channel's capacity, msat", m.capacity.clone());
        r.register("lnwatch_channel_peer_connected", "1 if the channel's peer is connected", m.peer_connected.clone());
        r.register("lnwatch_htlcs_in_flight", "HTLCs in flight on all channels", m.htlcs.clone());
        r.register(
            "lnwatch_htlc_soonest_expiry_blocks",
            "Blocks until the HTLC in flight closest to its expiry expires, by direction (in: offered to us; absent with none)",
            m.soonest_expiry.clone(),
        );
        r.register("lnwatch_block_height", "The chain height the node is at", m.height.clone());
        r.register("lnwatch_relay_clients", "Clients on the relay's socket now", m.clients.clone());
        r.register("lnwatch_relay_dropped", "Events clients missed, told as gaps", m.dropped.clone());
        r.register(
            "lnwatch_records_caught_up",
            "1 once the node's records have been read to the end since the plugin started",
            m.caught_up.clone(),
        );
        r.register("lnwatch_node_up", "1 if the node answered this scrape's questions", m.node_up.clone());
        Metrics { registry, ..m }
    }

    /// The counters brought up to the tally.
    fn apply_tally(&self) {
        for (status, n) in &self.tally.forwards {
            raise(&self.forwards.get_or_create(&StatusLabel { status: status.clone() }), *n);
        }
        for (status, n) in &self.tally.payments {
            raise(&self.payments.get_or_create(&StatusLabel { status: status.clone() }), *n);
        }
        raise(&self.fees, self.tally.fees_msat);
        raise(&self.invoices_paid, self.tally.invoices_paid);
    }

    /// What the hub counted.
    fn apply_hub(&self, hub: &Hub) {
        let counts = hub.counts();
        for (topic, n) in counts.topics {
            raise(&self.notifications.get_or_create(&TopicLabel { topic: topic.to_string() }), n);
        }
        self.peers_connected.set(counts.peers_connected as i64);
        self.clients.set(hub.clients.load(std::sync::atomic::Ordering::Relaxed) as i64);
        raise(&self.dropped, hub.dropped.load(std::sync::atomic::Ordering::Relaxed));
    }

    /// The channels and the chain height as the node says now.
    fn apply_node(&mut self, channels: &Value, info: &Value) {
        self.channels.clear();
        self.local.clear();
        self.capacity.clear();
        self.peer_connected.clear();
        let height = info.get("blockheight").and_then(Value::as_i64);
        let mut htlcs = 0i64;
        let mut soonest: HashMap<String, i64> = HashMap::new();
        for c in channels.get("channels").and_then(Value::as_array).into_iter().flatten() {
            for h in c.get("htlcs").and_then(Value::as_array).into_iter().flatten() {
                htlcs += 1;
                let direction = h.get("direction").and_then(Value::as_str).unwrap_or("?");
                if let (Some(e), Some(now)) = (h.get("expiry").and_then(Value::as_i64), height)
                    && matches!(direction, "in" | "out")
                {
                    let left = soonest.entry(direction.to_owned()).or_insert(e - now);
                    *left = (*left).min(e - now);
                }
            }
            let state = c.get("state").and_then(Value::as_str).unwrap_or("UNKNOWN").to_owned();
            self.channels.get_or_create(&StateLabel { state }).inc();
            let peer_id = c.get("peer_id").and_then(Value::as_str).unwrap_or_default();
            let peer = match self.aliases.get(peer_id) {
                Some(alias) => alias.clone().unwrap_or_else(|| peer_id.to_owned()),
                None => {
                    if !peer_id.is_empty() && self.unnamed.len() < ALIASES_PER_ROUND {
                        self.unnamed.push(peer_id.to_owned());
                    }
                    peer_id.to_owned()
                }
            };
            let Some(scid) = c.get("short_channel_id").or_else(|| c.get("channel_id")).and_then(Value::as_str) else {
                continue;
            };
            let label = ChannelLabel { short_channel_id: scid.to_owned(), peer };
            let msat = |k: &str| lnwatch_shared::notification::msat(c.get(k)).map(|m| m.min(i64::MAX as u64) as i64);
            if let Some(m) = msat("to_us_msat") {
                self.local.get_or_create(&label).set(m);
            }
            if let Some(m) = msat("total_msat") {
                self.capacity.get_or_create(&label).set(m);
            }
            if let Some(up) = c.get("peer_connected").and_then(Value::as_bool) {
                self.peer_connected.get_or_create(&label).set(i64::from(up));
            }
        }
        self.htlcs.set(htlcs);
        if let Some(h) = height {
            self.height.set(h);
        }
        // Absent when nothing is in flight: a rule on it never fires for "no HTLC".
        self.soonest_expiry.clear();
        for (direction, left) in soonest {
            self.soonest_expiry.get_or_create(&DirectionLabel { direction }).set(left);
        }
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A counter moved up to `n` (counters only go up; a smaller `n` leaves it).
fn raise(c: &Counter, n: u64) {
    let now = c.get();
    if n > now {
        c.inc_by(n - now);
    }
}

/// The exporter's state, shared by the records task and the HTTP task.
pub type Shared = Arc<Mutex<Metrics>>;

/// Reads the node's records from the start, then what is new every few seconds, for as long
/// as the plugin runs. An error (the node busy, a list it lacks) is logged once and retried.
pub async fn follow(rpc_file: PathBuf, metrics: Shared, log: Logger) {
    let mut said = false;
    loop {
        match read_new(&rpc_file, &metrics).await {
            Ok(()) => {
                metrics.lock().await.caught_up.set(1);
                said = false;
            }
            Err(e) if !said => {
                log.unusual(format!("metrics: cannot read the node's records yet: {e}"));
                said = true;
            }
            Err(_) => {}
        }
        aliases(&rpc_file, &metrics).await;
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

/// Every list's lanes, page by page, until a short page.
async fn read_new(rpc_file: &Path, metrics: &Shared) -> std::io::Result<()> {
    for list in List::ALL {
        for lane in [Lane::Created, Lane::Updated] {
            loop {
                let start = metrics.lock().await.cursor.next(list, lane);
                let params = json!({"index": lane.name(), "start": start, "limit": PAGE});
                let answer = crate::rpc::call(rpc_file, list.method(), params).await?;
                let entries = answer.get(list.member()).and_then(Value::as_array).cloned().unwrap_or_default();
                let mut m = metrics.lock().await;
                m.tally.page(list, lane, &entries);
                m.cursor.passed(list, lane, &entries);
                m.apply_tally();
                if (entries.len() as u64) < PAGE {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Asks gossip for the aliases of the channel peers the last scrape could not name, a few per
/// round (the scrape has the channels already; nothing is listed twice for this).
async fn aliases(rpc_file: &Path, metrics: &Shared) {
    let mut unknown = std::mem::take(&mut metrics.lock().await.unnamed);
    unknown.sort();
    unknown.dedup();
    for id in unknown {
        let alias = crate::rpc::call(rpc_file, "listnodes", json!({"id": id})).await.ok().and_then(|v| {
            let alias = v.get("nodes")?.get(0)?.get("alias")?.as_str()?.to_owned();
            // A label value is the operator's to read: no control characters, bounded.
            Some(lnwatch_shared::sanitize::one_line(&alias, 64)).filter(|a| !a.is_empty())
        });
        metrics.lock().await.aliases.insert(id, alias);
    }
}

/// Brings everything up to date for a scrape and encodes it.
pub async fn scrape(rpc_file: &Path, hub: &Hub, metrics: &Shared) -> String {
    let ask = |method: &'static str| async move {
        tokio::time::timeout(SCRAPE_CALL, crate::rpc::call(rpc_file, method, json!({}))).await.ok().and_then(Result::ok)
    };
    let (channels, info) = tokio::join!(ask("listpeerchannels"), ask("getinfo"));
    let mut m = metrics.lock().await;
    m.apply_hub(hub);
    match (channels, info) {
        (Some(channels), Some(info)) => {
            m.apply_node(&channels, &info);
            m.node_up.set(1);
        }
        // Kept as last known; the node's word is missing from this scrape.
        _ => {
            m.node_up.set(0);
        }
    }
    m.encode()
}
