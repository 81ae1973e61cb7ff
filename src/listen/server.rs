//! The server: binds, announces itself, accepts connections until Ctrl-C, SIGTERM or (with
//! `--stdio`) the end of stdin, then closes every open connection with 1001 (going away) and
//! waits for their close frames up to `--close-timeout`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

use super::connection::{self, Incoming};
use super::http::Site;
use super::hub::Hub;
use super::stdio::{self, StdinQueue};
use super::webtransport;
use crate::config::listen::{ListenPlan, Mode};
use crate::error::{ErrorKind, ExitCode, Failure};
use crate::output::Printer;
use crate::session::driver::DriveOpts;
use crate::session::Event;
use crate::value::Close;

/// What every connection's task shares.
pub(super) struct Server {
    pub plan: ListenPlan,
    pub printer: Arc<Printer>,
    pub hub: Arc<Hub>,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// `--stdio`: stdin's messages, taken by one connection at a time.
    pub stdin: Option<StdinQueue>,
    /// How the `--stdio` client is driven: the end of stdin closes it.
    pub stdio_drive: DriveOpts,
    /// Told when the server should stop by itself (`--stdio` after end of input).
    pub finished: Notify,
    /// The next connection's number (each WebSocket of an HTTP/2 connection gets one too).
    pub next_id: AtomicU64,
}

impl Server {
    /// A number for a new connection or HTTP/2 stream.
    pub fn number(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Runs the server until it is stopped; the exit status.
pub async fn run(plan: ListenPlan) -> Result<ExitCode> {
    let printer = Arc::new(Printer::new(plan.out));
    let listener = bind(plan.addr).await?;
    let local = listener.local_addr().context("reading the bound address")?;
    // UDP on the same port number: a page that loaded over TCP finds WebTransport there.
    let wt = match &plan.webtransport {
        Some(identity) => Some(Arc::new(webtransport::bind(local, identity)?)),
        None => None,
    };
    // Installed before the `listening on` line, so a signal sent as soon as a script has read
    // it is never met by the default action (dying without closing the clients).
    let mut signals = Signals {
        interrupt: signal(SignalKind::interrupt())?,
        terminate: signal(SignalKind::terminate())?,
    };
    announce(&printer, &plan, local);
    let stdin = matches!(plan.mode, Mode::Stdio).then(stdio::open);
    let server = Arc::new(Server {
        tls: plan.tls.clone().map(tokio_rustls::TlsAcceptor::from),
        stdio_drive: DriveOpts {
            close_on_eof: Some(Close::normal()),
            ..plan.drive.clone()
        },
        stdin: stdin.as_ref().map(|(queue, _)| queue.clone()),
        hub: Arc::new(Hub::default()),
        finished: Notify::new(),
        next_id: AtomicU64::new(1),
        printer,
        plan,
    });
    if let Some((every, text)) = server.plan.push.clone() {
        tokio::spawn(push(server.hub.clone(), every, text));
    }
    if let Some((queue, ended)) = stdin {
        tokio::spawn(stdio::watch(server.clone(), queue, ended));
    }
    let sessions = wt
        .clone()
        .map(|endpoint| tokio::spawn(webtransport::accept(context(&server), endpoint)));
    let status = accept(&server, &listener, &mut signals).await;
    drop(listener);
    if let Some(sessions) = sessions {
        // No new sessions; the open ones are closed with the WebSocket connections below.
        sessions.abort();
    }
    shut_down(&server).await;
    if let Some(endpoint) = wt {
        // A session's close is a QUIC packet still to be sent when the session ends here:
        // exiting at once would lose it, and the browser would wait for its idle timeout.
        let limit = server.plan.drive.close_timeout;
        let _ = tokio::time::timeout(limit, endpoint.wait_idle()).await;
    }
    Ok(status)
}

/// What WebTransport sessions share with the WebSocket connections.
fn context(server: &Arc<Server>) -> Arc<webtransport::Context> {
    let plan = &server.plan;
    let numbers = server.clone();
    Arc::new(webtransport::Context {
        printer: server.printer.clone(),
        hub: server.hub.clone(),
        policy: plan.policy.clone(),
        number: Box::new(move || numbers.number()),
        queues: plan.queues(),
        broadcast: match plan.mode {
            Mode::Broadcast { all } => Some(all),
            _ => None,
        },
        exec: match &plan.mode {
            Mode::Exec(exec) => Some(exec.command.clone()),
            _ => None,
        },
        max_size: plan.drive.max_message_size,
    })
}

async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        Failure::new(ExitCode::Runtime, format!("cannot listen on {addr}: {e}")).hint(
            if e.kind() == std::io::ErrorKind::AddrInUse {
                "another program uses this port; pick another, or 0 for a free one"
            } else {
                "check the address; ports below 1024 need privileges"
            },
        )
    })?;
    Ok(listener)
}

