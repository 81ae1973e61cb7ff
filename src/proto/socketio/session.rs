//! The received side of Socket.IO: an [`Inbound`] handler between the driver and the mode's
//! handler. It answers the protocol itself (the CONNECT after the open packet, a pong for
//! every ping, an empty ack for an event that asks for one), reports the protocol's events,
//! and hands the mode each event or ack as one text message: its JSON array, attachments in
//! place (`binary.rs`). So `-e`, `-n` and stdout work on events unchanged.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::codec::{CodecError, Engine, Handshake, Kind, Packet};
use super::events::{Acked, Connected, Disconnected, Emitted, Opened, Pinged, Refused};
use super::{binary, Shared, Stage};
use crate::error::{ErrorKind, ExitCode, Failure};
use crate::proto::watchdog::Watchdog;
use crate::session::driver::{Control, ControlTx, Inbound};
use crate::session::{Dir, Side};
use crate::value::Close;

/// Socket.IO on one connection, wrapping the mode's handler `H`.
pub struct Session<H> {
    inner: H,
    shared: Arc<Shared>,
    control: ControlTx,
    /// A binary event or ack waiting for its attachments.
    partial: Option<(Packet, Vec<Bytes>)>,
    /// The open packet and the namespace's answer are due within the handshake timeout.
    handshake: Watchdog,
    /// The server's pings are due every pingInterval (+ pingTimeout).
    heartbeat: Watchdog,
}

impl<H> Session<H> {
    pub fn new(inner: H, shared: Arc<Shared>, control: ControlTx) -> Session<H> {
        Session {
            inner,
            shared,
            control,
            partial: None,
            handshake: Watchdog::default(),
            heartbeat: Watchdog::default(),
        }
    }

    pub fn inner_mut(&mut self) -> &mut H {
        &mut self.inner
    }

    pub fn into_inner(self) -> H {
        self.inner
    }

    fn namespace(&self) -> &str {
        &self.shared.plan.namespace
    }

    /// The connection's sink wants message-like events in this direction.
    fn shows(&self, dir: Dir) -> bool {
        self.shared
            .conn()
            .is_some_and(|c| c.sink().wants_messages(dir))
    }

    /// The namespace is over: nothing more goes out, no heartbeat is awaited.
    fn over(&mut self) {
        self.shared.set_stage(Stage::Over);
        self.handshake.disarm();
        self.heartbeat.disarm();
    }
}

impl<H: Inbound> Session<H> {
    fn text(&mut self, text: &str) -> anyhow::Result<Option<Message>> {
        let packet = Engine::decode(text).map_err(|e| not_socketio(text, &e))?;
        match packet {
            Engine::Open(json) => self.open(json).map(Some),
            Engine::Ping(data) => {
                self.heartbeat.kick();
                // The protocol's own heartbeat answers nothing of ours: it does not keep the
                // wait for replies open.
                if let Some(conn) = self.shared.conn() {
                    conn.not_a_reply();
                }
                if self.shared.conn().is_some_and(|c| c.sink().wants_control()) {
                    self.shared.emit(&Pinged);
                }
                Ok(Some(Message::text(format!("3{data}"))))
            }
            Engine::Close => {
                self.shared.emit(&Disconnected {
                    namespace: self.namespace(),
                    initiator: Side::Remote,
                    engine: true,
                });
                self.over();
                self.control.send(Control::Close(Close::normal()));
                Ok(None)
            }
            Engine::Message(m) => {
                let (p, raw) = Packet::decode_raw(m).map_err(|e| not_socketio(text, &e))?;
                self.packet(p, raw)
            }
            Engine::Pong(_) | Engine::Upgrade | Engine::Noop => Ok(None),
        }
    }

    /// The open packet: shown, the heartbeat armed, and our CONNECT as the answer.
    fn open(&mut self, json: &str) -> anyhow::Result<Message> {
        let h = Handshake::decode(json).map_err(|e| not_socketio(json, &e))?;
        self.shared.emit(&Opened(&h));
        *self.shared.sids() = (Some(h.sid.clone()), None);
        if let Some(conn) = self.shared.conn() {
            // The open packet answers nothing of ours: the wait for replies does not count it.
            conn.not_a_reply();
        }
        let limit = Duration::from_millis(h.ping_interval_ms.saturating_add(h.ping_timeout_ms));
        let why = format!(
            "no Engine.IO ping from the server within pingInterval + pingTimeout ({}): the connection is dead",
            humantime::format_duration(limit)
        );
        self.heartbeat.arm(limit, why, self.control.clone());
        let connect = Packet {
            kind: Kind::Connect,
            namespace: self.namespace().to_owned(),
            id: None,
            attachments: 0,
            data: self.shared.plan.auth.clone(),
        };
        Ok(Message::text(connect.encode()))
    }

