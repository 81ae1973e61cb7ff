//! Scripted checks for `connect`: expectations matched in order against received text
//! messages (`-e`), a message count (`-n`), the -x messages sent in the order they were
//! written among the expectations (each once every -e before it is met), and the report when
//! the checks are not met.
//!
//! Patterns are parsed once on the command line: plain substring, `re:REGEX`, or
//! `json:PATH=VALUE` (a dotted path into a JSON message; VALUE is JSON, or a string if it does
//! not parse as JSON).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::config::connect::Stage;
use crate::output::render;
use crate::session::driver::{Batch, Control, ControlTx, Inbound};
use crate::session::Conn;
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
    sends: Option<Sends>,
}

/// The -x messages of a scripted run: the stages still to send and the data channel they go
/// out on. Holding the sender keeps the run going after the sends; letting go of it is the
/// end of input (the driver then waits for the replies, `--reply-timeout`, and closes).
pub struct Sends {
    later: VecDeque<Stage>,
    tx: Option<mpsc::Sender<Batch>>,
    /// `-w`: stay this long after the last send, then end the input.
    wait: Option<Duration>,
    /// The command line ends with -x (no -e after it): once everything is sent and met, the
    /// run ends the way a -x run without checks does (the replies awaited, then the close),
    /// not with a close right behind the last message.
    trailing: bool,
    started: bool,
    /// The OPEN connection (set by the caller), whose reply count the last stage resets.
    conn: Arc<Mutex<Option<Arc<Conn>>>>,
}

impl Sends {
    /// `stages` without the first, which the caller has queued on `tx` already; `expected`:
    /// how many -e there are.
    pub fn new(
        stages: &[Stage],
        tx: mpsc::Sender<Batch>,
        wait: Option<Duration>,
        expected: usize,
    ) -> Sends {
        let later: VecDeque<Stage> = stages.iter().skip(1).cloned().collect();
        Sends {
            trailing: crate::config::connect::ends_with_sends(stages, expected),
            later,
            tx: Some(tx),
            wait,
            started: false,
            conn: Arc::default(),
        }
    }

    /// Where the caller puts each connection once it is OPEN.
    pub fn connection(&self) -> Arc<Mutex<Option<Arc<Conn>>>> {
        self.conn.clone()
    }

    /// The last stage of a script that ends with -x is about to go out: only what arrives
    /// after it counts as its replies in the driver's wait for them (`--reply-timeout`).
    fn replies_from_now(&self) {
        if let Some(conn) = self.conn.lock().expect("not poisoned").as_ref() {
            let mut st = conn.state();
            st.not_replies = st.msgs_in.saturating_sub(st.msgs_out);
        }
    }

    /// Everything is sent: end the input after `-w`, at once when nothing is checked, or
    /// (keeping the sender) when the checks are met.
    fn all_sent(&mut self, checking: bool) {
        match self.wait {
            Some(wait) => {
                let tx = self.tx.take();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    drop(tx);
                });
            }
            None if !checking => self.tx = None,
            None => {}
        }
    }
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
    /// `close`: the close to ask for once every check is met (`None`: wait for the peer);
    /// `sends`: the -x messages, when they are the input.
    pub fn new(
        inner: H,
        active: bool,
        patterns: Vec<Pattern>,
        count: Option<u64>,
        control: ControlTx,
        close: Option<Control>,
        sends: Option<Sends>,
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
            sends,
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
    /// the -x messages, has gone out) — or, when the script ends with -x, ends the input so
    /// that the replies to those are awaited first.
    fn close_if_done(&mut self) {
        if !(self.active && self.done()) {
            return;
        }
        if let Some(sends) = self
            .sends
            .as_mut()
            .filter(|s| s.trailing && s.later.is_empty())
        {
            if sends.wait.is_none() {
                sends.tx = None;
            }
            self.close = None;
        } else if let Some(close) = self.close.take() {
            self.control.send(close);
        }
    }

    /// Sends the stages whose expectations are now met, in order.
    fn send_due(&mut self) {
        let Some(sends) = self.sends.as_mut() else {
            return;
        };
        let met = self.next;
        let mut sent = false;
        while sends.later.front().is_some_and(|s| s.after <= met) {
            let stage = sends.later.pop_front().expect("a stage is due");
            if sends.trailing && sends.later.is_empty() {
                sends.replies_from_now();
            }
            if let Some(tx) = &sends.tx {
                // The channel was made with room for every stage.
                let _ = tx.try_send(stage.messages);
            }
            sent = true;
        }
        if sent && sends.later.is_empty() {
            sends.all_sent(self.active);
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
                    self.send_due();
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
        // The first stage went out with the connection; the next ones wait for their -e. A
        // reconnect sends nothing again.
        if let Some(sends) = self.sends.as_mut().filter(|s| !s.started) {
            sends.started = true;
            if sends.later.is_empty() {
                sends.all_sent(self.active);
            }
        }
        self.close_if_done();
    }
}
