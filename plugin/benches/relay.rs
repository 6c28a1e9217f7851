//! Micro-benchmarks of the relay's per-notification work. `cargo bench -p lnwatch-plugin`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lnwatch_plugin::event::write_event_line;
use lnwatch_plugin::hub::{Hub, NodeInfo};
use serde_json::value::RawValue;

/// (topic, params) of the recorded mix.
fn mix() -> Vec<(String, Box<RawValue>)> {
    lnwatch_sim::workload::messages()
        .iter()
        .map(|m| {
            let v: serde_json::Value = serde_json::from_slice(m).expect("fixture");
            let params = RawValue::from_string(v["params"].to_string()).expect("raw");
            (v["method"].as_str().unwrap_or("").to_owned(), params)
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let mix = mix();
    let mut g = c.benchmark_group("relay");
    g.throughput(Throughput::Elements(mix.len() as u64));
    g.bench_function("event_line (mix, redaction on)", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            for (topic, params) in &mix {
                out.clear();
                write_event_line(&mut out, 1, 1_763_772_000_123, topic, None, Some(params), true);
                black_box(&out);
            }
        })
    });
    g.bench_function("hub publish (mix)", |b| {
        let hub = Hub::new(1000, 10_000, 64 << 20, true, NodeInfo::default());
        b.iter(|| {
            for (topic, params) in &mix {
                black_box(hub.publish(topic, None, Some(params)));
            }
        })
    });
    g.finish();
}

criterion_group!(relay, benches);
criterion_main!(relay);
