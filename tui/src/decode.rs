//! Socket lines into what [`crate::app::App::update`] applies. Runs in the source task, off the
//! UI thread: each event is decoded and summarized here, once ([`Ev::new`]), with its topic
//! name shared ([`Interner`]).

use lnwatch_shared::frame::{Frame, Line, decode_line};
use lnwatch_shared::interner::Interner;

use crate::store::{Ev, MAX_TOPICS};

/// One line from the socket, ready to be applied.
#[derive(Debug)]
pub enum Received {
    Event(Ev),
    Frame(Frame),
    /// A line that was not a frame: counted, never fatal.
    Bad(String),
}

pub struct Decoder {
    topics: Interner,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder { topics: Interner::new(MAX_TOPICS) }
    }
}

impl Decoder {
    pub fn line(&mut self, line: &[u8]) -> Received {
        match decode_line(line) {
            Ok(Line::Event(e)) => {
                let topic = self.topics.intern(&e.topic);
                Received::Event(Ev::from_ref(&e, topic))
            }
            Ok(Line::Frame(f)) => Received::Frame(f),
            Err(e) => Received::Bad(e.to_string()),
        }
    }
}
