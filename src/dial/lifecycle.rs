//! One client's lifecycle, shared by `connect` (pipe, echo, scripts, reconnects), the
//! interactive session and `ping`: connect (or stop while connecting), let the mode start its
//! work at OPEN, drive the connection until it ends, reconnect when asked; then
//! [`exit_status`] alone picks the exit status from how the run ended.

use std::collections::VecDeque;
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;

use super::backoff::Backoff;
use super::handshake::{self, ClientSettings, Connected};
use crate::config::connect::Reconnect;
use crate::error::{ExitCode, Failure};
use crate::session::driver::{self, Batch, Control, ControlRx, DriveOpts, Ending, Inbound};
use crate::session::{millis, CloseInfo, Conn, Event, Side};

/// What a run is made of; the mode keeps the other ends of `control` and `data`.
pub struct Client<'a> {
    pub settings: &'a ClientSettings,
    pub opts: &'a DriveOpts,
    pub reconnect: Option<Reconnect>,
    /// Close requests (Ctrl-C, -t, the session's /close): while connecting, one stops the run.
    pub control: &'a mut ControlRx,
    /// What to send, if the mode sends anything through the data queue.
    pub data: Option<&'a mut mpsc::Receiver<Batch>>,
}

/// How a run ended.
pub struct Finished {
    /// The last connection.
    pub conn: Arc<Conn>,
    /// How it ended; `None` when the run was stopped before or between connections.
    pub ending: Option<Ending>,
    /// Whether any connection reached OPEN.
    pub ever_open: bool,
    /// Messages read but never sent (already reported).
    pub unsent: usize,
}

/// Connects and drives until the run is over. `new_conn` makes the connection object of each
/// attempt (numbered from 1), `on_open` is called at each OPEN, before the connection is
/// driven; `stopped` says whether the user or a limit ended the run (then nothing reconnects).
pub async fn run<H: Inbound>(
    mut client: Client<'_>,
    mut new_conn: impl FnMut(u64) -> Arc<Conn>,
    mut on_open: impl FnMut(&Arc<Conn>, &Connected),
    stopped: impl Fn() -> bool,
    handler: &mut H,
) -> Result<Finished> {
    let reconnect = client.reconnect;
    let mut backoff = reconnect.map(|r| Backoff::new(r.delay, r.max_delay));
    // Consecutive attempts that did not reach OPEN, and what was left to send.
    let mut failures: u32 = 0;
    let mut carry = VecDeque::new();
    let mut cycle: u64 = 0;
    let mut ever_open = false;
    // The connection that was lost, while reconnecting.
    let mut lost: Option<(Arc<Conn>, Ending)> = None;
    let (conn, ending) = loop {
        // The input ended while disconnected and everything was sent: nothing to reconnect for.
        if lost.is_some() && input_done(&client, &carry) {
            if let Some((conn, ending)) = lost.take() {
                break (conn, Some(ending));
            }
        }
        cycle += 1;
        let conn = new_conn(cycle);
        let attempt = tokio::select! {
            c = handshake::connect(client.settings, &conn) => c,
            // Ctrl-C or -t while connecting.
            () = stop_requested(client.control) => break (conn, None),
        };
        let connected = match (attempt, reconnect, backoff.as_mut()) {
            (Ok(c), ..) => c,
            (Err(e), Some(r), Some(backoff)) => {
                failures += 1;
                if r.max_retries.is_some_and(|max| failures >= max) {
                    return Err(gave_up(e, failures));
                }
                let why = format!("{e:#}");
                if wait_to_retry(&conn, backoff, failures, &why, client.control).await {
                    continue;
                }
                break (conn, None);
            }
            (Err(e), ..) => return Err(e),
        };
        failures = 0;
        if let Some(b) = backoff.as_mut() {
            b.reset();
        }
        ever_open = true;
        on_open(&conn, &connected);
        let mut ending = driver::drive(
            connected.ws,
            &conn,
            std::mem::take(&mut carry),
            client.data.as_deref_mut(),
            client.control,
            handler,
            client.opts,
        )
        .await;
        let dropped = ending.dead || ending.close.initiator != Some(Side::Local);
        carry = std::mem::take(&mut ending.leftover);
        if let (Some(backoff), true) = (backoff.as_mut(), dropped && ending.error.is_none()) {
            if !stopped() && !input_done(&client, &carry) {
                failures += 1;
                let why = if ending.dead {
                    "the connection is dead".to_owned()
                } else {
                    format!(
                        "the server closed the connection ({} \"{}\")",
                        ending.close.code, ending.close.reason
                    )
                };
                if wait_to_retry(&conn, backoff, failures, &why, client.control).await {
                    lost = Some((conn, ending));
                    continue;
                }
            }
        }
        ending.leftover = std::mem::take(&mut carry);
        break (conn, Some(ending));
    };

    // A reconnecting client kept what it could not send; at the end it is reported.
    let mut unsent = ending.as_ref().map_or(carry.len(), |e| e.unsent);
    if reconnect.is_some() {
        unsent = ending.as_ref().map_or(carry.len(), |e| e.leftover.len());
        if let Some(data) = client.data.as_deref_mut() {
            while let Ok(batch) = data.try_recv() {
                unsent += batch.len();
            }
        }
        if unsent > 0 {
            driver::report_unsent(&conn, unsent);
        }
    }
    Ok(Finished {
        conn,
        ending,
        ever_open,
        unsent,
    })
}

