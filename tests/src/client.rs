//! A blocking client of the relay's socket protocol.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use lnwatch_shared::frame::{self, Frame, Query, Subscribe};
use serde_json::Value;

pub struct Client {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    partial: Vec<u8>,
}

impl Client {
    pub fn connect(path: &Path) -> io::Result<Client> {
        let stream = UnixStream::connect(path)?;
        let writer = stream.try_clone()?;
        Ok(Client { reader: BufReader::with_capacity(256 * 1024, stream), writer, partial: Vec::new() })
    }

    /// The next raw line (without `\n`), or `TimedOut`.
    pub fn next_line(&mut self, timeout: Duration) -> io::Result<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no frame in time"));
            }
            self.reader.get_ref().set_read_timeout(Some(left))?;
            match self.reader.read_until(b'\n', &mut self.partial) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "socket closed")),
                Ok(_) if self.partial.ends_with(b"\n") => {
                    let mut line = std::mem::take(&mut self.partial);
                    line.pop();
                    return Ok(line);
                }
                Ok(_) => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next frame; a line that is not a frame is an `InvalidData` error.
    pub fn next_frame(&mut self, timeout: Duration) -> io::Result<Frame> {
        let line = self.next_line(timeout)?;
        frame::decode(&line)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e}: {}", String::from_utf8_lossy(&line))))
    }

    /// Reads frames until `stop` returns true for one (included) or the time is up.
    pub fn frames_until(&mut self, timeout: Duration, mut stop: impl FnMut(&Frame) -> bool) -> io::Result<Vec<Frame>> {
        let deadline = Instant::now() + timeout;
        let mut frames = Vec::new();
        loop {
            let f = self.next_frame(deadline.saturating_duration_since(Instant::now()))?;
            let done = stop(&f);
            frames.push(f);
            if done {
                return Ok(frames);
            }
        }
    }

    pub fn send_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.writer.write_all(line)
    }

    pub fn subscribe(&mut self, topics: Option<&[&str]>) -> io::Result<()> {
        let f = Frame::Subscribe(Subscribe { topics: topics.map(|t| t.iter().map(|s| s.to_string()).collect()) });
        self.send_line(&frame::encode(&f))
    }

    /// Sends a query; its answer comes among the frames.
    pub fn query(&mut self, id: Value, method: &str, params: Value) -> io::Result<()> {
        self.send_line(&frame::encode(&Frame::Query(Query { id, method: method.into(), params })))
    }

    /// Reads frames until the answer to query `id` (result or error), keeping the others.
    pub fn answer(&mut self, id: &Value, timeout: Duration) -> io::Result<(Frame, Vec<Frame>)> {
        let is_answer =
            |f: &Frame| matches!(f, Frame::Result(r) if r.id == *id) || matches!(f, Frame::Error(e) if e.id == *id);
        let mut frames = self.frames_until(timeout, is_answer)?;
        let answer = frames.pop().expect("frames_until ends with the match");
        Ok((answer, frames))
    }
}
