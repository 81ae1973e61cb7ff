//! Ctrl-C (SIGINT) and SIGTERM (timeout(1), `docker stop`, a cancelled CI job) both ask for a
//! polite end: close the connection with a close frame, then exit. The exit status tells which
//! signal it was (130 or 143, as shells report them).

use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::exit;

/// Resolves at the next SIGINT or SIGTERM with the exit status it stands for. If SIGTERM
/// cannot be watched (it always can on Unix), only SIGINT is.
pub async fn next() -> i32 {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        r = tokio::signal::ctrl_c() => match r {
            Ok(()) => exit::INTERRUPTED,
            Err(_) => std::future::pending().await,
        },
        Some(()) = async { match term.as_mut() { Some(t) => t.recv().await, None => None } } => {
            exit::TERMINATED
        }
    }
}

/// Which stop signal arrived, if any; shared between the signal task and the run.
#[derive(Debug, Default)]
pub struct Stop(AtomicI32);

impl Stop {
    pub fn set(&self, status: i32) {
        let _ = self
            .0
            .compare_exchange(0, status, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// The exit status of the signal that stopped the run.
    pub fn status(&self) -> Option<i32> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }
}

/// Resolves at the second SIGINT or SIGTERM of the run: the first asked for a polite end
/// (each subcommand handles it), the second insists, and `main` ends the process at once with
/// that signal's status.
pub async fn insisted() -> i32 {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    let mut seen = 0;
    loop {
        let status = tokio::select! {
            Some(()) = int.recv() => exit::INTERRUPTED,
            Some(()) = term.recv() => exit::TERMINATED,
        };
        seen += 1;
        if seen == 2 {
            return status;
        }
    }
}
