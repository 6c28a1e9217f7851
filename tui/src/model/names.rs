//! Node aliases from the node's gossip (`listnodes`), and when to ask for one again. A fresh
//! node learns its peers' announcements minutes after they connect, so an id without an alias
//! is asked again on a schedule that backs off (5 s, 15 s, 60 s, 5 min, then every 15 min);
//! a peer with a public channel announces itself, so it is asked at least every 30 s until it
//! has. A known alias is asked again when the node shows up and the alias is ten minutes old.

use std::collections::HashMap;

use serde_json::Value;

/// Seconds between asks for an unknown alias, by tries so far; the last repeats.
const BACKOFF: [f64; 5] = [5.0, 15.0, 60.0, 300.0, 900.0];
/// At most this long between asks for a peer with a public channel.
const PUBLIC_EVERY: f64 = 30.0;
/// A known alias is asked again (on the node's next appearance) after this long.
const MAX_AGE: f64 = 600.0;
/// Ids tracked at most (peers, payment destinations, failing hops).
const MAX_IDS: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    /// Empty: the node has gossip for it but no alias (the id stands in).
    alias: Option<String>,
    asked_at: f64,
    tries: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Names {
    ids: HashMap<String, Entry>,
}

impl Names {
    /// The alias, if gossip gave one that shows something.
    pub fn alias(&self, id: &str) -> Option<&str> {
        self.ids.get(id).and_then(|e| e.alias.as_deref()).filter(|a| !a.is_empty())
    }

    /// Whether the node's gossip has told anything about `id` (an alias, or that it has none).
    pub fn known(&self, id: &str) -> bool {
        self.ids.get(id).is_some_and(|e| e.alias.is_some())
    }

    /// `id` showed up (a peer connected, a payment named it): whether to ask for its alias now.
    /// Marks it asked.
    pub fn wants(&mut self, id: &str, now: f64) -> bool {
        let ask = match self.ids.get(id) {
            None => self.ids.len() < MAX_IDS,
            Some(e) if e.alias.is_some() => now - e.asked_at >= MAX_AGE,
            Some(e) => now >= e.asked_at + BACKOFF[e.tries.saturating_sub(1).min(BACKOFF.len() - 1)],
        };
        if ask {
            self.asked(id, now);
        }
        ask
    }

    fn asked(&mut self, id: &str, now: f64) {
        let e = self.ids.entry(id.to_owned()).or_insert(Entry { alias: None, asked_at: now, tries: 0 });
        e.asked_at = now;
        if e.alias.is_none() {
            e.tries += 1;
        }
    }

    /// Ids without an alias whose next ask is due at `now` (sooner for those `public` says have
    /// a public channel); each is marked asked.
    pub fn due(&mut self, now: f64, public: impl Fn(&str) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        for (id, e) in self.ids.iter_mut().filter(|(_, e)| e.alias.is_none()) {
            let mut wait = BACKOFF[e.tries.saturating_sub(1).min(BACKOFF.len() - 1)];
            if public(id) {
                wait = wait.min(PUBLIC_EVERY);
            }
            if now >= e.asked_at + wait {
                e.asked_at = now;
                e.tries += 1;
                out.push(id.clone());
            }
        }
        out
    }

    /// The node's `listnodes` answer for `id`: its alias when gossip has one (an empty one is
    /// kept: the node has nothing better); nothing yet leaves it due again later.
    pub fn answered(&mut self, id: &str, result: &Value) {
        for node in result.get("nodes").and_then(Value::as_array).into_iter().flatten() {
            let (Some(node_id), Some(alias)) =
                (node.get("nodeid").and_then(Value::as_str), node.get("alias").and_then(Value::as_str))
            else {
                continue;
            };
            if node_id != id && !self.ids.contains_key(node_id) {
                continue;
            }
            // One that shows nothing once sanitized counts as empty: the id stands in for it.
            let alias = if lnwatch_shared::sanitize::visible(alias) { alias } else { "" };
            let e = self.ids.entry(node_id.to_owned()).or_insert(Entry { alias: None, asked_at: 0.0, tries: 0 });
            e.alias = Some(alias.to_owned());
        }
    }

    /// What the views call a node: its alias, else its id cut short. Not yet sanitized.
    pub fn name(&self, id: &str) -> String {
        self.alias(id).map_or_else(|| crate::summary::short_id(id), str::to_owned)
    }

    /// Every id with an alias, with it: for writing names into text made before they were
    /// known.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, &str)> {
        self.ids.iter().filter_map(|(id, e)| Some((id.as_str(), e.alias.as_deref().filter(|a| !a.is_empty())?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "02aa";

    #[test]
    fn an_unknown_alias_is_asked_again_backing_off_and_sooner_for_public_peers() {
        let mut n = Names::default();
        assert!(n.wants(A, 0.0));
        assert!(!n.wants(A, 1.0), "asked a moment ago");
        n.answered(A, &json!({"nodes": []}));
        let due = |n: &mut Names, t: f64, public: bool| !n.due(t, |_| public).is_empty();
        assert!(!due(&mut n, 4.0, false));
        assert!(due(&mut n, 5.0, false));
        assert!(!due(&mut n, 19.0, false));
        assert!(due(&mut n, 20.0, false));
        assert!(!due(&mut n, 79.0, false));
        assert!(due(&mut n, 80.0, false));
        // Now 300 s apart, but a peer with a public channel is asked every 30 s.
        assert!(!due(&mut n, 109.0, true));
        assert!(due(&mut n, 110.0, true));
        n.answered(A, &json!({"nodes": [{"nodeid": A, "alias": "river-hub"}]}));
        assert_eq!(n.name(A), "river-hub");
        assert!(n.due(10_000.0, |_| true).is_empty(), "known: not asked on a schedule");
        assert!(!n.wants(A, 200.0));
        assert!(n.wants(A, 800.0), "an old alias is asked again when the node shows up");
    }

    #[test]
    fn an_alias_that_shows_nothing_is_the_id() {
        let mut n = Names::default();
        n.wants(A, 0.0);
        n.answered(A, &json!({"nodes": [{"nodeid": A, "alias": "\u{200b}\u{1b}[2J"}]}));
        assert!(n.known(A));
        assert_eq!(n.name(A), "02aa");
    }
}
