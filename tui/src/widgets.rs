//! What every list-shaped view draws with: the colour theme (or none, with `NO_COLOR`), a
//! bordered block, a list of columns that narrow panes drop, the window that keeps the
//! selection visible, a sparkline, and colours by outcome.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::keymap::Action;
use crate::summary::Outcome;

pub struct Theme {
    pub color: bool,
    /// Colours for a light background (`theme = "light"`): the darker shades of each.
    pub light: bool,
    /// Set while the data is no longer live (node down, plugin stopped): what it is as of.
    /// Colours fade; the header and the overview say why.
    pub stale: Option<String>,
}

impl Theme {
    pub fn fg(&self, c: Color) -> Style {
        match (self.color, &self.stale) {
            (false, _) => Style::default(),
            (true, Some(_)) => Style::default().fg(Color::DarkGray),
            (true, None) => Style::default().fg(self.tone(c)),
        }
    }
    /// `c` as it reads on the background: yellow, cyan and green wash out on white.
    fn tone(&self, c: Color) -> Color {
        match (self.light, c) {
            (false, c) => c,
            (true, Color::Yellow) => Color::Indexed(130),
            (true, Color::Cyan) => Color::Blue,
            (true, Color::Green) => Color::Indexed(28),
            (true, Color::Magenta) => Color::Indexed(90),
            (true, Color::Indexed(208)) => Color::Indexed(166),
            (true, c) => c,
        }
    }
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }
    /// Red even when the data is stale: for saying that it is.
    pub fn alarm(&self) -> Style {
        let s = Style::default().add_modifier(Modifier::BOLD);
        if self.color { s.fg(Color::Red) } else { s }
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        if self.color { Style::default().fg(Color::DarkGray) } else { Style::default() }
    }
    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::default().fg(self.tone(Color::Cyan)),
            (true, false) => Style::default().add_modifier(Modifier::BOLD),
            _ => Style::default(),
        }
    }
}

/// `spans` as one line of at most `width` columns: what does not fit is cut with `…`, never
/// silently (a number cut at the edge would read as a smaller one).
pub fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= width {
        return Line::from(spans);
    }
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w < width {
            used += w;
            out.push(span);
            continue;
        }
        let cut = lnwatch_shared::sanitize::one_line(&span.content, width - used);
        out.push(Span::styled(cut, span.style));
        break;
    }
    Line::from(out)
}

pub fn block(title: String, focused: bool, t: &Theme) -> Block<'static> {
    Block::default().borders(Borders::ALL).border_style(t.border(focused)).title(title)
}

/// A column of a list pane; narrow panes drop the ones not `shown`, and [`list`] drops
/// optional ones, highest rank first, until the rest fit whole.
pub struct Col {
    pub title: &'static str,
    pub width: Constraint,
    pub shown: bool,
    /// 0: always drawn; otherwise dropped before columns of lower rank when space is short.
    pub drop_rank: u8,
}

pub fn col(title: &'static str, width: Constraint) -> Col {
    Col { title, width, shown: true, drop_rank: 0 }
}

impl Col {
    pub fn when(self, shown: bool) -> Col {
        Col { shown, ..self }
    }

    /// Dropped when the columns do not fit, before those of a lower `rank`.
    pub fn optional(self, rank: u8) -> Col {
        Col { drop_rank: rank, ..self }
    }

    fn least(&self) -> u16 {
        match self.width {
            Constraint::Length(n) | Constraint::Min(n) => n,
            _ => 0,
        }
    }
}

/// Which of `cols` are drawn in `width` columns: the shown ones, less the optional ones that
/// must go (highest rank first) for the others to fit whole, one column apart.
pub fn fitted(cols: &[Col], width: u16) -> Vec<bool> {
    let mut shown: Vec<bool> = cols.iter().map(|c| c.shown).collect();
    loop {
        let n = shown.iter().filter(|s| **s).count() as u16;
        let need: u16 = cols.iter().zip(&shown).filter(|(_, s)| **s).map(|(c, _)| c.least()).sum::<u16>();
        if need + n.saturating_sub(1) <= width {
            return shown;
        }
        let next =
            cols.iter().enumerate().filter(|(i, c)| shown[*i] && c.drop_rank > 0).max_by_key(|(_, c)| c.drop_rank);
        match next {
            Some((i, _)) => shown[i] = false,
            None => return shown,
        }
    }
}

/// The rows of a `len`-row list that fit in `area` (bordered, with a header line), chosen so
/// that `selected` stays visible (the last page when following).
pub fn visible(area: Rect, len: usize, selected: Option<usize>, follow: bool) -> std::ops::Range<usize> {
    let height = area.height.saturating_sub(3) as usize;
    let start = window_start(len, height, selected, follow);
    start..(start + height).min(len)
}

