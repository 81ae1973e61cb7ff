//! GraphQL over WebSocket (`connect --graphql`): `graphql-transport-ws` (graphql-ws) and the
//! legacy `graphql-ws` (subscriptions-transport-ws), whichever the server picks.
//!
//! - `codec.rs`: both protocols' messages ⇄ JSON text, and the user's operation lines
//!   (pure, property-tested)
//! - `session.rs`: WebSocket messages → the protocol's events (`connection_ack`, pings and
//!   `ka` answered or noted, results, errors, completions); the mode's handler gets each
//!   result as one text message, the ExecutionResult's JSON
//! - `relay.rs`: `connection_init` first, then the mode's text messages (stdin lines, `-x`),
//!   each an operation with its own id, held until `connection_ack`; once the input has
//!   ended and every operation has completed, the data ends (and the connection closes)
//! - `events.rs`: the protocol's events for the printer; `closes.rs`: its close codes in words
//! - `bench.rs`: its part in `wsprobe bench --graphql` (`proto::bench`'s hook)
//!
//! `Shared` is what the two directions share: the connection, the flavor the server picked,
//! the handshake's stage, the active operations and where the run's failure is told.

pub mod bench;
pub mod closes;
pub mod codec;
mod events;
pub mod relay;
pub mod session;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use crate::session::{Conn, ProtoEvent};
use codec::Flavor;

/// `--graphql` resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `--init`: the `connection_init` payload.
    pub init: Option<Value>,
    /// How long `connection_ack` may take (`--connect-timeout`).
    pub handshake_timeout: Duration,
    /// The close once the input has ended and every operation has completed (what the end
    /// of input closes with; `None` with `--no-close` or checks, which decide the end).
    pub close_at_end: Option<crate::value::Close>,
    /// The subprotocols the handshake offers: both, or what `-s` names (bench: one).
    pub offered: Vec<String>,
    /// `bench --first-result`: a request's reply is its first result, not its completion.
    pub first_result: bool,
}

/// Where the connection's handshake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `connection_init` sent, `connection_ack` not yet received.
    Waiting,
    /// Acknowledged: operations may go out.
    Acked,
    /// Refused or over: nothing more goes out.
    Over,
}

/// An operation sent and not yet completed.
#[derive(Debug, Clone)]
pub struct Op {
    /// `query`, `mutation`, `subscription` (from the document's first word).
    pub kind: &'static str,
    /// The document, as sent.
    pub query: String,
    /// Results received so far.
    pub results: u64,
}

/// The state both directions of one run share.
pub struct Shared {
    pub plan: Plan,
    conn: Mutex<Option<Arc<Conn>>>,
    flavor: Mutex<Flavor>,
    stage: watch::Sender<Stage>,
    ops: Mutex<BTreeMap<String, Op>>,
    /// Operations we stopped: what the server had in flight for them is no error.
    stopped: Mutex<HashSet<String>>,
    /// How many operations are active (the relay ends the data when none is, after input).
    active: watch::Sender<usize>,
    /// Where the run's failure (a bad line, stdin's error, an operation's errors) is told:
    /// the first one is.
    failure: Mutex<Option<oneshot::Sender<anyhow::Error>>>,
    /// `/complete ID`: operations the user stops (read by the relay).
    cancels: (
        mpsc::UnboundedSender<String>,
        Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    ),
}

impl Shared {
    pub fn new(plan: Plan) -> Arc<Shared> {
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Shared {
            plan,
            conn: Mutex::new(None),
            flavor: Mutex::new(Flavor::TransportWs),
            stage: watch::Sender::new(Stage::Waiting),
            ops: Mutex::new(BTreeMap::new()),
            stopped: Mutex::new(HashSet::new()),
            active: watch::Sender::new(0),
            failure: Mutex::new(None),
            cancels: (tx, Mutex::new(Some(rx))),
        })
    }

    /// The connection being driven (its events go through it).
    pub fn attach(&self, conn: &Arc<Conn>) {
        *lock(&self.conn) = Some(conn.clone());
    }

    pub fn conn(&self) -> Option<Arc<Conn>> {
        lock(&self.conn).clone()
    }

    /// The subprotocol the server selected at the handshake (`None`: it named none, and
    /// `graphql-transport-ws` is assumed).
    pub fn negotiated(&self, protocol: Option<&str>) {
        *lock(&self.flavor) = protocol
            .and_then(Flavor::from_subprotocol)
            .unwrap_or(Flavor::TransportWs);
    }

    pub fn flavor(&self) -> Flavor {
        *lock(&self.flavor)
    }

    fn emit(&self, event: &dyn ProtoEvent) {
        if let Some(c) = self.conn() {
            c.emit(&crate::session::Event::Proto(event));
        }
    }

    fn set_stage(&self, stage: Stage) {
        self.stage.send_replace(stage);
    }

    fn ops(&self) -> MutexGuard<'_, BTreeMap<String, Op>> {
        lock(&self.ops)
    }

    fn started(&self, id: String, op: Op) {
        let mut ops = self.ops();
        ops.insert(id, op);
        self.active.send_replace(ops.len());
    }

    /// We stopped operation `id`; returns it if it was active.
    fn stop(&self, id: &str) -> Option<Op> {
        let op = self.ended(id)?;
        lock(&self.stopped).insert(id.to_owned());
        Some(op)
    }

    /// Whether we stopped operation `id` ourselves.
    fn was_stopped(&self, id: &str) -> bool {
        lock(&self.stopped).contains(id)
    }

    /// Operation `id` is over; returns it if it was ours.
    fn ended(&self, id: &str) -> Option<Op> {
        let mut ops = self.ops();
        let op = ops.remove(id);
        self.active.send_replace(ops.len());
        op
    }

    /// Where the run's failure is to be told (set when the relay starts).
    pub fn fail_to(&self, tx: oneshot::Sender<anyhow::Error>) {
        *lock(&self.failure) = Some(tx);
    }

    /// The run has failed for this reason (the first reason told is the one shown).
    pub fn fail(&self, e: anyhow::Error) {
        if let Some(tx) = lock(&self.failure).take() {
            let _ = tx.send(e);
        }
    }

    /// Stops operation `id` (`/complete ID`): the relay sends the protocol's stop after what
    /// was typed before it, or tells that no such operation is active.
    pub fn complete(&self, id: &str) -> Result<(), String> {
        self.cancels
            .0
            .send(id.to_owned())
            .map_err(|_| "the connection is over".to_owned())
    }

    fn active_ids(&self) -> String {
        self.ops().keys().cloned().collect::<Vec<_>>().join(", ")
    }

    /// Resolves once the server acknowledged `connection_init` (or the session is over).
    pub async fn ready(&self) {
        let _ = self
            .stage
            .subscribe()
            .wait_for(|s| *s != Stage::Waiting)
            .await;
    }

    /// The session as `/state` shows it (after `graphql`).
    pub fn state(&self) -> String {
        let stage = match *self.stage.borrow() {
            Stage::Waiting => "waiting for connection_ack",
            Stage::Acked => "acknowledged",
            Stage::Over => "over",
        };
        let ops = self.ops();
        let mut s = format!(
            "{} {stage}, {} active operation(s)",
            self.flavor().subprotocol(),
            ops.len()
        );
        for (id, op) in ops.iter() {
            s.push_str(&format!(
                "\n  {id:>4}  {} ({} result(s)): {}",
                op.kind,
                op.results,
                crate::output::render::text_preview(&op.query, 60)
            ));
        }
        s
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
