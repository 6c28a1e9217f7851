//! Drawing: `render(&App, &mut Frame)` reads the state and never changes it. The events view's
//! panes are here; the other views draw themselves ([`crate::views`]); the fleet view is [`fleet`].

pub mod fleet;

use lnwatch_shared::peers::format_address;
use lnwatch_shared::redact::REDACTED;
use lnwatch_shared::sanitize::{self, columns, one_line, one_line_middle, sanitize};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

use crate::app::{App, Conn, InvoiceState, Overlay, Pane, Subject};
pub use crate::clock::{ago, clock, clock_on};
use crate::keymap;
use crate::link::NodeStatus;
use crate::summary::{sat, short_id};
pub use crate::widgets::{Col, Theme, block, caught_up, col, list, outcome_style, sparkline, visible, window_start};

pub fn render(app: &App, f: &mut Frame) {
    let theme = Theme { color: app.color, light: app.light, stale: app.link.status().stale() };
    let area = f.area();
    let crate::layout::Areas { header, footer, body, topics, events, peers, invoices } = crate::layout::areas(area);
    f.render_widget(Paragraph::new(header_line(app, header.width, &theme)), header);
    f.render_widget(Paragraph::new(footer_line(app, footer.width, &theme)), footer);

    match crate::views::of(app.focus.view()) {
        Some(view) => view.draw(&app.ctx(app.focus), f, body, &theme),
        None => {
            topics_pane(app, f, topics, &theme);
            events_pane(app, f, events, &theme);
            peers_pane(app, f, peers, &theme);
            invoices_pane(app, f, invoices, &theme);
        }
    }

    if let Some(lines) = app.link.absent.as_ref().filter(|_| !app.link.ever_connected) {
        absent(f, area, lines, &theme);
    }

    match &app.overlay {
        Some(Overlay::Help { scroll }) => help(f, area, *scroll, &theme),
        Some(Overlay::Detail { subject, scroll, lines }) => detail(f, area, subject, lines, *scroll, &theme),
        Some(Overlay::TopicPicker { cursor }) => picker(app, f, area, cursor.index, &theme),
        None => {}
    }
}

fn header_line(app: &App, width: u16, t: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled("lnwatch ", Style::default().add_modifier(Modifier::BOLD)),
        Span::styled(format!("{} ", crate::views::name(app.focus)), t.warn()),
    ];
    if let Some(label) = &app.fleet_label {
        spans.push(Span::styled(format!("[{label}] "), Style::default().add_modifier(Modifier::BOLD)));
    }
    let status = app.link.status();
    match &app.link.conn {
        _ if matches!(status, NodeStatus::Down { .. } | NodeStatus::PluginStopped { .. }) => {
            let text = match &status {
                NodeStatus::Down { since, why } => format!("○ node down {} ago: {why}", ago(app.now - since)),
                _ => "○ lnwatch-plugin stopped (plugin stop); lightningd still running".into(),
            };
            spans.push(Span::styled(text, t.alarm()));
        }
        Conn::Up { .. } if app.link.silent => spans.push(Span::styled(
            format!("○ connected, but no hello: not an lnwatch socket? {}", lnwatch_socket_hint(&app.link.socket)),
            t.bad(),
        )),
        Conn::Up { .. } => spans.push(Span::styled("● connected", t.good())),
        Conn::Connecting { attempt } => spans.push(Span::styled(format!("◌ connecting (attempt {attempt})"), t.warn())),
        Conn::Down { retry_at, .. } if !app.link.ever_connected => spans.push(Span::styled(
            format!("○ no lnwatch-plugin at the socket yet, retry in {:.0}s", (retry_at - app.now).max(0.0)),
            t.bad(),
        )),
        Conn::Down { since, reason, retry_at } => spans.push(Span::styled(
            format!(
                "○ disconnected {} ({}), retry in {:.0}s",
                ago(app.now - since),
                one_line(reason, 40),
                (retry_at - app.now).max(0.0)
            ),
            t.bad(),
        )),
    }
    if let Some(p) = &app.frozen {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(format!("PAUSED +{}", p.pending), t.warn().add_modifier(Modifier::REVERSED)));
    }
    // Alerts firing, on every view: the overview (2) lists them.
    let firing = app.alerts.len();
    if firing > 0 {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(format!("⚑ {} firing", crate::summary::count(firing as u64, "alert")), t.alarm()));
    }
    let link = &app.link;
    if link.missed > 0 {
        spans.push(Span::raw("  "));
        let gaps = crate::summary::count(link.gaps, "gap");
        spans.push(Span::styled(format!("⚠ {} missed in {gaps}", crate::summary::group(link.missed)), t.bad()));
    }
    if link.bad_lines > 0 {
        spans.push(Span::styled(format!("  {} unreadable lines", link.bad_lines), t.warn()));
    }
    spans.push(Span::raw(format!("  {:.1} ev/s", link.rate)));
    if let Some(h) = &link.hello {
        let node = h.node_id.as_deref().map(short_id).unwrap_or_else(|| "node ?".into());
        let alias = h
            .alias
            .as_deref()
            .filter(|a| sanitize::visible(a))
            .map(|a| format!(" {}", one_line(a, 32)))
            .unwrap_or_default();
        spans.push(Span::raw(format!(
            "  {}{}  {}  {}",
            one_line(&node, 16),
            alias,
            one_line(h.network.as_deref().unwrap_or("?"), 12),
            one_line(h.lightningd.as_deref().unwrap_or(""), 20)
        )));
    }
    if link.outages > 0 {
        spans.push(Span::styled(format!("  outages {}", link.outages), t.dim()));
    }
    spans.push(Span::styled(format!("  {}", sanitize(&link.socket)), t.dim()));
    crate::widgets::fit_line(spans, width as usize)
}

