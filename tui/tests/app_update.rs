//! App state driven by messages, as the main loop drives it.

mod common;

use common::*;
use crossterm::event::KeyCode;
use lnwatch::app::{Conn, Msg, Overlay, Pane, SourceEvent};
use serde_json::json;

fn shown_seqs(app: &mut lnwatch::app::App) -> Vec<u64> {
    app.prepare();
    app.view().events.iter().map(|e| e.seq).collect()
}

#[test]
fn pause_freezes_the_view_counts_pending_and_resume_shows_them() {
    let mut a = app();
    a.update(batch(vec![hello("r", false), block(1, 1), block(2, 2)]));
    assert_eq!(shown_seqs(&mut a), [1, 2]);
    a.update(key(' '));
    a.update(batch(vec![block(3, 3), connect(4, PEER_A)]));
    assert_eq!(a.frozen.as_ref().unwrap().pending, 2);
    assert_eq!(shown_seqs(&mut a), [1, 2], "frozen while paused");
    assert!(a.shown_peers().get(PEER_A).is_none(), "the peers pane is frozen too");
    assert!(a.data.peers.get(PEER_A).is_some(), "but state keeps being collected");
    a.update(key(' '));
    assert!(a.frozen.is_none());
    assert_eq!(shown_seqs(&mut a), [1, 2, 3, 4]);
}

#[test]
fn topic_toggles_and_text_filter_apply_and_count_what_they_hide() {
    let mut a = app();
    a.update(batch(vec![block(1, 1), connect(2, PEER_A), block(3, 2), disconnect(4, PEER_A)]));
    // Topics are listed by name: block_added is 1, connect 2, disconnect 3; the picker's
    // digits toggle them (in the panes digits pick a view).
    a.update(key('t'));
    a.update(key('1'));
    a.update(key('q'));
    a.prepare();
    assert_eq!(a.view().hidden_by_topics, 2);
    assert_eq!(shown_seqs(&mut a), [2, 4]);
    a.update(key('/'));
    typed(&mut a, "!disconnect");
    a.update(code(KeyCode::Enter));
    assert!(a.filter_input.is_none());
    assert_eq!(shown_seqs(&mut a), [2]);
    assert_eq!(a.view().hidden_by_text, 1);
    a.update(code(KeyCode::Esc));
    assert_eq!(shown_seqs(&mut a), [2, 4]);
    // The picker toggles too.
    a.update(key('t'));
    a.update(code(KeyCode::Enter));
    a.update(code(KeyCode::Esc));
    assert!(a.overlay.is_none());
    assert_eq!(shown_seqs(&mut a), [1, 2, 3, 4]);
}

#[test]
fn initial_topic_list_hides_the_rest() {
    let mut a = lnwatch::app::App::new("s".into(), 10, Some(vec!["connect".into()]), T0);
    a.update(batch(vec![block(1, 1), connect(2, PEER_A)]));
    assert_eq!(shown_seqs(&mut a), [2]);
}

#[test]
fn peers_follow_the_snapshot_then_connects_and_disconnects() {
    let mut a = app();
    a.update(batch(vec![
        hello("r", true),
        connect(1, PEER_A),
        peers(1, vec![peer(PEER_A, true), peer(PEER_B, false)]),
    ]));
    // The connect with seq 1 is already in the snapshot (seq 1): counted once.
    assert_eq!(a.data.peers.get(PEER_A).unwrap().connects, 0);
    a.update(batch(vec![connect(2, PEER_B), disconnect(3, PEER_A)]));
    let b = a.data.peers.get(PEER_B).unwrap();
    assert!(b.connected);
    assert_eq!((b.connects, b.direction.map(|d| d.as_str()), b.since), (1, Some("in"), Some(T0 + 2.0)));
    assert!(!a.data.peers.get(PEER_A).unwrap().connected);
    let order: Vec<&str> = a.peers_sorted().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(order, [PEER_B, PEER_A], "connected peers first");
    // c in the peers pane forgets disconnected peers.
    a.focus = Pane::Peers;
    a.update(key('c'));
    assert_eq!(a.data.peers.len(), 1);
}

#[test]
fn invoice_payment_marks_the_invoice_with_the_same_label() {
    let mut a = app();
    a.update(batch(vec![
        invoice_created(1, "a", Some(1000)),
        invoice_created(2, "b", None),
        invoice_paid(3, "b", 5_000),
        invoice_paid(4, "created-before-we-looked", 7),
    ]));
    let rows = a.shown_invoices();
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].label.as_str(), rows[0].paid), ("a", None));
    assert_eq!((rows[1].label.as_str(), rows[1].paid, rows[1].msat), ("b", Some(T0 + 3.0), Some(5_000)));
    assert_eq!((rows[2].created, rows[2].paid.is_some()), (None, true));
    a.update(key('/'));
    typed(&mut a, "b");
    assert_eq!(a.shown_invoices().len(), 2, "the text filter applies to invoices too");
    assert_eq!(a.invoices_hidden(), 1);
}

#[test]
fn gaps_are_counted_and_seq_jumps_after_a_reconnect_too() {
    let mut a = app();
    a.update(batch(vec![hello("r", true), block(1, 1), gap(517, 519), block(519, 2)]));
    assert_eq!((a.link.missed, a.link.gaps), (517, 1));
    // Disconnected, then the replay on reconnect does not reach back far enough.
    a.update(Msg::Source(SourceEvent::Lost { reason: "gone".into(), retry_in: 0.1 }));
    a.update(Msg::Source(SourceEvent::Connected));
    a.update(batch(vec![hello("r", true), block(519, 2), block(530, 3)]));
    assert_eq!((a.link.missed, a.link.gaps), (527, 2));
    assert_eq!(shown_seqs(&mut a), [1, 519, 530], "replayed events are not stored twice");
}

#[test]
fn reconnect_state_keeps_history_and_a_restarted_plugin_starts_seqs_again() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("run-1", true), block(1, 1), block(2, 2)]));
    a.update(Msg::Tick(T0 + 5.0));
    a.update(Msg::Source(SourceEvent::Lost { reason: "Connection refused".into(), retry_in: 0.4 }));
    assert!(matches!(&a.link.conn, Conn::Down { since, retry_at, .. } if *since == T0 + 5.0 && *retry_at == T0 + 5.4));
    a.update(Msg::Tick(T0 + 7.0));
    a.update(Msg::Source(SourceEvent::Lost { reason: "Connection refused".into(), retry_in: 0.8 }));
    assert_eq!(a.link.outages, 1, "retries are one outage");
    assert!(matches!(&a.link.conn, Conn::Down { since, .. } if *since == T0 + 5.0));
    a.update(connected());
    assert!(matches!(a.link.conn, Conn::Up { .. }));
    a.update(batch(vec![hello("run-2", true), block(1, 3)]));
    // The new run's seq 1 is kept, after the old run's events (arrival order).
    assert_eq!(shown_seqs(&mut a), [1, 2, 1]);
    assert!(a.notice.is_some(), "the restart is announced");
    assert_eq!(a.link.events_total, 3);
}

#[test]
fn keys_quit_overlays_panes_and_detail() {
    let mut a = app();
    a.update(batch(vec![block(1, 1), block(2, 2)]));
    a.update(key('?'));
    assert!(matches!(a.overlay, Some(Overlay::Help { .. })));
    a.update(key('q'));
    assert!(a.overlay.is_none() && !a.quit, "q closes the overlay first");
    a.update(code(KeyCode::Tab));
    assert_eq!(a.focus, Pane::Peers);
    a.update(code(KeyCode::BackTab));
    a.update(code(KeyCode::BackTab));
    assert_eq!(a.focus, Pane::Topics);
    a.update(code(KeyCode::Tab));
    a.update(key('k'));
    a.update(code(KeyCode::Enter));
    let Some(Overlay::Detail { subject: lnwatch::app::Subject::Event(ev), .. }) = &a.overlay else {
        panic!("Enter opens the detail")
    };
    assert_eq!(ev.seq, 1, "k moved the selection up from the newest");
    a.update(code(KeyCode::Esc));
    a.update(key('G'));
    assert!(a.events.follow);
    a.update(key('q'));
    assert!(a.quit);
    let mut b = app();
    b.update(Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Char('c'), crossterm::event::KeyModifiers::CONTROL)));
    assert!(b.quit);
}

#[test]
fn topics_pane_selects_the_topic_the_events_pane_shows() {
    let mut a = app();
    a.update(batch(vec![block(1, 1), connect(2, PEER_A), block(3, 2)]));
    a.focus = Pane::Topics;
    a.update(key('j'));
    assert_eq!(a.topics.selected.as_deref(), Some("block_added"));
    assert_eq!(shown_seqs(&mut a), [1, 3]);
    a.update(key('g'));
    assert_eq!(a.topics.selected, None);
    assert_eq!(shown_seqs(&mut a), [1, 2, 3]);
}

#[test]
fn clear_and_secrets() {
    let mut a = app();
    a.update(batch(vec![hello("r", true), block(1, 1)]));
    a.update(key('c'));
    assert!(shown_seqs(&mut a).is_empty());
    assert_eq!(a.data.store.topics().next().unwrap().count, 1, "counts survive clearing events");
    a.update(key('s'));
    assert!(a.show_secrets);
    assert!(a.notice.as_ref().unwrap().0.contains("redacted by the plugin"));
}

#[test]
fn counts_agree_while_paused_and_a_replay_is_not_a_rate() {
    let mut a = app();
    // A hello saying live events start at 11: 1..=10 are the replay of history.
    let lnwatch::decode::Received::Frame(lnwatch_shared::frame::Frame::Hello(mut h)) = hello("r", true) else {
        unreachable!()
    };
    h.next_seq = 11;
    a.update(batch(vec![lnwatch::decode::Received::Frame(lnwatch_shared::frame::Frame::Hello(h))]));
    a.update(batch((1..=10).map(|i| block(i, i)).collect()));
    a.update(Msg::Tick(T0 + 2.0));
    assert_eq!(a.link.rate, 0.0, "the replay is history, not activity");
    a.update(batch((11..=14).map(|i| block(i, i)).collect()));
    a.update(Msg::Tick(T0 + 4.0));
    assert_eq!(a.link.rate, 1.0, "4 live events in the 4 s since start");
    // Paused: the topic counts hold still with the events pane.
    a.update(key(' '));
    a.update(batch((15..=17).map(|i| block(i, i)).collect()));
    let count = |d: &lnwatch::app::Data| d.store.topics().next().unwrap().count;
    assert_eq!((count(a.shown()), count(&a.data)), (14, 17));
    a.update(key(' '));
    assert_eq!(count(a.shown()), 17);
}

/// The header's rate is averaged over ten seconds: events in bursts read as a rate, not as
/// 0.0 between bursts, and it falls to 0.0 once ten seconds pass without one.
#[test]
fn event_rate_is_averaged_over_ten_seconds() {
    let mut a = app();
    a.update(batch((1..=20).map(|i| block(i, i)).collect()));
    a.update(Msg::Tick(T0 + 2.0));
    assert_eq!(a.link.rate, 10.0);
    a.update(Msg::Tick(T0 + 4.0));
    assert_eq!(a.link.rate, 5.0, "a quiet second between bursts is not 0.0");
    a.update(batch((21..=30).map(|i| block(i, i)).collect()));
    a.update(Msg::Tick(T0 + 6.0));
    assert_eq!(a.link.rate, 5.0, "30 events in 6 s");
    a.update(Msg::Tick(T0 + 13.0));
    a.update(Msg::Tick(T0 + 17.0));
    assert_eq!(a.link.rate, 0.0, "nothing for more than ten seconds");
}

