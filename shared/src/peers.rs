//! The peer table: a `listpeers` snapshot kept current by connect/disconnect notifications.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::notification::{Direction, PeerChange};

/// What is known of one peer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerState {
    pub id: String,
    pub connected: bool,
    /// From the last connect; unknown for peers seen only in a snapshot (or sent a direction
    /// this build does not know).
    #[serde(deserialize_with = "lenient_direction")]
    pub direction: Option<Direction>,
    /// The `connect` address object, or a `listpeers` `netaddr` string.
    pub address: Option<Value>,
    /// Unix time of the last observed state change; unknown for snapshot-only peers.
    pub since: Option<f64>,
    /// Connects observed since the table started.
    pub connects: u64,
    /// Disconnects observed since the table started.
    pub disconnects: u64,
    /// From `listpeers`, when known.
    pub num_channels: Option<u64>,
}

fn lenient_direction<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Direction>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.as_ref().and_then(Value::as_str).and_then(Direction::parse))
}

/// Disconnected peers remembered at most; past this the one down longest is forgotten, so a
/// node that sees many short-lived connections does not grow the table with uptime.
pub const MAX_DISCONNECTED: usize = 1000;

/// Peers by node id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeerTable {
    peers: BTreeMap<String, PeerState>,
}

impl PeerTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.peers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&PeerState> {
        self.peers.get(id)
    }

    /// Peers in node-id order.
    pub fn iter(&self) -> impl Iterator<Item = &PeerState> {
        self.peers.values()
    }

    pub fn connected_count(&self) -> usize {
        self.peers.values().filter(|p| p.connected).count()
    }

    /// A table holding exactly `peers` (a `peers` frame).
    pub fn from_states(peers: Vec<PeerState>) -> Self {
        PeerTable { peers: peers.into_iter().map(|p| (p.id.clone(), p)).collect() }
    }

    /// Forgets peers that are not connected.
    pub fn retain_connected(&mut self) {
        self.peers.retain(|_, p| p.connected);
    }

    /// Applies one connect/disconnect observed at `time`. Returns whether anything changed.
    pub fn apply(&mut self, change: &PeerChange, time: f64) -> bool {
        match change {
            PeerChange::Connect { id, direction, address } => {
                let p = self.entry(id);
                p.connected = true;
                p.since = Some(time);
                p.connects += 1;
                p.direction = (*direction).or(p.direction);
                if address.is_some() {
                    p.address = address.clone();
                }
                true
            }
            PeerChange::Disconnect { id } => {
                let p = self.entry(id);
                // A disconnect for a peer already down (e.g. reported twice) changes nothing.
                if !p.connected && p.disconnects > 0 {
                    return false;
                }
                p.connected = false;
                p.since = Some(time);
                p.disconnects += 1;
                self.forget_oldest_disconnected();
                true
            }
        }
    }

    fn forget_oldest_disconnected(&mut self) {
        let down = || self.peers.values().filter(|p| !p.connected);
        if down().count() <= MAX_DISCONNECTED {
            return;
        }
        let oldest =
            down().min_by(|a, b| a.since.unwrap_or(0.0).total_cmp(&b.since.unwrap_or(0.0))).map(|p| p.id.clone());
        if let Some(id) = oldest {
            self.peers.remove(&id);
        }
    }

    /// Replaces the table with a snapshot. Peers absent from it are dropped; for peers present
    /// in both, what the snapshot cannot tell (direction, since, counters) is kept, and `since`
    /// only survives if the connection state agrees.
    pub fn apply_snapshot(&mut self, snapshot: Vec<PeerState>) {
        let mut old = std::mem::take(&mut self.peers);
        for mut p in snapshot {
            if let Some(prev) = old.remove(&p.id) {
                p.connects = p.connects.max(prev.connects);
                p.disconnects = p.disconnects.max(prev.disconnects);
                p.direction = p.direction.or(prev.direction);
                p.address = p.address.or(prev.address);
                if prev.connected == p.connected {
                    p.since = p.since.or(prev.since);
                }
            }
            self.peers.insert(p.id.clone(), p);
        }
    }

    /// [`apply_snapshot`](Self::apply_snapshot) for a snapshot requested before `newer` were
    /// observed: they are applied again on top, so events newer than the request win. They
    /// were already counted when first applied, and the counters survive the snapshot.
    pub fn apply_snapshot_before(&mut self, snapshot: Vec<PeerState>, newer: &[(PeerChange, f64)]) {
        self.apply_snapshot(snapshot);
        for (change, time) in newer {
            let p = self.entry(change.id());
            match change {
                PeerChange::Connect { direction, address, .. } => {
                    p.connected = true;
                    p.connects = p.connects.max(1);
                    p.direction = (*direction).or(p.direction);
                    if address.is_some() {
                        p.address = address.clone();
                    }
                }
                PeerChange::Disconnect { .. } => {
                    p.connected = false;
                    p.disconnects = p.disconnects.max(1);
                }
            }
            p.since = Some(*time);
        }
    }

    /// The table as a list, for a `peers` frame.
    pub fn to_vec(&self) -> Vec<PeerState> {
        self.peers.values().cloned().collect()
    }

    fn entry(&mut self, id: &str) -> &mut PeerState {
        self.peers.entry(id.to_owned()).or_insert_with(|| PeerState { id: id.to_owned(), ..PeerState::default() })
    }
}

