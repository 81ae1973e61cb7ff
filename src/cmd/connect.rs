//! `wsprobe connect URL`: a client connection in pipe mode (stdin → messages → stdout), echo
//! mode (`--echo`: every message goes back to the server), scripted (`-x`, `-e`, `-n`), or the
//! interactive session, as the plan says.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use crate::config::connect::{Checks, ConnectPlan, Input};
use crate::dial::lifecycle::{self, Client, Verdict};
use crate::error::{ExitCode, Failure};
use crate::expect::{Outcome, Script, Sends};
use crate::output::Printer;
use crate::pipe::{self, StdoutSink};
use crate::proto::Speaker;
use crate::session::driver::{Batch, Control, ControlTx, Inbound};
use crate::session::echo::Echo;
use crate::session::{CloseInfo, Conn, Event, Side};
use crate::signals::Stop;
use crate::value::Close;

mod webtransport;

/// Batches in flight between stdin and the socket: enough to keep the socket busy, small
/// enough that a stalled server stops the reading of stdin quickly.
const QUEUE_BATCHES: usize = 4;

pub async fn run(plan: ConnectPlan) -> Result<ExitCode> {
    // The interactive session knows WebTransport too (`repl::run`).
    if let (Some(wt), None) = (plan.webtransport.clone(), plan.session) {
        return webtransport::run(plan, wt).await;
    }
    if let Some(session) = plan.session {
        return crate::repl::run(plan, session).await;
    }
    let printer = Arc::new(Printer::new(plan.out));
    let checks = &plan.checks;
    let expecting = checks.any();
    // Room for every -x stage, so that a stage never waits for the one before it.
    let room = match &plan.input {
        Input::Execute { stages, .. } => stages.len().max(QUEUE_BATCHES),
        _ => QUEUE_BATCHES,
    };
    let (data_tx, mut data_rx) = mpsc::channel(room);
    let (control_tx, mut control_rx) = crate::session::driver::control();

    let scripted_sends = matches!(plan.input, Input::Execute { .. });
    // An application protocol (--socketio, --graphql) relays what is sent and reads what is received.
    let speaker = Speaker::new(plan.proto.as_ref(), &control_tx);
    let (input_tx, relay) = speaker.relay(data_tx);
    let Sending {
        held: held_tx,
        sends,
        stdin_err,
    } = start_input(&plan.input, input_tx, checks.expect.len());
    let stdin_err = relay.start(stdin_err);
    let open_conn = sends.as_ref().map(Sends::connection);

    let interrupted = Arc::new(Stop::default());
    spawn_interrupt_handler(control_tx.clone(), interrupted.clone(), plan.close.clone());
    // -t bounds the whole run, reconnects included.
    let timed_out = spawn_time_limit(checks.timeout, &control_tx, &plan.close);

    // With --json the payloads travel inside the message events instead.
    let shown = if matches!(plan.input, Input::Echo) {
        Shown::Echo(Echo)
    } else {
        Shown::Stdout(StdoutSink::new(plan.out, plan.binary_output, plan.delim))
    };
    let mut handler = speaker.inbound(Script::new(
        shown,
        expecting,
        checks.expect.clone(),
        checks.count,
        control_tx.clone(),
        // With --expect-close the peer is to close, not us. The -x messages go out before the
        // close (-n 0 is met at once); stdin may go on forever, so the close does not wait.
        checks.expect_close.is_none().then(|| {
            if scripted_sends {
                Control::Finish(plan.close.clone())
            } else {
                Control::Close(plan.close.clone())
            }
        }),
        sends,
    ));

    let reconnecting = plan.reconnect.is_some();
    let client = Client {
        settings: &plan.client,
        opts: &plan.drive,
        reconnect: plan.reconnect,
        control: &mut control_rx,
        data: Some(&mut data_rx),
    };
    let finished = lifecycle::run(
        client,
        // Reconnecting clients number their connections, so each cycle is told apart.
        |cycle| speaker.attach(Conn::new(reconnecting.then_some(cycle), printer.clone())),
        // The script's last -x stage waits for its own replies: it is told the connection.
        |conn, connected| {
            speaker.negotiated(&connected.response);
            if let Some(slot) = &open_conn {
                *slot.lock().expect("not poisoned") = Some(conn.clone());
            }
        },
        || interrupted.status().is_some() || timed_out.load(Ordering::SeqCst),
        &mut handler,
    )
    .await;
    handler.inner_mut().inner_mut().finish();
    let outcome = expecting.then(|| handler.into_inner().outcome());
    drop(held_tx);
    printer.flush();
    let finished = finished?;
    speaker.closed(&finished.conn, finished.ending.as_ref());

    let timed_out = timed_out.load(Ordering::SeqCst);
    let verdict = Verdict {
        stdout_closed: matches!(
            crate::output::stdout_trouble(),
            Some(crate::output::StdoutTrouble::Closed)
        ),
        signal: interrupted.status(),
        // -t ran out before the connection was ever open.
        never_open: (timed_out && !finished.ever_open).then(|| {
            let limit = humantime::format_duration(checks.timeout.unwrap_or_default());
            Failure::connect(format!(
                "the WebSocket handshake with {} did not complete within -t {limit}",
                plan.client.url.as_str()
            ))
            .hint("is the server reachable and answering? raise -t if it is just slow")
            .into()
        }),
        input_error: stdin_err.and_then(|mut rx| rx.try_recv().ok()),
    };
    lifecycle::exit_status(finished, verdict, |conn, close| {
        outcome.map(|o| judge(conn, &o, checks, close, timed_out))
    })
}