#[test]
fn bad_lines_are_counted_not_fatal() {
    let mut dec = lnwatch::decode::Decoder::default();
    let mut a = app();
    let lines: Vec<_> = [&b"garbage"[..], br#"{"type":"event","seq":1,"time":1,"topic":"x","params":{"a":1}}"#, b"{}"]
        .iter()
        .map(|l| dec.line(l))
        .collect();
    a.update(Msg::Batch(lines));
    assert_eq!(a.link.bad_lines, 2);
    assert_eq!(shown_seqs(&mut a), [1]);
    // And the header says so.
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 10)).unwrap();
    terminal.draw(|f| lnwatch::ui::render(&a, f)).unwrap();
    let top: String = (0..100).map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_owned()).collect();
    assert!(top.contains("2 unreadable lines"), "{top}");
}

#[test]
fn the_filter_line_edits_like_a_shell_and_takes_field_terms() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    let mut a = app();
    a.update(batch(vec![
        invoice_created(1, "coffee-18", Some(5_000)),
        block(2, 840_000),
        ev(3, "forward_event", serde_json::json!({"forward_event":{"status":"failed","fee_msat":1001}})),
    ]));
    a.update(key('/'));
    typed(&mut a, "fee");
    assert_eq!(shown_seqs(&mut a), [1, 3], "plain text matches anywhere, coffee-18 too");
    a.update(ctrl('w'));
    typed(&mut a, "status:failed");
    assert_eq!(shown_seqs(&mut a), [3], "a field term matches that field only");
    a.update(ctrl('u'));
    typed(&mut a, "label:coffee");
    assert_eq!(shown_seqs(&mut a), [1]);
    assert_eq!(a.shown_invoices().len(), 1);
    // Ctrl-A goes to the start: "!" there inverts the term; Backspace and Ctrl-H delete.
    a.update(ctrl('a'));
    a.update(key('!'));
    assert_eq!(shown_seqs(&mut a), [2, 3]);
    a.update(code(KeyCode::Backspace));
    assert_eq!(a.filter.text(), "label:coffee", "the ! deleted");
    a.update(code(KeyCode::Right));
    a.update(code(KeyCode::Left));
    a.update(ctrl('e'));
    a.update(ctrl('h'));
    assert_eq!(a.filter.text(), "label:coffe");
    // No letter of a Ctrl key was typed into the line.
    assert!(!a.filter.text().contains('w') && !a.filter.text().contains('u'));
    a.update(code(KeyCode::Enter));
    assert!(a.filter_input.is_none());
}

#[test]
fn enter_on_an_invoice_opens_its_detail_with_both_times() {
    let mut a = app();
    a.update(batch(vec![hello("r", false), invoice_created(1, "coffee-7", Some(12_345))]));
    a.update(Msg::Tick(T0 + 60.0));
    a.update(batch(vec![invoice_paid(2, "coffee-7", 12_345)]));
    a.focus = Pane::Invoices;
    a.update(code(KeyCode::Enter));
    let Some(Overlay::Detail { subject: lnwatch::app::Subject::Invoice(inv), lines, .. }) = &a.overlay else {
        panic!("Enter on an invoice opens its detail")
    };
    assert_eq!(inv.label, "coffee-7");
    let text = lines.join("\n");
    assert!(text.contains("created   00:40:01 UTC") && text.contains("paid      00:40:02 UTC"), "{text}");
    assert!(text.contains("12.345 sat") && text.contains("state     paid"), "{text}");
    assert!(!text.contains("offer"), "{text}");
    a.update(key('q'));
    assert!(a.overlay.is_none());

    // A BOLT12 invoice (`offer_id`, v26.06 on) names its offer in the detail.
    let offer = "7f".repeat(32);
    a.update(batch(vec![ev(
        3,
        "invoice_creation",
        json!({"invoice_creation": {"msat": 5_000, "preimage": "<redacted>", "label": "b12", "offer_id": offer}}),
    )]));
    a.focus = Pane::Invoices;
    a.update(key('G'));
    a.update(code(KeyCode::Enter));
    let Some(Overlay::Detail { lines, .. }) = &a.overlay else { panic!("the BOLT12 invoice's detail") };
    let text = lines.join("\n");
    assert!(text.contains("label     b12") && text.contains(&format!("offer     {offer}")), "{text}");
}

#[test]
fn focus_only_goes_to_panes_that_are_drawn() {
    let mut a = app();
    a.update(batch(vec![block(1, 1), connect(2, PEER_A)]));
    a.update(code(KeyCode::BackTab));
    assert_eq!(a.focus, Pane::Topics);
    // 40×10: the topics pane (under 50 columns) and the bottom panes (under 12 rows) are gone.
    a.update(Msg::Resize(40, 10));
    assert_eq!(a.focus, Pane::Events, "focus leaves a pane that is no longer drawn");
    for _ in 0..3 {
        a.update(code(KeyCode::Tab));
        assert_eq!(a.focus, Pane::Events, "Tab only visits drawn panes");
    }
    // j moves the events cursor, not the hidden topics pane's selection.
    a.update(key('k'));
    assert!(a.topics.selected.is_none());
    // 80×24 again: Tab reaches every pane.
    a.update(Msg::Resize(80, 24));
    let seen: Vec<Pane> = (0..4)
        .map(|_| {
            a.update(code(KeyCode::Tab));
            a.focus
        })
        .collect();
    assert_eq!(seen, [Pane::Peers, Pane::Invoices, Pane::Topics, Pane::Events]);
}

#[test]
fn the_help_scrolls_and_closes() {
    let mut a = app();
    a.update(key('?'));
    a.update(key('j'));
    a.update(key('j'));
    a.update(key('k'));
    assert!(matches!(a.overlay, Some(Overlay::Help { scroll: 1 })));
    a.update(key('x'));
    assert!(matches!(a.overlay, Some(Overlay::Help { .. })), "other keys leave it open");
    a.update(code(KeyCode::Esc));
    assert!(a.overlay.is_none());
}

#[test]
fn a_selection_is_an_event_and_the_window_holds_still() {
    let mut a = lnwatch::app::App::new("s".into(), 50, None, T0);
    // 80×24: the events pane shows 11 rows.
    a.update(Msg::Resize(80, 24));
    let rows = 11;
    a.update(batch((1..=50).map(|i| block(i, i)).collect()));
    let first_row = |a: &lnwatch::app::App| a.view().events[a.events.window(rows).start].seq;
    a.prepare();
    assert_eq!(first_row(&a), 40, "following: the last page");
    a.update(key('k'));
    a.prepare();
    assert_eq!(a.selected_event().map(|e| e.seq), Some(49));
    assert_eq!(first_row(&a), 40, "k moves the selection, not the window");
    // New events arrive and the oldest are dropped (50 kept): the same event stays selected,
    // the same event stays the first row.
    a.update(batch((51..=55).map(|i| block(i, i)).collect()));
    a.prepare();
    assert_eq!(a.selected_event().map(|e| e.seq), Some(49));
    assert_eq!(first_row(&a), 40);
    // Moving above the window scrolls it just enough.
    for _ in 0..10 {
        a.update(key('k'));
    }
    a.prepare();
    assert_eq!(a.selected_event().map(|e| e.seq), Some(39));
    assert_eq!(first_row(&a), 39);
    // An event that is dropped hands the selection to the next one.
    a.update(batch((56..=100).map(|i| block(i, i)).collect()));
    a.prepare();
    assert_eq!(a.selected_event().map(|e| e.seq), Some(51), "39 dropped: the oldest kept is selected");
    a.update(key('G'));
    a.prepare();
    assert_eq!(a.selected_event().map(|e| e.seq), Some(100));
}

#[test]
fn ctrl_c_quits_from_an_overlay_and_the_filter_line_too() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let ctrl_c = || Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    for open in [key('?'), key('t'), key('/')] {
        let mut a = app();
        a.update(open);
        a.update(ctrl_c());
        assert!(a.quit);
    }
}

/// The queries the app has ready to send, decoded.
fn sent_queries(a: &mut lnwatch::app::App) -> Vec<lnwatch_shared::frame::Query> {
    use lnwatch_shared::frame::{Frame, decode};
    a.queries
        .take_lines()
        .iter()
        .map(|l| match decode(l) {
            Ok(Frame::Query(q)) => q,
            other => panic!("not a query: {other:?}"),
        })
        .collect()
}

/// The questions other than the node's records the app has ready to send. The record pages
/// (catch-up and walk, which leave these a slot short while they wait) are answered on the
/// way, as a node with no records would.
fn foreground_queries(a: &mut lnwatch::app::App) -> Vec<lnwatch_shared::frame::Query> {
    let records = lnwatch_sim::records::Records::default();
    let mut out = Vec::new();
    loop {
        let mut pages = Vec::new();
        for q in sent_queries(a) {
            match records.answer(&q.method, &q.params) {
                Some(answer) => pages.push(result(q.id, answer)),
                None => out.push(q),
            }
        }
        if pages.is_empty() {
            return out;
        }
        a.update(batch(pages));
    }
}

fn result(id: serde_json::Value, result: serde_json::Value) -> lnwatch::decode::Received {
    use lnwatch_shared::frame::{Frame, QueryResult};
    lnwatch::decode::Received::Frame(Frame::Result(QueryResult { id, result }))
}

#[test]
fn a_new_invoice_is_asked_about_and_shows_expired_once_past_its_expiry() {
    use lnwatch::app::InvoiceState;
    let mut a = app();
    a.update(Msg::Source(SourceEvent::Connected));
    a.update(batch(vec![hello("r", true), invoice_created(1, "coffee-7", Some(12_345))]));
    a.update(batch(vec![invoice_created(2, "tip-8", None), invoice_paid(3, "tip-8", 1_000)]));
    let invoices_asked = |a: &mut lnwatch::app::App| {
        let mut asked = foreground_queries(a);
        asked.retain(|q| q.method == "listinvoices");
        asked
    };
    let asked = invoices_asked(&mut a);
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!((asked[0].method.as_str(), &asked[0].params), ("listinvoices", &json!({"label": "coffee-7"})));
    let expires = T0 + 3600.0;
    a.update(batch(vec![result(
        asked[0].id.clone(),
        json!({"invoices":[{"label":"coffee-7","status":"unpaid","expires_at": expires,"amount_msat":12_345}]}),
    )]));
    let state = |a: &lnwatch::app::App| a.shown_invoices()[0].state(a.now);
    assert_eq!(state(&a), InvoiceState::Open);
    a.update(Msg::Tick(expires + 1.0));
    assert_eq!(state(&a), InvoiceState::Expired);
    a.focus = Pane::Invoices;
    a.invoices.cursor = lnwatch::app::Cursor { index: 0, follow: false };
    a.update(code(KeyCode::Enter));
    let Some(Overlay::Detail { lines, .. }) = &a.overlay else { panic!("no detail") };
    let text = lines.join("\n");
    assert!(text.contains("state     expired") && text.contains("expires   01:40:00 UTC"), "{text}");
    // Times on another day than today say which.
    a.overlay = None;
    a.update(batch(vec![invoice_created(4, "later-9", Some(1_000))]));
    let later = invoices_asked(&mut a);
    let expires = json!({"invoices":[{"label":"later-9","status":"unpaid","expires_at": T0 + 2.0 * 86_400.0}]});
    a.update(batch(vec![result(later[0].id.clone(), expires)]));
    a.update(Msg::Tick(T0 + 86_400.0));
    a.invoices.cursor = lnwatch::app::Cursor { index: 2, follow: false };
    a.update(code(KeyCode::Enter));
    let Some(Overlay::Detail { lines, .. }) = &a.overlay else { panic!("no detail") };
    let text = lines.join("\n");
    assert!(text.contains("expires   2025-11-24 00:40:00 UTC"), "{text}");
    assert!(text.contains("created   2025-11-22 00:40:04 UTC"), "yesterday is dated too: {text}");
    a.overlay = None;

    // A reconnect loses what was in flight; the next hello asks again for what is missing.
    let unanswered = asked[1].id.clone();
    a.update(Msg::Source(SourceEvent::Connected));
    a.update(batch(vec![result(unanswered, json!({"invoices":[]}))]));
    a.update(batch(vec![hello("r", true)]));
    assert!(invoices_asked(&mut a).is_empty(), "tip-8 is paid and coffee-7 known: nothing to ask");
}

