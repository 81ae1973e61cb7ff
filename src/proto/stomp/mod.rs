//! STOMP 1.2 / 1.1 / 1.0 over WebSocket (`connect --stomp`).
//!
//! - `codec.rs`: frames ⇄ bytes, any split or packing, heart-beat EOLs (pure, property-tested)
//! - `session.rs`: WebSocket messages → STOMP's events (CONNECTED, MESSAGE, RECEIPT, ERROR,
//!   heart-beats watched); the mode's handler gets each MESSAGE body as one message
//! - `relay.rs`: CONNECT first, the SUBSCRIBEs once CONNECTED, each of the mode's messages
//!   (stdin lines, `-x`) SENT to `--destination`, the REPL's commands, our heart-beats, and
//!   at the end of input the DISCONNECT (with a receipt) before the WebSocket close
//! - `command.rs`: the REPL's `/subscribe`, `/unsubscribe` and `/send` (parsed, property-tested)
//! - `events.rs`: the protocol's events for the printer
//! - `bench.rs`: `bench --stomp` (SEND with a receipt → its RECEIPT)
//!
//! `Shared` is what both directions share: the connection, the stage, the negotiated version
//! and heart-beat, the subscriptions and the receipts awaited.

pub mod bench;
pub mod codec;
pub mod command;
mod events;
pub mod relay;
pub mod session;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};

use crate::session::{Conn, ProtoEvent};
use crate::value::Close;
use codec::Version;

/// `--stomp` resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    /// CONNECT's `host` header: the URL's host.
    pub host: String,
    /// `--init`: more CONNECT headers (`login`, `passcode`, …).
    pub connect_headers: Vec<(String, String)>,
    /// `--heart-beat`: what we offer, (send every, want every) in milliseconds.
    pub heart_beat: (u64, u64),
    /// `--subscribe`, in order.
    pub subscribe: Vec<String>,
    /// `--destination`: where each line is SENT.
    pub destination: Option<String>,
    /// `--receipt`: every SEND and SUBSCRIBE asks for a RECEIPT.
    pub receipt: bool,
    /// How long CONNECTED may take (`--connect-timeout`).
    pub handshake_timeout: Duration,
    /// How long to wait for replies at the end of input (`--reply-timeout`), and for the
    /// DISCONNECT's receipt (`--close-timeout`).
    pub reply_wait: Duration,
    pub close_timeout: Duration,
    /// The close at the end of input, after the DISCONNECT (`None`: `--no-close`).
    pub close: Option<Close>,
    /// The largest frame accepted (`--max-message-size`).
    pub max_frame: usize,
}

/// Where the STOMP session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// CONNECT sent, CONNECTED awaited.
    Waiting,
    Connected,
    /// An ERROR, a DISCONNECT, or the connection's end: nothing more goes out.
    Over,
}

/// A REPL command for the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Subscribe(String),
    /// A subscription's destination or id.
    Unsubscribe(String),
    Send {
        destination: String,
        headers: Vec<(String, String)>,
        body: String,
    },
}

/// A request as the relay gets it: subscriptions already recorded (so `/state` shows them
/// at once, and an unknown one is refused as it is typed).
#[derive(Debug)]
enum Queued {
    Subscribe(Subscription),
    Unsubscribe(Subscription),
    Send {
        destination: String,
        headers: Vec<(String, String)>,
        body: String,
    },
}

/// A subscription: its id and destination.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub destination: String,
}

/// What CONNECTED said.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub server: Option<String>,
    pub session: Option<String>,
    /// Our heart-beats go out this often (none: zero).
    pub send_every: Duration,
}

/// The state both directions of one run share.
pub struct Shared {
    pub plan: Plan,
    conn: Mutex<Option<Arc<Conn>>>,
    stage: watch::Sender<Stage>,
    version: Mutex<Version>,
    session: Mutex<Session>,
    subscriptions: Mutex<Vec<Subscription>>,
    next_sub: AtomicU64,
    /// Receipt ids awaited → what asked for them (`SEND /app/hello`).
    receipts: Mutex<HashMap<String, String>>,
    next_receipt: AtomicU64,
    /// Told of every RECEIPT and MESSAGE (the relay's waits).
    arrived: Notify,
    /// SEND frames sent and MESSAGE frames received (the wait for replies at the end).
    sends: AtomicU64,
    messages: AtomicU64,
    requests: mpsc::UnboundedSender<Queued>,
    requests_rx: Mutex<Option<mpsc::UnboundedReceiver<Queued>>>,
}

