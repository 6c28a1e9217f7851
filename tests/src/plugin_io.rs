//! The plugin side of lightningd's JSON-RPC, blocking, for the test network's own plugins (the
//! chain backend and the recorder): requests are JSON objects separated by whitespace (lightningd
//! ends each with `\n\n`), replies are written whole, each followed by `\n\n`.

use std::io::{self, Read, Write};

use serde_json::{Deserializer, Value, json};

/// Reads lightningd's messages from `input` and answers each request with `answer`, until EOF.
/// Notifications (no `id`) are passed to `answer` too; whatever it returns for them is dropped.
pub fn serve(
    input: impl Read,
    mut output: impl Write,
    mut answer: impl FnMut(&str, &Value) -> Result<Value, String>,
) -> io::Result<()> {
    for msg in Deserializer::from_reader(input).into_iter::<Value>() {
        let msg = msg.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let method = msg["method"].as_str().unwrap_or_default();
        let reply = answer(method, &msg["params"]);
        let Some(id) = msg.get("id") else { continue };
        let reply = match reply {
            Ok(result) => json!({"jsonrpc":"2.0","id":id,"result":result}),
            Err(message) => json!({"jsonrpc":"2.0","id":id,"error":{"code":-32600,"message":message}}),
        };
        let mut bytes = serde_json::to_vec(&reply)?;
        bytes.extend_from_slice(b"\n\n");
        output.write_all(&bytes)?;
        output.flush()?;
    }
    Ok(())
}

/// A getmanifest result for a plugin with these methods and subscriptions and no options.
pub fn manifest(methods: &[&str], subscriptions: &[&str], dynamic: bool) -> Value {
    let methods: Vec<Value> = methods.iter().map(|m| json!({"name": m, "usage": "", "description": m})).collect();
    json!({"options": [], "rpcmethods": methods, "subscriptions": subscriptions, "hooks": [],
           "notifications": [], "featurebits": {}, "dynamic": dynamic, "nonnumericids": true})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_requests_in_order_and_skips_notifications() {
        let input = b"{\"jsonrpc\":\"2.0\",\"id\":\"cln:a#1\",\"method\":\"a\",\"params\":{}}\n\n\
                      {\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":{}}\n\n\
                      {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"b\",\"params\":{\"x\":1}}\n\n";
        let mut out = Vec::new();
        let mut seen = Vec::new();
        serve(&input[..], &mut out, |m, p| {
            seen.push(m.to_string());
            if m == "b" { Err(format!("no {}", p["x"])) } else { Ok(json!({"ok": m})) }
        })
        .unwrap();
        assert_eq!(seen, ["a", "note", "b"]);
        let text = String::from_utf8(out).unwrap();
        let replies: Vec<Value> =
            text.split("\n\n").filter(|s| !s.is_empty()).map(|s| serde_json::from_str(s).unwrap()).collect();
        assert_eq!(replies[0], json!({"jsonrpc":"2.0","id":"cln:a#1","result":{"ok":"a"}}));
        assert_eq!(replies[1]["id"], json!(7));
        assert_eq!(replies[1]["error"]["message"], json!("no 1"));
        assert_eq!(replies.len(), 2);
    }
}