#[test]
fn peers_are_asked_about_once_and_named_by_their_alias() {
    let mut a = app();
    a.update(Msg::Source(SourceEvent::Connected));
    a.update(batch(vec![hello("r", true), peers(0, vec![peer(PEER_A, true)]), connect(1, PEER_B)]));
    let all = foreground_queries(&mut a);
    let asked: Vec<_> = all.iter().filter(|q| q.method == "listnodes").collect();
    let methods: Vec<_> = asked.iter().map(|q| (q.method.as_str(), q.params["id"].as_str().unwrap())).collect();
    assert_eq!(methods, [("listnodes", PEER_A), ("listnodes", PEER_B)]);
    a.update(batch(vec![result(
        asked[0].id.clone(),
        json!({"nodes":[{"nodeid": PEER_A, "alias": "river-hub\u{1b}[2J"}]}),
    )]));
    assert_eq!(a.data.names.alias(PEER_A), Some("river-hub\u{1b}[2J"));
    // The rest answered (empty), so slots are free.
    let rest = all.iter().filter(|q| q.id != asked[0].id).map(|q| result(q.id.clone(), json!({}))).collect();
    a.update(batch(rest));
    answer_queries(&mut a);
    // Known now: a reconnect of that peer asks nothing, until the alias is ten minutes old.
    a.update(batch(vec![disconnect(2, PEER_A), connect(3, PEER_A)]));
    assert!(sent_queries(&mut a).iter().all(|q| q.method != "listnodes"));
    a.update(Msg::Tick(T0 + 601.0));
    a.update(batch(vec![disconnect(4, PEER_A), connect(5, PEER_A)]));
    let again: Vec<_> =
        sent_queries(&mut a).into_iter().filter(|q| q.method == "listnodes" && q.params["id"] == PEER_A).collect();
    assert_eq!(again.len(), 1, "gossip may have changed the alias: asked again");
}

/// A fresh node learns its peers' announcements after they connect: an alias gossip does not
/// have yet is asked again on a schedule (5 s, 15 s, …), and once known, the events already
/// listed name the peer by it.
#[test]
fn an_alias_not_known_yet_is_asked_again_and_then_named_everywhere() {
    use lnwatch_tests::tmux::has_line;
    let mut a = app();
    a.update(Msg::Source(SourceEvent::Connected));
    a.update(batch(vec![hello("r", true), connect(1, PEER_B)]));
    // The other questions (catch-up, channels) answered empty, so slots stay free.
    let listnodes = |a: &mut lnwatch::app::App| -> Vec<_> {
        let (names, rest): (Vec<_>, Vec<_>) = sent_queries(a).into_iter().partition(|q| q.method == "listnodes");
        a.update(batch(rest.into_iter().map(|q| result(q.id, json!({}))).collect()));
        names
    };
    let first = listnodes(&mut a);
    assert_eq!(first.len(), 1);
    a.update(batch(vec![result(first[0].id.clone(), json!({"nodes": []}))]));
    let screen = render_text(&mut a, 120, 30);
    assert!(has_line(&screen, &["connect", "022d2236…"]), "{screen}");
    a.update(Msg::Tick(T0 + 3.0));
    assert!(listnodes(&mut a).is_empty(), "not yet");
    a.update(Msg::Tick(T0 + 5.5));
    let second = listnodes(&mut a);
    assert_eq!(second.len(), 1, "asked again after 5 s");
    a.update(batch(vec![result(second[0].id.clone(), json!({"nodes": []}))]));
    a.update(Msg::Tick(T0 + 15.0));
    assert!(listnodes(&mut a).is_empty(), "then 15 s later, not 10");
    a.update(Msg::Tick(T0 + 21.0));
    let third = listnodes(&mut a);
    assert_eq!(third.len(), 1);
    a.update(batch(vec![result(third[0].id.clone(), json!({"nodes": [{"nodeid": PEER_B, "alias": "corner-café"}]}))]));
    let screen = render_text(&mut a, 120, 30);
    assert!(has_line(&screen, &["connect", "corner-café"]), "the event line names the peer: {screen}");
    assert!(has_line(&screen, &["●", "corner-café"]), "and the peers pane: {screen}");
    a.update(Msg::Tick(T0 + 2_000.0));
    assert!(listnodes(&mut a).is_empty(), "known: no more asking");
}

/// The operator views, through keys: each view one key away, rows from the events and the
/// node's answers, `/` narrowing every list, Enter opening the selected row.
#[test]
fn the_views_show_channels_forwards_payments_and_problems() {
    let mut a = app();
    routing_node(&mut a);
    let detail = |a: &lnwatch::app::App| match &a.overlay {
        Some(Overlay::Detail { lines, .. }) => lines.join("\n"),
        other => panic!("no detail: {other:?}"),
    };

    // Channels: the node's numbers, moved live by the forward's balance moves; closing last.
    a.update(key('3'));
    assert_eq!(a.focus, Pane::View("channels"));
    let rows = a.channel_rows();
    assert_eq!(rows.iter().map(|c| c.short_channel_id.as_deref().unwrap()).collect::<Vec<_>>(), ["103x1x0", "105x1x1"]);
    assert_eq!(rows[1].state, "CHANNELD_SHUTTING_DOWN");
    assert_eq!(rows[1].closed_by(), Some("closed by the peer"));
    assert_eq!(rows[0].local_msat, Some(2_100_001_001), "credited the forward's amount in");
    assert_eq!(rows[1].local_msat, Some(800_000_000), "debited the amount out");
    assert_eq!(rows[0].htlcs, 1);
    a.update(code(KeyCode::Enter));
    let text = detail(&a);
    assert!(text.contains("river-hub") && text.contains("htlcs       1"), "{text}");
    a.update(key('q'));

    // Forwards: one row per HTLC, names for channels, the refusal in words with its hint.
    a.update(key('4'));
    let rows = a.forward_rows();
    let statuses: Vec<_> = rows.iter().map(|r| r.f.status.as_str()).collect();
    assert_eq!(statuses, ["settled", "local_failed", "failed"]);
    let fw = &a.data.model.forwards.session;
    assert_eq!((fw.settled, fw.local_failed, fw.failed, fw.fees_msat), (1, 1, 1, 1_001));
    a.update(key('/'));
    typed(&mut a, "status:local");
    a.update(code(KeyCode::Enter));
    assert_eq!(a.forward_rows().len(), 1);
    a.update(code(KeyCode::Enter));
    let text = detail(&a);
    assert!(text.contains("refused here") && text.contains("temporary channel failure"), "{text}");
    assert!(text.contains("hint        not enough outbound liquidity"), "{text}");
    assert!(text.contains("105x1x1 · corner-café"), "{text}");
    a.update(key('q'));
    a.update(code(KeyCode::Esc));

    // Payments: grouped by hash; the failure's reason from pay_part_end, not sendpay_failure.
    // Every part failed, but only the node's word (`listpays`) calls the payment failed.
    a.update(key('5'));
    assert_eq!(a.payment_rows()[0].result(), lnwatch::model::payments::PayResult::Pending);
    node_confirms_the_failed_payment(&mut a);
    let rows = a.payment_rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].result(), lnwatch::model::payments::PayResult::Failed);
    let e = rows[0].error().unwrap();
    assert_eq!((e.code, e.node.as_deref()), (Some(16399), Some(PEER_B)));
    assert_eq!(rows[1].result(), lnwatch::model::payments::PayResult::Succeeded);
    a.update(key('g'));
    a.update(code(KeyCode::Enter));
    let text = detail(&a);
    assert!(
        text.contains("incorrect or unknown payment details") && text.contains("failed at   corner-café"),
        "{text}"
    );
    assert!(!text.contains("Malformed"), "{text}");
    a.update(key('q'));

    // Overview: the problems, newest first (the payment's when the node said so; the channel's
    // raised by its alert, on the same row).
    a.update(key('2'));
    assert_eq!(a.focus, Pane::View("overview"));
    let problems: Vec<_> = a.data.model.problems.iter().rev().map(|p| p.text.as_str()).collect();
    assert_eq!(
        problems,
        [
            "payment 651b2800… failed: incorrect or unknown payment details",
            "channel_closing: channel 105x1x1 with corner-café closing, closed by the peer, now shutting down: Peer closes channel",
            "peer down with 1 channel",
            "forward failed downstream of 105x1x1",
            "forward refused here, out 103x1x0: temporary channel failure",
        ]
    );
    assert_eq!(a.data.model.height, Some(840_100));
    // The filter and the topic toggles narrow the problems too.
    a.update(key('/'));
    typed(&mut a, "peer:river");
    a.update(code(KeyCode::Enter));
    let texts = |a: &lnwatch::app::App| a.problem_rows().iter().map(|p| p.text.clone()).collect::<Vec<_>>();
    assert_eq!(texts(&a), ["peer down with 1 channel", "forward refused here, out 103x1x0: temporary channel failure"]);
    a.update(code(KeyCode::Esc));
    let forward_event = a.data.store.topics().position(|t| &*t.name == "forward_event").unwrap();
    a.update(key('t'));
    a.update(key(char::from_digit(forward_event as u32 + 1, 10).unwrap()));
    a.update(key('q'));
    assert_eq!(a.problem_rows().len(), 3, "{:?}", texts(&a));

    // ← → walk the views; the events view comes back with the pane it had.
    a.update(code(KeyCode::Left));
    assert_eq!(a.focus, Pane::Events);
    a.update(code(KeyCode::Tab));
    a.update(key('5'));
    a.update(key('1'));
    assert_eq!(a.focus, Pane::Peers);
}

#[test]
fn payment_destinations_are_asked_by_alias() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true)]));
    let far = "03ed650f0000000000000000000000000000000000000000000000000000000000";
    a.update(batch(vec![ev(
        1,
        "sendpay_success",
        json!({"sendpay_success": {"payment_hash": "77", "groupid": 1,
        "partid": 1, "destination": far, "amount_msat": 1000, "status": "complete"}}),
    )]));
    let asked: Vec<_> = sent_queries(&mut a).into_iter().filter(|q| q.method == "listnodes").collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].params["id"], far);
}