/// Where lnwatch-plugin listens, said from a socket that is not its: next to a node's
/// `lightning-rpc` (in the network dir) the plugin's is `../notif.sock`.
fn lnwatch_socket_hint(socket: &str) -> String {
    let path = std::path::Path::new(socket);
    let lightning_dir = match path.file_name().and_then(|n| n.to_str()) {
        Some("lightning-rpc") => path.parent().and_then(|p| p.parent()),
        _ => path.parent(),
    };
    match lightning_dir {
        Some(d) => format!("(lnwatch-plugin listens on {})", sanitize(&d.join("notif.sock").display().to_string())),
        None => "(lnwatch-plugin listens on <lightning-dir>/notif.sock)".into(),
    }
}

fn footer_line(app: &App, width: u16, t: &Theme) -> Line<'static> {
    let hints = |used: usize| keymap::footer(&app.hints(), (width as usize).saturating_sub(used));
    if let Some(input) = &app.filter_input {
        let (before, after) = input.split();
        let typed = format!("{}▏{}", sanitize(&before), sanitize(&after));
        let used = 4 + typed.chars().count();
        return Line::from(vec![
            Span::styled("/", t.warn()),
            Span::raw(typed),
            Span::styled(format!("   {}", hints(used)), t.dim()),
        ]);
    }
    let mut spans = Vec::new();
    if let Some((notice, _)) = &app.notice {
        spans.push(Span::styled(format!("{notice}  "), t.warn()));
    }
    if app.filter.is_active() {
        spans.push(Span::styled(format!("filter: {}  ", sanitize(app.filter.text())), t.warn()));
        if let Some(unknown) = unknown_fields(app) {
            spans.push(Span::styled(format!("{unknown}  "), t.alarm()));
        }
    }
    let used = spans.iter().map(|s| s.content.chars().count()).sum();
    spans.push(Span::styled(hints(used), t.dim()));
    Line::from(spans)
}

/// Says which `field:` names of the filter the focused list has not got: a view's columns,
/// the invoices' label, or (the events) no event tested had it.
fn unknown_fields(app: &App) -> Option<String> {
    let (unknown, known): (Vec<String>, &[&str]) = match crate::views::of(app.focus) {
        // A view the filter does not narrow has nothing to say.
        Some(view) if view.fields().is_empty() => return None,
        Some(view) => (app.filter.unknown_fields(view.fields()), view.fields()),
        None if app.focus == Pane::Invoices => (app.filter.unknown_fields(&["label"]), &["label"]),
        None => (app.filter.unknown_fields(&[]), &[]),
    };
    let first = unknown.first()?;
    let mut known: Vec<&str> = known.to_vec();
    known.dedup();
    Some(match known.as_slice() {
        [] => format!("no event has a field {}", sanitize(first)),
        known => format!("unknown field {}; fields: {}", sanitize(first), known.join(", ")),
    })
}

