//! The rendered screen, through the real main loop on a `TestBackend`, snapshotted with insta at
//! 80×24, 120×40 and 60×20.

mod common;

use common::*;
use crossterm::event::KeyCode;
use lnwatch::app::{App, Msg, SourceEvent};
use lnwatch::run::event_loop;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (60, 20)];

/// Runs the main loop over `msgs` and returns the final screen as text.
fn screen(app: App, msgs: Vec<Msg>, w: u16, h: u16) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (tx, mut rx) = mpsc::channel(msgs.len() + 1);
    for m in msgs {
        tx.try_send((0, m)).unwrap();
    }
    drop(tx);
    let (queries, _) = mpsc::unbounded_channel();
    let mut files = lnwatch::files::Files::start();
    let mut fleet = lnwatch::fleet::Fleet::one(app);
    let silent = &mut lnwatch::notify::Notify::silent();
    rt.block_on(event_loop(&mut terminal, &mut fleet, &mut rx, &[queries], &mut files, silent)).unwrap();
    text(terminal.backend().buffer())
}

fn check(name: &str, build: impl Fn() -> (App, Vec<Msg>)) {
    for (w, h) in SIZES {
        let (app, msgs) = build();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(app, msgs, w, h));
    }
}

fn busy_app() -> App {
    let mut a = app();
    busy(&mut a);
    a
}

#[test]
fn connecting() {
    check("connecting", || (app(), vec![]));
}

#[test]
fn busy_node() {
    check("busy", || (busy_app(), vec![]));
}

/// Forwards of every outcome, then the topics pane moved to forward_event: its own columns.
#[test]
fn one_topic_shows_its_own_columns() {
    check("forwards_only", || {
        let fwd = |seq: u64, status: &str, extra: serde_json::Value| {
            let mut body = json!({"payment_hash":"aa","in_channel":"103x2x1","out_channel":"110x1x0","in_msat":100_001_001u64,
                "out_msat":100_000_000u64,"fee_msat":1_001,"status":status,"received_time":1.0});
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            ev(seq, "forward_event", json!({ "forward_event": body }))
        };
        let msgs = vec![
            batch(vec![
                block(1, 840_001),
                fwd(2, "offered", json!({})),
                fwd(3, "settled", json!({})),
                fwd(4, "local_failed", json!({"failcode":4103,"failreason":"WIRE_TEMPORARY_CHANNEL_FAILURE"})),
                fwd(5, "failed", json!({})),
            ]),
            // Topics pane: all, block_added, forward_event.
            code(KeyCode::BackTab),
            key('j'),
            key('j'),
        ];
        (app(), msgs)
    });
}

#[test]
fn paused() {
    check("paused", || (busy_app(), vec![key(' '), batch(vec![block(17, 9), block(18, 10)])]));
}

#[test]
fn filtered() {
    check("filtered", || {
        let msgs = vec![
            key('t'),
            key('2'),
            key('q'),
            key('/'),
            key('b'),
            key('l'),
            key('o'),
            key('c'),
            key('k'),
            code(KeyCode::Enter),
        ];
        (busy_app(), msgs)
    });
}

#[test]
fn detail() {
    check("detail", || (busy_app(), vec![key('k'), key('k'), key('k'), code(KeyCode::Enter)]));
}

#[test]
fn help() {
    check("help", || (busy_app(), vec![key('?')]));
}

#[test]
fn disconnected() {
    check("disconnected", || {
        let msgs = vec![
            Msg::Source(SourceEvent::Lost { reason: "Connection refused (os error 111)".into(), retry_in: 1.6 }),
            Msg::Tick(common::T0 + 42.0),
        ];
        (busy_app(), msgs)
    });
}

#[test]
fn topic_picker() {
    check("picker", || (busy_app(), vec![key('t'), key('j'), code(KeyCode::Char(' '))]));
}