#[test]
fn a_question_the_plugin_was_too_busy_for_is_asked_again() {
    use lnwatch_shared::frame::{Frame, QueryError, query_error};
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true), connect(1, PEER_B)]));
    let asked: Vec<_> = sent_queries(&mut a).into_iter().filter(|q| q.method == "listnodes").collect();
    let busy = |id: serde_json::Value, code| {
        lnwatch::decode::Received::Frame(Frame::Error(QueryError { id, code, message: "busy".into() }))
    };
    a.update(batch(vec![busy(asked[0].id.clone(), query_error::BUSY)]));
    let again: Vec<_> = sent_queries(&mut a).into_iter().filter(|q| q.method == "listnodes").collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].params, asked[0].params);
    // Refused for good: not asked again.
    a.update(batch(vec![busy(again[0].id.clone(), query_error::NOT_ALLOWED)]));
    assert!(sent_queries(&mut a).iter().all(|q| q.method != "listnodes"));
}

/// Catch-up: a first run only learns where the node is; the next run (after the monitor was
/// closed) shows what happened meanwhile, marked, with a "while you were away" line, and a
/// live event for the same forward adds no row. A plugin restart (new instance) catches up
/// without a restart of the monitor; a corrupt cursor file is reported and replaced.
#[test]
fn what_happened_while_away_is_caught_up_from_the_node_records() {
    use lnwatch_sim::records::Records;
    let state = tempfile::tempdir().unwrap();
    let open = |records: &Records, instance: &str| {
        let mut a = app();
        a.catchup.state_dir = Some(state.path().to_path_buf());
        a.update(connected());
        a.update(batch(vec![hello(instance, true), block(1, 840_000)]));
        answer_queries_from(&mut a, records);
        a
    };
    let mut node = Records::default();
    let coffee = node.invoice_created("coffee", 5_000_000, 2_000_000_000);
    node.forward("103x1x0", "105x1x1", 1_000_000, 1_001, "settled", T0);
    let first = open(&node, "run-1");
    assert!(first.data.model.forwards.rows().is_empty(), "a first run shows nothing old");
    assert_eq!(first.catchup.last, Some(lnwatch::catchup::Away::default()));
    drop(first);

    // While away: the invoice paid, a new one paid, two forwards, a payment.
    node.invoice_paid(coffee, T0 as u64 + 10);
    let tip = node.invoice_created("tip", 1_000, 2_000_000_000);
    node.invoice_paid(tip, T0 as u64 + 11);
    node.forward("103x1x0", "105x1x1", 2_000_000, 2_002, "settled", T0 + 12.0);
    node.forward("105x1x1", "103x1x0", 3_000_000, 0, "local_failed", T0 + 13.0);
    node.sendpay("77", PEER_A, 20_000, true, T0 as u64 + 14);
    let mut a = open(&node, "run-1");
    let away = a.catchup.last.clone().unwrap();
    assert_eq!(away.words(), "2 invoices paid, 1 forward (+2.002 sat fees), 1 forward failed, 1 payment made");
    let invoices = a.shown_invoices();
    assert!(invoices.iter().all(|i| i.caught_up && i.paid.is_some()), "{invoices:?}");
    let rows = a.forward_rows();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.caught_up));
    assert!(a.payment_rows()[0].caught_up);
    a.prepare();
    assert!(a.view().markers.iter().any(|(_, m)| m.contains("while you were away: 2 invoices paid")));
    // The same forward live (a replay of it): merged, not shown twice.
    a.update(batch(vec![forward(2, "settled", "103x1x0", "105x1x1", json!({"in_htlc_id": 1}))]));
    assert_eq!(a.forward_rows().len(), 2);
    assert_eq!(a.data.model.forwards.session.settled, 1);

    // The plugin restarts while the monitor runs: a forward meanwhile is caught up.
    node.forward("103x1x0", "105x1x1", 4_000_000, 4_004, "settled", T0 + 20.0);
    a.update(connected());
    a.update(batch(vec![hello("run-2", true)]));
    answer_queries_from(&mut a, &node);
    assert_eq!(a.catchup.last.as_ref().unwrap().forwards_settled, 1);
    assert_eq!(a.forward_rows().len(), 3);

    // A corrupt cursor file: said, set aside, replaced by the next save.
    let path = lnwatch::catchup::cursor::path(
        state.path(),
        "0357f749a32bba1cec0c37ffba42352b49eed0ea1e7233f595a1a07038f7a380d0",
        "monitor",
    );
    std::fs::write(&path, "not json").unwrap();
    let a = open(&node, "run-2");
    let (notice, _) = a.notice.clone().unwrap();
    assert!(notice.starts_with("catch-up cursor unreadable, starting fresh"), "{notice}");
    assert!(matches!(lnwatch::catchup::cursor::load(&path), lnwatch::catchup::cursor::Loaded::Found(_)));
}

#[test]
fn a_catch_up_bigger_than_the_views_still_counts_everything() {
    use lnwatch_sim::records::Records;
    let mut node = Records::default();
    let mut a = lnwatch::app::App::new("s".into(), 10, None, T0);
    a.update(connected());
    a.update(batch(vec![hello("r", true), block(1, 1)]));
    answer_queries_from(&mut a, &node);
    for i in 0..25 {
        node.forward("103x1x0", "105x1x1", 1_000_000, 1_000, "settled", T0 + i as f64);
    }
    a.update(batch(vec![gap(3, 5)]));
    answer_queries_from(&mut a, &node);
    let away = a.catchup.last.clone().unwrap();
    assert_eq!((away.forwards_settled, away.fees_msat), (25, 25_000));
    assert_eq!(a.data.model.forwards.rows().len(), 10, "the views keep their history");
    assert_eq!(a.data.model.forwards.session.settled, 25, "the totals count all");
}

#[test]
fn a_node_that_cannot_answer_catch_up_is_said_once_and_not_asked_on_every_event() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true), block(1, 1)]));
    // A node without `wait`: it answers with no index.
    loop {
        let asked = sent_queries(&mut a);
        if asked.is_empty() {
            break;
        }
        for q in asked {
            a.update(batch(vec![result(q.id.clone(), node_answer(&q.method, &q.params))]));
        }
    }
    a.prepare();
    let said =
        |a: &lnwatch::app::App| a.view().markers.iter().filter(|(_, m)| m.contains("catch-up incomplete")).count();
    assert_eq!(said(&a), 1);
    a.update(batch(vec![forward(2, "settled", "103x1x0", "105x1x1", json!({}))]));
    a.update(Msg::Tick(T0 + 10.0));
    assert!(sent_queries(&mut a).iter().all(|q| q.method != "wait" && q.method != "listforwards"));
    a.prepare();
    assert_eq!(said(&a), 1);
}

/// A plugin restart in the middle of a catch-up: the round is cut off after one lane's page was
/// counted, and the next round brings the same forwards again, long after their rows left the
/// view. Each resolution counts once (60 forwards, 60 sat of fees), and later rounds, gaps and
/// replays add nothing.
#[test]
fn a_plugin_restart_in_the_middle_of_a_catch_up_counts_nothing_twice() {
    use lnwatch_sim::records::Records;
    let mut node = Records::default();
    let mut a = lnwatch::app::App::new("s".into(), 10, None, T0);
    a.update(connected());
    a.update(batch(vec![hello("run-1", true), block(1, 1)]));
    answer_queries_from(&mut a, &node);
    for i in 0..60 {
        node.forward("103x1x0", "105x1x1", 1_000_000, 1_000, "settled", T0 + i as f64);
    }
    a.update(batch(vec![gap(3, 5)]));
    // Answer everything but the forwards' updated lane, until the created lane's page is in.
    let mut paged = false;
    while !paged {
        let asked = sent_queries(&mut a);
        assert!(!asked.is_empty(), "the round never asked for the forwards");
        let answers = asked
            .iter()
            .filter(|q| !(q.method == "listforwards" && q.params["index"] == "updated"))
            .map(|q| {
                paged |= q.method == "listforwards";
                let answer = node.answer(&q.method, &q.params).unwrap_or_else(|| node_answer(&q.method, &q.params));
                result(q.id.clone(), answer)
            })
            .collect();
        a.update(batch(answers));
    }
    let totals = |a: &lnwatch::app::App| {
        let s = &a.data.model.forwards.session;
        (s.settled, s.fees_msat)
    };
    assert_eq!(totals(&a), (60, 60_000));
    assert_eq!(a.data.model.forwards.rows().len(), 10, "the rows of 50 of them are gone");

    a.update(connected());
    a.update(batch(vec![hello("run-2", true), block(1, 2)]));
    answer_queries_from(&mut a, &node);
    assert_eq!(totals(&a), (60, 60_000), "the second round counted what the first had");
    assert_eq!(a.catchup.last.as_ref().unwrap().forwards_settled, 60, "what was missed, said once");

    // The same forwards live (a replay) and another round after a gap: nothing more.
    let replay: Vec<_> = (0..60u64)
        .map(|i| {
            forward(
                10 + i,
                "settled",
                "103x1x0",
                "105x1x1",
                json!({"in_htlc_id": i, "updated_index": i + 1,
                "resolved_time": T0 + i as f64}),
            )
        })
        .collect();
    a.update(batch(replay));
    a.update(batch(vec![gap(3, 80)]));
    answer_queries_from(&mut a, &node);
    assert_eq!(totals(&a), (60, 60_000));
    // New forwards after all that count, once.
    node.forward("103x1x0", "105x1x1", 1_000_000, 2_000, "settled", T0 + 100.0);
    a.update(batch(vec![gap(1, 90)]));
    answer_queries_from(&mut a, &node);
    assert_eq!(totals(&a), (61, 62_000));
    assert_eq!(a.data.model.forwards.counted.held(), 0, "settled rounds leave nothing held");
}

/// The plugin never answers (a line it dropped, an old plugin): the monitor's questions are
/// given up after a while and their slots asked with again.
#[test]
fn questions_the_plugin_never_answers_free_their_slots() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true)]));
    assert_eq!(sent_queries(&mut a).len(), lnwatch_shared::frame::MAX_QUERIES_IN_FLIGHT);
    a.update(batch((1..=5).map(|i| invoice_created(i, &format!("inv-{i}"), Some(1_000))).collect()));
    assert!(sent_queries(&mut a).is_empty(), "every slot is out");
    a.update(Msg::Tick(T0 + 10.0));
    assert!(sent_queries(&mut a).is_empty(), "not given up yet");
    a.update(Msg::Tick(T0 + lnwatch::queries::ANSWER_WITHIN + 1.0));
    let next = sent_queries(&mut a);
    assert_eq!(next.len(), lnwatch_shared::frame::MAX_QUERIES_IN_FLIGHT, "{next:?}");
    assert!(next.iter().any(|q| q.method == "listinvoices"), "{next:?}");
}

#[test]
fn an_alias_that_shows_nothing_gives_way_to_the_node_id() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true), peers(0, vec![peer(PEER_A, true), peer(PEER_B, true)])]));
    let asked = foreground_queries(&mut a);
    let answers = asked
        .iter()
        .filter(|q| q.method == "listnodes")
        .map(|q| {
            let id = q.params["id"].as_str().unwrap();
            let alias = if id == PEER_A { "\u{1b}[2J\u{200d}\u{fe0f} \u{9b}31m" } else { "river-hub" };
            result(q.id.clone(), json!({"nodes": [{"nodeid": id, "alias": alias}]}))
        })
        .collect();
    a.update(batch(answers));
    assert_eq!(a.data.name(PEER_A), "0284d0fb…");
    assert_eq!(a.data.name(PEER_B), "river-hub");
}