/// The input has ended and everything in it was sent.
fn input_done(
    client: &Client<'_>,
    carry: &VecDeque<tokio_tungstenite::tungstenite::Message>,
) -> bool {
    client.opts.close_on_eof.is_some()
        && client
            .data
            .as_ref()
            .is_none_or(|d| d.is_closed() && d.is_empty())
        && carry.is_empty()
}

/// Resolves when a close is requested (Ctrl-C, -t) while there is no connection to close.
async fn stop_requested(control: &mut ControlRx) {
    loop {
        match control.recv().await {
            Control::Close(..) | Control::Finish(..) | Control::EndOfData => return,
            // Nothing to ping while disconnected.
            Control::Ping(_) | Control::Pong(_) | Control::Dead(_) | Control::Release => {}
        }
    }
}

/// Announces the next attempt and sleeps until it; false when a stop was requested meanwhile.
async fn wait_to_retry(
    conn: &Conn,
    backoff: &mut Backoff,
    attempt: u32,
    reason: &str,
    control: &mut ControlRx,
) -> bool {
    let delay = backoff.next_delay();
    conn.emit(&Event::Reconnect {
        attempt,
        delay_ms: millis(delay),
        reason,
    });
    conn.sink().flush();
    tokio::select! {
        () = tokio::time::sleep(delay) => true,
        () = stop_requested(control) => false,
    }
}

fn gave_up(e: anyhow::Error, attempts: u32) -> anyhow::Error {
    let (status, message, mut hints) = match e.downcast::<Failure>() {
        Ok(f) => (f.status, f.message, f.hints),
        Err(e) => (ExitCode::Connect, format!("{e:#}"), Vec::new()),
    };
    hints.push(format!(
        "gave up after {attempts} failed attempts in a row (--max-retries)"
    ));
    let mut f = Failure::new(status, message);
    for h in hints {
        f = f.hint(h);
    }
    f.into()
}

/// What decides a client run's exit status, besides the connection's end.
#[derive(Default)]
pub struct Verdict {
    /// stdout's reader went away (`| head -1`): it had what it wanted.
    pub stdout_closed: bool,
    /// The signal that stopped the run, when it decides the status (130, 143).
    pub signal: Option<ExitCode>,
    /// The run ended before any connection was open, and this says why (-t).
    pub never_open: Option<anyhow::Error>,
    /// Reading the input failed (a line that is not UTF-8).
    pub input_error: Option<anyhow::Error>,
}

/// The exit status of a client run, in this order: stdout closed by its reader (0), a signal
/// (130, 143), no connection ever open, a failure that ended the connection, the input's
/// failure, messages that were never sent (1), the checks (`judge`, given the close), and
/// last the close itself (4 when the peer ended abnormally or with an error code, else 0).
pub fn exit_status(
    finished: Finished,
    verdict: Verdict,
    judge: impl FnOnce(&Conn, &CloseInfo) -> Option<Result<ExitCode>>,
) -> Result<ExitCode> {
    if verdict.stdout_closed {
        return Ok(ExitCode::Ok);
    }
    if let Some(status) = verdict.signal {
        return Ok(status);
    }
    if let Some(e) = verdict.never_open {
        return Err(e);
    }
    let (close, error) = match finished.ending {
        Some(Ending {
            close,
            error,
            own_failure,
            ..
        }) => (close, error.map(|e| (e, own_failure))),
        // Stopped between connections.
        None => (
            CloseInfo {
                code: CloseInfo::ABNORMAL,
                reason: String::new(),
                was_clean: false,
                initiator: None,
            },
            None,
        ),
    };
    if let Some(e) = verdict.input_error {
        return Err(e);
    }
    // A scripted run is decided when its last check is met: what the peer does after that
    // (an error close, a reset, a protocol violation) is shown but does not fail the run, so
    // the outcome never depends on which came first. Lost messages and failures of our own
    // side still fail it.
    let judged = judge(&finished.conn, &close);
    if let Some((e, own)) = error {
        if own || !matches!(judged, Some(Ok(ExitCode::Ok))) {
            return Err(e);
        }
    }
    if finished.unsent > 0 {
        // Messages were lost: 1; but when the peer failed the connection (an error close, no
        // close), that is the cause, and 4 says so whether or not input was queued when it came.
        return Ok(if judged.is_none() && close.is_failure() {
            ExitCode::Abnormal
        } else {
            ExitCode::Runtime
        });
    }
    if let Some(status) = judged {
        return status;
    }
    Ok(if close.is_failure() {
        ExitCode::Abnormal
    } else {
        ExitCode::Ok
    })
}