/// Peers from a `listpeers` result (`{"peers":[{"id","connected","netaddr":[…],"num_channels"}]}`).
/// Entries without a string `id` are skipped.
pub fn from_listpeers(result: &Value) -> Vec<PeerState> {
    let Some(list) = result.get("peers").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| {
            Some(PeerState {
                id: p.get("id")?.as_str()?.to_owned(),
                connected: p.get("connected").and_then(Value::as_bool).unwrap_or(false),
                address: p.get("netaddr").and_then(Value::as_array).and_then(|a| a.first()).cloned(),
                num_channels: p.get("num_channels").and_then(Value::as_u64),
                ..PeerState::default()
            })
        })
        .collect()
}

/// `address` as people write it: `127.0.0.1:9735`, `[::1]:9735`, `x.onion:9735`, a socket path.
pub fn format_address(address: &Value) -> String {
    match address {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let host = o.get("address").and_then(Value::as_str);
            let port = o.get("port").and_then(Value::as_u64);
            let kind = o.get("type").and_then(Value::as_str).unwrap_or("");
            match (host, port) {
                (Some(h), Some(p)) if kind == "ipv6" => format!("[{h}]:{p}"),
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_owned(),
                _ => o.get("socket").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| kind.to_owned()),
            }
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::Direction;
    use serde_json::json;

    fn connect(id: &str) -> PeerChange {
        PeerChange::Connect {
            id: id.into(),
            direction: Some(Direction::Out),
            address: Some(json!({"type":"ipv4","address":"127.0.0.1","port":19847})),
        }
    }

    #[test]
    fn connect_disconnect_transitions() {
        let mut t = PeerTable::new();
        assert!(t.apply(&connect("02aa"), 10.0));
        let p = t.get("02aa").unwrap();
        assert!(p.connected);
        assert_eq!(p.direction, Some(Direction::Out));
        assert_eq!(p.since, Some(10.0));
        assert_eq!(p.connects, 1);
        assert!(t.apply(&PeerChange::Disconnect { id: "02aa".into() }, 20.0));
        assert!(!t.apply(&PeerChange::Disconnect { id: "02aa".into() }, 21.0), "repeat is a no-op");
        let p = t.get("02aa").unwrap();
        assert!(!p.connected);
        assert_eq!(p.since, Some(20.0));
        assert_eq!((p.connects, p.disconnects), (1, 1));
        t.apply(&connect("02aa"), 30.0);
        assert_eq!(t.get("02aa").unwrap().connects, 2);
        assert_eq!(t.connected_count(), 1);
        // A disconnect for a peer never seen still records it.
        assert!(t.apply(&PeerChange::Disconnect { id: "03bb".into() }, 31.0));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn disconnected_peers_are_bounded() {
        let mut t = PeerTable::new();
        for i in 0..MAX_DISCONNECTED + 5 {
            let id = format!("02{i:04}");
            t.apply(&connect(&id), i as f64);
            t.apply(&PeerChange::Disconnect { id }, i as f64 + 0.5);
        }
        t.apply(&connect("03up"), 0.0);
        assert_eq!(t.len(), MAX_DISCONNECTED + 1);
        assert!(t.get("020000").is_none(), "the peer down longest is forgotten first");
        assert!(t.get("03up").is_some());
    }

    #[test]
    fn snapshot_replaces_but_keeps_what_it_cannot_know() {
        let mut t = PeerTable::new();
        t.apply(&connect("02aa"), 10.0);
        t.apply(&connect("02gone"), 11.0);
        let snap = from_listpeers(&json!({"peers":[
            {"id":"02aa","connected":true,"netaddr":["127.0.0.1:19847"],"num_channels":1},
            {"id":"03cc","connected":false,"num_channels":0},
            {"connected":true}
        ]}));
        t.apply_snapshot(snap);
        assert_eq!(t.len(), 2);
        let a = t.get("02aa").unwrap();
        assert_eq!((a.connected, a.connects, a.since), (true, 1, Some(10.0)));
        assert_eq!(a.direction, Some(Direction::Out));
        assert_eq!(a.address, Some(json!("127.0.0.1:19847")));
        assert_eq!(a.num_channels, Some(1));
        let c = t.get("03cc").unwrap();
        assert_eq!((c.connected, c.since), (false, None));
    }

    #[test]
    fn listpeers_of_any_shape_never_fails() {
        assert!(from_listpeers(&json!(null)).is_empty());
        assert!(from_listpeers(&json!({"peers":{}})).is_empty());
        assert!(!from_listpeers(&json!({"peers":[{"id":"x","connected":"yes"}]}))[0].connected);
    }

    #[test]
    fn addresses_format_like_people_write_them() {
        assert_eq!(format_address(&json!({"type":"ipv4","address":"127.0.0.1","port":9735})), "127.0.0.1:9735");
        assert_eq!(format_address(&json!({"type":"ipv6","address":"::1","port":9735})), "[::1]:9735");
        assert_eq!(format_address(&json!({"type":"local socket","socket":"/tmp/s"})), "/tmp/s");
        assert_eq!(format_address(&json!("1.2.3.4:1")), "1.2.3.4:1");
        assert_eq!(format_address(&json!(null)), "");
    }
}