fn topics_pane(app: &App, f: &mut Frame, area: Rect, t: &Theme) {
    let focused = app.focus == Pane::Topics;
    let store = &app.shown().store;
    // The count column is as wide as the largest count (at least its header).
    let count_w = store.topics().map(|x| x.count.to_string().len()).max().unwrap_or(0).max(5);
    // Borders 2, the count column, the gap between the columns 1, key and mark 3.
    let name_w = (area.width as usize).saturating_sub(2 + count_w + 1 + 3).max(1);
    let total: u64 = store.topics().map(|x| x.count).sum();
    let mut rows = vec![(vec![Cell::from("   all"), Cell::from(total.to_string())], Style::default())];
    for topic in store.topics() {
        // The mark goes before the name so that it survives truncation.
        let (mark, style) = if topic.enabled { (' ', Style::default()) } else { ('✗', t.dim()) };
        // Mark and spaces take 3 columns; the name gets the rest, cut with an ellipsis.
        let name = Cell::from(format!(" {mark} {}", one_line(&topic.name, name_w)));
        rows.push((vec![name, Cell::from(topic.count.to_string())], style));
    }
    let cursor = app.topics.cursor.index;
    let range = visible(area, rows.len(), Some(cursor), false);
    let rows = rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| range.contains(i))
        .map(|(i, (cells, style))| (cells, if i == cursor { t.selected(focused) } else { style }))
        .collect();
    let cols = [col("topic", Constraint::Min(6)), col("count", Constraint::Length(count_w as u16))];
    list(f, area, t, format!("Topics {}", store.topics().len()), focused, &cols, rows);
}

