//! `wsprobe connect URL`: a client connection in pipe mode (stdin → messages → stdout) or in
//! echo mode (`--echo`: every message goes back to the server).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::ConnectArgs;
use crate::config::OutputConfig;
use crate::error::exit;
use crate::output::Printer;
use crate::pipe::{self, StdinMode, StdoutSink};
use crate::session::client::{self, ClientSettings};
use crate::session::driver::{self, Control, DriveOpts};
use crate::session::echo::Echo;
use crate::session::Conn;

/// Batches in flight between stdin and the socket: enough to keep the socket busy, small
/// enough that a stalled server stops the reading of stdin quickly.
const QUEUE_BATCHES: usize = 4;

pub async fn run(args: ConnectArgs, out: OutputConfig) -> Result<i32> {
    let printer = Arc::new(Printer::new(out));
    let conn = Conn::new(None, printer.clone());
    let settings = ClientSettings {
        url: args.url.clone(),
        headers: args.handshake.headers.clone(),
        origin: args.handshake.origin.clone(),
        protocols: args.handshake.protocols.clone(),
        connect_timeout: args.handshake.connect_timeout,
        ws_config: WebSocketConfig::default()
            .max_message_size(Some(args.max_message_size))
            .max_frame_size(Some(args.max_message_size)),
    };
    let delim = if args.null { 0 } else { b'\n' };

    let (data_tx, mut data_rx) = mpsc::channel(QUEUE_BATCHES);
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();

    // Start reading stdin before connecting: what arrives early is queued, never dropped.
    let stdin_err = if args.echo {
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
    let opts = DriveOpts {
        close_on_eof: (!args.echo).then(|| (args.close_code, args.close_reason.clone())),
        close_timeout: args.close_timeout,
        max_message_size: args.max_message_size,
    };
    let ending = if args.echo {
        driver::drive(connected.ws, &conn, None, &mut control_rx, &mut Echo, &opts).await
    } else {
        // With --json the payloads travel inside the message events instead.
        let mut sink = StdoutSink::new(out, args.binary_output, delim);
        let ending = driver::drive(
            connected.ws,
            &conn,
            Some(&mut data_rx),
            &mut control_rx,
            &mut sink,
            &opts,
        )
        .await;
        sink.flush();
        ending
    };
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
    Ok(if ending.close.is_failure() {
        exit::ABNORMAL
    } else {
        exit::OK
    })
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
