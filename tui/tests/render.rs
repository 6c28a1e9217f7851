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
fn screen(mut app: App, msgs: Vec<Msg>, w: u16, h: u16) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let (tx, mut rx) = mpsc::channel(msgs.len() + 1);
    for m in msgs {
        tx.try_send(m).unwrap();
    }
    drop(tx);
    rt.block_on(event_loop(&mut terminal, &mut app, &mut rx)).unwrap();
    text(terminal.backend().buffer())
}

fn text(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    use ratatui::text::Span;
    Span::raw(s).width()
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

#[test]
fn paused() {
    check("paused", || (busy_app(), vec![key(' '), batch(vec![block(17, 9), block(18, 10)])]));
}

#[test]
fn filtered() {
    check("filtered", || {
        let msgs = vec![key('2'), key('/'), key('b'), key('l'), key('o'), key('c'), key('k'), code(KeyCode::Enter)];
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
    let Some(lnwatch::app::Overlay::Detail { ev, .. }) = &a.overlay else { panic!() };
    assert_eq!(&*ev.topic, "invoice_creation");
    let hidden = lnwatch::ui::detail_text(&a, ev).join("\n");
    assert!(!hidden.contains("2d30add2"), "{hidden}");
    assert!(hidden.contains("s shows"));
    a.update(key('s'));
    let Some(lnwatch::app::Overlay::Detail { ev, .. }) = &a.overlay else { panic!() };
    assert!(lnwatch::ui::detail_text(&a, ev).join("\n").contains("2d30add2"));
}
