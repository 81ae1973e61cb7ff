//! The received side of GraphQL over WebSocket: an [`Inbound`] handler between the driver
//! and the mode's handler. It answers the protocol itself (a pong for every ping), watches
//! the handshake (`connection_ack` within `--connect-timeout`) and the legacy keep-alive,
//! reports the protocol's events, and hands the mode each result as one text message: the
//! ExecutionResult's JSON. So `-e`, `-n` and stdout work on results unchanged. An operation
//! that fails (an `error` message, a result with `errors`) is told as the run's failure.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::codec::{error_messages, result_errors, CodecError, Flavor, Msg};
use super::events::{Acked, Completed, Failed, Next, Pinged, Refused};
use super::{Shared, Stage};
use crate::error::{ExitCode, Failure};
use crate::proto::watchdog::Watchdog;
use crate::session::driver::{ControlTx, Inbound};
use crate::session::{Dir, Side};

/// subscriptions-transport-ws's client gives up on a server whose keep-alives stop for this
/// long (its `timeout` option's default, 30 s); so do we, once a first `ka` arrived.
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// GraphQL over WebSocket on one connection, wrapping the mode's handler `H`.
pub struct Session<H> {
    inner: H,
    shared: Arc<Shared>,
    control: ControlTx,
    /// `connection_ack` is due within the handshake timeout.
    handshake: Watchdog,
    /// Legacy: once the server sent a `ka`, the next is due within [`KEEPALIVE_TIMEOUT`].
    keepalive: Option<Watchdog>,
}

impl<H> Session<H> {
    pub fn new(inner: H, shared: Arc<Shared>, control: ControlTx) -> Session<H> {
        Session {
            inner,
            shared,
            control,
            handshake: Watchdog::default(),
            keepalive: None,
        }
    }

    pub fn inner_mut(&mut self) -> &mut H {
        &mut self.inner
    }

    pub fn into_inner(self) -> H {
        self.inner
    }

    /// The connection's sink wants message-like events in this direction.
    fn shows(&self, dir: Dir) -> bool {
        self.shared
            .conn()
            .is_some_and(|c| c.sink().wants_messages(dir))
    }

    fn shows_control(&self) -> bool {
        self.shared.conn().is_some_and(|c| c.sink().wants_control())
    }

    /// Nothing more goes out, no keep-alive is awaited.
    fn over(&mut self) {
        self.shared.set_stage(Stage::Over);
        self.handshake.disarm();
        self.keepalive = None;
    }
}

impl<H: Inbound> Session<H> {
    fn text(&mut self, text: &str) -> anyhow::Result<Option<Message>> {
        let flavor = self.shared.flavor();
        let msg = Msg::decode(flavor, text).map_err(|e| not_graphql(text, flavor, &e))?;
        if matches!(
            msg,
            Msg::ConnectionAck(_) | Msg::KeepAlive | Msg::Ping(_) | Msg::Pong(_)
        ) {
            // The protocol's own traffic answers nothing of ours: it does not keep the wait
            // for replies open.
            if let Some(conn) = self.shared.conn() {
                conn.not_a_reply();
            }
        }
        match msg {
            Msg::ConnectionAck(payload) => {
                self.handshake.disarm();
                self.shared.emit(&Acked {
                    protocol: flavor.subprotocol(),
                    payload: payload.as_ref(),
                });
                self.shared.set_stage(Stage::Acked);
                Ok(None)
            }
            Msg::ConnectionError(payload) => Err(self.refused(payload.as_ref())),
            Msg::KeepAlive => {
                match &self.keepalive {
                    Some(w) => w.kick(),
                    None => {
                        let mut w = Watchdog::default();
                        let why = format!(
                            "no keep-alive (ka) from the GraphQL server within {}: the connection is dead",
                            humantime::format_duration(KEEPALIVE_TIMEOUT)
                        );
                        w.arm(KEEPALIVE_TIMEOUT, why, self.control.clone());
                        self.keepalive = Some(w);
                    }
                }
                if self.shows_control() {
                    self.shared.emit(&Pinged {
                        dir: Dir::In,
                        kind: "ka",
                    });
                }
                Ok(None)
            }
            Msg::Ping(payload) => {
                if self.shows_control() {
                    self.shared.emit(&Pinged {
                        dir: Dir::In,
                        kind: "ping",
                    });
                }
                Ok(Some(Message::text(Msg::Pong(payload).encode(flavor))))
            }
            Msg::Pong(_) => {
                if self.shows_control() {
                    self.shared.emit(&Pinged {
                        dir: Dir::In,
                        kind: "pong",
                    });
                }
                Ok(None)
            }
            Msg::Next { id, payload } => self.next(&id, &payload),
            Msg::Error { id, payload } => {
                let op = self.shared.ended(&id);
                self.shared.emit(&Failed {
                    id: &id,
                    errors: &payload,
                    ended: true,
                });
                let query = op.map(|o| o.query).unwrap_or_default();
                self.shared
                    .fail(operation_failed(&id, &query, &payload, true));
                Ok(None)
            }
            Msg::Complete { id } => {
                // After our own stop the server may still say complete: nothing to show.
                if let Some(op) = self.shared.ended(&id) {
                    // -v in the interactive session too, whose view shows the results itself.
                    if self.shows(Dir::In) || self.shows_control() {
                        self.shared.emit(&Completed {
                            id: &id,
                            initiator: Side::Remote,
                            results: op.results,
                        });
                    }
                }
                Ok(None)
            }
            Msg::ConnectionInit(_)
            | Msg::ConnectionTerminate
            | Msg::Subscribe { .. }
            | Msg::Stop { .. } => Err(not_graphql(
                text,
                flavor,
                &CodecError::Type(msg.kind(flavor).to_owned(), "a server"),
            )),
        }
    }