#[test]
fn no_panic_at_any_size_in_any_state() {
    let states: Vec<Vec<Msg>> =
        vec![vec![], vec![key('?')], vec![key('t')], vec![code(KeyCode::Enter)], vec![key('/'), key('x')]];
    for msgs in states {
        for w in (1..=130).step_by(7).chain([20]) {
            for h in (1..=45).step_by(4).chain([5]) {
                let mut a = busy_app();
                for m in msgs.iter().map(|m| match m {
                    Msg::Key(k) => Msg::Key(*k),
                    _ => unreachable!(),
                }) {
                    a.update(m);
                }
                a.prepare();
                let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
                terminal.draw(|f| lnwatch::ui::render(&a, f)).unwrap();
            }
        }
    }
}

#[test]
fn hostile_strings_are_rendered_as_text() {
    let mut a = app();
    let evil = "pwn\u{1b}]0;title\u{7}\u{1b}[2J\nnext line\u{9b}31m";
    a.update(batch(vec![
        hello("r", false),
        invoice_created(1, evil, Some(1)),
        ev(2, "warning", json!({"warning":{"level":"warn","source":evil,"log":evil}})),
        ev(3, evil, json!({"x": evil})),
        ev(4, "invoice_creation", json!({"invoice_creation":{"label":"表情😀wide","msat":1}})),
    ]));
    a.update(code(KeyCode::Enter));
    a.prepare();
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| lnwatch::ui::render(&a, f)).unwrap();
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character {:?} reached the screen",
            cell.symbol()
        );
    }
    let shown = text(terminal.backend().buffer());
    assert!(shown.contains("表情😀wide"));
    assert!(shown.contains("pwn"));
}

#[test]
fn secrets_are_hidden_until_asked_for() {
    let mut a = busy_app();
    // The first event of the busy node is an invoice_creation carrying a preimage.
    a.update(key('g'));
    a.update(code(KeyCode::Enter));
    a.prepare();
    let Some(lnwatch::app::Overlay::Detail { subject: lnwatch::app::Subject::Event(ev), lines, .. }) = &a.overlay
    else {
        panic!()
    };
    assert_eq!(&*ev.topic, "invoice_creation");
    let hidden = lines.join("\n");
    assert!(!hidden.contains("2d30add2"), "{hidden}");
    assert!(hidden.contains("s shows"));
    a.update(key('s'));
    let Some(lnwatch::app::Overlay::Detail { lines, .. }) = &a.overlay else { panic!() };
    assert!(lines.join("\n").contains("2d30add2"));
}

mod arbitrary_payloads {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            let keys = prop_oneof![
                Just("id".to_string()),
                Just("label".to_string()),
                Just("msat".to_string()),
                Just("address".to_string()),
                Just("payload".to_string()),
                Just("origin".to_string()),
                Just("data".to_string()),
                Just("hops".to_string()),
                Just("accounts".to_string()),
                Just("preimage".to_string()),
                Just("connect".to_string()),
                Just("invoice_payment".to_string()),
                Just("forward_event".to_string()),
                ".{1,6}"
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn topic() -> impl Strategy<Value = String> {
        let known: Vec<String> =
            lnwatch_shared::notification::BUILTIN_TOPICS.iter().map(|(t, _)| t.to_string()).collect();
        prop_oneof![
            proptest::sample::select(known),
            Just("pay_part_start".to_string()),
            Just("pay_part_end".to_string()),
            Just("pay_failure".to_string()),
            ".{0,10}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Whatever lightningd or a plugin sends, the monitor stores, summarizes and draws it.
        #[test]
        fn any_payload_of_any_topic_renders(events in proptest::collection::vec((topic(), json()), 1..12)) {
            let mut a = app();
            let items = events.into_iter().enumerate().map(|(i, (t, p))| ev(i as u64 + 1, &t, p)).collect();
            a.update(batch(items));
            a.update(code(KeyCode::Enter));
            a.prepare();
            let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
            terminal.draw(|f| lnwatch::ui::render(&a, f)).unwrap();
        }
    }
}

#[test]
fn restarts_and_gaps_are_rows_in_the_list() {
    let msgs = vec![batch(vec![
        hello("run-1", true),
        block(1, 840_000),
        block(2, 840_001),
        // Five seqs never arrived (the replay did not reach back far enough).
        block(8, 840_007),
        gap(2054, 2063),
        block(2063, 840_008),
        // The plugin restarted: its seqs start again.
        hello("run-2", true),
        block(1, 840_009),
    ])];
    let s = screen(app(), msgs, 100, 30);
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("height 84") || l.contains("—")).collect();
    let at = |needle: &str| rows.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}: {s}"));
    assert!(at("height 840001") < at("— 5 events missed —"));
    assert!(at("— 5 events missed —") < at("height 840007"));
    assert!(at("height 840007") < at("— 2,054 events missed —"));
    assert!(at("— 2,054 events missed —") < at("height 840008"));
    assert!(at("height 840008") < at("— the plugin restarted"));
    assert!(at("— the plugin restarted") < at("height 840009"));
}

