//! A plugin that records every byte lightningd writes to it (`getmanifest`, `init`, every
//! notification of `*`) into the file named by `LNWATCH_RECORD_FILE`: how the fixtures of a
//! Core Lightning release are made (see tests/fixtures/README.md).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use lnwatch_tests::plugin_io;
use serde_json::json;

/// Copies what is read into the recording.
struct Tee<R, W> {
    input: R,
    copy: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        self.copy.flush()?;
        Ok(n)
    }
}

fn main() -> ExitCode {
    let Some(path) = std::env::var_os("LNWATCH_RECORD_FILE") else {
        eprintln!("lnwatch-recorder: LNWATCH_RECORD_FILE must name the recording");
        return ExitCode::FAILURE;
    };
    let file = match File::create(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("lnwatch-recorder: {}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    };
    let input = Tee { input: io::stdin().lock(), copy: BufWriter::new(file) };
    let result = plugin_io::serve(input, BufWriter::new(io::stdout().lock()), |method, _| match method {
        "getmanifest" => Ok(plugin_io::manifest(&[], &["*"], true)),
        // A `shutdown` subscriber must exit by itself, or lightningd waits 30 s before killing
        // it; every byte read is already in the file.
        "shutdown" => std::process::exit(0),
        _ => Ok(json!({})),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lnwatch-recorder: {e}");
            ExitCode::FAILURE
        }
    }
}
