//! The benchmark workload: the recorded notification mix, cycled, plus a large
//! `onionmessage_forward_fail` (~2.7 KB) every 100 notifications, as a busy node sees them.

use serde_json::{Value, json};

use crate::fixtures;

/// A synthetic `onionmessage_forward_fail` of the size CLN sends (two ~1.3 KB hex blobs).
pub fn onionmessage_forward_fail() -> Value {
    json!({"jsonrpc":"2.0","method":"onionmessage_forward_fail","params":{"onionmessage_forward_fail":{
        "source":"0284d0fbe2c732030b8e35f0df5ed997cdd8ca8c8df26b2452a236bdffc2cdbbe0",
        "incoming":"ab".repeat(650),
        "path_key":"0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0",
        "outgoing":"cd".repeat(650),
        "next_node_id":"022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59"}}})
}

/// The distinct messages of the mix, each framed as lightningd frames it (`…\n\n`).
pub fn messages() -> Vec<Vec<u8>> {
    let mut mix: Vec<Value> = fixtures::mix();
    // 1 large message per 100.
    let large = onionmessage_forward_fail();
    let per = mix.len().div_ceil(99);
    mix.extend(std::iter::repeat_n(large, per));
    mix.iter()
        .map(|m| {
            let mut b = serde_json::to_vec(m).unwrap_or_default();
            b.extend_from_slice(b"\n\n");
            b
        })
        .collect()
}

/// `n` notifications of the mix, concatenated, and their mean size (without framing).
pub fn stream(n: usize) -> (Vec<u8>, f64) {
    let msgs = messages();
    let mut out = Vec::new();
    for i in 0..n {
        // Interleave so the large ones are spread evenly.
        out.extend_from_slice(&msgs[(i * 7919) % msgs.len()]);
    }
    let mean = (out.len() - 2 * n) as f64 / n.max(1) as f64;
    (out, mean)
}
