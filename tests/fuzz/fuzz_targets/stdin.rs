//! The plugin's stdin: any bytes from "lightningd", cut into messages as the plugin cuts them,
//! parsed, and every notification turned into the line clients get. That line must be a frame
//! any client decodes, with no preimage left in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lnwatch_plugin::Incoming;
use lnwatch_plugin::event::write_event_line;
use lnwatch_plugin::stdio::MAX_MESSAGE;
use lnwatch_shared::frame::{self, Frame, LineBuf};
use lnwatch_shared::redact::REDACTED;
use serde_json::Value;

fn no_secret(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().all(|(k, v)| {
            if k == "preimage" || k == "payment_preimage" { v == &Value::from(REDACTED) } else { no_secret(v) }
        }),
        Value::Array(a) => a.iter().all(no_secret),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut lines = LineBuf::new(MAX_MESSAGE);
    lines.extend(data);
    lines.extend(b"\n");
    while let Some(line) = lines.next_line() {
        let Ok(line) = line else { continue };
        let Ok(msg) = Incoming::parse(line) else { continue };
        let (None, Some(method)) = (msg.id, msg.method.as_deref()) else { continue };
        let origin = msg.origin();
        let mut out = Vec::new();
        write_event_line(&mut out, 7, 1_700_000_000_123, method, origin.as_deref(), msg.params, true);
        let Some((b'\n', body)) = out.split_last() else { panic!("a line ends with a newline") };
        match frame::decode(body) {
            Ok(Frame::Event(e)) => {
                assert_eq!(e.topic, method);
                assert_eq!(e.seq, 7);
                assert!(no_secret(&e.params), "a preimage got through: {}", String::from_utf8_lossy(body));
            }
            other => panic!("not an event frame: {other:?} from {}", String::from_utf8_lossy(body)),
        }
    }
});
