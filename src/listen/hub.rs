//! The server's view of its open connections: each one's control channel (so Ctrl-C and
//! `--close-after` can close it) and, in fan-out modes, its bounded queue of outgoing
//! messages (broadcast, periodic sends).
//!
//! A slow client never stalls the others: fan-out only ever `try_send`s, and a client whose
//! queue is full is closed with 1013 (try again later) and logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;

use crate::error::ErrorKind;
use crate::session::driver::{Batch, Control, ControlTx, Inbound};
use crate::session::Conn;
use crate::value::Close;

/// Messages a client may have queued before it counts as too slow.
pub const QUEUE: usize = 1024;

struct Peer {
    conn: Arc<Conn>,
    control: ControlTx,
    queue: Option<mpsc::Sender<Batch>>,
    /// Set once the peer was closed for being slow, so it is closed (and logged) once.
    evicted: bool,
}

#[derive(Default)]
pub struct Hub {
    open: Mutex<HashMap<u64, Peer>>,
    emptied: Notify,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Peer>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn join(&self, conn: Arc<Conn>, control: ControlTx, queue: Option<mpsc::Sender<Batch>>) {
        let id = conn.id.unwrap_or_default();
        self.lock().insert(
            id,
            Peer {
                conn,
                control,
                queue,
                evicted: false,
            },
        );
    }

    /// Open connections (joined, not yet left).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn leave(&self, id: u64) {
        let mut open = self.lock();
        open.remove(&id);
        if open.is_empty() {
            self.emptied.notify_waiters();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn emptied(&self) -> &Notify {
        &self.emptied
    }

    /// Asks every open connection to close with this code and reason.
    pub fn close_all(&self, close: &Close) {
        for peer in self.lock().values() {
            peer.control.send(Control::Close(close.clone()));
        }
    }

    /// Queues `msg` for every connection with a queue, except `except`.
    pub fn fan_out(&self, msg: &Message, except: Option<u64>) {
        for (id, peer) in self.lock().iter_mut() {
            if Some(*id) == except || peer.evicted {
                continue;
            }
            let Some(queue) = &peer.queue else { continue };
            if let Err(mpsc::error::TrySendError::Full(_)) = queue.try_send(vec![msg.clone()]) {
                peer.evicted = true;
                peer.conn.error(
                    ErrorKind::Slow,
                    &format!("{QUEUE} messages are waiting for this client: closing it with 1013"),
                );
                peer.control.send(Control::Close(Close::new(
                    1013,
                    "too slow: send queue full",
                )));
            }
        }
    }
}

/// `listen --broadcast`: every message goes to the other clients (`--all`: to all).
pub struct Broadcast {
    pub hub: Arc<Hub>,
    pub id: u64,
    pub all: bool,
}

impl Inbound for Broadcast {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        let except = (!self.all).then_some(self.id);
        self.hub.fan_out(&msg, except);
        Ok(None)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
