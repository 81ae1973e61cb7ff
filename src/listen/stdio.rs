//! `listen --stdio`: stdin's lines become messages to the one connected client (a second one
//! is refused with 503 while the first holds the lease); once stdin has ended and everything
//! read from it went to a client, the server stops.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Mutex, OwnedMutexGuard};

use super::server::Server;
use crate::error::ErrorKind;
use crate::pipe::{self, StdinMode};
use crate::session::driver::Batch;
use crate::session::Event;

/// stdin's messages, shared by the connections that come and go.
pub(super) type StdinQueue = Arc<Mutex<mpsc::Receiver<Batch>>>;

/// One client's hold on stdin, for as long as it is connected.
pub(super) type StdinLease = OwnedMutexGuard<mpsc::Receiver<Batch>>;

/// Starts reading stdin: the queue of its messages, and the error that ended it, if any.
pub(super) fn open() -> (StdinQueue, oneshot::Receiver<anyhow::Error>) {
    let (tx, rx) = mpsc::channel(4);
    let ended = pipe::spawn_stdin(
        StdinMode::Records {
            delim: b'\n',
            binary: false,
        },
        tx,
    );
    (Arc::new(Mutex::new(rx)), ended)
}

/// Takes stdin for one client, unless another has it.
pub(super) fn lease(queue: &StdinQueue) -> Option<StdinLease> {
    queue.clone().try_lock_owned().ok()
}

/// Whether this client got everything stdin had: then the server is done.
pub(super) fn drained(lease: &StdinLease) -> bool {
    lease.is_closed() && lease.is_empty()
}

/// Waits for the end of stdin; then, with nobody connected and nothing left, stops the server
/// (a connected client gets the rest and is closed, and its connection stops the server).
pub(super) async fn watch(
    server: Arc<Server>,
    queue: StdinQueue,
    ended: oneshot::Receiver<anyhow::Error>,
) {
    if let Ok(e) = ended.await {
        server.printer.event(
            None,
            Duration::ZERO,
            &Event::Error {
                kind: ErrorKind::Stdin,
                message: &format!("{e:#}"),
            },
        );
    }
    loop {
        if let Ok(rx) = queue.try_lock() {
            if rx.is_empty() {
                server.finished.notify_one();
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