/// The `listening on` line: the contract with scripts and tests is that it is the first line
/// on stderr, always.
fn announce(printer: &Printer, plan: &ListenPlan, local: SocketAddr) {
    let url = format!("{}://{local}", plan.scheme());
    printer.note(&format!("listening on {url}"));
    if plan.out.json {
        printer.event(
            None,
            Duration::ZERO,
            &Event::Listening {
                url: &url,
                cert_sha256: None,
            },
        );
    }
    if !matches!(plan.site, Site::None) {
        let scheme = if plan.tls.is_some() { "https" } else { "http" };
        printer.note(&format!("serving HTTP on {scheme}://{local}/"));
    }
    if let Some(wt) = &plan.webtransport {
        let url = format!("https://{local}/");
        let how = match wt.generated {
            true => "generated certificate",
            false => "certificate",
        };
        printer.note(&format!(
            "serving WebTransport on {url} ({how} SHA-256 {})",
            wt.cert_hash
        ));
        if plan.out.json {
            printer.event(
                None,
                Duration::ZERO,
                &Event::Listening {
                    url: &url,
                    cert_sha256: Some(&wt.cert_hash),
                },
            );
        }
    }
}

struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

fn signal(kind: SignalKind) -> Result<Signal> {
    tokio::signal::unix::signal(kind).context("installing a signal handler")
}

/// Accepts connections, each numbered and served by its own task, until the server is to
/// stop; the exit status.
async fn accept(server: &Arc<Server>, listener: &TcpListener, signals: &mut Signals) -> ExitCode {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let incoming = Box::new(Incoming { tcp, peer, id: server.number() });
                    tokio::spawn(connection::serve(server.clone(), incoming));
                }
                // Running out of file descriptors and the like: report, back off, go on.
                Err(e) => {
                    server.printer.event(None, Duration::ZERO, &Event::Error {
                        kind: ErrorKind::Accept,
                        message: &format!("accepting a connection failed: {e}"),
                    });
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Ctrl-C is how a person stops the server: a normal end. SIGTERM comes from a
            // service manager or a script: 143 (128 + 15), as a shell reports it.
            _ = signals.interrupt.recv() => return ExitCode::Ok,
            _ = signals.terminate.recv() => return ExitCode::Terminated,
            () = server.finished.notified() => return ExitCode::Ok,
        }
    }
}

/// `--send-interval`: pushes `text` to every client with a queue, every `every`.
async fn push(hub: Arc<Hub>, every: Duration, text: String) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let msg = Message::text(text);
    loop {
        ticks.tick().await;
        hub.fan_out(&msg, None);
    }
}

/// Closes every open connection with 1001 and waits (bounded) for them to finish.
async fn shut_down(server: &Server) {
    let emptied = server.hub.emptied().notified();
    tokio::pin!(emptied);
    emptied.as_mut().enable();
    if server.hub.is_empty() {
        return;
    }
    server
        .hub
        .close_all(&Close::new(1001, "server shutting down"));
    // The driver gives each peer close_timeout to answer; allow a little more for the reports.
    let limit = server.plan.drive.close_timeout + Duration::from_millis(500);
    let _ = tokio::time::timeout(limit, emptied).await;
    server.printer.flush();
}
