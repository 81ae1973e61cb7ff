//! Scripted checks for `connect`: expectations matched in order against received text
//! messages (`-e`), a message count (`-n`), and the report when they are not met.
//!
//! Patterns are parsed once on the command line: plain substring, `re:REGEX`, or
//! `json:PATH=VALUE` (a dotted path into a JSON message; VALUE is JSON, or a string if it does
//! not parse as JSON).

use std::collections::VecDeque;

use tokio_tungstenite::tungstenite::Message;

use crate::output::render;
use crate::session::driver::{Control, ControlTx, Inbound};
use crate::value::Pattern;

/// How many received messages are kept for the failure report.
const KEEP_LAST: usize = 5;

/// Checks received messages against the script and asks for the close when it is done.
/// Wraps the handler that shows the messages; when inactive (no checks asked for) it only
/// passes messages through.
pub struct Script<H> {
    inner: H,
    active: bool,
    patterns: Vec<Pattern>,
    next: usize,
    count: Option<u64>,
    received: u64,
    last: VecDeque<String>,
    control: ControlTx,
    close: Option<Control>,
}

/// The script's state once the connection is over.
#[derive(Debug)]
pub struct Outcome {
    pub patterns: Vec<Pattern>,
    /// How many patterns were met, in order.
    pub met: usize,
    /// `-n N`: how many messages were to be received.
    pub count: Option<u64>,
    pub received: u64,
    pub last: Vec<String>,
}

impl Outcome {
    pub fn all_met(&self) -> bool {
        self.met == self.patterns.len()
    }

    /// Whether `-n` (if given) was reached.
    pub fn count_met(&self) -> bool {
        self.count.is_none_or(|n| self.received >= n)
    }
}

impl<H> Script<H> {
    /// `close`: the close to ask for once every check is met (`None`: wait for the peer).
    pub fn new(
        inner: H,
        active: bool,
        patterns: Vec<Pattern>,
        count: Option<u64>,
        control: ControlTx,
        close: Option<Control>,
    ) -> Script<H> {
        Script {
            inner,
            active,
            patterns,
            next: 0,
            count,
            received: 0,
            last: VecDeque::with_capacity(KEEP_LAST),
            control,
            close,
        }
    }

    pub fn inner_mut(&mut self) -> &mut H {
        &mut self.inner
    }

    fn done(&self) -> bool {
        self.next == self.patterns.len() && self.count.is_none_or(|n| self.received >= n)
    }

    pub fn outcome(self) -> Outcome {
        Outcome {
            met: self.next,
            patterns: self.patterns,
            count: self.count,
            received: self.received,
            last: self.last.into(),
        }
    }

    /// Once every check is met, asks for the close (after what is queued to send, such as
    /// the -x messages, has gone out).
    fn close_if_done(&mut self) {
        if self.active && self.done() {
            if let Some(close) = self.close.take() {
                self.control.send(close);
            }
        }
    }
}

impl<H: Inbound> Inbound for Script<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        if !self.active {
            return self.inner.message(msg);
        }
        self.received += 1;
        if self.last.len() == KEEP_LAST {
            self.last.pop_front();
        }
        match &msg {
            Message::Text(t) => {
                self.last.push_back(render::text_preview(t.as_str(), 80));
                if self
                    .patterns
                    .get(self.next)
                    .is_some_and(|p| p.matches(t.as_str()))
                {
                    self.next += 1;
                }
            }
            Message::Binary(b) => self
                .last
                .push_back(format!("<binary, {}>", render::size(b.len()))),
            _ => {}
        }
        let reply = self.inner.message(msg)?;
        self.close_if_done();
        Ok(reply)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }

    /// `-n 0` (or nothing left to wait for) is met before any message arrives.
    fn opened(&mut self) {
        self.inner.opened();
        self.close_if_done();
    }
}