    fn packet(&mut self, p: Packet, raw: &str) -> anyhow::Result<Option<Message>> {
        if p.namespace != self.namespace() {
            // Another namespace's traffic (a server broadcasting to all): not ours.
            return Ok(None);
        }
        match p.kind {
            Kind::Connect => {
                let sid = p
                    .data
                    .as_ref()
                    .and_then(|d| d.get("sid"))
                    .and_then(Value::as_str);
                self.shared.emit(&Connected {
                    namespace: &p.namespace,
                    sid,
                });
                self.shared.sids().1 = sid.map(str::to_owned);
                self.handshake.disarm();
                self.shared.set_stage(Stage::Connected);
                // What the mode sends was held back until now (`DriveOpts::hold_data`).
                self.control.send(Control::Release);
                Ok(None)
            }
            Kind::ConnectError => Err(self.refused(&p)),
            Kind::Disconnect => {
                self.shared.emit(&Disconnected {
                    namespace: &p.namespace,
                    initiator: Side::Remote,
                    engine: false,
                });
                self.over();
                self.control.send(Control::Close(Close::normal()));
                Ok(None)
            }
            Kind::BinaryEvent | Kind::BinaryAck if p.attachments > 0 => {
                let n = p.attachments;
                self.partial = Some((p, Vec::with_capacity(n)));
                Ok(None)
            }
            Kind::Event | Kind::Ack | Kind::BinaryEvent | Kind::BinaryAck => {
                self.deliver(p, Some(raw))
            }
        }
    }

    fn refused(&mut self, p: &Packet) -> anyhow::Error {
        let message = p.error_message();
        let data = p.data.as_ref().and_then(|d| d.get("data"));
        self.shared.emit(&Refused {
            namespace: &p.namespace,
            message: &message,
            data,
        });
        self.over();
        refusal(&p.namespace, &message).into()
    }

    fn binary(&mut self, data: Bytes) -> anyhow::Result<Option<Message>> {
        let Some((_, parts)) = self.partial.as_mut() else {
            if let Some(c) = self.shared.conn() {
                c.error(
                    ErrorKind::Protocol,
                    "a binary message that no Socket.IO binary packet announced (ignored)",
                );
            }
            return Ok(None);
        };
        parts.push(data);
        match self.partial.take() {
            Some((mut p, parts)) if parts.len() == p.attachments => {
                if let Some(d) = p.data.as_mut() {
                    binary::fill(d, &parts).map_err(|why| {
                        Failure::new(
                            ExitCode::Runtime,
                            format!("the server's binary Socket.IO packet is malformed: {why}"),
                        )
                    })?;
                }
                self.deliver(p, None)
            }
            waiting => {
                self.partial = waiting;
                Ok(None)
            }
        }
    }

    /// An event or an ack, complete: shown, answered, and handed to the mode as its JSON
    /// array (`raw`: as the server wrote it, when no attachment changed it).
    fn deliver(&mut self, p: Packet, raw: Option<&str>) -> anyhow::Result<Option<Message>> {
        let data = p.data.unwrap_or(Value::Array(Vec::new()));
        let mut reply = None;
        match (p.kind, p.id) {
            (Kind::Event | Kind::BinaryEvent, id) => {
                if self.shows(Dir::In) {
                    self.shared.emit(&Emitted {
                        dir: Dir::In,
                        namespace: &p.namespace,
                        id,
                        data: &data,
                    });
                }
                // The server waits for an answer: an empty one (a CLI has no callback).
                reply = id.map(|id| {
                    Message::text(
                        Packet {
                            kind: Kind::Ack,
                            namespace: p.namespace.clone(),
                            id: Some(id),
                            attachments: 0,
                            data: Some(Value::Array(Vec::new())),
                        }
                        .encode(),
                    )
                });
            }
            (_, id) => {
                let id = id.unwrap_or_default();
                let answers = self.shared.acks().remove(&id);
                if self.shows(Dir::In) {
                    self.shared.emit(&Acked {
                        dir: Dir::In,
                        namespace: &p.namespace,
                        id,
                        data: &data,
                        answers: answers.as_deref(),
                    });
                }
            }
        }
        let line = match raw {
            Some(r) => r.to_owned(),
            None => data.to_string(),
        };
        // The mode's handler shows or checks it; a reply of its own has no place here.
        let _ = self.inner.message(Message::text(line))?;
        Ok(reply)
    }
}

/// A namespace's CONNECT_ERROR as a failure (exit 3) with the server's message.
pub(super) fn refusal(namespace: &str, message: &str) -> Failure {
    Failure::new(
        ExitCode::Connect,
        format!("the server refused the Socket.IO namespace {namespace}: {message}"),
    )
    .hint("--init JSON sets the CONNECT packet's auth payload (e.g. --init '{\"token\":\"…\"}')")
}

/// A message that is not Socket.IO ends the run: the server speaks something else.
pub(super) fn not_socketio(text: &str, e: &CodecError) -> anyhow::Error {
    let shown = crate::output::render::text_preview(text, 60);
    Failure::new(
        ExitCode::Runtime,
        format!("the server sent a message that is not Socket.IO ({e}): {shown}"),
    )
    .hint("is this a Socket.IO v4 server (Engine.IO 4)? without --socketio, messages are shown as they are")
    .into()
}

impl<H: Inbound> Inbound for Session<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match msg {
            Message::Text(t) => self.text(t.as_str()),
            Message::Binary(b) => self.binary(b),
            _ => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }

    fn opened(&mut self) {
        // A new connection (a reconnect): its own handshake, and the last one's heartbeat
        // no longer counts.
        self.partial = None;
        self.heartbeat.disarm();
        self.shared.set_stage(Stage::Waiting);
        let limit = self.shared.plan.handshake_timeout;
        let why = format!(
            "the Socket.IO handshake (the open packet and the namespace's answer) did not complete within {} (--connect-timeout)",
            humantime::format_duration(limit)
        );
        self.handshake.arm(limit, why, self.control.clone());
        self.inner.opened();
    }
}
