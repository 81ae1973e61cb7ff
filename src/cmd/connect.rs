//! `wsprobe connect URL`: a client connection in pipe mode (stdin → messages → stdout) or in
//! echo mode (`--echo`: every message goes back to the server).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::cli::{ConnectArgs, ScriptArgs};
use crate::client::backoff::Backoff;
use crate::client::handshake::{self as client, ClientSettings};
use crate::config::OutputConfig;
use crate::error::{exit, Failure};
use crate::expect::{Outcome, Script};
use crate::output::Printer;
use crate::pipe::{self, StdinMode, StdoutSink};
use crate::session::driver::{self, Control, ControlRx, ControlTx, DriveOpts, Inbound};
use crate::session::echo::Echo;
use crate::session::{CloseInfo, Conn, Event, Side};
use crate::signals::Stop;

/// Batches in flight between stdin and the socket: enough to keep the socket busy, small
/// enough that a stalled server stops the reading of stdin quickly.
const QUEUE_BATCHES: usize = 4;

pub async fn run(args: ConnectArgs, out: OutputConfig) -> Result<i32> {
    let scripted_sends = !args.script.execute.is_empty() || !args.script.execute_binary.is_empty();
    if args.script.wait.is_some() && !scripted_sends {
        return Err(Failure::usage(
            "-w/--wait keeps the connection open after the -x messages, and none are given",
        )
        .hint("add -x MSG; to stay connected after stdin ends, use --no-close or --reply-timeout")
        .into());
    }
    if crate::repl::wanted(&args, &out) {
        return crate::repl::run(args, out).await;
    }
    let printer = Arc::new(Printer::new(out));
    let script = &args.script;
    // -t is not folded into the connect timeout: when it ends the run before OPEN, the error
    // says so (and which limit it was), whichever of the two is shorter.
    let settings = ClientSettings::from_args(
        args.url.clone(),
        &args.handshake,
        args.handshake.connect_timeout,
        WebSocketConfig::default()
            .max_message_size(Some(args.max_message_size))
            .max_frame_size(Some(args.max_message_size)),
    )?;
    let delim = if args.null { 0 } else { b'\n' };
    let expecting =
        !script.expect.is_empty() || script.count.is_some() || script.expect_close.is_some();

    let (data_tx, mut data_rx) = mpsc::channel(QUEUE_BATCHES);
    let (control_tx, mut control_rx) = crate::session::driver::control();

    // What to send: the -x messages, or stdin. stdin is read before connecting: what arrives
    // early is queued, never dropped.
    let mut held_tx = None;
    let stdin_err = if scripted_sends {
        data_tx
            .try_send(execute_batch(script)?)
            .expect("an empty channel takes one batch");
        held_tx = Some(data_tx);
        None
    } else if args.echo {
        held_tx = Some(data_tx);
        None
    } else {
        let mode = if args.binary && !args.null {
            StdinMode::Chunks {
                chunk: args.chunk_size,
            }
        } else {
            StdinMode::Records {
                delim,
                binary: args.binary,
            }
        };
        Some(pipe::spawn_stdin(mode, data_tx))
    };

    let interrupted = Arc::new(Stop::default());
    spawn_interrupt_handler(
        control_tx.clone(),
        interrupted.clone(),
        args.close_code,
        args.close_reason.clone(),
    );
    // -t bounds the whole run, reconnects included.
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = script.timeout {
        let (control, flag) = (control_tx.clone(), timed_out.clone());
        let close = (args.close_code, args.close_reason.clone());
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            flag.store(true, Ordering::SeqCst);
            control.send(Control::Close(close.0, close.1));
        });
    }

    let reconnect = args.reconnect.reconnect;
    let opts = DriveOpts {
        // With expectations, the end of input does not end the run: the answers do; with
        // --no-close, the server (or Ctrl-C, or -t) does.
        close_on_eof: (!expecting && !args.no_close)
            .then(|| (args.close_code, args.close_reason.clone())),
        // After -w's fixed wait the close goes out at once.
        reply_wait: if script.wait.is_some() {
            std::time::Duration::ZERO
        } else {
            args.reply_timeout
        },
        close_timeout: args.close_timeout,
        max_message_size: args.max_message_size,
        heartbeat: crate::config::heartbeat(&args.heartbeat),
        keep_unsent: reconnect,
    };
    // With --json the payloads travel inside the message events instead.
    let shown = if args.echo {
        Shown::Echo(Echo)
    } else {
        Shown::Stdout(StdoutSink::new(out, args.binary_output, delim))
    };
    let mut handler = Script::new(
        shown,
        expecting,
        script.expect.clone(),
        script.count,
        control_tx.clone(),
        // With --expect-close the peer is to close, not us.
        script.expect_close.is_none().then(|| {
            let (code, reason) = (args.close_code, args.close_reason.clone());
            // The -x messages go out before the close (-n 0 is met at once); stdin may go on
            // forever, so the close does not wait for it.
            if scripted_sends {
                Control::Finish(code, reason)
            } else {
                Control::Close(code, reason)
            }
        }),
    );

    let mut backoff = Backoff::new(
        args.reconnect.reconnect_delay,
        args.reconnect.reconnect_max_delay,
    );
    // Consecutive attempts that did not reach OPEN, and what was left to send.
    let mut failures: u32 = 0;
    let mut carry = VecDeque::new();
    let mut cycle: u64 = 0;
    let mut first = true;
    // Whether any connection reached OPEN (for -t's report).
    let mut ever_open = false;
    // The connection that was lost, while reconnecting.
    let mut lost: Option<(Conn, driver::Ending)> = None;
    let input_done = |data: &mpsc::Receiver<_>, carry: &VecDeque<_>| {
        opts.close_on_eof.is_some() && data.is_closed() && data.is_empty() && carry.is_empty()
    };
    let (conn, ending) = loop {
        // The input ended while disconnected and everything was sent: nothing to reconnect for.
        if lost.is_some() && input_done(&data_rx, &carry) {
            if let Some((conn, ending)) = lost.take() {
                break (conn, Some(ending));
            }
        }
        cycle += 1;
        // Reconnecting clients number their connections, so each cycle is told apart.
        let conn = Conn::new(reconnect.then_some(cycle), printer.clone());
        let attempt = tokio::select! {
            c = client::connect(&settings, &conn) => c,
            // Ctrl-C or -t while connecting.
            () = stop_requested(&mut control_rx) => break (conn, None),
        };
        let connected = match attempt {
            Ok(c) => c,
            Err(e) if !reconnect => return Err(e),
            Err(e) => {
                failures += 1;
                if args
                    .reconnect
                    .max_retries
                    .is_some_and(|max| failures >= max)
                {
                    return Err(gave_up(e, failures));
                }
                if wait_to_retry(
                    &conn,
                    &mut backoff,
                    failures,
                    &format!("{e:#}"),
                    &mut control_rx,
                )
                .await
                {
                    continue;
                }
                break (conn, None);
            }
        };
        failures = 0;
        backoff.reset();
        ever_open = true;

        // After the -x sends: close after --wait, at once, or when the expectations are met.
        if scripted_sends && std::mem::take(&mut first) {
            match script.wait {
                Some(wait) => {
                    let tx = held_tx.take();
                    tokio::spawn(async move {
                        tokio::time::sleep(wait).await;
                        drop(tx);
                    });
                }
                None if !expecting => held_tx = None,
                None => {}
            }
        }
        let mut ending = driver::drive(
            connected.ws,
            &conn,
            std::mem::take(&mut carry),
            Some(&mut data_rx),
            &mut control_rx,
            &mut handler,
            &opts,
        )
        .await;
        let stopped = interrupted.status().is_some() || timed_out.load(Ordering::SeqCst);
        let dropped = ending.dead || ending.close.initiator != Some(Side::Local);
        carry = std::mem::take(&mut ending.leftover);
        if reconnect
            && !stopped
            && !input_done(&data_rx, &carry)
            && ending.error.is_none()
            && dropped
        {
            failures += 1;
            let why = if ending.dead {
                "the connection is dead".to_owned()
            } else {
                format!(
                    "the server closed the connection ({} \"{}\")",
                    ending.close.code, ending.close.reason
                )
            };
            if wait_to_retry(&conn, &mut backoff, failures, &why, &mut control_rx).await {
                lost = Some((conn, ending));
                continue;
            }
        }
        ending.leftover = std::mem::take(&mut carry);
        break (conn, Some(ending));
    };
    handler.inner_mut().finish();
    let outcome = expecting.then(|| handler.outcome());
    drop(held_tx);

    // A reconnecting client kept what it could not send; at the end it is reported.
    let mut unsent = ending.as_ref().map_or(carry.len(), |e| e.unsent);
    if reconnect {
        unsent = ending.as_ref().map_or(carry.len(), |e| e.leftover.len());
        while let Ok(batch) = data_rx.try_recv() {
            unsent += batch.len();
        }
        if unsent > 0 {
            driver::report_unsent(&conn, unsent);
        }
    }
    printer.flush();

    if let Some(crate::output::StdoutTrouble::Closed) = crate::output::stdout_trouble() {
        // `| head -1` has what it wanted; the connection was closed normally.
        return Ok(exit::OK);
    }
    if let Some(status) = interrupted.status() {
        return Ok(status);
    }
    if timed_out.load(Ordering::SeqCst) && !ever_open {
        // -t ran out before the connection was ever open.
        let limit = humantime::format_duration(script.timeout.unwrap_or_default());
        return Err(Failure::connect(format!(
            "the WebSocket handshake with {} did not complete within -t {limit}",
            args.url.as_str()
        ))
        .hint("is the server reachable and answering? raise -t if it is just slow")
        .into());
    }
    let close = match ending {
        Some(ending) => {
            if let Some(e) = ending.error {
                return Err(e);
            }
            ending.close
        }
        // Stopped between connections.
        None => CloseInfo {
            code: CloseInfo::ABNORMAL,
            reason: String::new(),
            was_clean: false,
            initiator: None,
        },
    };
    if let Some(Ok(e)) = stdin_err.map(|mut rx| rx.try_recv()) {
        return Err(e);
    }
    if unsent > 0 {
        return Ok(exit::RUNTIME);
    }
    if let Some(outcome) = outcome {
        return judge(
            &conn,
            &outcome,
            script,
            &close,
            timed_out.load(Ordering::SeqCst),
        );
    }
    Ok(if close.is_failure() {
        exit::ABNORMAL
    } else {
        exit::OK
    })
}

