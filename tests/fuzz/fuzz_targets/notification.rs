//! The notification decoders and the monitor's one-line summary, on any params of any topic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lnwatch_shared::notification::{self, BUILTIN_TOPICS};
use serde_json::Value;

const CUSTOM: &[&str] = &["pay_part_start", "pay_part_end", "pay_success", "pay_failure", "channel_hint_update", "x"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let topics: Vec<&str> = BUILTIN_TOPICS.iter().map(|(t, _)| *t).chain(CUSTOM.iter().copied()).collect();
    let topic = topics[pick as usize % topics.len()];
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Ok(params) = serde_json::from_str::<Value>(text) else { return };
    for origin in [None, Some("cln-xpay")] {
        let n = notification::parse(topic, origin, &params);
        let _ = notification::peer_change(&n);
        let _ = notification::invoice(&n);
        let _ = notification::msat(n.body.get("msat"));
        let line = lnwatch::summary::line(&n);
        assert!(line.len() <= 1024 + '…'.len_utf8());
        // What the monitor stores for it, secrets and all.
        let ev = lnwatch::store::Ev::new(1, 0.0, topic.into(), origin, text);
        let _ = ev.summary(false);
        let _ = ev.pretty(false);
    }
});