/// Topics are one table: a source inventing 5,000 topic names leaves the store's list and the
/// overview's rates equally bounded (the rest filed under one overflow name).
#[test]
fn a_topic_flood_keeps_every_topic_table_bounded() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true)]));
    let flood: Vec<_> = (1..=5_000u64).map(|i| custom(i, &format!("made-up-{i}"), "spammer", json!({}))).collect();
    a.update(batch(flood));
    let bound = lnwatch::store::MAX_TOPICS + 1;
    assert_eq!(a.data.store.topics().len(), bound);
    let rates = &a.data.model.rates;
    assert!(rates.topics() <= bound, "the rates table grew to {} topics", rates.topics());
    let busiest = rates.busiest(1, T0 + 5_000.0);
    assert_eq!(&*busiest[0].0, lnwatch::store::OVERFLOW_TOPIC, "the flood is counted under the overflow name");
}

/// A pause is one moment in time: every view (events, topics, peers, invoices, channels,
/// forwards, payments, the overview's problems and counters) holds still while the live state
/// takes everything in, and unpausing shows it all at once.
#[test]
fn every_view_is_frozen_together_while_paused_and_catches_up_on_unpause() {
    let mut a = app();
    routing_node(&mut a);
    a.prepare();
    #[derive(Debug, PartialEq)]
    struct Moment {
        events: usize,
        peers_up: usize,
        invoices: usize,
        channels: Vec<String>,
        forwards: usize,
        settled: u64,
        payments: usize,
        problems: usize,
        invoices_paid: u64,
    }
    let moment = |a: &mut lnwatch::app::App| {
        a.prepare();
        Moment {
            events: a.view().events.len(),
            peers_up: a.shown_peers().connected_count(),
            invoices: a.shown_invoices().len(),
            channels: a.channel_rows().iter().map(|c| format!("{} {:?}", c.state, c.local_msat)).collect(),
            forwards: a.forward_rows().len(),
            settled: a.shown().model.forwards.session.settled,
            payments: a.payment_rows().len(),
            problems: a.problem_rows().len(),
            invoices_paid: a.shown().model.invoices_paid,
        }
    };
    let before = moment(&mut a);
    a.update(key(' '));
    assert_eq!(moment(&mut a), before, "pausing changes nothing shown");
    a.update(batch(vec![
        forward(20, "settled", "103x1x0", "105x1x1", json!({"in_htlc_id": 20, "resolved_time": T0 + 20.0})),
        ev(
            21,
            "coin_movement",
            json!({"coin_movement": {"type": "channel_mvt", "account_id": CHAN_A,
            "credit_msat": 100_001_001u64, "debit_msat": 0, "primary_tag": "routed", "fees_msat": 1_001}}),
        ),
        ev(
            22,
            "channel_state_changed",
            json!({"channel_state_changed": {"peer_id": PEER_A, "channel_id": CHAN_A,
            "short_channel_id": "103x1x0", "old_state": "CHANNELD_NORMAL", "new_state": "AWAITING_UNILATERAL",
            "cause": "protocol", "message": "Peer went away"}}),
        ),
        disconnect(23, PEER_B),
        invoice_created(24, "while-paused", Some(5_000)),
        invoice_paid(25, "while-paused", 5_000),
        custom(
            26,
            "pay_part_start",
            "cln-xpay",
            json!({"pay_part_start": {"payment_hash": "88", "groupid": 1,
            "partid": 1, "total_payment_msat": 1_000u64, "attempt_msat": 1_000u64, "hops": [{"next_node": PEER_A}]}}),
        ),
    ]));
    a.update(Msg::Tick(T0 + 60.0));
    assert_eq!(moment(&mut a), before, "every view holds still while paused");
    assert_eq!(a.frozen.as_ref().unwrap().pending, 7, "the header counts what arrived");
    a.update(key(' '));
    let after = moment(&mut a);
    assert_eq!(after.events, before.events + 7);
    assert_eq!(after.peers_up, before.peers_up - 1);
    assert_eq!(after.invoices, before.invoices + 1);
    assert_ne!(after.channels, before.channels, "the channel left normal and its balance moved");
    assert_eq!((after.forwards, after.settled), (before.forwards + 1, before.settled + 1));
    assert_eq!(after.payments, before.payments + 1);
    assert!(after.problems > before.problems, "the channel leaving normal is a problem");
    assert_eq!(after.invoices_paid, before.invoices_paid + 1);
}

/// The plugin holds as many unread answers as it allows (`-32014`): a catch-up page refused so
/// is asked again on the next tick, not at once, and the round completes with nothing missing.
#[test]
fn a_page_the_plugin_had_no_room_for_is_asked_again_later_and_the_round_completes() {
    use lnwatch_shared::frame::{Frame, QueryError, query_error};
    use lnwatch_sim::records::Records;
    let mut node = Records::default();
    let mut a = lnwatch::app::App::new("s".into(), 100, None, T0);
    a.update(connected());
    a.update(batch(vec![hello("r", true), block(1, 1)]));
    answer_queries_from(&mut a, &node);
    for i in 0..5 {
        node.forward("103x1x0", "105x1x1", 1_000_000, 1_000, "settled", T0 + i as f64);
    }
    a.update(batch(vec![gap(3, 5)]));
    let mut refused = false;
    for round in 0..20 {
        let asked = sent_queries(&mut a);
        if asked.is_empty() && refused {
            a.update(Msg::Tick(T0 + 10.0 + round as f64));
            continue;
        }
        let answers = asked
            .iter()
            .map(|q| {
                if q.method == "listforwards" && !refused {
                    refused = true;
                    let message = "no room".to_owned();
                    let e = QueryError { id: q.id.clone(), code: query_error::OVERLOADED, message };
                    return lnwatch::decode::Received::Frame(Frame::Error(e));
                }
                let answer = node.answer(&q.method, &q.params).unwrap_or_else(|| node_answer(&q.method, &q.params));
                result(q.id.clone(), answer)
            })
            .collect();
        a.update(batch(answers));
        if refused && a.queries.pending() == 0 {
            break;
        }
    }
    assert!(refused);
    let away = a.catchup.last.clone().expect("the round completed");
    assert_eq!(away.forwards_settled, 5);
    a.prepare();
    assert!(!a.view().markers.iter().any(|(_, m)| m.contains("incomplete")), "{:?}", a.view().markers);
}

/// One question, one answer: whether a channel's peer is connected is the live peer table's
/// word in the channel detail as in the peers pane (the node's `listpeerchannels` said
/// connected a while ago); a paid invoice is counted once, live or caught up, replayed or not.
#[test]
fn the_views_agree_on_a_peer_link_and_on_paid_invoices() {
    let mut a = app();
    routing_node(&mut a);
    assert!(!a.shown_peers().get(PEER_A).unwrap().connected);
    a.update(key('3'));
    let i = a.channel_rows().iter().position(|c| c.peer_id.as_deref() == Some(PEER_A)).unwrap();
    a.view_cursors.insert(lnwatch::app::Pane::View("channels"), lnwatch::app::Cursor { index: i, follow: false });
    a.update(code(KeyCode::Enter));
    let Some(Overlay::Detail { lines, .. }) = &a.overlay else { panic!("no detail") };
    assert!(lines.iter().any(|l| l == "peer link   not connected"), "{lines:?}");
    a.overlay = None;

    let paid = |a: &lnwatch::app::App| a.data.model.invoices_paid;
    a.update(batch(vec![invoice_created(30, "once", Some(1_000)), invoice_paid(31, "once", 1_000)]));
    assert_eq!(paid(&a), 1);
    // The plugin restarts and replays the payment: the same invoice, not a second one.
    a.update(connected());
    a.update(batch(vec![hello("run-2", true), invoice_paid(1, "once", 1_000)]));
    assert_eq!(paid(&a), 1);
}

/// Problems do not flood: a peer that keeps dropping is one row counting its drops, marked
/// resolved while it is back; a channel's refused forwards are one row, resolved by a forward
/// that goes through it; a payment that failed and then went is resolved.
#[test]
fn problems_are_one_per_subject_counted_and_resolved() {
    let mut a = app();
    routing_node(&mut a);
    let peer_rows = |a: &lnwatch::app::App| {
        a.problem_rows()
            .iter()
            .filter(|p| p.subject == format!("peer:{PEER_A}"))
            .map(|p| (p.count, p.resolved.is_some()))
            .collect::<Vec<_>>()
    };
    assert_eq!(peer_rows(&a), [(1, false)]);
    a.update(batch(vec![connect(20, PEER_A)]));
    assert_eq!(peer_rows(&a), [(1, true)], "back: resolved, not gone");
    let mut flaps = Vec::new();
    for i in 0..10 {
        flaps.push(disconnect(21 + 2 * i, PEER_A));
        flaps.push(connect(22 + 2 * i, PEER_A));
    }
    flaps.push(disconnect(41, PEER_A));
    a.update(batch(flaps));
    assert_eq!(peer_rows(&a), [(12, false)], "twelve drops, one row, open");

    // Refused forwards out of 103x1x0, then one that goes: resolved.
    let refused: Vec<_> = (0..5)
        .map(|i| {
            forward(
                50 + i,
                "local_failed",
                "105x1x1",
                "103x1x0",
                json!({"failreason": "WIRE_TEMPORARY_CHANNEL_FAILURE"}),
            )
        })
        .collect();
    a.update(batch(refused));
    let forwards = |a: &lnwatch::app::App| {
        a.problem_rows()
            .iter()
            .filter(|p| p.subject.starts_with("forwards:103x1x0"))
            .map(|p| (p.count, p.resolved.is_some()))
            .collect::<Vec<_>>()
    };
    assert_eq!(forwards(&a), [(6, false)], "with the one the routing node refused before");
    a.update(batch(vec![forward(60, "settled", "105x1x1", "103x1x0", json!({}))]));
    assert_eq!(forwards(&a), [(6, true)]);
    assert!(a.problem_rows().len() < 10, "{:?}", a.problem_rows());
}