#[test]
fn cuts_show_an_ellipsis_and_amounts_fit() {
    for (w, h) in SIZES {
        let msgs = vec![batch(vec![
            invoice_created(1, "sub/2026-11-28", Some(233_655_014)),
            invoice_created(2, "sub/2026-11-29", Some(1_000)),
        ])];
        let s = screen(app(), msgs, w, h);
        assert!(s.contains("233,655.014 sat"), "{w}x{h}: the amount whole, with separators\n{s}");
        // The invoice feed (drawn from 80 columns) cuts labels in the middle so their ends
        // differ; the events list leads with the amount and cuts the label's end.
        let labels: Vec<&str> = s.lines().filter(|l| l.contains(" sat")).collect();
        let apart = labels.iter().any(|l| l.contains("-28")) && labels.iter().any(|l| l.contains("-29"));
        assert!(apart || w < 80, "{w}x{h}\n{s}");
    }
}

fn routing_app() -> App {
    let mut a = app();
    routing_node(&mut a);
    node_confirms_the_failed_payment(&mut a);
    a
}

/// The operator views, each reached by its key, over the same routing node.
#[test]
fn operator_views() {
    for (name, k) in
        [("overview", '2'), ("channels", '3'), ("forwards", '4'), ("payments", '5'), ("income", '6'), ("htlcs", '7')]
    {
        check(&format!("view_{name}"), || (routing_app(), vec![key(k)]));
    }
}

/// Alerts firing head the overview (the most severe first), are counted in the header and
/// marked in the problems; a minute on, the routing node's peer A is down and its failed
/// payment settled as failed.
#[test]
fn alerts_head_the_overview() {
    check("alerts_overview", || {
        let mut a = routing_app();
        a.set_rules(lnwatch::alerts::Rules { peer_down_after: 30, ..Default::default() });
        (a, vec![Msg::Tick(T0 + 60.0), key('2')])
    });
}

/// Two nodes in one monitor: the fleet view (`0`) has a row per node, up or down in words; `n`
/// and Enter switch the node the views show, and the header names it.
#[test]
fn the_fleet_view_and_switching_nodes() {
    let fleet_of = || {
        let mut down = app();
        down.update(connected());
        down.update(Msg::Source(SourceEvent::Lost { reason: "eof".into(), retry_in: 5.0 }));
        lnwatch::fleet::Fleet::new(vec![routing_app(), down], vec!["router".into(), String::new()])
    };
    let run = |mut fleet: lnwatch::fleet::Fleet, keys: Vec<Msg>| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let mut terminal = Terminal::new(TestBackend::new(120, 12)).unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        for k in keys {
            tx.try_send((lnwatch::fleet::ALL, k)).unwrap();
        }
        drop(tx);
        let queries: Vec<_> = (0..2).map(|_| mpsc::unbounded_channel().0).collect();
        let mut files = lnwatch::files::Files::start();
        let silent = &mut lnwatch::notify::Notify::silent();
        rt.block_on(event_loop(&mut terminal, &mut fleet, &mut rx, &queries, &mut files, silent)).unwrap();
        (text(terminal.backend().buffer()), fleet)
    };
    let (s, _) = run(fleet_of(), vec![key('0')]);
    insta::assert_snapshot!("fleet_view_120x12", s);
    let (s, fleet) = run(fleet_of(), vec![key('n')]);
    assert_eq!(fleet.current, 1);
    assert!(s.lines().next().unwrap().contains("[node 2/2 /tmp/l1-regtest/notif.sock]"), "{s}");
    let (s, fleet) = run(fleet_of(), vec![key('0'), key('j'), code(KeyCode::Enter)]);
    assert_eq!((fleet.current, fleet.fleet_view), (1, false), "{s}");
    let (_, fleet) = run(fleet_of(), vec![key('n'), key('N')]);
    assert_eq!(fleet.current, 0);
}