/// Resolves when a close is requested (Ctrl-C, -t) while there is no connection to close.
async fn stop_requested(control: &mut ControlRx) {
    loop {
        match control.recv().await {
            Control::Close(..) | Control::Finish(..) => return,
            // Nothing to ping while disconnected.
            Control::Ping(_) | Control::Pong(_) => {}
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
        delay_ms: crate::session::millis(delay),
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
        Err(e) => (exit::CONNECT, format!("{e:#}"), Vec::new()),
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

/// The -x and --execute-binary messages, in that order; `@FILE` reads a file.
fn execute_batch(script: &ScriptArgs) -> Result<Vec<Message>> {
    let mut batch = Vec::new();
    for x in &script.execute {
        let text = if let Some(literal) = x.strip_prefix("@@") {
            // `-x @@text` sends "@text".
            format!("@{literal}")
        } else if let Some(path) = x.strip_prefix('@') {
            std::fs::read_to_string(path).map_err(|e| {
                Failure::new(exit::RUNTIME, format!("cannot read -x @{path}: {e}"))
                    .hint("@FILE sends a UTF-8 file as one text message; use @@ for a literal @")
            })?
        } else {
            x.clone()
        };
        batch.push(Message::text(text));
    }
    for b in &script.execute_binary {
        batch.push(Message::Binary(b.clone().into()));
    }
    Ok(batch)
}

/// Exit status and report of a scripted run.
fn judge(
    conn: &Conn,
    outcome: &Outcome,
    script: &ScriptArgs,
    close: &CloseInfo,
    timed_out: bool,
) -> Result<i32> {
    let close_ok = script
        .expect_close
        .is_none_or(|c| close.initiator == Some(Side::Remote) && close.code == c);
    let count_ok = outcome.count_met();
    // Every check counts: each -e pattern, -n, and --expect-close.
    let expected = outcome.patterns.len()
        + usize::from(script.count.is_some())
        + usize::from(script.expect_close.is_some());
    let met = outcome.met
        + usize::from(script.count.is_some() && count_ok)
        + usize::from(script.expect_close.is_some() && close_ok);
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
        let code = script.expect_close.unwrap_or_default();
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
        // An expected error close is a success; otherwise the usual rules.
        return Ok(if script.expect_close.is_none() && close.is_failure() {
            exit::ABNORMAL
        } else {
            exit::OK
        });
    };
    let when = if timed_out {
        format!(
            " (timed out after {})",
            humantime::format_duration(script.timeout.unwrap_or_default())
        )
    } else {
        " (the connection closed first)".to_owned()
    };
    let mut f = Failure::new(exit::EXPECTATION, format!("{failed}{when}"));
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

/// First Ctrl-C or SIGTERM: close politely (the close code the user chose), then exit 130 or
/// 143. A second one: exit at once.
fn spawn_interrupt_handler(control: ControlTx, stop: Arc<Stop>, code: u16, reason: String) {
    tokio::spawn(async move {
        let status = crate::signals::next().await;
        stop.set(status);
        control.send(Control::Close(code, reason));
        let again = crate::signals::next().await;
        std::process::exit(again);
    });
}