/// Today is the node's UTC day, not what this monitor saw: a monitor opened after forwards
/// earlier in the day reads them from `listforwards` (yesterday's stay yesterday's); a forward
/// after that counts once, and one the records already had is not counted again.
#[test]
fn today_is_the_utc_day_of_the_node_records() {
    use lnwatch_sim::records::Records;
    let mut node = Records::default();
    // T0 is 00:40 UTC: one forward yesterday, three today before the monitor starts.
    node.forward("103x1x0", "105x1x1", 7_000_000, 7_000, "settled", T0 - 3_600.0);
    node.forward("103x1x0", "105x1x1", 1_000_000, 1_000, "settled", T0 - 1_800.0);
    node.forward("105x1x1", "103x1x0", 2_000_000, 0, "local_failed", T0 - 1_700.0);
    node.forward("103x1x0", "105x1x1", 3_000_000, 3_000, "settled", T0 - 1_600.0);
    // A payment and an invoice paid earlier today too.
    node.sendpay("77", PEER_A, 20_000, true, T0 as u64 - 900);
    let tip = node.invoice_created("tip", 5_000, 2_000_000_000);
    node.invoice_paid(tip, T0 as u64 - 800);
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("run-1", true)]));
    let days = &a.data.model.forwards.days;
    assert!(matches!(days.coverage, lnwatch::model::days::Coverage::Walking { .. }));
    answer_queries_from(&mut a, &node);
    let days = &a.data.model.forwards.days;
    assert_eq!(days.coverage, lnwatch::model::days::Coverage::Exact);
    let today = days.today(T0);
    assert_eq!((today.settled, today.local_failed, today.fees_msat, today.forwarded_msat), (2, 1, 4_000, 4_000_000));
    let yesterday = days.last(2, T0)[0].1.clone();
    assert_eq!((yesterday.settled, yesterday.fees_msat), (1, 7_000));
    assert_eq!(today.channels["105x1x1"].fees_msat, 4_000);
    // The same screen line the operator reads.
    a.update(key('4'));
    let screen = render_text(&mut a, 120, 40);
    assert!(
        screen.contains("today    settled 2 · failed 1 (1 here) · 67% ok · fees 4 sat · moved 4,000 sat"),
        "{screen}"
    );

    // Live: a forward resolved after the walk counts; the records' last one replayed does not.
    a.update(batch(vec![
        forward(1, "offered", "103x1x0", "105x1x1", json!({"in_htlc_id": 9, "created_index": 5})),
        forward(2, "settled", "103x1x0", "105x1x1", json!({"in_htlc_id": 9, "updated_index": 4, "resolved_time": T0})),
        forward(
            3,
            "settled",
            "103x1x0",
            "105x1x1",
            json!({"in_htlc_id": 3, "updated_index": 3, "resolved_time": T0 - 1_600.0, "fee_msat": 3_000}),
        ),
    ]));
    let today = a.data.model.forwards.days.today(T0);
    assert_eq!((today.settled, today.fees_msat), (3, 5_001));

    // The income view (6) reads the same days: today moved by the live forward, yesterday's.
    use lnwatch_tests::tmux::has_line;
    a.update(key('6'));
    let s = render_text(&mut a, 140, 50);
    assert!(s.contains("today    fees 5.001 sat · 3 settled · 1 failed · forwarded 104,000 sat · 48 ppm · paid 1 (fees 0.001 sat) · received 5 sat in 1 invoice"), "{s}");
    assert!(s.contains("7 days   fees 12.001 sat · 4 settled · 1 failed"), "{s}");
    assert!(has_line(&s, &["2025-11-22", "3", "1 (1 here)", "104,000", "5.001 sat", "48"]), "{s}");
    assert!(has_line(&s, &["2025-11-21", "1", "7,000", "7 sat", "1000"]), "{s}");
    let s = render_text(&mut a, 180, 50);
    assert!(has_line(&s, &["105x1x1", "12.001 sat"]), "the channel that earned: {s}");
    assert!(s.contains("Peers by fees, 30 days") && has_line(&s, &["corner-café", "12.001 sat", "108"]), "{s}");

    // A payment made now: the payments are read again from the node shortly after.
    node.sendpay("88", PEER_A, 30_000, true, T0 as u64 + 50);
    a.update(batch(vec![ev(
        40,
        "sendpay_success",
        json!({"sendpay_success": {"payment_hash": "88", "groupid": 1,
        "partid": 1, "destination": PEER_A, "amount_msat": 30_000, "amount_sent_msat": 30_001, "status": "complete"}}),
    )]));
    a.update(Msg::Tick(T0 + 60.0));
    answer_queries_from(&mut a, &node);
    let s = render_text(&mut a, 180, 50);
    assert!(s.contains("paid 2 (fees 0.002 sat)"), "{s}");

    // Enter on today: its figures, checked against the bookkeeper plugin where it runs.
    a.update(key('g'));
    a.update(code(KeyCode::Enter));
    let asked: Vec<_> = sent_queries(&mut a).into_iter().filter(|q| q.method == "bkpr-listincome").collect();
    assert_eq!(asked.len(), 1);
    let day_start = ((T0 / 86_400.0).floor() * 86_400.0) as u64;
    assert_eq!(
        (asked[0].params["start_time"].as_u64(), asked[0].params["end_time"].as_u64()),
        (Some(day_start), Some(day_start + 86_399))
    );
    let detail = |a: &lnwatch::app::App| match &a.overlay {
        Some(Overlay::Detail { lines, .. }) => lines.join("\n"),
        other => panic!("no detail: {other:?}"),
    };
    assert!(detail(&a).contains("bookkeeper       asking the bookkeeper"), "{}", detail(&a));
    let events = json!({"income_events": [
        {"account": CHAN_B, "tag": "routed", "credit_msat": 5_001, "debit_msat": 0, "timestamp": T0 as u64},
        {"account": "wallet", "tag": "invoice", "credit_msat": 5_000, "debit_msat": 0, "timestamp": T0 as u64}]});
    a.update(batch(vec![result(asked[0].id.clone(), events)]));
    let text = detail(&a);
    assert!(
        text.contains("fees earned      5.001 sat")
            && text.contains("bookkeeper       5.001 sat routing fees: the same"),
        "{text}"
    );
}

fn bye(reason: &str, message: &str) -> lnwatch::decode::Received {
    use lnwatch_shared::frame::{Bye, Frame};
    lnwatch::decode::Received::Frame(Frame::Bye(Bye { reason: reason.into(), message: message.into() }))
}

fn lost() -> Msg {
    Msg::Source(SourceEvent::Lost { reason: "the plugin closed the connection".into(), retry_in: 0.1 })
}

/// `plugin stop` and a node that goes away are told apart (the plugin's `bye`), shown in the
/// header and the overview with the last known height, raised as one problem however many
/// reconnects fail, and put right by the next hello.
#[test]
fn plugin_stop_and_node_down_are_told_apart_and_shown_until_back() {
    use lnwatch_shared::frame::bye as why;
    use lnwatch_tests::tmux::has_line;
    let mut a = app();
    routing_node(&mut a);
    a.update(batch(vec![block(20, 840_123)]));
    a.update(key('2'));
    assert!(render_text(&mut a, 120, 40).contains("Node · up"));

    // plugin stop: the node runs on.
    a.update(batch(vec![bye(
        why::PLUGIN_STOPPED,
        "lnwatch-plugin was stopped (plugin stop); lightningd is still running",
    )]));
    a.update(lost());
    a.update(lost());
    let s = render_text(&mut a, 120, 40);
    assert!(s.contains("○ lnwatch-plugin stopped (plugin stop); lightningd still running"), "{s}");
    assert!(s.contains("Node · PLUGIN STOPPED since 00:40:00 UTC · lightningd still running"), "{s}");
    assert!(!s.contains("node down"), "{s}");
    let open: Vec<_> = a.problem_rows().into_iter().filter(|p| p.subject == "plugin").collect();
    assert_eq!((open.len(), open[0].count, open[0].resolved), (1, 1, None), "one problem, counted once: {open:?}");

    // Back: the next hello puts it right.
    a.update(connected());
    a.update(batch(vec![hello("run-2", true)]));
    let s = render_text(&mut a, 120, 40);
    assert!(s.contains("● connected") && s.contains("Node · up"), "{s}");
    assert!(a.problem_rows().iter().filter(|p| p.subject == "plugin").all(|p| p.resolved.is_some()));

    // The node crashes: lightningd closed the plugin's input.
    a.update(Msg::Tick(T0 + 100.0));
    a.update(batch(vec![bye(
        why::NODE_GONE,
        "lightningd closed the plugin's input without shutdown: it exited or crashed",
    )]));
    a.update(lost());
    a.update(Msg::Tick(T0 + 130.0));
    let s = render_text(&mut a, 120, 40);
    assert!(s.contains("○ node down 30s ago: lightningd closed the plugin's input"), "{s}");
    assert!(s.contains("Node · DOWN since 00:41:40 UTC · last block 840123 · lightningd closed"), "{s}");
    // The problem, raised by the node_down alert 30 s on.
    assert!(has_line(&s, &["⚑ node_down: node SLEEPYCHIPMUNK down: lightningd closed the plugin's input"]), "{s}");
    assert!(has_line(&s, &["⚑", "critical node_down node SLEEPYCHIPMUNK down"]), "the alert on top: {s}");
    a.update(key('1'));
    let s = render_text(&mut a, 120, 40);
    assert!(s.contains("— lightningd closed the plugin's input without shutdown: "), "the marker in the list: {s}");

    // A socket lost without a word is the node down too, said so.
    a.update(connected());
    a.update(batch(vec![hello("run-3", true)]));
    a.update(lost());
    let s = render_text(&mut a, 120, 40);
    assert!(
        s.contains("○ node down") && s.contains("lost the plugin's socket (the plugin closed the connection)"),
        "{s}"
    );
}

/// A client that connects before the plugin's first `getinfo` gets a hello without the node;
/// the plugin's second hello (same run) names it, and the monitor uses it: header, overview,
/// and the catch-up cursor of that node.
#[test]
fn a_hello_without_the_node_is_completed_by_the_next() {
    use lnwatch_shared::frame::{Frame, Hello};
    let state = tempfile::tempdir().unwrap();
    let mut a = app();
    a.catchup.state_dir = Some(state.path().to_path_buf());
    a.update(connected());
    let bare = Hello { node_id: None, alias: None, instance: "run-1".into(), next_seq: 1, ..Hello::default() };
    a.update(batch(vec![lnwatch::decode::Received::Frame(Frame::Hello(bare))]));
    assert!(render_text(&mut a, 120, 30).contains("node ?"));
    assert!(!a.take_effects().iter().any(|e| matches!(e, lnwatch::app::Effect::LoadCursor(_))), "no node, no cursor");
    a.update(batch(vec![hello("run-1", true)]));
    let s = render_text(&mut a, 120, 30);
    assert!(s.contains("0357f749… SLEEPYCHIPMUNK"), "{s}");
    assert!(!s.contains("plugin restarted"), "the same run: {s}");
    assert!(
        a.take_effects()
            .iter()
            .any(|e| matches!(e, lnwatch::app::Effect::LoadCursor(p) if p.to_string_lossy().contains("0357f749")))
    );
}

/// Peer storage messages (custommsg 0x0007/0x0009) arrive from every supporting peer on every
/// connect and say nothing to an operator: hidden by default, counted in the title, `n` shows
/// them; other custom messages are shown as ever.
#[test]
fn known_noise_is_hidden_until_asked_for() {
    use lnwatch_tests::tmux::has_line;
    let mut a = app();
    a.update(connected());
    let custom =
        |seq, payload: &str| ev(seq, "custommsg", json!({"custommsg": {"peer_id": PEER_A, "payload": payload}}));
    a.update(batch(vec![hello("r", true), custom(1, "0007aabb"), custom(2, "0009cc"), custom(3, "8001dd")]));
    let s = render_text(&mut a, 120, 30);
    assert!(s.contains("Events [all] 1 · 2 noise hidden (n shows)"), "{s}");
    assert!(has_line(&s, &["custommsg", "type 0x8001"]) && !s.contains("type 0x0007"), "{s}");
    a.update(key('n'));
    let s = render_text(&mut a, 120, 30);
    assert!(s.contains("Events [all] 3") && s.contains("type 0x0007") && !s.contains("noise hidden"), "{s}");
}

