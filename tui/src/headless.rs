//! The headless commands' connection to the plugin (`lnwatch since`, `lnwatch report`): a
//! line at a time with a deadline per read, the node named by the hello, questions sent
//! through the monitor's [`Queries`] (within the plugin's in-flight limit, a busy answer asked
//! again) and answered to a callback; and names for what they print (channels' peers, aliases).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use lnwatch_shared::frame::{Frame, Line, QueryError, decode_line, query_error};
use serde_json::Value;

use crate::model::channels::Channels;
use crate::queries::{Ask, Queries};

/// A line-at-a-time connection to the plugin with a deadline per read.
pub struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    timeout: Duration,
}

impl Conn {
    /// Connects and reads the hello; a plugin just started may greet before it has asked the
    /// node who it is, so it is asked again until the hello names the node or `timeout` ends.
    pub fn named(socket: &Path, timeout: Duration) -> Result<(Conn, String), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut conn = Conn::open(socket, timeout)?;
            let hello = loop {
                if let Frame::Hello(h) = conn.next_frame(deadline)? {
                    break h;
                }
            };
            match hello.node_id {
                Some(id) => return Ok((conn, id)),
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
                None => return Err("the plugin's hello never named the node (is the node's RPC answering?)".into()),
            }
        }
    }

    pub fn open(socket: &Path, timeout: Duration) -> Result<Conn, String> {
        let stream = UnixStream::connect(socket).map_err(|e| {
            format!("cannot connect to {}: {e} (is lnwatch-plugin running on the node?)", socket.display())
        })?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        Ok(Conn { reader: BufReader::new(stream), writer, timeout })
    }

    /// The next frame (events are skipped: this reader wants the node's records).
    pub fn next_frame(&mut self, deadline: Instant) -> Result<Frame, String> {
        let mut line = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no answer from the plugin within {}s", self.timeout.as_secs()));
            }
            self.reader.get_ref().set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
            line.clear();
            match self.reader.read_until(b'\n', &mut line) {
                Ok(0) => return Err("the plugin closed the connection".into()),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    continue;
                }
                Err(e) => return Err(e.to_string()),
            }
            if let Ok(Line::Frame(f)) = decode_line(&line) {
                return Ok(f);
            }
        }
    }

    pub fn send(&mut self, lines: Vec<Vec<u8>>) -> Result<(), String> {
        lines.iter().try_for_each(|l| self.writer.write_all(l)).map_err(|e| e.to_string())
    }

    /// Sends what `queries` holds and hands each answer (or refusal) to `answer`, which may ask
    /// more, until nothing is left; a busy plugin is asked again (after a moment when it holds
    /// as many unread answers as it allows).
    pub fn exchange(
        &mut self,
        queries: &mut Queries,
        mut answer: impl FnMut(Ask, Result<&Value, &QueryError>, &mut Queries),
    ) -> Result<(), String> {
        loop {
            self.send(queries.take_lines())?;
            if queries.pending() == 0 {
                return Ok(());
            }
            let frame = self.next_frame(Instant::now() + self.timeout)?;
            let (id, result) = match &frame {
                Frame::Result(r) => (&r.id, Ok(&r.result)),
                Frame::Error(e) => (&e.id, Err(e)),
                _ => continue,
            };
            let Some(ask) = queries.answered(id) else { continue };
            match result {
                Err(e) if e.code == query_error::BUSY => queries.ask(ask),
                Err(e) if e.code == query_error::OVERLOADED => {
                    std::thread::sleep(Duration::from_millis(500));
                    queries.ask(ask);
                }
                result => answer(ask, result, queries),
            }
        }
    }
}

