//! The monitor without a terminal: how fast the app state ingests events (decode + update), and
//! how long one frame takes at 120×40 with full buffers. `cargo bench -p lnwatch`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent};
use lnwatch::app::{App, Msg};
use lnwatch::decode::{Decoder, Received};
use lnwatch_shared::frame::{self, Event, Frame, Peers};
use lnwatch_shared::peers::PeerState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The allocator the monitor binary uses (`main.rs`), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    app_with(CHANNELS)
}

/// The same with `channels` channels to the 1000 peers.
fn app_with(channels: usize) -> App {
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
    operator_load(&mut app, &mut dec, channels);
    app
}

/// Channels to `CHANNELS` peers from the node, then 1000 forwards between them (a fifth
/// failing), 1000 payments of two parts each: every operator view full.
const CHANNELS: usize = 500;

fn scid(i: usize) -> String {
    format!("{}x{}x0", 800_000 + i, i)
}

fn operator_load(app: &mut App, dec: &mut Decoder, n: usize) {
    let channels: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"peer_id": format!("02{i:064x}"), "peer_connected": true, "state": "CHANNELD_NORMAL",
                "short_channel_id": scid(i), "channel_id": format!("{i:064x}"), "total_msat": 10_000_000_000u64,
                "to_us_msat": 4_000_000_000u64 + i as u64, "htlcs": [],
                "state_changes": [{"timestamp": "2026-11-01T00:00:00.000Z", "cause": "user"}]})
        })
        .collect();
    app.data.model.channels.refresh(&serde_json::json!({ "channels": channels }));
    let mut seq = 10_000_000u64;
    let mut line = |topic: &str, body: serde_json::Value| {
        seq += 1;
        frame::encode(&Frame::Event(Event {
            seq,
            time: 1_763_772_000.0 + seq as f64 / 1000.0,
            topic: topic.into(),
            origin: None,
            params: serde_json::json!({ topic: body }),
        }))
    };
    let mut items = Vec::new();
    for i in 0..1000usize {
        let status = if i % 5 == 0 { "local_failed" } else { "settled" };
        items.push(line(
            "forward_event",
            serde_json::json!({"payment_hash": format!("{i:064x}"), "in_channel": scid(i % n),
                "out_channel": scid((i * 7 + 1) % n), "in_htlc_id": i, "in_msat": 1_001_000, "out_msat": 1_000_000,
                "fee_msat": 1_000, "status": status, "failcode": 4103, "failreason": "WIRE_TEMPORARY_CHANNEL_FAILURE"}),
        ));
        for part in 1..=2 {
            items.push(line(
                "sendpay_success",
                serde_json::json!({"payment_hash": format!("{i:063x}p"), "groupid": 1, "partid": part,
                    "destination": format!("02{:064x}", i % n), "amount_msat": 500_000, "amount_sent_msat": 500_100,
                    "status": "complete"}),
            ));
        }
    }
    app.update(Msg::Batch(items.iter().map(|l| dec.line(l)).collect()));
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
    // Where ingest's time goes: the decode alone (parse, summary, note), and the parse alone.
    g.bench_function("ingest: decode only (10k events)", |b| {
        let mut dec = Decoder::default();
        b.iter(|| black_box(batch.iter().map(|l| dec.line(l)).collect::<Vec<_>>()))
    });
    g.bench_function("ingest: parse the line only (10k events)", |b| {
        b.iter(|| {
            for l in &batch {
                let _ = black_box(lnwatch_shared::frame::decode_line(l));
            }
        })
    });
    g.bench_function("ingest: parse the line and params to a Value (10k events)", |b| {
        b.iter(|| {
            for l in &batch {
                if let Ok(lnwatch_shared::frame::Line::Event(e)) = lnwatch_shared::frame::decode_line(l) {
                    let v: serde_json::Value =
                        serde_json::from_str(e.params.map_or("null", |p| p.get())).unwrap_or_default();
                    black_box(v);
                }
            }
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
    // Each operator view, full, as reached by its key; the forwards view also with a filter.
    let press = |app: &mut App, c: char| {
        let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
        app.update(Msg::Key(KeyEvent::from(code)));
    };
    for (name, keys) in [
        ("overview", "2"),
        ("channels", "3"),
        ("forwards", "4"),
        ("forwards filtered (/status:settled)", "4/status:settled\n"),
        ("payments", "5"),
    ] {
        keys.chars().for_each(|c| press(&mut app, c));
        g.bench_function(format!("frame 120x40, {name} view, full"), |b| {
            b.iter(|| {
                terminal.draw(|f| lnwatch::ui::render(&app, f)).expect("draw");
            })
        });
        app.update(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    }
    // The fleet view over ten full nodes (compare with the overview of one, above).
    let fleet = lnwatch::fleet::Fleet::new((0..10).map(|_| full_app()).collect(), vec![String::new(); 10]);
    g.bench_function("frame 120x40, fleet view, 10 full nodes", |b| {
        b.iter(|| {
            terminal.draw(|f| lnwatch::ui::fleet::render(&fleet, f)).expect("draw");
        })
    });
    press(&mut app, '1');
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

/// A big routing node (2,000 channels, 1,000 peers, every buffer full) on a 200×60 terminal:
/// each view's frame.
fn big_node(c: &mut Criterion) {
    let mut app = app_with(2_000);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut g = c.benchmark_group("tui");
    for (name, key) in [("events", '1'), ("overview", '2'), ("channels", '3'), ("forwards", '4'), ("payments", '5')] {
        app.update(Msg::Key(KeyEvent::from(KeyCode::Char(key))));
        app.prepare();
        g.bench_function(format!("frame 200x60, {name} view, big node (2000 channels)"), |b| {
            b.iter(|| {
                terminal.draw(|f| lnwatch::ui::render(&app, f)).expect("draw");
            })
        });
    }
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

criterion_group!(tui, ingest, render, big_node, huge_event);
criterion_main!(tui);