impl Shared {
    pub fn new(plan: Plan) -> Arc<Shared> {
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Shared {
            plan,
            conn: Mutex::new(None),
            stage: watch::Sender::new(Stage::Waiting),
            version: Mutex::new(Version::V12),
            session: Mutex::new(Session::default()),
            subscriptions: Mutex::new(Vec::new()),
            next_sub: AtomicU64::new(0),
            receipts: Mutex::new(HashMap::new()),
            next_receipt: AtomicU64::new(0),
            arrived: Notify::new(),
            sends: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            requests: tx,
            requests_rx: Mutex::new(Some(rx)),
        })
    }

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

    /// Whether the printer wants message-like events in this direction.
    fn shows(&self, dir: crate::session::Dir) -> bool {
        self.conn().is_some_and(|c| c.sink().wants_messages(dir))
    }

    fn shows_control(&self) -> bool {
        self.conn().is_some_and(|c| c.sink().wants_control())
    }

    fn set_stage(&self, stage: Stage) {
        if stage == Stage::Over {
            // Over (our DISCONNECT sent, an ERROR, the end): no farewell is due any more.
            if let Some(c) = self.conn() {
                c.state().farewell = None;
            }
        }
        self.stage.send_replace(stage);
    }

    pub fn stage(&self) -> Stage {
        *self.stage.borrow()
    }

    pub fn version(&self) -> Version {
        *lock(&self.version)
    }

    /// A new receipt id, remembered with what asked for it.
    fn receipt_for(&self, what: String) -> String {
        let id = format!("rcpt-{}", self.next_receipt.fetch_add(1, Ordering::Relaxed));
        lock(&self.receipts).insert(id.clone(), what);
        id
    }

    /// A new subscription to `destination`, remembered.
    fn subscribe(&self, destination: &str) -> Subscription {
        let s = Subscription {
            id: format!("sub-{}", self.next_sub.fetch_add(1, Ordering::Relaxed)),
            destination: destination.to_owned(),
        };
        lock(&self.subscriptions).push(s.clone());
        s
    }

    /// Forgets the subscription with this id or destination.
    fn unsubscribe(&self, which: &str) -> Option<Subscription> {
        let mut subs = lock(&self.subscriptions);
        let i = subs
            .iter()
            .position(|s| s.id == which || s.destination == which)?;
        Some(subs.remove(i))
    }

    /// A REPL command, for the relay to carry out.
    pub fn request(&self, r: Request) -> Result<(), String> {
        let queued = match r {
            Request::Subscribe(d) => Queued::Subscribe(self.subscribe(&d)),
            Request::Unsubscribe(which) => Queued::Unsubscribe(
                self.unsubscribe(&which)
                    .ok_or_else(|| format!("no subscription {which}; /state lists them"))?,
            ),
            Request::Send {
                destination,
                headers,
                body,
            } => Queued::Send {
                destination,
                headers,
                body,
            },
        };
        let _ = self.requests.send(queued);
        Ok(())
    }

    /// Resolves once CONNECTED arrived (or the session is over).
    pub async fn ready(&self) {
        let _ = self
            .stage
            .subscribe()
            .wait_for(|s| *s != Stage::Waiting)
            .await;
    }

    /// The session as `/state` shows it (after `stomp`).
    pub fn state(&self) -> String {
        let session = lock(&self.session).clone();
        let stage = match self.stage() {
            Stage::Waiting => "connecting",
            Stage::Connected => "connected",
            Stage::Over => "disconnected",
        };
        let subs = lock(&self.subscriptions);
        let list = if subs.is_empty() {
            "none".to_owned()
        } else {
            subs.iter()
                .map(|s| format!("{} ({})", s.destination, s.id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{} {stage}, server {}, session {}\nsubscriptions   {list}",
            self.version().as_str(),
            session.server.as_deref().unwrap_or("-"),
            session.session.as_deref().unwrap_or("-"),
        )
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