fn events_pane(app: &App, f: &mut Frame, area: Rect, t: &Theme) {
    let focused = app.focus == Pane::Events;
    let view = app.view();
    let which = app.topics.selected.as_deref().map(sanitize).map(|s| s.into_owned()).unwrap_or_else(|| "all".into());
    let mut title = format!("Events [{which}] {}", view.events.len());
    if view.hidden_by_topics > 0 {
        title.push_str(&format!(" · {} hidden by topics", view.hidden_by_topics));
    }
    if view.hidden_by_text > 0 {
        title.push_str(&format!(" · {} hidden by filter", view.hidden_by_text));
    }
    if view.hidden_noise > 0 {
        title.push_str(&format!(" · {} noise hidden (n shows)", view.hidden_noise));
    }
    let follow = app.events.follow;
    if !follow && !view.events.is_empty() {
        title.push_str(" · scrolled (G follows)");
    }
    let selected = app.events.selected_index();
    let range = app.events.window(area.height.saturating_sub(3) as usize);
    let shown = &view.events[range.clone()];
    // One topic with columns of its own: they replace the topic and summary columns.
    let one_topic = app.topics.selected.is_some();
    let mut fields = app.topics.selected.as_deref().and_then(crate::summary::field_names);
    // Columns shrink with the pane; the summary (or the last field) gets what is left. With one
    // topic shown, its column would say the same on every row.
    let inner_w = area.width.saturating_sub(2);
    let seq_w = shown.last().map_or(3, |e| e.seq.to_string().len() as u16).max(3);
    let topic_w = if one_topic { 0 } else { (inner_w / 5).clamp(8, 18) };
    let with_time = inner_w >= 60;
    let fixed = seq_w + 1 + if topic_w > 0 { topic_w + 1 } else { 0 } + if with_time { 9 } else { 0 };
    let rest_w = inner_w.saturating_sub(fixed).max(4) as usize;
    let field_w = fields.as_ref().and_then(|c| field_widths(c, shown, rest_w)).unwrap_or_default();
    if field_w.is_empty() {
        fields = None;
    }
    // Separator text goes in the last column.
    let sep = match field_w.split_last() {
        Some((last, others)) => (2 + others.len(), *last as usize),
        None => (2 + usize::from(topic_w > 0), rest_w),
    };
    let mut rows = Vec::with_capacity(shown.len() + 2);
    for (ev, i) in shown.iter().zip(range.clone()) {
        // Separators (restarts, gaps) go before the event they precede.
        for (_, text) in view.markers.iter().filter(|(at, _)| *at == i && i > range.start) {
            rows.push(separator(text, sep.1, sep.0, t));
        }
        let style = outcome_style(ev.outcome, t);
        let mut cells = vec![Cell::from(clock(ev.time)), Cell::from(ev.seq.to_string())];
        match (ev.fields(), &fields) {
            (Some(values), Some(_)) => cells.extend(values.iter().zip(&field_w).enumerate().map(|(k, (v, w))| {
                // The first column is the outcome (status, new state, change): it carries the colour.
                let cell = Cell::from(one_line(v, *w as usize));
                if k == 0 { cell.style(style) } else { cell }
            })),
            (None, Some(c)) => {
                cells.extend((1..c.names.len()).map(|_| Cell::from("")));
                cells.push(Cell::from(one_line(&app.shown().named(ev, ev.summary(app.show_secrets)), sep.1)));
            }
            (_, None) => {
                cells.push(Cell::from(one_line(&ev.topic, topic_w as usize)).style(style));
                let summary = app.shown().named(ev, ev.summary(app.show_secrets));
                cells.push(Cell::from(one_line(&summary, rest_w)).style(style));
            }
        }
        let marked = Some(i) == selected && (focused || !follow);
        rows.push((cells, if marked { t.selected(focused) } else { Style::default() }));
    }
    for (_, text) in view.markers.iter().filter(|(at, _)| *at == range.end && range.end > range.start) {
        rows.push(separator(text, sep.1, sep.0, t));
    }
    // Separators take rows of their own: keep the newest rows when following, else the first.
    let height = area.height.saturating_sub(3) as usize;
    if rows.len() > height {
        if follow {
            rows.drain(..rows.len() - height);
        } else {
            rows.truncate(height);
        }
    }
    let mut cols = vec![col("UTC", Constraint::Length(8)).when(with_time), col("seq", Constraint::Length(seq_w))];
    match &fields {
        Some(c) => cols.extend(c.names.iter().zip(&field_w).map(|(n, w)| col(n, Constraint::Length(*w)).when(*w > 0))),
        None => {
            cols.push(col("topic", Constraint::Length(topic_w)).when(topic_w > 0));
            cols.push(col("summary", Constraint::Min(4)));
        }
    }
    list(f, area, t, title, focused, &cols, rows);
}

/// Widths for a topic's own columns over the rows shown: each as wide as its widest value
/// (and its name); when they do not fit, columns are dropped (width 0) in the topic's order,
/// then the last (free text) is cut. The last column takes what is left. `None` when even that
/// does not fit: the summary, decisive field first, reads better than columns cut short.
fn field_widths(
    cols: &crate::summary::Columns,
    shown: &[std::sync::Arc<crate::store::Ev>],
    total: usize,
) -> Option<Vec<u16>> {
    let mut w: Vec<usize> = cols.names.iter().map(|n| columns(n)).collect();
    for ev in shown {
        for (k, v) in ev.fields().into_iter().flatten().enumerate().take(w.len()) {
            w[k] = w[k].max(columns(v));
        }
    }
    let needed = |w: &[usize]| w.iter().filter(|x| **x > 0).map(|x| x + 1).sum::<usize>().saturating_sub(1);
    for &k in cols.drop {
        if needed(&w) <= total {
            break;
        }
        w[k] = 0;
    }
    let last = w.len() - 1;
    let before = needed(&w[..last]) + 1;
    if before + cols.names[last].chars().count().min(6) > total {
        return None;
    }
    w[last] = total - before;
    Some(w.into_iter().map(|x| x as u16).collect())
}

