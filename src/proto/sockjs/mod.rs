//! SockJS's websocket transport (`--sockjs`), a layer beneath the protocol session: the
//! WebSocket goes to `<endpoint>/<server>/<session>/websocket`, what arrives in SockJS frames
//! (`o`, `h`, `a[…]`, `m`, `c[code,"reason"]`) is unwrapped into the messages it carries
//! before the layer above (STOMP, or the raw mode) sees them, and what the layer above sends
//! is wrapped into JSON arrays. So `--stomp --sockjs` is STOMP's session inside SockJS's,
//! and STOMP's relay feeding SockJS's (`proto::Speaker` stacks them).
//!
//! - `codec.rs`: frames ⇄ text (pure, property-tested), the session path
//! - `session.rs`: the [`Inbound`](crate::session::driver::Inbound) layer
//! - `relay.rs`: the layer above's messages → JSON arrays, held until `o`
//! - `events.rs`: open, heartbeat, close for the printer

pub mod codec;
mod events;
pub mod relay;
pub mod session;

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::session::{Conn, ProtoEvent};

/// Where the SockJS session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for `o`.
    Waiting,
    Open,
    /// Closed (`c`) or gone.
    Over,
}

/// What the two directions share.
pub struct Shared {
    /// `<server>/<session>`, as in the URL.
    pub session: String,
    /// Raw messages travel in SockJS (no protocol above): each is shown as a message.
    raw_above: bool,
    conn: Mutex<Option<Arc<Conn>>>,
    stage: watch::Sender<Stage>,
}

impl Shared {
    pub fn new(session: String, raw_above: bool) -> Arc<Shared> {
        Arc::new(Shared {
            session,
            raw_above,
            conn: Mutex::new(None),
            stage: watch::Sender::new(Stage::Waiting),
        })
    }

    /// The connection; SockJS's frames stand for the messages they carry (`-vv` shows them).
    pub fn attach(&self, conn: &Arc<Conn>) {
        conn.protocol_speaks();
        *lock(&self.conn) = Some(conn.clone());
    }

    /// A raw message that travels in SockJS, shown as the message it is.
    fn carried(&self, dir: crate::session::Dir, text: &str) {
        if self.raw_above {
            if let Some(c) = self.conn() {
                c.carried_message(dir, text);
            }
        }
    }

    fn conn(&self) -> Option<Arc<Conn>> {
        lock(&self.conn).clone()
    }

    fn emit(&self, event: &dyn ProtoEvent) {
        if let Some(c) = self.conn() {
            c.emit(&crate::session::Event::Proto(event));
        }
    }

    fn set_stage(&self, s: Stage) {
        self.stage.send_replace(s);
    }

    /// Resolves once `o` arrived (or the session is over).
    pub async fn ready(&self) {
        let _ = self
            .stage
            .subscribe()
            .wait_for(|s| *s != Stage::Waiting)
            .await;
    }

    /// The session as `/state` shows it.
    pub fn state(&self) -> String {
        let stage = match *self.stage.borrow() {
            Stage::Waiting => "opening",
            Stage::Open => "open",
            Stage::Over => "closed",
        };
        format!("session {} {stage}", self.session)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
