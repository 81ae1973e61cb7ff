//! Ctrl-C (SIGINT) and SIGTERM (timeout(1), `docker stop`, a cancelled CI job) both ask for a
//! polite end: close the connection with a close frame, then exit. The exit status tells which
//! signal it was (130 or 143, as shells report them).

use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::ExitCode;

/// Resolves at the next SIGINT or SIGTERM with the exit status it stands for. If SIGTERM
/// cannot be watched (it always can on Unix), only SIGINT is.
pub async fn next() -> ExitCode {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        r = tokio::signal::ctrl_c() => match r {
            Ok(()) => ExitCode::Interrupted,
            Err(_) => std::future::pending().await,
        },
        Some(()) = async { match term.as_mut() { Some(t) => t.recv().await, None => None } } => {
            ExitCode::Terminated
        }
    }
}

/// Which stop signal arrived, if any; shared between the signal task and the run.
#[derive(Debug, Default)]
pub struct Stop(AtomicI32);

impl Stop {
    pub fn set(&self, code: ExitCode) {
        let _ = self
            .0
            .compare_exchange(0, code.status(), Ordering::SeqCst, Ordering::SeqCst);
    }

    /// The exit code of the signal that stopped the run.
    pub fn status(&self) -> Option<ExitCode> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            s => ExitCode::from_status(s),
        }
    }
}

/// Resolves at the second SIGINT or SIGTERM of the run: the first asked for a polite end
/// (each subcommand handles it), the second insists, and `main` ends the process at once with
/// that signal's status.
pub async fn insisted() -> ExitCode {
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
            Some(()) = int.recv() => ExitCode::Interrupted,
            Some(()) = term.recv() => ExitCode::Terminated,
        };
        seen += 1;
        if seen == 2 {
            return status;
        }
    }
}