/// A separator row of the events list: its text in the column after the `before` empty ones,
/// dimmed.
fn separator(text: &str, width: usize, before: usize, t: &Theme) -> (Vec<Cell<'static>>, Style) {
    let mut cells = vec![Cell::from(""); before];
    cells.push(Cell::from(one_line(text, width)));
    (cells, t.dim())
}

fn peers_pane(app: &App, f: &mut Frame, area: Rect, t: &Theme) {
    let focused = app.focus == Pane::Peers;
    let peers = app.peers_sorted();
    let up = peers.iter().filter(|p| p.connected).count();
    // Without the plugin, peer state is unknown: the table is what was known when it went away.
    let as_of = match &app.link.conn {
        Conn::Down { since, .. } => Some(*since),
        Conn::Up { .. } | Conn::Connecting { .. } => None,
    };
    let mut title = match as_of {
        None => format!("Peers {up}/{} connected", peers.len()),
        Some(t) => format!("Peers as of {} · state unknown", clock(t)),
    };
    if !app.link.peers_complete && as_of.is_none() {
        title.push_str(" · waiting for listpeers");
    }
    let selected = app.peers.cursor.selected(peers.len());
    let range = visible(area, peers.len(), selected.filter(|_| focused), false);
    // Narrow panes drop the address, then the direction, before squeezing the id.
    let inner_w = area.width.saturating_sub(2);
    // What is left for the address: the other columns (1, 14, 3, 6, 4, 3) and their gaps (6).
    let addr_w = (inner_w as usize).saturating_sub(1 + 14 + 3 + 6 + 4 + 3 + 6).max(1);
    let rows = peers[range.clone()]
        .iter()
        .zip(range)
        .map(|(p, i)| {
            let (open, normal) = app.shown().model.channels.with_peer(&p.id);
            let (dot, style) = match (p.connected, as_of) {
                (true, None) => ("●", t.good()),
                (true, Some(_)) => ("◌", t.dim()),
                // Down with channels: payments through them fail until it is back.
                (false, _) if open > 0 => ("⚠", t.bad()),
                (false, _) => ("○", t.dim()),
            };
            let chans = match (open, normal) {
                (0, _) => String::new(),
                (n, ok) if ok == n => n.to_string(),
                (n, ok) => format!("{ok}/{n}"),
            };
            let since = p.since.map(|s| ago(app.shown_now() - s)).unwrap_or_else(|| "?".into());
            let cells = vec![
                Cell::from(dot).style(style),
                // The alias from gossip when the node knows it: what operators call their peers.
                Cell::from(app.data.names.alias(&p.id).map_or_else(|| short_id(&p.id), |a| one_line(a, 14))),
                Cell::from(p.direction.map_or("-", |d| d.as_str())),
                Cell::from(one_line(&p.address.as_ref().map(format_address).unwrap_or_default(), addr_w)),
                Cell::from(since),
                // Connects seen this session; none yet (known from the node's list) is blank.
                Cell::from(if p.connects > 0 { format!("×{}", p.connects) } else { String::new() }),
                Cell::from(chans),
            ];
            let row = if as_of.is_some() { t.dim() } else { Style::default() };
            (cells, if focused && Some(i) == selected { t.selected(true) } else { row })
        })
        .collect();
    let cols = [
        col("", Constraint::Length(1)),
        col("peer", Constraint::Length(14)),
        col("dir", Constraint::Length(3)).when(inner_w >= 30),
        col("address", Constraint::Min(6)).when(inner_w >= 44),
        col("since", Constraint::Length(6)),
        col("conn", Constraint::Length(4)),
        col("ch", Constraint::Length(3)).when(inner_w >= 36),
    ];
    list(f, area, t, title, focused, &cols, rows);
}

fn preimage_text(app: &App, p: Option<&str>) -> String {
    match p {
        None => "-".into(),
        Some(REDACTED) => "redacted".into(),
        Some(_) if !app.show_secrets => "••••".into(),
        Some(p) => one_line(p, 64),
    }
}

