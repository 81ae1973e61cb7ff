//! `wsprobe connect URL`: a client connection in pipe mode (stdin → messages → stdout) or in
//! echo mode (`--echo`: every message goes back to the server).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::cli::{ConnectArgs, ScriptArgs};
use crate::config::OutputConfig;
use crate::error::{exit, Failure};
use crate::expect::{Outcome, Script};
use crate::output::Printer;
use crate::pipe::{self, StdinMode, StdoutSink};
use crate::session::client::{self, ClientSettings};
use crate::session::driver::{self, Control, DriveOpts, Inbound};
use crate::session::echo::Echo;
use crate::session::{CloseInfo, Conn, Event, Side};

/// Batches in flight between stdin and the socket: enough to keep the socket busy, small
/// enough that a stalled server stops the reading of stdin quickly.
const QUEUE_BATCHES: usize = 4;

pub async fn run(args: ConnectArgs, out: OutputConfig) -> Result<i32> {
    let printer = Arc::new(Printer::new(out));
    let conn = Conn::new(None, printer.clone());
    let script = &args.script;
    let connect_timeout = match script.timeout {
        Some(t) => t.min(args.handshake.connect_timeout),
        None => args.handshake.connect_timeout,
    };
    let settings = ClientSettings {
        url: args.url.clone(),
        headers: args.handshake.headers.clone(),
        origin: args.handshake.origin.clone(),
        protocols: args.handshake.protocols.clone(),
        connect_timeout,
        ws_config: WebSocketConfig::default()
            .max_message_size(Some(args.max_message_size))
            .max_frame_size(Some(args.max_message_size)),
    };
    let delim = if args.null { 0 } else { b'\n' };
    let scripted_sends = !script.execute.is_empty() || !script.execute_binary.is_empty();
    let expecting =
        !script.expect.is_empty() || script.count.is_some() || script.expect_close.is_some();

    let (data_tx, mut data_rx) = mpsc::channel(QUEUE_BATCHES);
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();

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

    let interrupted = Arc::new(AtomicBool::new(false));
    spawn_interrupt_handler(
        control_tx.clone(),
        interrupted.clone(),
        args.close_code,
        args.close_reason.clone(),
    );

    let connected = tokio::select! {
        c = client::connect(&settings, &conn) => c?,
        _ = tokio::signal::ctrl_c() => return Ok(exit::INTERRUPTED),
    };

    // After the -x sends: close after --wait, at once, or when the expectations are met.
    if scripted_sends {
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
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = script.timeout {
        let (control, flag) = (control_tx.clone(), timed_out.clone());
        let close = (args.close_code, args.close_reason.clone());
        let remaining = limit.saturating_sub(conn.elapsed());
        tokio::spawn(async move {
            tokio::time::sleep(remaining).await;
            flag.store(true, Ordering::SeqCst);
            let _ = control.send(Control::Close(close.0, close.1));
        });
    }

    let opts = DriveOpts {
        // With expectations, the end of input does not end the run: the answers do.
        close_on_eof: (!expecting).then(|| (args.close_code, args.close_reason.clone())),
        close_timeout: args.close_timeout,
        max_message_size: args.max_message_size,
        heartbeat: crate::config::heartbeat(&args.heartbeat),
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
        script
            .expect_close
            .is_none()
            .then(|| (args.close_code, args.close_reason.clone())),
    );
    let ending = driver::drive(
        connected.ws,
        &conn,
        Some(&mut data_rx),
        &mut control_rx,
        &mut handler,
        &opts,
    )
    .await;
    handler.inner_mut().finish();
    let outcome = expecting.then(|| handler.outcome());
    drop(held_tx);
    printer.flush();

    if interrupted.load(Ordering::SeqCst) {
        return Ok(exit::INTERRUPTED);
    }
    if let Some(e) = ending.error {
        return Err(e);
    }
    if let Some(Ok(e)) = stdin_err.map(|mut rx| rx.try_recv()) {
        return Err(e);
    }
    if ending.unsent > 0 {
        return Ok(exit::RUNTIME);
    }
    if let Some(outcome) = outcome {
        return judge(
            &conn,
            &outcome,
            script,
            &ending.close,
            timed_out.load(Ordering::SeqCst),
        );
    }
    Ok(if ending.close.is_failure() {
        exit::ABNORMAL
    } else {
        exit::OK
    })
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
    let failed = if !outcome.all_met() {
        let p = &outcome.patterns[outcome.met];
        Some(format!(
            "expectation {} of {} not met: {p}",
            outcome.met + 1,
            outcome.patterns.len()
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
        met: outcome.met,
        expected: outcome.patterns.len(),
        received: outcome.received,
        failed: failed.as_deref(),
    });
    conn.printer().flush();
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

/// First Ctrl-C: close politely (the close code the user chose), then exit 130.
/// Second Ctrl-C: exit 130 at once.
fn spawn_interrupt_handler(
    control: mpsc::UnboundedSender<Control>,
    interrupted: Arc<AtomicBool>,
    code: u16,
    reason: String,
) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        interrupted.store(true, Ordering::SeqCst);
        let _ = control.send(Control::Close(code, reason));
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(exit::INTERRUPTED);
        }
    });
}
