//! The terminal sanitizer: whatever comes in, what goes out needs no more cleaning (no escape,
//! no control character), and one_line keeps to its width.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use lnwatch_shared::sanitize::{one_line, sanitize};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let clean = sanitize(&text);
    assert!(matches!(sanitize(&clean), Cow::Borrowed(_)), "sanitize left work: {clean:?}");
    assert!(!clean.contains('\u{1b}'));
    let width = data.first().map_or(0, |b| *b as usize % 80);
    assert!(one_line(&text, width).chars().count() <= width.max(1));
});