/// An invoice the node deletes (`delinvoice`, `autoclean`) leaves the feed: unpaid ones are
/// asked about again every five minutes, and an answer without the label takes the row out;
/// a paid one stays (the payment happened).
#[test]
fn deleted_invoices_leave_the_feed() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![
        hello("r", true),
        invoice_created(1, "cancelled", Some(1_000)),
        invoice_created(2, "kept", Some(2_000)),
        invoice_created(3, "paid", Some(3_000)),
        invoice_paid(4, "paid", 3_000),
        // Never found by its label (as a numeric label may not be): not taken for deleted.
        invoice_created(5, "42", Some(4_000)),
    ]));
    let invoice_asks = |a: &mut lnwatch::app::App| -> Vec<_> {
        let (inv, rest): (Vec<_>, Vec<_>) = foreground_queries(a).into_iter().partition(|q| q.method == "listinvoices");
        a.update(batch(rest.into_iter().map(|q| result(q.id, json!({}))).collect()));
        inv
    };
    let details =
        |label: &str| json!({"invoices": [{"label": label, "status": "unpaid", "expires_at": 2_000_000_000u64}]});
    // Every question out (the plugin takes a few at a time), each invoice with its details.
    loop {
        let asked = invoice_asks(&mut a);
        if asked.is_empty() && a.queries.pending() == 0 {
            break;
        }
        for q in asked {
            let label = q.params["label"].as_str().unwrap().to_owned();
            let answer = if label == "42" { json!({"invoices": []}) } else { details(&label) };
            a.update(batch(vec![result(q.id, answer)]));
        }
    }
    assert_eq!(a.shown_invoices().len(), 4);
    // Five minutes on, the unpaid ones are asked about again; the node no longer has one.
    a.update(Msg::Tick(T0 + 400.0));
    let again = invoice_asks(&mut a);
    let labels: Vec<&str> = again.iter().map(|q| q.params["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["42", "kept", "cancelled"], "the unpaid ones, newest first");
    for q in again {
        let gone = q.params["label"] == "cancelled" || q.params["label"] == "42";
        let answer = if gone { json!({"invoices": []}) } else { details("kept") };
        a.update(batch(vec![result(q.id, answer)]));
    }
    let left: Vec<String> = a.shown_invoices().iter().map(|i| i.label.clone()).collect();
    assert_eq!(left, ["kept", "paid", "42"]);
    let screen = render_text(&mut a, 120, 30);
    use lnwatch_tests::tmux::has_line;
    assert!(has_line(&screen, &["kept", "open"]) && !has_line(&screen, &["cancelled", "open"]), "{screen}");
}

/// The filter, typed: a quoted value with spaces, field names in any case, Alt-b/Alt-f to move
/// by word, and a field name the view has not got said so with the names it has.
#[test]
fn the_filter_quotes_ignores_case_and_names_unknown_fields() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use lnwatch_tests::tmux::has_line;
    let mut a = app();
    routing_node(&mut a);
    a.update(batch(vec![invoice_created(30, "coffee shop", Some(1_000)), invoice_created(31, "coffee", Some(2_000))]));
    a.update(key('/'));
    typed(&mut a, r#"LABEL:"coffee shop""#);
    a.update(code(KeyCode::Enter));
    let labels: Vec<String> = a.shown_invoices().iter().map(|i| i.label.clone()).collect();
    assert_eq!(labels, ["coffee shop"]);

    // Alt-b back a word, then a typo in a field name: the forwards view says what it has.
    a.update(key('4'));
    a.update(key('/'));
    a.update(Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
    typed(&mut a, "status:settled river");
    a.update(Msg::Key(KeyEvent::new(KeyCode::Char('b'), KeyModifiers::ALT)));
    typed(&mut a, "pere:");
    a.update(Msg::Key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::ALT)));
    typed(&mut a, " x");
    a.update(code(KeyCode::Enter));
    assert_eq!(a.filter.text(), "status:settled pere:river x");
    let s = render_text(&mut a, 160, 30);
    assert!(
        has_line(
            &s,
            &["filter: status:settled pere:river x", "unknown field pere; fields: status, in, out, peer, reason"]
        ),
        "{s}"
    );
}

/// A channel's detail lists each HTLC in flight (direction, amount, expiry height, blocks left,
/// soonest first); a closed one its closing transaction, what was ours and when our funds come
/// back (lightningd's status lines); the overview counts funds in closing channels and on
/// chain (`listfunds`).
#[test]
fn htlcs_closings_and_onchain_funds_are_shown() {
    let mut a = app();
    routing_node(&mut a);
    let close_tx = "c0ffee".repeat(10) + "abcd";
    a.update(batch(vec![ev(
        30,
        "coin_movement",
        json!({"coin_movement": {"type": "chain_mvt", "account_id": CHAN_B,
        "primary_tag": "channel_close", "credit_msat": 0, "debit_msat": 200_000_000u64, "spending_txid": close_tx}}),
    )]));
    a.update(Msg::Tick(T0 + 1_000.0));
    let answer = |method: &str| match method {
        "listpeerchannels" => json!({"channels": [
            {"peer_id": PEER_A, "state": "CHANNELD_NORMAL", "short_channel_id": "103x1x0", "channel_id": CHAN_A,
             "total_msat": 5_000_000_000u64, "to_us_msat": 2_000_000_000u64,
             "spendable_msat": 1_900_000_000u64, "receivable_msat": 2_950_000_000u64,
             "updates": {"local": {"fee_base_msat": 1_000, "fee_proportional_millionths": 10},
                         "remote": {"fee_base_msat": 0, "fee_proportional_millionths": 250}}, "htlcs": [
                {"direction": "out", "id": 3, "amount_msat": 30_000_000u64, "expiry": 840_127, "state": "SENT_ADD_ACK_REVOCATION"},
                {"direction": "in", "id": 9, "amount_msat": 5_000_000u64, "expiry": 840_110, "state": "RCVD_ADD_ACK_REVOCATION"}]},
            {"peer_id": PEER_B, "state": "ONCHAIN", "short_channel_id": "105x1x1", "channel_id": CHAN_B, "closer": "remote",
             "total_msat": 1_000_000_000u64, "to_us_msat": 200_000_000u64, "htlcs": [], "status": [
                "ONCHAIN:Tracking their unilateral close",
                "ONCHAIN:1 outputs unresolved: in 143 blocks will spend DELAYED_OUTPUT_TO_US (abcd:0) using OUR_DELAYED_RETURN_TO_WALLET"]}]}),
        "listfunds" => json!({"outputs": [
            {"amount_msat": 1_500_000_000u64, "status": "confirmed"},
            {"amount_msat": 20_000_000u64, "status": "unconfirmed"},
            {"amount_msat": 9_000_000u64, "status": "confirmed", "reserved": true}]}),
        "listclosedchannels" => json!({"closedchannels": []}),
        _ => json!({}),
    };
    // The channels first; then the wallet and, a channel closing, the closed channels.
    let mut methods = Vec::new();
    loop {
        let asked = sent_queries(&mut a);
        if asked.is_empty() {
            break;
        }
        methods.extend(asked.iter().map(|q| q.method.clone()));
        a.update(batch(asked.into_iter().map(|q| result(q.id, answer(&q.method))).collect()));
    }
    for m in ["listpeerchannels", "listfunds", "listclosedchannels"] {
        assert!(methods.iter().any(|x| x == m), "{m} asked: {methods:?}");
    }

    a.update(key('2'));
    let s = render_text(&mut a, 200, 30);
    assert!(
        s.contains("out 2,000,000 sat of 5,000,000 (can send 1,900,000) · in 3,000,000 (can receive 2,950,000)"),
        "{s}"
    );
    assert!(s.contains("· closing 200,000 (back in ≤143 blocks) · on chain 1,500,000 (+20,000 unconfirmed)"), "{s}");

    a.update(key('3'));
    let rows: Vec<String> = a.channel_rows().iter().map(|c| c.channel_id.clone().unwrap()).collect();
    let open = |a: &mut lnwatch::app::App, id: &str| {
        a.update(key('g'));
        for _ in 0..rows.iter().position(|r| r == id).unwrap() {
            a.update(key('j'));
        }
        a.update(code(KeyCode::Enter));
        let Some(Overlay::Detail { lines, .. }) = &a.overlay else { panic!("no detail") };
        let text = lines.join("\n");
        a.update(key('q'));
        text
    };
    // Fees per channel: ours and the peer's rate in the list, in full in the detail, and `fee:`.
    let s = render_text(&mut a, 160, 30);
    assert!(lnwatch_tests::tmux::has_line(&s, &["103x1x0", "   10   250"]), "{s}");
    let text = open(&mut a, CHAN_A);
    assert!(text.contains("our fee     10 ppm + 1 sat") && text.contains("their fee   250 ppm"), "{text}");
    assert!(text.contains("can send    1,900,000 sat"), "{text}");
    let htlcs: Vec<&str> = text.lines().filter(|l| l.contains("expiry")).collect();
    assert_eq!(htlcs.len(), 2, "{text}");
    assert!(
        htlcs[0].contains("in")
            && htlcs[0].contains("5,000 sat")
            && htlcs[0].contains("840110")
            && htlcs[0].contains("10 blocks left"),
        "{text}"
    );
    assert!(
        htlcs[1].contains("out") && htlcs[1].contains("30,000 sat") && htlcs[1].contains("27 blocks left"),
        "{text}"
    );
    let text = open(&mut a, CHAN_B);
    assert!(text.contains(&format!("closing tx  {close_tx}")), "{text}");
    assert!(text.contains("ours at end 200,000 sat"), "{text}");
    assert!(text.contains("our funds   time-locked: back in 143 blocks"), "{text}");
    assert!(text.contains("closed by the peer"), "{text}");
    // H: every HTLC on the node, soonest expiry first; within the set margin, said so.
    a.data.htlc_expiry_blocks = 12;
    a.update(key('H'));
    let s = render_text(&mut a, 140, 30);
    assert!(s.contains("HTLCs in flight 2 · soonest expiry first · 1 within 12 blocks of expiry"), "{s}");
    let lines: Vec<&str> = s.lines().filter(|l| l.contains("8401")).collect();
    assert!(lines[0].contains("10") && lines[0].contains("840110") && lines[0].contains(" in "), "{s}");
    assert!(lines[1].contains("27") && lines[1].contains("840127") && lines[1].contains("30,000 sat"), "{s}");
    a.update(key('3'));
    // `fee:` narrows the channels by our fee.
    a.update(key('/'));
    typed(&mut a, r#"fee:"10 ppm""#);
    a.update(code(KeyCode::Enter));
    let left: Vec<_> = a.channel_rows().iter().map(|c| c.channel_id.clone().unwrap()).collect();
    assert_eq!(left, [CHAN_A]);
}

/// `s` cycles a view's sort columns and `S` reverses; the title says the sort; the view's own
/// order comes back after the last column. In the invoices pane `s` still shows secrets.
#[test]
fn s_sorts_the_lists_and_the_title_says_how() {
    let mut a = app();
    routing_node(&mut a);
    a.update(batch(vec![forward(30, "settled", "103x1x0", "105x1x1",
        json!({"in_htlc_id": 30, "out_msat": 900_000_000u64, "in_msat": 900_009_000u64, "fee_msat": 9_000, "resolved_time": T0 + 30.0}))]));
    a.update(key('4'));
    let own: Vec<u64> = a.forward_rows().iter().map(|r| r.f.in_htlc_id.unwrap()).collect();
    a.update(key('s'));
    let amounts: Vec<u64> = a.forward_rows().iter().map(|r| r.f.amount_msat().unwrap()).collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "largest first: {amounts:?}");
    assert!(render_text(&mut a, 140, 30).contains("sorted by amount ↓"));
    a.update(key('S'));
    let amounts: Vec<u64> = a.forward_rows().iter().map(|r| r.f.amount_msat().unwrap()).collect();
    assert!(amounts.windows(2).all(|w| w[0] <= w[1]), "smallest first: {amounts:?}");
    assert!(render_text(&mut a, 140, 30).contains("sorted by amount ↑"));
    a.update(key('s'));
    let fees: Vec<u64> = a.forward_rows().iter().map(|r| r.f.fee_msat.unwrap_or(0)).collect();
    assert_eq!(fees[0], 9_000, "then by fee");
    for _ in 0..3 {
        a.update(key('s'));
    }
    let back: Vec<u64> = a.forward_rows().iter().map(|r| r.f.in_htlc_id.unwrap()).collect();
    assert_eq!(back, own, "after the last column, the view's own order");
    // Channels by capacity.
    a.update(key('3'));
    a.update(key('s'));
    let caps: Vec<u64> = a.channel_rows().iter().map(|c| c.capacity_msat.unwrap()).collect();
    assert_eq!(caps, [5_000_000_000, 1_000_000_000]);
    // `s` is still the invoices pane's secrets key.
    a.update(key('1'));
    a.update(code(KeyCode::Tab));
    a.update(code(KeyCode::Tab));
    assert_eq!(a.focus, Pane::Invoices);
    a.update(key('s'));
    assert!(a.show_secrets);
}