/// A forward refused here before anything was sent on carries only what came in: the
/// forwards view shows that amount, never `?`.
#[test]
fn a_refused_forward_shows_the_amount_that_came_in() {
    let mut app = App::new("s".into(), 100, None, T0);
    app.update(connected());
    let refused = forward(
        1,
        "local_failed",
        "103x1x0",
        "105x1x1",
        json!({"out_msat": null, "fee_msat": null, "failcode": 4103, "resolved_time": T0 + 1.0}),
    );
    let msgs = vec![batch(vec![hello("r", true), refused]), key('4')];
    let s = screen(app, msgs, 120, 30);
    let row = s.lines().find(|l| l.contains("local_failed")).unwrap_or_else(|| panic!("no row: {s}"));
    assert!(row.contains("100,001.001") && !row.contains(" ? "), "{row}");
}

/// A list that stops following says so, with how many newer rows are below, and `G` follows
/// again.
#[test]
fn a_held_list_says_so_and_g_follows_again() {
    let held = {
        let mut app = App::new("s".into(), 100, None, T0);
        routing_node(&mut app);
        screen(app, vec![key('4'), key('k')], 120, 30)
    };
    let title = held.lines().find(|l| l.contains("Forwards 3")).unwrap_or_else(|| panic!("{held}"));
    assert!(title.contains("held (1 newer · G follows)"), "{title}");
    let again = {
        let mut app = App::new("s".into(), 100, None, T0);
        routing_node(&mut app);
        screen(app, vec![key('4'), key('k'), key('G')], 120, 30)
    };
    assert!(again.lines().any(|l| l.contains("Forwards 3") && l.contains("following")), "{again}");
}

/// Numeric tokens of a screen line (digits with separators), each with whether an ellipsis
/// follows it (a cell cut with a sign).
fn numbers(line: &str) -> Vec<(String, bool)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j] == '.') {
            j += 1;
        }
        let token: String = chars[i..j].iter().collect();
        // Digits running into letters are an id (`0357f7…`, `103x1x0`), not a number.
        if !chars.get(j).is_some_and(|c| c.is_alphanumeric()) {
            out.push((token, chars.get(j) == Some(&'…')));
        }
        i = j;
    }
    out
}

/// Every view at every width from 60 to 120 columns: no number is cut without a sign. A number
/// drawn whole on a wide screen may be shortened with a unit, its column dropped, or its cell
/// end in `…`; never shown as a bare prefix of itself (`69,13` for `69,138`).
#[test]
fn no_view_cuts_a_number_at_any_width() {
    let mut app = routing_app();
    // Amounts of every size, in every view.
    app.update(batch(vec![
        invoice_created(30, "big-one", Some(69_138_000)),
        invoice_created(31, "small", Some(489_930)),
        forward(
            32,
            "settled",
            "103x1x0",
            "105x1x1",
            json!({"in_htlc_id": 32, "out_msat": 1_234_567_891u64,
            "in_msat": 1_234_580_000u64, "fee_msat": 12_109, "resolved_time": T0 + 32.0}),
        ),
    ]));
    for (view, k) in [
        ("events", '1'),
        ("overview", '2'),
        ("channels", '3'),
        ("forwards", '4'),
        ("payments", '5'),
        ("income", '6'),
        ("htlcs", '7'),
    ] {
        app.update(key(k));
        let wide: std::collections::HashSet<String> =
            render_text(&mut app, 240, 24).lines().flat_map(numbers).map(|(n, _)| n).collect();
        for w in 60..=120 {
            let s = render_text(&mut app, w, 24);
            for line in s.lines() {
                for (n, cut_with_sign) in numbers(line) {
                    let bare_prefix =
                        !wide.contains(&n) && wide.iter().any(|full| full.len() > n.len() && full.starts_with(&n));
                    let dangling = n.ends_with(',') || n.ends_with('.');
                    assert!(
                        cut_with_sign || !(bare_prefix || dangling),
                        "{view} at {w} columns cuts a number to {n:?}:\n{line}\n\n{s}"
                    );
                }
            }
        }
    }
}
