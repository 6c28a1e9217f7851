//! The socket protocol as a client reads it: any bytes, cut into lines, decoded; whatever
//! decodes must encode and decode to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lnwatch_shared::frame::{self, LineBuf, MAX_LINE};

fuzz_target!(|data: &[u8]| {
    let mut lines = LineBuf::new(MAX_LINE);
    // Two reads, split where the first byte says, as a socket may deliver them.
    let cut = data.first().map_or(0, |b| *b as usize).min(data.len());
    for part in [&data[..cut], &data[cut..]] {
        lines.extend(part);
        while let Some(line) = lines.next_line() {
            let Ok(line) = line else { continue };
            let _ = frame::decode_line(line);
            if let Ok(f) = frame::decode(line) {
                let again = frame::encode(&f);
                assert!(again.ends_with(b"\n"));
                let back = frame::decode(&again[..again.len() - 1]).expect("an encoded frame decodes");
                assert_eq!(format!("{back:?}"), format!("{f:?}"));
            }
        }
    }
});