    /// A result: shown, checked for errors, and handed to the mode as its JSON.
    fn next(&mut self, id: &str, payload: &Value) -> anyhow::Result<Option<Message>> {
        let query = {
            let mut ops = self.shared.ops();
            match ops.get_mut(id) {
                Some(op) => {
                    op.results += 1;
                    Some(op.query.clone())
                }
                None => None,
            }
        };
        let Some(query) = query else {
            if self.shared.was_stopped(id) {
                // In flight when we stopped it.
                return Ok(None);
            }
            if let Some(c) = self.shared.conn() {
                c.error(
                    crate::error::ErrorKind::Protocol,
                    &format!("a result for operation {id}, which is not active (ignored)"),
                );
            }
            return Ok(None);
        };
        if self.shows(Dir::In) {
            self.shared.emit(&Next { id, payload });
        }
        if let Some(errors) = result_errors(payload) {
            self.shared.emit(&Failed {
                id,
                errors,
                ended: false,
            });
            self.shared
                .fail(operation_failed(id, &query, errors, false));
        }
        // The mode's handler shows or checks it; a reply of its own has no place here.
        let _ = self.inner.message(Message::text(payload.to_string()))?;
        Ok(None)
    }

    fn refused(&mut self, payload: Option<&Value>) -> anyhow::Error {
        self.shared.emit(&Refused { payload });
        self.over();
        let why = payload.map_or("(no reason given)".into(), error_messages);
        Failure::new(
            ExitCode::Connect,
            format!("the GraphQL server refused connection_init: {why}"),
        )
        .hint("--init JSON sets connection_init's payload (e.g. --init '{\"token\":\"…\"}')")
        .into()
    }
}

/// The run's failure for an operation that failed or whose result had errors (exit 1).
fn operation_failed(id: &str, query: &str, errors: &Value, ended: bool) -> anyhow::Error {
    let what = if ended { "failed" } else { "returned errors" };
    let query = crate::output::render::text_preview(query, 40);
    Failure::new(
        ExitCode::Runtime,
        format!(
            "GraphQL operation {id} ({query}) {what}: {}",
            error_messages(errors)
        ),
    )
    .hint("each result is printed as the server sent it, errors included (GRAPHQL ERROR lines; --json: graphql_error)")
    .into()
}

/// A message that is not the protocol ends the run: the server speaks something else.
fn not_graphql(text: &str, flavor: Flavor, e: &CodecError) -> anyhow::Error {
    let shown = crate::output::render::text_preview(text, 60);
    Failure::new(
        ExitCode::Runtime,
        format!(
            "the server sent a message that is not {} ({e}): {shown}",
            flavor.subprotocol()
        ),
    )
    .hint("is this a GraphQL over WebSocket server? without --graphql, messages are shown as they are")
    .into()
}

impl<H: Inbound> Inbound for Session<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match msg {
            Message::Text(t) => self.text(t.as_str()),
            Message::Binary(_) => {
                let flavor = self.shared.flavor();
                Err(not_graphql(
                    "(a binary message)",
                    flavor,
                    &CodecError::Json("binary".into()),
                ))
            }
            _ => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }

    fn opened(&mut self) {
        self.shared.set_stage(Stage::Waiting);
        self.keepalive = None;
        let limit = self.shared.plan.handshake_timeout;
        let why = format!(
            "the GraphQL server did not acknowledge connection_init within {} (--connect-timeout)",
            humantime::format_duration(limit)
        );
        self.handshake.arm(limit, why, self.control.clone());
        self.inner.opened();
    }
}