/// `-t`: once `limit` has passed, the flag is set and the connection asked to close.
fn spawn_time_limit(
    limit: Option<Duration>,
    control: &ControlTx,
    close: &Close,
) -> Arc<AtomicBool> {
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = limit {
        let (control, flag, close) = (control.clone(), timed_out.clone(), close.clone());
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            flag.store(true, Ordering::SeqCst);
            control.send(Control::Close(close));
        });
    }
    timed_out
}

/// What to send: the -x messages, or stdin. stdin is read before connecting: what arrives
/// early is queued, never dropped. The first -x stage is queued at once and the script gets
/// the rest (and the sender, which it holds while the run wants more time after the sends);
/// `--echo` holds the sender for the whole run. Also returns where stdin's failure will be
/// told.
fn start_input(input: &Input, data_tx: mpsc::Sender<Batch>, expected: usize) -> Sending {
    match input {
        Input::Execute { stages, wait } => {
            let first = stages
                .first()
                .map(|s| s.messages.clone())
                .unwrap_or_default();
            data_tx
                .try_send(first)
                .expect("an empty channel takes one batch");
            Sending {
                held: None,
                sends: Some(Sends::new(stages, data_tx, *wait, expected)),
                stdin_err: None,
            }
        }
        Input::Echo => Sending {
            held: Some(data_tx),
            sends: None,
            stdin_err: None,
        },
        Input::Stdin(mode) => Sending {
            held: None,
            sends: None,
            stdin_err: Some(pipe::spawn_stdin(*mode, data_tx)),
        },
    }
}

struct Sending {
    held: Option<mpsc::Sender<Batch>>,
    sends: Option<Sends>,
    stdin_err: Option<oneshot::Receiver<anyhow::Error>>,
}

/// Exit status and report of a scripted run.
fn judge(
    conn: &Conn,
    outcome: &Outcome,
    checks: &Checks,
    close: &CloseInfo,
    timed_out: bool,
) -> Result<ExitCode> {
    let close_ok = checks
        .expect_close
        .is_none_or(|c| close.initiator == Some(Side::Remote) && close.code == c);
    let count_ok = outcome.count_met();
    // Every check counts: each -e pattern, -n, and --expect-close.
    let expected = outcome.patterns.len()
        + usize::from(checks.count.is_some())
        + usize::from(checks.expect_close.is_some());
    let met = outcome.met
        + usize::from(checks.count.is_some() && count_ok)
        + usize::from(checks.expect_close.is_some() && close_ok);
    let failed = if !outcome.all_met() {
        let p = &outcome.patterns[outcome.met];
        Some(format!(
            "expectation {} of {} not met: {p}",
            outcome.met + 1,
            outcome.patterns.len()
        ))
    } else if !count_ok {
        let n = outcome.count.unwrap_or_default();
        Some(format!(
            "expected {n} message(s) (-n {n}), received {}",
            outcome.received
        ))
    } else if !close_ok {
        let code = checks.expect_close.unwrap_or_default();
        Some(match close.initiator {
            Some(Side::Remote) => format!(
                "expected the peer to close with {code}, it closed with {}",
                close.code
            ),
            _ => format!("expected the peer to close with {code}, it did not close first"),
        })
    } else {
        None
    };
    conn.emit(&Event::Result {
        ok: failed.is_none(),
        met,
        expected,
        received: outcome.received,
        failed: failed.as_deref(),
    });
    conn.sink().flush();
    let Some(failed) = failed else {
        // Every check was met while the connection was open: the run passed, however the
        // connection ended after (`lifecycle::exit_status`).
        return Ok(ExitCode::Ok);
    };
    let when = if timed_out {
        format!(
            " (timed out after {})",
            humantime::format_duration(checks.timeout.unwrap_or_default())
        )
    } else {
        " (the connection closed first)".to_owned()
    };
    let mut f = Failure::new(ExitCode::Expectation, format!("{failed}{when}"));
    if outcome.last.is_empty() {
        f = f.hint("no message was received");
    } else {
        f = f.hint(format!(
            "the last {} message(s) received, oldest first:",
            outcome.last.len()
        ));
        for m in &outcome.last {
            f = f.hint(format!("  {m}"));
        }
    }
    Err(f.into())
}

/// How received messages are shown (or answered).
enum Shown {
    Echo(Echo),
    Stdout(StdoutSink),
}

impl Shown {
    fn finish(&mut self) {
        if let Shown::Stdout(s) = self {
            s.flush();
        }
    }
}

impl Inbound for Shown {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match self {
            Shown::Echo(e) => e.message(msg),
            Shown::Stdout(s) => s.message(msg),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        match self {
            Shown::Echo(e) => e.idle(),
            Shown::Stdout(s) => s.idle(),
        }
    }
}

/// First Ctrl-C or SIGTERM: close politely (the close code the user chose); the run then
/// exits 130 or 143. (A second one ends the process at once: `main` sees to that.)
fn spawn_interrupt_handler(control: ControlTx, stop: Arc<Stop>, close: Close) {
    tokio::spawn(async move {
        let status = crate::signals::next().await;
        stop.set(status);
        control.send(Control::Close(close));
    });
}
