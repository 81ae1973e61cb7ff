//! What an OPEN server connection does with the messages it receives: echo them, fan them out
//! to the others, write them to stdout, or feed them to its program; `--close-after` counts
//! them on top of any of these.

use tokio_tungstenite::tungstenite::Message;

use super::exec::Program;
use super::hub::Broadcast;
use crate::pipe::StdoutSink;
use crate::session::driver::{Control, ControlTx, Inbound};
use crate::session::echo::Echo;
use crate::value::Close;

/// The handler of one mode.
pub(super) enum Handler {
    Echo(Echo),
    Broadcast(Broadcast),
    Stdout(StdoutSink),
    Exec(Program),
    /// The connection is being closed; what arrives meanwhile goes nowhere.
    Ignore,
}

impl Handler {
    /// The connection has ended: write out what is still buffered.
    pub fn finish(&mut self) {
        if let Handler::Stdout(sink) = self {
            sink.flush();
        }
    }
}

impl Inbound for Handler {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match self {
            Handler::Echo(h) => h.message(msg),
            Handler::Broadcast(h) => h.message(msg),
            Handler::Stdout(h) => h.message(msg),
            Handler::Exec(h) => h.message(msg),
            Handler::Ignore => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        match self {
            Handler::Echo(h) => h.idle(),
            Handler::Broadcast(h) => h.idle(),
            Handler::Stdout(h) => h.idle(),
            Handler::Exec(h) => h.idle(),
            Handler::Ignore => Ok(()),
        }
    }
}

/// `--close-after N`: the server closes the connection after N received messages, with the
/// chosen code, once its reply to the last one is queued. What arrives after the Nth message
/// gets no answer (the gate keeps it from tungstenite until the close is out).
pub(super) struct CloseAfter<H> {
    pub inner: H,
    /// Messages left, and the close; `None` when not asked for.
    limit: Option<(u64, Close)>,
    /// The close was asked for: nothing more is answered.
    done: bool,
    control: ControlTx,
}

impl<H> CloseAfter<H> {
    pub fn new(inner: H, limit: Option<(u64, Close)>, control: ControlTx) -> CloseAfter<H> {
        let mut this = CloseAfter {
            inner,
            limit,
            done: false,
            control,
        };
        this.check();
        this
    }

    fn check(&mut self) {
        if let Some((0, close)) = &self.limit {
            self.control.send(Control::Close(close.clone()));
            self.limit = None;
            self.done = true;
        }
    }
}

impl<H: Inbound> Inbound for CloseAfter<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        if self.done {
            return Ok(None);
        }
        let reply = self.inner.message(msg)?;
        if let Some((n, _)) = &mut self.limit {
            *n = n.saturating_sub(1);
        }
        self.check();
        Ok(reply)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::driver::control;

    fn next(rx: &mut crate::session::driver::ControlRx) -> Option<Control> {
        use futures_util::FutureExt;
        rx.recv().now_or_never()
    }

    #[test]
    fn close_after_two_answers_both_then_closes_and_answers_nothing_more() {
        let (tx, mut rx) = control();
        let close = Close::new(4000, "enough");
        let mut h = CloseAfter::new(Echo, Some((2, close.clone())), tx);
        assert!(next(&mut rx).is_none());
        assert!(h.message(Message::text("a")).unwrap().is_some());
        assert!(next(&mut rx).is_none());
        assert!(h.message(Message::text("b")).unwrap().is_some());
        assert!(matches!(next(&mut rx), Some(Control::Close(c)) if c == close));
        assert!(h.message(Message::text("c")).unwrap().is_none());
        assert!(next(&mut rx).is_none());
    }

    #[test]
    fn close_after_zero_closes_at_once() {
        let (tx, mut rx) = control();
        let mut h = CloseAfter::new(Echo, Some((0, Close::normal())), tx);
        assert!(matches!(next(&mut rx), Some(Control::Close(_))));
        assert!(h.message(Message::text("a")).unwrap().is_none());
    }

    #[test]
    fn without_a_limit_everything_is_answered() {
        let (tx, mut rx) = control();
        let mut h = CloseAfter::new(Echo, None, tx);
        for _ in 0..5 {
            assert!(h.message(Message::text("a")).unwrap().is_some());
        }
        assert!(next(&mut rx).is_none());
    }
}
