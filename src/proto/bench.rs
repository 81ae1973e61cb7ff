//! The hook by which an application protocol takes part in `wsprobe bench`. A protocol
//! plugs in with one small module beside its codec (`socketio/bench.rs`) that implements
//! [`BenchProtocol`] (once per run: the request each `--payload` becomes, how replies are
//! matched) and [`Exchange`] (once per connection: its handshake, and what each received
//! message is), and one arm in `Protocol::bench` (`proto/mod.rs`). It does no I/O: `bench::load` runs the
//! handshake on the WebSocket before the load starts (its time counts in the connect time; a
//! refusal is a `connect` error with the protocol's reason) and asks [`Exchange::heard`]
//! about each message during the load.
//!
//! A raw run has no protocol (`None`), so it goes through none of this: the load handler
//! is monomorphised without it.

use std::fmt::Debug;

use anyhow::Result;
use tokio_tungstenite::tungstenite::{Bytes, Message};

/// A protocol's part in a run, made once from its plan and the `--payload`.
pub trait BenchProtocol: Send + Sync + Debug {
    /// The protocol's name in the summary (`protocol` in `--json`): `socket.io`, `stomp`, …
    fn name(&self) -> &'static str;
    /// What each request and its reply are, in words (`exchange` in `--json`).
    fn exchange(&self) -> String;
    /// How a reply names its request.
    fn replies(&self) -> Replies;
    /// Request number `seq` (the `{seq}` of its connection, from 0), `body` the `--payload`
    /// with `{seq}` in place.
    fn request(&self, seq: u64, body: Bytes) -> Message;
    /// A connection's state, made once its WebSocket is open.
    fn connection(&self) -> Box<dyn Exchange>;
}

/// How a protocol's replies name their requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replies {
    /// By the request's number ([`Heard::Reply`]: an ack id, a receipt, a subscription id).
    ById,
    /// In order ([`Heard::Next`]: the next event of the request's name answers the oldest).
    InOrder,
}

/// One connection's protocol state.
pub trait Exchange: Send {
    /// What goes out as soon as the WebSocket is open (empty when the server speaks first).
    fn hello(&mut self) -> Vec<Message>;
    /// A message received before the handshake is over. An error ends the connection as a
    /// `connect` error: the server refused (its reason), or does not speak the protocol.
    fn handshake(&mut self, msg: Message) -> Result<Step>;
    /// A message received during the load. An error ends the connection (counted by kind).
    fn heard(&mut self, msg: &Message) -> Result<Heard>;
    /// What the server meant by closing with `code` during the handshake, in words, when the
    /// protocol has words for it (GraphQL's 4403: check --init).
    fn close_meaning(&self, _code: u16) -> Option<&'static str> {
        None
    }
}

/// How far the handshake is after a message.
#[derive(Debug)]
pub enum Step {
    /// Not over yet; these go out now.
    More(Vec<Message>),
    /// Over: the load may start (these go out first).
    Done(Vec<Message>),
}

/// What a message received during the load is.
#[derive(Debug)]
pub enum Heard {
    /// The reply to request number `seq` ([`Replies::ById`]).
    Reply(u64),
    /// The reply to the oldest request awaiting one ([`Replies::InOrder`]).
    Next,
    /// The server's own message (an event of another name, a broadcast): counted as a
    /// push; answered with the message given (an ack the server asked for).
    Push(Option<Message>),
    /// The protocol's own traffic (a heartbeat, an attachment): not counted as received;
    /// answered with the message given (a pong).
    Own(Option<Message>),
    /// The answer to a request that says it failed (GraphQL's `error`): the request is
    /// answered (no `no-reply` too), and the connection ends with this `protocol` error.
    Failed(anyhow::Error),
}