/// Runs a headless command on each node. One node: its output as it is. Several: each text
/// line led by `[node] ` (the config's name, else the socket), each JSON document one line with
/// a `node` member; a node that fails says why in its place and the others still print (the
/// command fails if any did).
pub fn each_node(
    nodes: &[(String, std::path::PathBuf)],
    json: bool,
    run: impl Fn(&Path) -> Result<String, String>,
) -> Result<String, String> {
    if let [(_, socket)] = nodes {
        return run(socket);
    }
    let mut out = String::new();
    let mut failed = Vec::new();
    for (name, socket) in nodes {
        let label = if name.is_empty() { socket.display().to_string() } else { name.clone() };
        match run(socket) {
            Ok(text) if json => {
                let mut v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("node".into(), label.into());
                }
                // Escaped for the terminal as the one node's line was.
                out.push_str(&crate::json_out::to_line(&v));
                out.push('\n');
            }
            Ok(text) => text.lines().for_each(|l| out.push_str(&format!("[{}] {l}\n", one_line(&label)))),
            Err(e) => failed.push(format!("{label}: {e}")),
        }
    }
    if failed.is_empty() {
        Ok(out)
    } else {
        // What the others said is printed before the failure.
        print!("{out}");
        Err(failed.join("; "))
    }
}

/// Text from the network made one line of a printed report: labels, channel names and the
/// node's messages cannot start a line of their own.
pub fn one_line(s: &str) -> String {
    lnwatch_shared::sanitize::sanitize(s).into_owned()
}

/// A report's first lines: its warnings, each `warning: …`.
pub fn warning_lines(warnings: &[String]) -> Vec<String> {
    warnings.iter().map(|w| format!("warning: {}", one_line(w))).collect()
}

/// Who is who in what a headless command prints: channels' peers (open ones from
/// `listpeerchannels`, closed ones from `listclosedchannels`) and nodes' aliases (`listnodes`,
/// where the node's gossip has one).
#[derive(Default)]
pub struct Names {
    channels: Channels,
    /// Closed channels' peers, by short channel id.
    closed: std::collections::HashMap<String, String>,
    pub nodes: crate::model::names::Names,
}

impl Names {
    /// Reads the channels, then the aliases of their peers among `channels` (short ids) and of
    /// `nodes`.
    pub fn read<'a>(
        conn: &mut Conn,
        queries: &mut Queries,
        channels: impl IntoIterator<Item = &'a str>,
        nodes: impl IntoIterator<Item = String>,
    ) -> Result<Names, String> {
        let mut names = Names::default();
        queries.ask(Ask::Channels);
        queries.ask(Ask::Closed);
        conn.exchange(queries, |ask, answer, _| match (ask, answer) {
            (Ask::Channels, Ok(result)) => names.channels.refresh(result),
            (Ask::Closed, Ok(result)) => {
                for c in result.get("closedchannels").and_then(Value::as_array).into_iter().flatten() {
                    let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
                    if let (Some(scid), Some(peer)) = (text("short_channel_id"), text("peer_id")) {
                        names.closed.insert(scid, peer);
                    }
                }
            }
            _ => {}
        })?;
        let peers: Vec<String> = channels.into_iter().filter_map(|c| names.peer_id(c).map(str::to_owned)).collect();
        let ids: std::collections::BTreeSet<String> = peers.into_iter().chain(nodes).collect();
        for id in &ids {
            names.nodes.wants(id, 0.0);
            queries.ask(Ask::Node(id.clone()));
        }
        conn.exchange(queries, |ask, answer, _| {
            if let (Ask::Node(id), Ok(result)) = (ask, answer) {
                names.nodes.answered(&id, result);
            }
        })?;
        Ok(names)
    }

    /// The peer at the other end of a channel (open or closed), by id.
    pub fn peer_id(&self, channel: &str) -> Option<&str> {
        self.channels.find(channel).and_then(|c| c.peer_id.as_deref()).or(self.closed.get(channel).map(String::as_str))
    }

    /// The peer of a channel, by alias when known.
    pub fn peer_alias(&self, channel: Option<&str>) -> Option<&str> {
        self.nodes.alias(self.peer_id(channel?)?)
    }

    /// `river-hub (103x1x0)`, or the channel alone.
    pub fn channel(&self, channel: Option<&str>) -> String {
        let scid = channel.unwrap_or("?");
        match self.peer_alias(channel) {
            Some(alias) => format!("{alias} ({scid})"),
            None => scid.to_owned(),
        }
    }
}
