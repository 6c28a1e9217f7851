//! The demo is what a new user judges lnwatch by: run through the real pipeline (the in-process
//! plugin under the simulated node, its Unix socket, the monitor's source, main loop and
//! catch-up), every view must tell the truth about what the simulated node did.

use std::collections::HashSet;
use std::time::Duration;

use lnwatch::app::{App, Msg};
use lnwatch::demo::Demo;
use lnwatch::run::event_loop;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// Runs the monitor on the demo for `secs` seconds of its scenario and returns the app.
fn watch_demo(secs: u64) -> App {
    let demo = Demo::start().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut app = App::new(demo.socket().display().to_string(), 1000, None, now());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    app.update(Msg::Resize(120, 40));
    let (tx, mut rx) = mpsc::channel(256);
    let (queries, queries_rx) = mpsc::unbounded_channel();
    rt.spawn(lnwatch::source::run(demo.socket(), 0, tx.clone(), queries_rx));
    rt.spawn(async move {
        let end = now() + secs as f64;
        while now() < end {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let _ = tx.send((0, Msg::Tick(now()))).await;
        }
        let _ = tx.send((0, Msg::Quit)).await;
    });
    let mut files = lnwatch::files::Files::start();
    let mut fleet = lnwatch::fleet::Fleet::one(app);
    let silent = &mut lnwatch::notify::Notify::silent();
    rt.block_on(event_loop(&mut terminal, &mut fleet, &mut rx, &[queries], &mut files, silent)).unwrap();
    rt.shutdown_timeout(Duration::from_secs(1));
    drop(demo);
    fleet.apps.remove(0)
}

#[test]
fn the_demo_shows_each_forward_and_payment_once_with_true_fees() {
    let app = watch_demo(20);
    // Forwards: one row per incoming HTLC, whether learnt live or from the node's records.
    let forwards = app.forward_rows();
    assert!(forwards.len() >= 5, "the demo forwards: {}", forwards.len());
    // The same forward twice would have the same channels and amounts (random to the msat).
    let same = |r: &&lnwatch::model::forwards::ForwardRow| {
        (r.f.in_channel.clone(), r.f.out_channel.clone(), r.f.in_msat, r.f.out_msat)
    };
    let distinct: HashSet<_> = forwards.iter().map(same).collect();
    assert_eq!(distinct.len(), forwards.len(), "a forward shown twice: {forwards:#?}");
    assert!(forwards.iter().all(|r| r.f.in_htlc_id.is_some()), "forward events carry in_htlc_id, as lightningd's do");
    let totals = &app.data.model.forwards.session;
    assert_eq!(totals.resolved() as usize, forwards.iter().filter(|r| r.f.status != "offered").count());
    for r in forwards.iter().filter(|r| r.f.status == "settled") {
        let (fee, out) = (r.f.fee_msat.unwrap(), r.f.out_msat.unwrap());
        assert!(fee * 20 < out, "fee {fee} on {out} msat: {r:?}");
    }
    // Payments: one row per payment hash, the fee what the paid parts cost over the amount.
    let payments = app.payment_rows();
    assert!(!payments.is_empty(), "the demo pays");
    let hashes: HashSet<&str> = payments.iter().map(|p| p.payment_hash.as_str()).collect();
    assert_eq!(hashes.len(), payments.len());
    for p in &payments {
        if let (Some(sent), Some(amount)) = (p.sent_msat(), p.amount_msat())
            && p.result() == lnwatch::model::payments::PayResult::Succeeded
        {
            assert!(sent >= amount && (sent - amount) * 20 < amount, "fee of {sent} sent for {amount}: {p:#?}");
        }
    }
    // Channels: one row each.
    let channels = app.channel_rows();
    let ids: HashSet<Option<&str>> = channels.iter().map(|c| c.channel_id.as_deref()).collect();
    assert_eq!((channels.len(), ids.len()), (5, 5));
    // Problems: one row per subject.
    let problems = app.problem_rows();
    let subjects: HashSet<&str> = problems.iter().map(|p| p.subject.as_str()).collect();
    assert_eq!(subjects.len(), problems.len(), "{problems:#?}");
}
