//! A protocol's own heartbeat: the peer is dead when nothing that keeps it alive (a
//! Socket.IO ping, a STOMP heart-beat) arrived for a while. The watchdog asks the driver to
//! end the connection as dead (`Control::Dead`, exit 4, as `--ping-timeout` does); one task
//! per armed watchdog, none when unarmed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::session::driver::{Control, ControlTx};

#[derive(Default)]
pub struct Watchdog {
    task: Option<JoinHandle<()>>,
    alive: Arc<Notify>,
}

impl Watchdog {
    /// From now on, `limit` without a [`Watchdog::kick`] ends the connection as dead with
    /// the reason `why`. Replaces an earlier arming.
    pub fn arm(&mut self, limit: Duration, why: String, control: ControlTx) {
        self.disarm();
        self.alive = Arc::new(Notify::new());
        let alive = self.alive.clone();
        self.task = Some(tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = alive.notified() => {}
                    () = tokio::time::sleep(limit) => {
                        control.send(Control::Dead(why));
                        return;
                    }
                }
            }
        }));
    }

    /// The peer showed it is alive: the time starts again.
    pub fn kick(&self) {
        self.alive.notify_one();
    }

    pub fn disarm(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.disarm();
    }
}
