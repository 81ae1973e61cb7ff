//! A connection's control mailbox: requests (ping, pong, close) that jump its data queue,
//! sent from anywhere (signal handlers, the REPL, the server's hub) and read by the driver's
//! writer.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio_tungstenite::tungstenite::Bytes;

use crate::value::Close;

/// Requests that jump the data queue.
#[derive(Debug)]
pub enum Control {
    /// Send a ping with this payload.
    Ping(Bytes),
    /// Send an unsolicited pong with this payload.
    Pong(Bytes),
    /// Start the closing handshake with this code and reason.
    Close(Close),
    /// Close like `Close`, but only once every message already queued on the data channel
    /// has been sent (the data source has finished and says how).
    Finish(Close),
    /// A connection driven without a data channel (its messages are replies) has no more to
    /// send: what the end of the data channel does, `close_on_eof` after `reply_wait`.
    EndOfData,
    /// A layer above found the peer silent past its protocol's own heartbeat (Socket.IO's
    /// pingInterval + pingTimeout): the connection is dead, for the reason given, as when
    /// `--ping-timeout` passes without a pong.
    Dead(String),
    /// What was held back at OPEN (`DriveOpts::hold_data`) may go out now: the protocol's
    /// own handshake is over (a Socket.IO namespace connected).
    Release,
}

/// The sending end of a connection's control mailbox; cheap to clone.
///
/// A mutex-guarded queue and a `Notify` rather than a tokio channel: a channel allocates a
/// block of 32 slots up front, and every idle server connection has one of these.
#[derive(Clone, Default)]
pub struct ControlTx(Arc<Mailbox>);

/// The receiving end, read by the driver's writer.
pub struct ControlRx(Arc<Mailbox>);

#[derive(Default)]
struct Mailbox {
    queue: std::sync::Mutex<VecDeque<Control>>,
    ready: tokio::sync::Notify,
}

/// A new control mailbox.
pub fn control() -> (ControlTx, ControlRx) {
    let tx = ControlTx::default();
    let rx = ControlRx(tx.0.clone());
    (tx, rx)
}

impl ControlTx {
    /// Queues a request; the connection acts on it when its writer gets to it. (A request
    /// for a connection that has ended is never acted on, which is what callers want.)
    pub fn send(&self, c: Control) {
        self.0
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(c);
        self.0.ready.notify_one();
    }
}

impl ControlRx {
    /// The next request. Cancel-safe: a request is taken from the queue only when returned.
    pub async fn recv(&mut self) -> Control {
        loop {
            if let Some(c) = self
                .0
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop_front()
            {
                return c;
            }
            self.0.ready.notified().await;
        }
    }
}
