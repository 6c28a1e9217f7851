//! The monitor without a terminal: how fast the app state ingests events (decode + update), and
//! how long one frame takes at 120×40 with full buffers. `cargo bench -p lnwatch`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lnwatch::app::{App, Msg};
use lnwatch::decode::{Decoder, Received};
use lnwatch_shared::frame::{self, Event, Frame, Peers};
use lnwatch_shared::peers::PeerState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// `n` event lines of the recorded mix, as the plugin sends them.
fn lines(n: usize) -> Vec<Vec<u8>> {
    let msgs = lnwatch_sim::workload::messages();
    (0..n)
        .map(|i| {
            let v: serde_json::Value = serde_json::from_slice(&msgs[i % msgs.len()]).expect("fixture");
            frame::encode(&Frame::Event(Event {
                seq: i as u64 + 1,
                time: 1_763_772_000.0 + i as f64 / 1000.0,
                topic: v["method"].as_str().unwrap_or("").to_owned(),
                origin: v.get("origin").and_then(|o| o.as_str()).map(str::to_owned),
                params: v["params"].clone(),
            }))
        })
        .collect()
}

/// An app with every topic's history full (default 1000) and 1000 peers.
fn full_app() -> App {
    let mut app = App::new("/tmp/l1-regtest/notif.sock".into(), 1000, None, 1_763_772_100.0);
    let peers = (0..1000)
        .map(|i| PeerState {
            id: format!("02{i:064x}"),
            connected: i % 3 != 0,
            direction: Some(lnwatch_shared::notification::Direction::In),
            address: Some(serde_json::json!({"type":"ipv4","address":"10.0.0.1","port":9735})),
            since: Some(1_763_772_000.0),
            connects: 1,
            ..PeerState::default()
        })
        .collect();
    app.update(Msg::Batch(vec![Received::Frame(Frame::Peers(Peers { seq: 0, peers, complete: true }))]));
    let mut dec = Decoder::default();
    let all = lines(60_000);
    for chunk in all.chunks(1000) {
        app.update(Msg::Batch(chunk.iter().map(|l| dec.line(l)).collect()));
    }
    app
}

fn ingest(c: &mut Criterion) {
    let batch = lines(10_000);
    let mut g = c.benchmark_group("tui");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("ingest: decode + update (10k events)", |b| {
        let mut app = App::new("s".into(), 1000, None, 0.0);
        let mut dec = Decoder::default();
        let mut seq = 0u64;
        b.iter(|| {
            // Fresh seqs each round, so nothing is dropped as a replayed duplicate.
            let items = batch
                .iter()
                .map(|l| {
                    let mut inc = dec.line(l);
                    if let Received::Event(e) = &mut inc {
                        seq += 1;
                        e.seq = seq;
                    }
                    inc
                })
                .collect();
            app.update(Msg::Batch(items));
        })
    });
    g.finish();
}

fn render(c: &mut Criterion) {
    let mut app = full_app();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut g = c.benchmark_group("tui");
    g.bench_function("frame 120x40, full buffers, 1000 peers", |b| {
        app.prepare();
        b.iter(|| {
            terminal.draw(|f| lnwatch::ui::render(&app, f)).expect("draw");
        })
    });
    let mut dec = Decoder::default();
    let next = lines(60_001).pop().expect("line");
    let mut seq = 1_000_000u64;
    g.bench_function("frame 120x40 after a new event (view rebuilt)", |b| {
        b.iter(|| {
            let mut inc = dec.line(&next);
            if let Received::Event(e) = &mut inc {
                seq += 1;
                e.seq = seq;
            }
            app.update(Msg::Batch(vec![inc]));
            app.prepare();
            terminal.draw(|f| lnwatch::ui::render(&app, f)).expect("draw");
            black_box(&app);
        })
    });
    g.finish();
}

/// One frame with a 5 MB event among the visible rows: what each redraw costs when such an
/// event is on screen (the tick redraws once a second even when idle).
fn huge_event(c: &mut Criterion) {
    let mut app = App::new("s".into(), 1000, None, 0.0);
    let mut dec = Decoder::default();
    let blob = format!(r#"{{"mystery":{{"blob":"{}"}}}}"#, "x".repeat(5 << 20));
    let line = format!(r#"{{"type":"event","seq":1,"time":1.0,"topic":"mystery","origin":null,"params":{blob}}}"#);
    app.update(Msg::Batch(vec![dec.line(line.as_bytes())]));
    app.prepare();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut g = c.benchmark_group("tui");
    g.bench_function("frame 120x40 with a 5 MB event on screen", |b| {
        b.iter(|| {
            terminal.draw(|f| lnwatch::ui::render(&app, f)).expect("draw");
        })
    });
    g.finish();
}

criterion_group!(tui, ingest, render, huge_event);
criterion_main!(tui);