fn invoices_pane(app: &App, f: &mut Frame, area: Rect, t: &Theme) {
    let focused = app.focus == Pane::Invoices;
    let invoices = app.shown_invoices();
    let paid = invoices.iter().filter(|i| i.paid.is_some()).count();
    let mut title = format!("Invoices {} · {paid} paid", invoices.len());
    let hidden = app.invoices_hidden();
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} hidden by filter"));
    }
    let cursor = app.invoices.cursor;
    let selected = cursor.selected(invoices.len());
    let range = visible(area, invoices.len(), selected, cursor.follow);
    let inner_w = area.width.saturating_sub(2);
    let amount = |inv: &crate::app::Invoice| inv.msat.map(sat).unwrap_or_else(|| "any".into());
    // Amounts are never cut: the column is as wide as the widest shown.
    let amount_w = invoices[range.clone()].iter().map(|i| amount(i).chars().count()).max().unwrap_or(6).max(6);
    let (with_time, with_preimage) = (inner_w >= 40, inner_w >= 50);
    let preimage_w = if app.show_secrets { 16 } else { 8 };
    // The state column grows for the caught-up mark (`expired ↺`).
    let state_w = if invoices[range.clone()].iter().any(|i| i.caught_up) { 9 } else { 7 };
    let fixed = amount_w + 1 + state_w + if with_time { 9 } else { 0 } + if with_preimage { preimage_w + 1 } else { 0 };
    let label_w = (inner_w as usize).saturating_sub(fixed + 1).max(1);
    let rows = invoices[range.clone()]
        .iter()
        .zip(range)
        .map(|(inv, i)| {
            let state = inv.state(app.shown_now());
            let style = match state {
                InvoiceState::Paid => t.good(),
                InvoiceState::Expired => t.dim(),
                InvoiceState::Open => Style::default(),
            };
            let state = caught_up(state.word(), inv.caught_up);
            let cells = vec![
                // When it was made; when it was paid is in its detail (Enter).
                Cell::from(clock(inv.created.or(inv.paid).unwrap_or(0.0))),
                Cell::from(one_line_middle(&inv.label, label_w)),
                Cell::from(amount(inv)),
                Cell::from(state).style(style),
                Cell::from(preimage_text(app, inv.preimage.as_deref())),
            ];
            (cells, if focused && Some(i) == selected { t.selected(true) } else { Style::default() })
        })
        .collect();
    let cols = [
        col("UTC", Constraint::Length(8)).when(with_time),
        col("label", Constraint::Min(6)),
        col("amount", Constraint::Length(amount_w as u16)),
        col("", Constraint::Length(state_w as u16)),
        col("preimage", Constraint::Length(preimage_w as u16)).when(with_preimage),
    ];
    list(f, area, t, title, focused, &cols, rows);
}

/// A rectangle of `w`×`h` (at most the area) centred in `area`.
pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn detail(f: &mut Frame, area: Rect, subject: &Subject, lines: &[String], scroll: u16, t: &Theme) {
    let r = centered(area, area.width.saturating_sub(4).max(20), area.height.saturating_sub(2).max(3));
    let lines: Vec<Line> = lines.iter().map(|l| Line::from(l.as_str())).collect();
    let title = match subject {
        Subject::Event(ev) => {
            let origin = ev.origin.as_deref().map(|o| format!(" · from {}", one_line(o, 24))).unwrap_or_default();
            format!("seq {} · {} · {} UTC{origin}", ev.seq, one_line(&ev.topic, 30), clock(ev.time))
        }
        Subject::Invoice(inv) => format!("invoice · {}", one_line(&inv.label, 40)),
        Subject::Channel(c) => {
            format!("channel · {}", one_line(c.short_channel_id.as_deref().unwrap_or("no scid yet"), 20))
        }
        Subject::Forward(r) => format!("forward · {} · {} UTC", one_line(&r.f.status, 14), clock(r.time)),
        Subject::Payment(p) => format!("payment · {} · {}", short_id(&p.payment_hash), p.result().word()),
        Subject::Day(day) => format!("income · {} UTC", crate::clock::date(*day as f64 * 86_400.0)),
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)).block(block(title, true, t)),
        r,
    );
}

