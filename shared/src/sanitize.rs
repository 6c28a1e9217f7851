//! Making strings from the network safe to put on a terminal.
//!
//! Labels, aliases, log lines and custom payloads come from peers and other plugins. Printed
//! raw, an ESC byte could move the cursor, change colours or retitle the window, and a newline
//! would break a one-line list row. [`sanitize`] removes escape sequences and replaces every
//! other control character with a visible stand-in.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Returns `s` as one line that is safe to print: ANSI escape sequences removed, control
/// characters shown (`\n` as `⏎`, `\r` as `␍`, `\t` as a space, other C0 controls and DEL as
/// their control pictures, C1 controls and bidi overrides as `�`), and characters whose width
/// terminals disagree on made plain (see [`settle`]). Borrows when nothing needs changing,
/// which is the common case.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_work(c) || unsettled(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 control string introducers (CSI, OSC, DCS…) act like ESC on some terminals.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' => out.push('⏎'),
            '\r' => out.push('␍'),
            '\t' => out.push(' '),
            '\u{7f}' => out.push('␡'),
            c @ '\0'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            c if needs_work(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    if out.chars().any(unsettled) {
        out = settle(&out);
    }
    Cow::Owned(out)
}

/// Replaces what terminals draw at different widths, so a line takes exactly the columns it
/// was measured at and a redraw leaves no stray cells: a flag (two regional indicators) becomes
/// its two letters (`🇩🇪` → `DE`); zero-width joiners, emoji and text variation selectors, skin
/// tone modifiers and tag characters are dropped, so a joined sequence shows as its parts.
fn settle(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\u{1f1e6}'..='\u{1f1ff}' => char::from_u32(c as u32 - 0x1f1e6 + u32::from(b'A')),
            c if unsettled(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Characters whose rendering width depends on the terminal.
fn unsettled(c: char) -> bool {
    matches!(c,
        '\u{200d}' | '\u{fe0e}' | '\u{fe0f}' | '\u{1f1e6}'..='\u{1f1ff}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{e0000}'..='\u{e007f}')
}

/// Whether `s` shows anything once sanitized: an alias made only of escapes, controls, joiners
/// or spaces does not, and the node's id stands in for it.
pub fn visible(s: &str) -> bool {
    columns(sanitize(s).trim()) > 0
}

/// Terminal columns `s` takes (wide characters such as `☕` take two), counted per grapheme
/// cluster as the terminal draws it.
pub fn columns(s: &str) -> usize {
    if plain(s) {
        return s.len();
    }
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Printable ASCII: one column a byte, each byte its own grapheme, so measuring and cutting
/// need no segmenting. Most cells are.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// The longest run of whole grapheme clusters from `graphemes` that fits in `max` columns.
fn fit<'a>(graphemes: impl Iterator<Item = &'a str>, max: usize) -> Vec<&'a str> {
    let mut used = 0;
    graphemes
        .take_while(|g| {
            used += UnicodeWidthStr::width(*g);
            used <= max
        })
        .collect()
}

/// Sanitizes and cuts `s` to at most `max_cols` terminal columns, marking a cut with `…`.
pub fn one_line(s: &str, max_cols: usize) -> String {
    let clean = sanitize(s);
    if columns(&clean) <= max_cols {
        return clean.into_owned();
    }
    let keep = max_cols.saturating_sub(1);
    let mut out = if plain(&clean) { clean[..keep].to_owned() } else { fit(clean.graphemes(true), keep).concat() };
    out.push('…');
    out
}

/// Like [`one_line`], but a cut keeps the start and the end (`sub/2…11-28`): labels and ids
/// that differ at the end stay told apart.
pub fn one_line_middle(s: &str, max_cols: usize) -> String {
    let clean = sanitize(s);
    if columns(&clean) <= max_cols {
        return clean.into_owned();
    }
    let keep = max_cols.saturating_sub(1);
    let head = keep.div_ceil(2);
    let mut out = fit(clean.graphemes(true), head).concat();
    out.push('…');
    let tail = fit(clean.graphemes(true).rev(), (keep + 1).saturating_sub(columns(&out)));
    out.extend(tail.into_iter().rev());
    out
}

fn needs_work(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-byte escapes (ESC c, ESC 7, …): the one character after ESC is consumed.
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in `@`..=`~`.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/APC/PM/SOS: everything up to BEL or ST (`ESC \` or U+009C).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_cuts_keep_both_ends() {
        assert_eq!(one_line_middle("sub/2026-11-28", 9), "sub/…1-28");
        assert_eq!(one_line_middle("sub/2026-11-29", 9), "sub/…1-29");
        assert_eq!(one_line_middle("short", 9), "short");
        assert_eq!(one_line_middle("abc", 1), "…");
        // Wide characters count as the two columns they take.
        assert_eq!(one_line_middle("☕ espresso-4", 9), "☕ e…so-4");
        assert_eq!(columns(&one_line_middle("☕☕☕☕☕☕", 7)), 7);
        assert_eq!(one_line("☕☕☕", 4), "☕…");
    }
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("inv-42 ⚡ café"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_and_controls_are_neutralised() {
        assert_eq!(sanitize("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(sanitize("x\x1b]0;pwned\x07y"), "xy");
        assert_eq!(sanitize("x\x1b]8;;http://e\x1b\\link"), "xlink");
        assert_eq!(sanitize("line1\nline2\r\tz"), "line1⏎line2␍ z");
        assert_eq!(sanitize("bell\x07del\x7f"), "bell␇del␡");
        assert_eq!(sanitize("nul\0c1\u{85}"), "nul␀c1\u{fffd}");
        assert_eq!(sanitize("c1\u{9b}2Jafter"), "c1after");
        assert_eq!(sanitize("rtl\u{202e}txt"), "rtl\u{fffd}txt");
        assert_eq!(sanitize("trailing\x1b"), "trailing");
    }

    #[test]
    fn widths_terminals_disagree_on_are_made_plain() {
        assert_eq!(sanitize("🇩🇪 berlin 🇫🇷"), "DE berlin FR");
        assert_eq!(sanitize("👍🏽 ok"), "👍 ok");
        assert_eq!(sanitize("❤\u{fe0f}"), "❤");
        assert_eq!(sanitize("👨\u{200d}👩\u{200d}👧"), "👨👩👧");
        assert_eq!(sanitize("🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}"), "🏴");
        // Combining marks stay with their base and are never cut off it.
        assert_eq!(one_line("cafe\u{301}st", 5), "cafe\u{301}…");
        assert_eq!(columns("cafe\u{301}"), 4);
    }

    #[test]
    fn text_that_shows_nothing_is_not_visible() {
        assert!(visible("river-hub") && visible(" ☕ "));
        for blank in ["", "   ", "\x1b[2J\x1b]0;x\x07", "\u{200d}\u{fe0f}", "\u{200b}\u{200b}", "\u{9b}31m"] {
            assert!(!visible(blank), "{blank:?}");
        }
    }

    #[test]
    fn one_line_cuts_with_an_ellipsis() {
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("ab\ncd", 10), "ab⏎cd");
    }

    proptest! {
        #[test]
        fn cuts_fit_the_columns_they_are_given(s in any::<String>(), n in 1usize..40) {
            prop_assert!(columns(&one_line(&s, n)) <= n);
            prop_assert!(columns(&one_line_middle(&s, n)) <= n);
        }

        #[test]
        fn output_never_contains_control_characters(s in any::<String>()) {
            let out = sanitize(&s);
            prop_assert!(!out.chars().any(|c| needs_work(c) || unsettled(c)), "{:?}", out);
            prop_assert!(!out.contains('\n') && !out.contains('\r'));
            // Every grapheme is measured as the sum of its characters: nothing a terminal
            // could join into a width of its own.
            let by_char: usize = out.chars().map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)).sum();
            prop_assert_eq!(columns(&out), by_char, "{:?}", out);
        }
    }
}