/// Draws a bordered list pane: each row's cells for every column (those of hidden columns are
/// dropped) and its style.
pub fn list(
    f: &mut Frame,
    area: Rect,
    t: &Theme,
    title: String,
    focused: bool,
    cols: &[Col],
    rows: Vec<(Vec<Cell<'static>>, Style)>,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let keep = fitted(cols, area.width.saturating_sub(2));
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(cells, style)| {
            Row::new(cells.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(cell, _)| cell)).style(style)
        })
        .collect();
    let shown: Vec<&Col> = cols.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c).collect();
    let table = Table::new(rows, shown.iter().map(|c| c.width))
        .header(Row::new(shown.iter().map(|c| c.title)).style(t.dim()))
        .block(block(title, focused, t));
    f.render_widget(table, area);
}

/// A sparkline of `data` (oldest first) in `area`, the newest value at the right edge: as
/// many of the latest values as fit.
pub fn sparkline(f: &mut Frame, area: Rect, data: &[u64], style: Style) {
    let n = (area.width as usize).min(data.len());
    let at = Rect { x: area.x + area.width - n as u16, width: n as u16, ..area };
    let data = &data[data.len() - n..];
    let peak = data.iter().max().copied().unwrap_or(0).max(1);
    f.render_widget(ratatui::widgets::Sparkline::default().data(data).max(peak).style(style), at);
}

/// First row to show so that `selected` stays in a window of `height` rows.
pub fn window_start(len: usize, height: usize, selected: Option<usize>, follow: bool) -> usize {
    let last_page = len.saturating_sub(height);
    match selected {
        _ if follow => last_page,
        Some(s) => s.saturating_sub(height / 2).min(last_page),
        None => 0,
    }
}

/// Colour by outcome, never by topic. Neutral rows keep the terminal's own colour, which
/// reads on dark and light backgrounds alike.
pub fn outcome_style(outcome: Outcome, t: &Theme) -> Style {
    match outcome {
        Outcome::Neutral => Style::default(),
        Outcome::Good => t.fg(Color::Green),
        Outcome::Pending => t.fg(Color::Yellow),
        // Orange where the terminal has 256 colours; they all do that lnwatch targets.
        Outcome::Local => t.fg(Color::Indexed(208)),
        Outcome::Bad => t.fg(Color::Red),
        Outcome::Down => t.fg(Color::Magenta),
    }
}

/// Whether a list that grows at the end is following its newest row, or held where the cursor
/// was left and how many newer rows are below it: a list never stops following without a word.
pub fn following(cursor: Cursor, len: usize) -> String {
    match cursor.selected(len) {
        _ if cursor.follow => "following".into(),
        Some(i) => format!("held ({} newer · G follows)", len - 1 - i),
        None => "held".into(),
    }
}

/// The mark of a row learnt by catching up from the node's records, after its status word.
pub fn caught_up(word: &str, caught_up: bool) -> String {
    if caught_up { format!("{word} ↺") } else { word.to_owned() }
}

/// Rows a page key moves.
pub const PAGE: usize = 10;

/// A list cursor: `follow` keeps it on the newest row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cursor {
    pub index: usize,
    pub follow: bool,
}

impl Cursor {
    pub fn following() -> Cursor {
        Cursor { index: 0, follow: true }
    }

    /// The selected row of a list of `len` rows.
    pub fn selected(&self, len: usize) -> Option<usize> {
        (len > 0).then(|| if self.follow { len - 1 } else { self.index.min(len - 1) })
    }

    fn to(index: usize) -> Cursor {
        Cursor { index, follow: false }
    }

    /// The cursor after a movement `action` in a list of `len` rows. `Last` follows new rows
    /// where the list grows at the end (`follows`), else it stays on the last row.
    pub fn moved(self, action: Action, len: usize, follows: bool) -> Cursor {
        let step = |delta: isize| {
            let cur = self.selected(len).unwrap_or(0);
            Cursor::to(cur.saturating_add_signed(delta).min(len.saturating_sub(1)))
        };
        match action {
            Action::Down => step(1),
            Action::Up => step(-1),
            Action::PageDown => step(PAGE as isize),
            Action::PageUp => step(-(PAGE as isize)),
            Action::First => Cursor::to(0),
            Action::Last if follows => Cursor::following(),
            Action::Last => Cursor::to(len.saturating_sub(1)),
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_says_whether_it_follows() {
        assert_eq!(following(Cursor::following(), 5), "following");
        assert_eq!(following(Cursor { index: 1, follow: false }, 5), "held (3 newer · G follows)");
        assert_eq!(following(Cursor { index: 4, follow: false }, 5), "held (0 newer · G follows)");
        assert_eq!(following(Cursor { index: 0, follow: false }, 0), "held");
    }

    #[test]
    fn cursor_moves() {
        let c = Cursor { index: 7, follow: false };
        assert_eq!(c.selected(5), Some(4));
        assert_eq!(c.selected(0), None);
        let f = Cursor::following();
        assert_eq!(f.moved(Action::Up, 10, true), Cursor::to(8));
        assert_eq!(f.moved(Action::First, 10, true), Cursor::to(0));
        assert_eq!(Cursor::to(3).moved(Action::Last, 10, true), Cursor::following());
        assert_eq!(Cursor::to(3).moved(Action::Last, 10, false), Cursor::to(9));
        assert_eq!(Cursor::to(3).moved(Action::PageDown, 10, false), Cursor::to(9));
    }
}