/// The panel shown until the plugin is first reached: what is wrong and what to run.
fn absent(f: &mut Frame, area: Rect, lines: &[String], t: &Theme) {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u16 + 4;
    let r = centered(area, width.max(40), lines.len() as u16 + 2);
    let text: Vec<Line> = lines.iter().map(|l| Line::from(sanitize(l).into_owned())).collect();
    f.render_widget(Clear, r);
    let title = "No plugin yet".to_string();
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block(title, true, t)), r);
}

/// What the panes' marks and colours mean, under the keys in the help.
const LEGEND: &[(&str, &str)] = &[
    ("● ○ ◌", "peer connected / down / last known connected while the plugin is unreachable"),
    ("⚠", "a peer that is down while it has open channels: payments through them fail"),
    ("ch", "a peer's open channels (normal/all when some are not normal)"),
    ("×N", "connections of that peer seen since lnwatch started"),
    ("✗", "a topic switched off (t, then Space or 1-9)"),
    ("█░", "channels: our share of the capacity (█) and the peer's (░)"),
    ("↺", "caught up: learnt from the node's records after lnwatch was away, not from a live event"),
    (
        "colours",
        "by outcome, not topic · green: settled, paid, success, up · red: failed, warnings, a channel leaving normal · orange: refused here (local_failed) · yellow: under way · magenta: a peer went down · plain: chain and bookkeeping",
    ),
    ("one topic", "pick a topic in the topics pane and its own columns replace the summary"),
];

fn help(f: &mut Frame, area: Rect, scroll: u16, t: &Theme) {
    let key_w = 16;
    let box_w = area.width.min(90);
    // Each text wraps under itself, not under its key.
    let text_w = (box_w as usize).saturating_sub(2 + key_w).max(12);
    let entry = |k: &str, v: &str| {
        let mut out = Vec::new();
        for (i, part) in textwrap::wrap(v, text_w).into_iter().enumerate() {
            let key = if i == 0 { k } else { "" };
            out.push(Line::from(vec![Span::styled(format!("{key:key_w$}"), t.warn()), Span::raw(part.into_owned())]));
        }
        out
    };
    let section = |rows: &[(String, String)]| rows.iter().flat_map(|(k, v)| entry(k, v)).collect::<Vec<_>>();
    let mut lines = section(&keymap::help());
    lines.push(Line::raw(""));
    lines.extend(section(&crate::views::help()));
    lines.push(Line::raw(""));
    lines.extend(LEGEND.iter().flat_map(|(k, v)| entry(k, v)));
    let r = centered(area, box_w, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    let title = "Keys (q/Esc closes, j/k scroll)".to_string();
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)).block(block(title, true, t)), r);
}

fn picker(app: &App, f: &mut Frame, area: Rect, cursor: usize, t: &Theme) {
    let n = app.shown().store.topics().len();
    let r = centered(area, 44, n as u16 + 2);
    let inner_h = r.height.saturating_sub(2) as usize;
    let start = window_start(n, inner_h, Some(cursor), false);
    let rows: Vec<Row> = app
        .shown()
        .store
        .topics()
        .enumerate()
        .skip(start)
        .take(inner_h)
        .map(|(i, topic)| {
            let mark = if topic.enabled { "[x]" } else { "[ ]" };
            let key = if i < 9 { format!("{}", i + 1) } else { " ".into() };
            let row = Row::new(vec![
                Cell::from(format!("{key} {mark} {}", sanitize(&topic.name))),
                Cell::from(topic.count.to_string()),
            ]);
            if i == cursor { row.style(t.selected(true)) } else { row }
        })
        .collect();
    f.render_widget(Clear, r);
    let title = if n == 0 { "Topics: none seen yet".to_string() } else { "Topics (Space toggles)".to_string() };
    f.render_widget(Table::new(rows, [Constraint::Min(10), Constraint::Length(8)]).block(block(title, true, t)), r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_keep_the_selection_visible() {
        assert_eq!(window_start(100, 10, Some(99), true), 90);
        assert_eq!(window_start(100, 10, Some(50), false), 45);
        assert_eq!(window_start(100, 10, Some(2), false), 0);
        assert_eq!(window_start(5, 10, Some(4), false), 0);
        assert_eq!(window_start(0, 0, None, false), 0);
    }
}