/// Ticks to `t` and answers what the app asks; the alert changes, as `kind state subject`.
fn alerts_at(a: &mut lnwatch::app::App, t: f64) -> Vec<String> {
    a.update(Msg::Tick(t));
    answer_queries(a).iter().map(|c| format!("{} {} {}", c.kind.name(), c.state.name(), c.subject)).collect()
}

/// The rules through the app as the monitor and `lnwatch alerts` run them: a peer with a
/// channel down past its delay fires once, however long it stays down, and resolves once on
/// its return; a run of refusals is one alert however long; the node going away is one more,
/// and while it is away nothing else it knew is called resolved. Each fired alert raises the
/// problems list's entry for its subject.
#[test]
fn alerts_fire_once_per_subject_wait_their_delay_and_resolve_once() {
    let mut a = app();
    a.set_rules(lnwatch::alerts::Rules { peer_down_after: 5, forward_failures: 3, ..Default::default() });
    a.update(connected());
    a.update(batch(vec![hello("r", true), peers(0, vec![peer(PEER_A, true), peer(PEER_B, true)])]));
    answer_queries(&mut a);
    assert!(alerts_at(&mut a, T0 + 1.0).is_empty());

    a.update(batch(vec![disconnect(2, PEER_A)]));
    assert!(alerts_at(&mut a, T0 + 5.0).is_empty(), "inside peer_down_after");
    assert_eq!(alerts_at(&mut a, T0 + 7.5), [format!("peer_down firing {PEER_A}")]);
    for t in 8..60 {
        assert!(alerts_at(&mut a, T0 + t as f64).is_empty(), "once, not once a second");
    }
    let p = a.data.model.problems.iter().find(|p| p.subject == format!("peer:{PEER_A}")).unwrap();
    assert!(p.alert && p.resolved.is_none() && p.text.starts_with("peer_down: peer river-hub down"), "{p:?}");

    // 1,000 refusals: one alert.
    let refused = (0..1000)
        .map(|i| {
            forward(3 + i, "local_failed", "103x1x0", "105x1x1", json!({"failcode": 4103, "resolved_time": T0 + 60.0}))
        })
        .collect();
    a.update(batch(refused));
    assert_eq!(alerts_at(&mut a, T0 + 61.0), [format!("forward_failures firing {}", NODE_ID)]);
    assert!(alerts_at(&mut a, T0 + 62.0).is_empty());

    a.update(batch(vec![connect(1003, PEER_A)]));
    assert_eq!(alerts_at(&mut a, T0 + 63.0), [format!("peer_down resolved {PEER_A}")]);
    let p = a.data.model.problems.iter().find(|p| p.subject == format!("peer:{PEER_A}")).unwrap();
    assert!(p.resolved.is_some(), "{p:?}");

    // The node goes: one node_down after its delay (30 s); the refusals' alert stands.
    a.update(Msg::Source(SourceEvent::Lost { reason: "eof".into(), retry_in: 1.0 }));
    assert!(alerts_at(&mut a, T0 + 80.0).is_empty());
    assert_eq!(alerts_at(&mut a, T0 + 94.0), [format!("node_down firing {NODE_ID}")]);
    assert!(alerts_at(&mut a, T0 + 700.0).is_empty(), "nothing resolved while the node is away");
    assert_eq!(a.alerts.len(), 2);
    // Back: node_down resolves; ten minutes on, the refusals are out of the window.
    a.update(connected());
    a.update(batch(vec![hello("r", true)]));
    let mut back = alerts_at(&mut a, T0 + 701.0);
    back.sort();
    assert_eq!(back, [format!("forward_failures resolved {NODE_ID}"), format!("node_down resolved {NODE_ID}")]);
}

/// `payment_failed` on the node's word only: xpay's parts failing one after another (its
/// attempts) are no alert, nor is a payment the node does not know; once every part failed,
/// the payment was quiet and `listpays` says `failed`, one alert, resolved when a later
/// attempt pays.
#[test]
fn payment_failed_waits_for_the_nodes_word() {
    let mut a = app();
    a.update(connected());
    a.update(batch(vec![hello("r", true), peers(0, vec![peer(PEER_A, true)])]));
    answer_queries(&mut a);
    let mut records = lnwatch_sim::records::Records::default();
    let at = |a: &mut lnwatch::app::App, records: &lnwatch_sim::records::Records, t: f64| -> Vec<String> {
        a.update(Msg::Tick(t));
        let changes = answer_queries_from(a, records);
        changes.iter().map(|c| format!("{} {} {}", c.kind.name(), c.state.name(), c.subject)).collect()
    };
    let (known, unknown) = ("aa".repeat(32), "bb".repeat(32));
    let part = |seq: u64, hash: &str, partid: u64, ok: Option<bool>| {
        let body = json!({"payment_hash": hash, "groupid": 1, "partid": partid, "attempt_msat": 1000,
            "total_payment_msat": 1000, "destination": PEER_A, "hops": [{"next_node": PEER_A}]});
        match ok {
            None => custom(seq, "pay_part_start", "cln-xpay", json!({ "pay_part_start": body })),
            Some(ok) => {
                let mut end = body.clone();
                end["status"] = json!(if ok { "success" } else { "failure" });
                end["error_message"] = json!("temporary_channel_failure");
                custom(seq, "pay_part_end", "cln-xpay", json!({ "pay_part_end": end }))
            }
        }
    };
    // Two attempts, each failing; the second starts at once, as xpay's do.
    a.update(batch(vec![part(1, &known, 1, None), part(2, &known, 1, Some(false))]));
    records.sendpay_part(&json!({"payment_hash": known, "groupid": 1, "partid": 1}), false, (T0 + 2.0) as u64);
    assert!(at(&mut a, &records, T0 + 2.5).is_empty());
    a.update(batch(vec![part(3, &known, 2, None), part(4, &known, 2, Some(false))]));
    records.sendpay_part(&json!({"payment_hash": known, "groupid": 1, "partid": 2}), false, (T0 + 4.0) as u64);
    a.update(batch(vec![part(5, &unknown, 1, None), part(6, &unknown, 1, Some(false))]));
    assert!(at(&mut a, &records, T0 + 5.0).is_empty(), "no word yet");
    let pay = |a: &lnwatch::app::App, h: &str| a.data.model.payments.get(h).unwrap().result();
    assert_eq!(pay(&a, &known), lnwatch::model::payments::PayResult::Pending);
    // Quiet: the node is asked and says the known one failed; the other it does not know.
    assert!(at(&mut a, &records, T0 + 8.5).is_empty());
    assert_eq!(pay(&a, &known), lnwatch::model::payments::PayResult::Failed);
    assert_eq!(pay(&a, &unknown), lnwatch::model::payments::PayResult::Pending);
    assert_eq!(at(&mut a, &records, T0 + 9.0), [format!("payment_failed firing {known}")]);
    for t in 10..120 {
        assert!(at(&mut a, &records, T0 + t as f64).is_empty(), "once; never for the unknown payment");
    }
    // Paid by a later attempt: resolved.
    a.update(batch(vec![part(7, &known, 3, None), part(8, &known, 3, Some(true))]));
    assert_eq!(at(&mut a, &records, T0 + 123.0), [format!("payment_failed resolved {known}")]);
}

/// A node whose RPC times out is down though its relay is up (`node_down`, "not answering"),
/// until it answers again; a channel that can send under `low_outbound_pct` of its capacity
/// fires `low_outbound` once.
#[test]
fn a_node_that_stops_answering_is_down_and_low_outbound_follows_the_balance() {
    use lnwatch_shared::frame::{Frame, QueryError, query_error};
    let mut a = app();
    a.set_rules(lnwatch::alerts::Rules { node_down_after: 10, low_outbound_pct: 50, ..Default::default() });
    a.update(connected());
    a.update(batch(vec![hello("r", true), peers(0, vec![peer(PEER_A, true), peer(PEER_B, true)])]));
    answer_queries(&mut a);
    // Channel A can send 2,000,000 of 5,000,000 sat (40 %); B 90 %.
    assert_eq!(alerts_at(&mut a, T0 + 1.0), ["low_outbound firing 103x1x0"]);
    let fired = a.alerts.firing();
    assert!(fired[0].message.contains("can send 2,000,000 sat of 5,000,000 sat (40.0%, under 50%)"), "{fired:?}");

    // The node's RPC hangs: the plugin answers each question with a timeout.
    a.update(Msg::Tick(T0 + 70.0));
    let asked: Vec<_> = a
        .take_effects()
        .into_iter()
        .filter_map(|e| match e {
            lnwatch::app::Effect::Send(l) => match lnwatch_shared::frame::decode(&l) {
                Ok(Frame::Query(q)) => Some(q.id),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(!asked.is_empty(), "the channels are asked for again");
    let timeouts = asked
        .into_iter()
        .map(|id| {
            lnwatch::decode::Received::Frame(Frame::Error(QueryError {
                id,
                code: query_error::TIMEOUT,
                message: "the node did not answer".into(),
            }))
        })
        .collect();
    a.update(batch(timeouts));
    assert!(alerts_at(&mut a, T0 + 75.0).is_empty(), "inside node_down_after");
    assert_eq!(alerts_at(&mut a, T0 + 81.0), [format!("node_down firing {NODE_ID}")]);
    assert!(a.alerts.firing().iter().any(|x| x.message.contains("not answering")));
    // It answers again.
    a.update(Msg::Tick(T0 + 140.0));
    answer_queries(&mut a);
    let names = alerts_at(&mut a, T0 + 141.0);
    assert_eq!(names, [format!("node_down resolved {NODE_ID}")], "the balance is as it was");
}
