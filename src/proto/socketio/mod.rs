//! Socket.IO v5 over Engine.IO v4 (`connect --socketio`), over the WebSocket transport only.
//!
//! - `codec.rs`: Engine.IO and Socket.IO packets ⇄ text (pure, property-tested)
//! - `binary.rs`: binary attachments ⇄ `{"$binary":"<base64>"}` in place (pure)
//! - `session.rs`: WebSocket messages → Socket.IO's events (the open packet, pings answered,
//!   the namespace CONNECT and its answer, events, acks, attachments reassembled); the mode's
//!   handler gets each event or ack as one text message, its JSON array
//! - `relay.rs`: the mode's text messages (stdin lines, `-x`) → EVENT packets, held until
//!   the namespace is connected
//! - `events.rs`: the protocol's events for the printer
//! - `bench.rs`: its part in `wsprobe bench` (emit → ack or the next event of that name)
//!
//! `Shared` is what the two directions share: the connection (for events), the stage of
//! the namespace handshake and the ack ids awaiting an answer.

pub mod bench;
pub mod binary;
pub mod codec;
mod events;
pub mod relay;
pub mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::session::{Conn, ProtoEvent};

/// `--socketio` resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `/` or `--namespace`.
    pub namespace: String,
    /// `--init`: the CONNECT packet's auth payload.
    pub auth: Option<Value>,
    /// `--ack`: every emit asks for an acknowledgement.
    pub ack: bool,
    /// How long the open packet and the namespace's answer may take (`--connect-timeout`).
    pub handshake_timeout: Duration,
}

/// Where the namespace handshake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the open packet or the namespace's answer.
    Waiting,
    /// The namespace accepted the CONNECT: events may go out.
    Connected,
    /// Refused or disconnected: nothing more goes out.
    Over,
}

/// The state both directions of one run share.
pub struct Shared {
    pub plan: Plan,
    conn: Mutex<Option<Arc<Conn>>>,
    stage: watch::Sender<Stage>,
    /// Emits that asked for an ack: id → event name.
    acks: Mutex<HashMap<u64, String>>,
    /// The Engine.IO session id and the socket's id in the namespace, once known (`/state`).
    sids: Mutex<(Option<String>, Option<String>)>,
}

impl Shared {
    pub fn new(plan: Plan) -> Arc<Shared> {
        Arc::new(Shared {
            plan,
            conn: Mutex::new(None),
            stage: watch::Sender::new(Stage::Waiting),
            acks: Mutex::new(HashMap::new()),
            sids: Mutex::new((None, None)),
        })
    }

    /// The connection being driven (its events go through it).
    pub fn attach(&self, conn: &Arc<Conn>) {
        *lock(&self.conn) = Some(conn.clone());
    }

    pub fn conn(&self) -> Option<Arc<Conn>> {
        lock(&self.conn).clone()
    }

    fn emit(&self, event: &dyn ProtoEvent) {
        if let Some(c) = self.conn() {
            c.emit(&crate::session::Event::Proto(event));
        }
    }

    fn set_stage(&self, stage: Stage) {
        self.stage.send_replace(stage);
    }

    fn acks(&self) -> MutexGuard<'_, HashMap<u64, String>> {
        lock(&self.acks)
    }

    fn sids(&self) -> MutexGuard<'_, (Option<String>, Option<String>)> {
        lock(&self.sids)
    }

    /// Resolves once the namespace answered the CONNECT (or the session is over).
    pub async fn ready(&self) {
        let _ = self
            .stage
            .subscribe()
            .wait_for(|s| *s != Stage::Waiting)
            .await;
    }

    /// The session as `/state` shows it (after `socket.io`).
    pub fn state(&self) -> String {
        let (engine, socket) = self.sids().clone();
        let stage = match *self.stage.borrow() {
            Stage::Waiting => "connecting",
            Stage::Connected => "connected",
            Stage::Over => "disconnected",
        };
        format!(
            "namespace {} {stage}, sid {} (engine.io sid {})",
            self.plan.namespace,
            socket.as_deref().unwrap_or("-"),
            engine.as_deref().unwrap_or("-"),
        )
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
