//! `wsprobe listen [ADDR:]PORT`: a server for testing clients: echo (default) or broadcast,
//! with optional periodic pushes and server-initiated closes.
//!
//! Each accepted TCP connection becomes a numbered [`Conn`] driven by the shared driver with
//! the echo handler. Ctrl-C (or SIGTERM) closes every open connection with 1001 (going away),
//! waits for their close frames up to `--close-timeout`, and exits 0 (143 for SIGTERM).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::SignalKind;
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::cli::ListenArgs;
use crate::config::OutputConfig;
use crate::dial::handshake::{show_request_in as show_request, show_response};
use crate::error::{ErrorKind, ExitCode, Failure};
use crate::listen::exec::{ExecConfig, Program, RequestEnv};
use crate::listen::http::{self, Peeked, Rewind, Site};
use crate::listen::hub::{self, Broadcast, Hub};
use crate::listen::policy::{self, Decision, Policy};
use crate::output::Printer;
use crate::pipe::{self, StdinMode, StdoutSink};
use crate::session::driver::{self, Batch, Control, ControlTx, DriveOpts, Inbound};
use crate::session::echo::Echo;
use crate::session::{Conn, Dir, Event, OpenInfo};
use crate::value::Close;
use crate::wire::failfast::FailFast;
use crate::wire::gate::{Gate, Hold, Latch};
use crate::wire::transport::Accepted;

/// How long a client may take to send its upgrade request.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A small read buffer per connection: idle connections must be cheap (tungstenite's default
/// is 128 KiB each); larger frames grow the buffer as they arrive.
const READ_BUFFER: usize = 4 * 1024;

struct Server {
    printer: Arc<Printer>,
    hub: Arc<Hub>,
    ws_config: WebSocketConfig,
    opts: DriveOpts,
    mode: Mode,
    /// Connections get an outgoing queue (broadcast, periodic sends).
    queues: bool,
    close_after: Option<(u64, u16, String)>,
    /// `--stdio`: stdin's messages, taken by one connection at a time.
    stdio: std::sync::OnceLock<Arc<tokio::sync::Mutex<mpsc::Receiver<Batch>>>>,
    /// Told when the server should stop by itself (`--stdio` after end of input).
    finished: Notify,
    out: OutputConfig,
    /// What plain HTTP requests get (`--page`, `--static`, or 426).
    site: Site,
    /// `--tls-cert/--tls-key`: serve wss://.
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// Which upgrades are accepted.
    policy: Policy,
}

#[derive(Debug, Clone)]
enum Mode {
    Echo,
    Broadcast { all: bool },
    Stdio,
    Exec(ExecConfig),
}

pub async fn run(args: ListenArgs, out: OutputConfig) -> Result<ExitCode> {
    // Every usage error comes before the `listening on` line: a script that waits for that
    // line must never see it from a server that is about to exit 2.
    validate(&args)?;
    let printer = Arc::new(Printer::new(out));
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tokio_rustls::TlsAcceptor::from(
            crate::tls::server_config(cert, key)?,
        )),
        _ => None,
    };
    let listener = TcpListener::bind(args.addr).await.map_err(|e| {
        Failure::new(
            ExitCode::Runtime,
            format!("cannot listen on {}: {e}", args.addr),
        )
        .hint(if e.kind() == std::io::ErrorKind::AddrInUse {
            "another program uses this port; pick another, or 0 for a free one"
        } else {
            "check the address; ports below 1024 need privileges"
        })
    })?;
    let local = listener.local_addr().context("reading the bound address")?;
    // Installed before the `listening on` line, so a signal sent as soon as a script has read
    // it is never met by the default action (dying without closing the clients).
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let url = format!("{}://{local}", if tls.is_some() { "wss" } else { "ws" });
    // The contract with scripts and tests: this is the first line on stderr, always.
    printer.note(&format!("listening on {url}"));
    if out.json {
        printer.event(
            None,
            std::time::Duration::ZERO,
            &crate::session::Event::Listening { url: &url },
        );
    }

    if args.page || args.static_dir.is_some() {
        let scheme = if tls.is_some() { "https" } else { "http" };
        printer.note(&format!("serving HTTP on {scheme}://{local}/"));
    }
    let server = Arc::new(Server {
        printer: printer.clone(),
        hub: Arc::new(Hub::default()),
        ws_config: WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(args.max_message_size))
            .max_frame_size(Some(args.max_message_size)),
        opts: DriveOpts {
            close_on_eof: None,
            reply_wait: std::time::Duration::ZERO,
            close_timeout: args.close_timeout,
            max_message_size: args.max_message_size,
            heartbeat: crate::config::heartbeat(&args.heartbeat),
            keep_unsent: false,
        },
        mode: if args.broadcast {
            Mode::Broadcast { all: args.all }
        } else if args.stdio {
            Mode::Stdio
        } else if let Some(command) = args.exec.clone() {
            Mode::Exec(ExecConfig {
                command,
                binary: args.binary,
            })
        } else {
            Mode::Echo
        },
        stdio: std::sync::OnceLock::new(),
        finished: Notify::new(),
        out,
        site: match (&args.static_dir, args.page) {
            (Some(dir), _) => Site::Static(dir.clone()),
            (None, true) => Site::Page,
            (None, false) => Site::None,
        },
        tls,
        policy: Policy {
            origins: args.origin_allow.clone(),
            paths: args.paths.clone(),
            protocols: args.protocols.clone(),
            protocol_optional: args.protocol_optional,
            max_connections: args.max_connections,
        },
        queues: args.broadcast || args.send_interval.is_some(),
        close_after: args
            .close_after
            .map(|n| (n, args.close_code, args.close_reason.clone())),
    });
    if let (Some(every), Some(text)) = (args.send_interval, args.send.clone()) {
        let hub = server.hub.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            let msg = Message::text(text);
            loop {
                ticks.tick().await;
                hub.fan_out(&msg, None);
            }
        });
    }
    if args.stdio {
        start_stdio(&server);
    }
    let next_id = AtomicU64::new(1);
    let status = loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let id = next_id.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(serve(server.clone(), tcp, peer, id));
                }
                // Running out of file descriptors and the like: report, back off, go on.
                Err(e) => {
                    server.printer.event(None, std::time::Duration::ZERO, &crate::session::Event::Error {
                        kind: ErrorKind::Accept,
                        message: &format!("accepting a connection failed: {e}"),
                    });
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            // Ctrl-C is how a person stops the server: a normal end. SIGTERM comes from a
            // service manager or a script: 143 (128 + 15), as a shell reports it.
            _ = interrupt.recv() => break ExitCode::Ok,
            _ = terminate.recv() => break ExitCode::Terminated,
            () = server.finished.notified() => break ExitCode::Ok,
        }
    };
    drop(listener);
    shut_down(&server, args.close_timeout).await;
    Ok(status)
}

fn signal(kind: SignalKind) -> Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).context("installing a signal handler")
}

/// The checks on options that clap cannot make; each failure is a usage error (exit 2).
fn validate(args: &ListenArgs) -> Result<()> {
    if let Some(dir) = &args.static_dir {
        if !dir.is_dir() {
            return Err(
                Failure::usage(format!("--static {}: not a directory", dir.display()))
                    .hint("give the directory whose files should be served")
                    .into(),
            );
        }
        if let Err(e) = std::fs::read_dir(dir) {
            return Err(
                Failure::usage(format!("--static {}: cannot be read: {e}", dir.display()))
                    .hint("give a directory this user may list")
                    .into(),
            );
        }
    }
    // A zero period would make the timers spin (tokio refuses it outright).
    let zero = |flag: &str| -> anyhow::Error {
        Failure::usage(format!("{flag} 0: the interval must be longer than zero"))
            .hint("write e.g. 500ms, 1s")
            .into()
    };
    if args.send_interval.is_some_and(|d| d.is_zero()) {
        return Err(zero("--send-interval"));
    }
    if args.heartbeat.ping_interval.is_some_and(|d| d.is_zero()) {
        return Err(zero("--ping-interval"));
    }
    Ok(())
}

/// `--stdio`: reads stdin for the connected client; once stdin has ended and everything read
/// from it went to a client, the server stops.
fn start_stdio(server: &Arc<Server>) {
    let (tx, rx) = mpsc::channel(4);
    let ended = pipe::spawn_stdin(
        StdinMode::Records {
            delim: b'\n',
            binary: false,
        },
        tx,
    );
    let queue = Arc::new(tokio::sync::Mutex::new(rx));
    // Set before any connection can be accepted.
    let _ = server.stdio.set(queue.clone());
    let server = server.clone();
    tokio::spawn(async move {
        if let Ok(e) = ended.await {
            server.printer.event(
                None,
                std::time::Duration::ZERO,
                &Event::Error {
                    kind: ErrorKind::Stdin,
                    message: &format!("{e:#}"),
                },
            );
        }
        // stdin is done. A connected client gets the rest and is closed (serve() then stops
        // the server); with nobody connected and nothing left, stop now.
        loop {
            if let Ok(rx) = queue.try_lock() {
                if rx.is_empty() {
                    server.finished.notify_one();
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
}

/// Closes every open connection with 1001 and waits (bounded) for them to finish.
async fn shut_down(server: &Server, close_timeout: std::time::Duration) {
    let emptied = server.hub.emptied().notified();
    tokio::pin!(emptied);
    emptied.as_mut().enable();
    if server.hub.is_empty() {
        return;
    }
    server.hub.close_all(1001, "server shutting down");
    // The driver gives each peer close_timeout to answer; allow a little more for the reports.
    let _ = tokio::time::timeout(
        close_timeout + std::time::Duration::from_millis(500),
        emptied,
    )
    .await;
    server.printer.flush();
}

async fn serve(server: Arc<Server>, tcp: TcpStream, peer: SocketAddr, id: u64) {
    let _ = tcp.set_nodelay(true);
    let conn = Arc::new(Conn::new(Some(id), server.printer.clone()));
    let local = tcp.local_addr().unwrap_or(peer);
    // The handshake-time futures are boxed: inline, their size would stay in the task of
    // every idle connection for its whole life.
    let Some((tcp, prefix)) = Box::pin(start(&server, &conn, tcp, peer)).await else {
        return;
    };
    let peer_str = peer.to_string();
    let (control_tx, mut control_rx) = crate::session::driver::control();
    let (queue_tx, mut queue_rx) = if server.queues {
        let (tx, rx) = mpsc::channel(hub::QUEUE);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let mut stdin_lease = None;
    let mut request_env = None;
    let mut selected = None;
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let on_request = |req: &Request, mut resp: Response| {
        let target = req.uri().to_string();
        conn.connecting(&target, Some(&peer_str));
        let verbose = server.printer.wants_handshake();
        if verbose {
            show_request(&conn, req);
        }
        let refuse = |status: StatusCode, why: &str| {
            conn.error(ErrorKind::Refused, &format!("{} {why}", status.as_u16()));
            let answer = policy::refusal(status, why);
            if verbose {
                show_response(
                    &conn,
                    Dir::Out,
                    &answer,
                    answer.body().as_deref().map(str::as_bytes),
                );
            }
            answer
        };
        match server.policy.decide(req, server.hub.len()) {
            Decision::Refuse(status, why) => return Err(refuse(status, &why)),
            Decision::Accept(Some(p)) => {
                if let Ok(v) = p.parse() {
                    resp.headers_mut().insert(
                        tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL,
                        v,
                    );
                }
                selected = Some(p);
            }
            Decision::Accept(None) => {}
        }
        if matches!(server.mode, Mode::Exec(_)) {
            request_env = Some(RequestEnv::new(req, peer, local, id));
        }
        if let Some(stdio) = server.stdio.get() {
            match stdio.clone().try_lock_owned() {
                Ok(lease) => stdin_lease = Some(lease),
                Err(_) => {
                    return Err(refuse(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "busy: --stdio serves one client at a time",
                    ));
                }
            }
        }
        // Join before the 101 goes out: a client that has its answer gets every broadcast.
        server
            .hub
            .join(conn.clone(), control_tx.clone(), queue_tx.clone());
        if verbose {
            show_response(&conn, Dir::Out, &resp, None);
        }
        Ok(resp)
    };
    let (tcp, latch) = wrap(&server, Rewind::new(prefix, tcp));
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(tcp, on_request, Some(server.ws_config));
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, Box::pin(handshake)).await {
        Ok(Ok(ws)) => ws,
        // A refusal of ours was logged when it was decided.
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(_))) => {
            server.hub.leave(id);
            return;
        }
        Ok(Err(e)) => {
            server.hub.leave(id);
            conn.error(
                ErrorKind::Handshake,
                &format!("handshake with {peer} failed: {e}"),
            );
            return;
        }
        Err(_) => {
            server.hub.leave(id);
            conn.error(
                ErrorKind::Handshake,
                &format!("{peer} sent no upgrade request within {HANDSHAKE_TIMEOUT:?}"),
            );
            return;
        }
    };
    conn.opened(OpenInfo {
        status: 101,
        protocol: selected,
        ..OpenInfo::default()
    });

    let handler = match &server.mode {
        Mode::Echo => Handler::Echo(Echo),
        Mode::Broadcast { all } => Handler::Broadcast(Broadcast {
            hub: server.hub.clone(),
            id,
            all: *all,
        }),
        Mode::Stdio => Handler::Stdout(StdoutSink::new(server.out, None, b'\n')),
        Mode::Exec(cfg) => {
            // The program's output shares the connection's queue with periodic pushes.
            let out_tx = match &queue_tx {
                Some(tx) => tx.clone(),
                None => {
                    let (tx, rx) = mpsc::channel(16);
                    queue_rx = Some(rx);
                    tx
                }
            };
            let env = request_env.take().unwrap_or_default();
            match Program::spawn(cfg, &env, conn.clone(), out_tx, control_tx.clone(), latch) {
                Ok(program) => Handler::Exec(program),
                Err(e) => {
                    conn.error(
                        ErrorKind::Exec,
                        &format!("cannot start `sh -c {}`: {e}", cfg.command),
                    );
                    control_tx.send(Control::Close(Close::new(1011, "cannot start program")));
                    Handler::Ignore
                }
            }
        }
    };
    drop(queue_tx);
    let mut handler = CloseAfter::new(handler, server.close_after.clone(), control_tx);
    let mut opts = server.opts.clone();
    let data = match &mut stdin_lease {
        Some(lease) => {
            // End of stdin closes this client.
            opts.close_on_eof = Some(Close::normal());
            Some(&mut **lease)
        }
        None => queue_rx.as_mut(),
    };
    driver::drive(
        ws,
        &conn,
        Default::default(),
        data,
        &mut control_rx,
        &mut handler,
        &opts,
    )
    .await;
    if let Handler::Stdout(sink) = &mut handler.inner {
        sink.flush();
    }
    server.hub.leave(id);
    if let Some(lease) = &mut stdin_lease {
        if lease.is_closed() && lease.is_empty() {
            server.finished.notify_one();
        }
    }
}

/// The stream tungstenite reads: UTF-8 checked as it arrives and, for `--close-after` and
/// `--exec`, with a gate (and the latch the program's side holds).
fn wrap<S>(server: &Server, stream: S) -> (FailFast<S>, Option<Arc<Latch>>) {
    // `--close-after` sends its close before anything read after the Nth message is handed
    // to tungstenite; `--exec` forwards the program's last words before answering a close.
    let hold = Hold {
        after_messages: server.close_after.as_ref().map(|(n, _, _)| *n),
        at_close: matches!(server.mode, Mode::Exec(_)),
    };
    if hold.after_messages.is_none() && !hold.at_close {
        return (FailFast::new(stream), None);
    }
    let latch = Arc::new(Latch::default());
    // The program's last words are bounded in time; --close-after's close is bounded by the
    // driver (it gives up on a peer that does not take the close frame).
    let limit = hold.at_close.then_some(server.opts.close_timeout);
    let gate = Gate::new(hold, latch.clone(), limit);
    (FailFast::with_gate(stream, gate), Some(latch))
}

/// TLS (with `--tls-*`) and the request head: the stream and the upgrade request's bytes, or
/// `None` when the connection ended there (a plain HTTP request answered, an idle socket, a
/// failure, each logged as it deserves).
async fn start(
    server: &Server,
    conn: &Conn,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<(Accepted, bytes::Bytes)> {
    let mut tcp = match &server.tls {
        None => Accepted::Tcp(tcp),
        Some(acceptor) => {
            // A preconnect sends nothing at all: wait for the first byte before starting TLS,
            // so that one is not reported as a failed TLS handshake.
            let mut first = [0u8; 1];
            if !matches!(
                tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.peek(&mut first)).await,
                Ok(Ok(1..))
            ) {
                idle(server, conn, peer);
                return None;
            }
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => Accepted::Tls(Box::new(s)),
                Ok(Err(e)) => {
                    let why = crate::tls::failure::accept_failure(&e);
                    conn.error(
                        ErrorKind::Tls,
                        &format!("TLS handshake with {peer} failed: {why}"),
                    );
                    return None;
                }
                Err(_) => {
                    conn.error(
                        ErrorKind::Tls,
                        &format!("{peer} did not complete TLS within {HANDSHAKE_TIMEOUT:?}"),
                    );
                    return None;
                }
            }
        }
    };
    let prefix = match http::peek(&mut tcp, &server.site, HANDSHAKE_TIMEOUT).await {
        Ok(Peeked::Upgrade(prefix)) => prefix,
        Ok(Peeked::Answered {
            method,
            path,
            status,
            len,
            problem,
        }) => {
            if let Some(problem) = problem {
                conn.error(ErrorKind::Http, &format!("{status} for {peer}: {problem}"));
            }
            conn.emit(&Event::Http {
                method: &method,
                path: &path,
                status,
                len,
            });
            http::linger(&mut tcp).await;
            return None;
        }
        Ok(Peeked::Idle) => {
            idle(server, conn, peer);
            return None;
        }
        Err(e) => {
            conn.error(ErrorKind::Http, &format!("request from {peer} failed: {e}"));
            return None;
        }
    };
    Some((tcp, prefix))
}

/// A connection that sent nothing before it closed or the handshake time was up: a browser's
/// unused preconnect, a port probe. Not an error; `-v` mentions it.
fn idle(server: &Server, conn: &Conn, peer: SocketAddr) {
    if server.out.verbose && !server.out.json {
        server.printer.note(&format!(
            "#{} {peer} sent no request (an idle or preconnected socket)",
            conn.id.unwrap_or_default()
        ));
    }
}

/// What a connection does with the messages it receives.
enum Handler {
    Echo(Echo),
    Broadcast(Broadcast),
    Stdout(StdoutSink),
    Exec(Program),
    /// The connection is being closed; what arrives meanwhile goes nowhere.
    Ignore,
}

impl Inbound for Handler {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match self {
            Handler::Echo(h) => h.message(msg),
            Handler::Broadcast(h) => h.message(msg),
            Handler::Stdout(h) => h.message(msg),
            Handler::Exec(h) => h.message(msg),
            Handler::Ignore => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        match self {
            Handler::Echo(h) => h.idle(),
            Handler::Broadcast(h) => h.idle(),
            Handler::Stdout(h) => h.idle(),
            Handler::Exec(h) => h.idle(),
            Handler::Ignore => Ok(()),
        }
    }
}

/// `--close-after N`: the server closes the connection after N received messages, with the
/// chosen code, once its reply to the last one is queued. What arrives after the Nth message
/// gets no answer (the gate keeps it from tungstenite until the close is out).
struct CloseAfter<H> {
    inner: H,
    /// Messages left, the code and the reason; `None` when not asked for.
    limit: Option<(u64, u16, String)>,
    /// The close was asked for: nothing more is answered.
    done: bool,
    control: ControlTx,
}

impl<H> CloseAfter<H> {
    fn new(inner: H, limit: Option<(u64, u16, String)>, control: ControlTx) -> CloseAfter<H> {
        let mut this = CloseAfter {
            inner,
            limit,
            done: false,
            control,
        };
        this.check();
        this
    }

    fn check(&mut self) {
        if let Some((0, code, reason)) = &self.limit {
            self.control
                .send(Control::Close(Close::new(*code, reason.clone())));
            self.limit = None;
            self.done = true;
        }
    }
}

impl<H: Inbound> Inbound for CloseAfter<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        if self.done {
            return Ok(None);
        }
        let reply = self.inner.message(msg)?;
        if let Some((n, _, _)) = &mut self.limit {
            *n = n.saturating_sub(1);
        }
        self.check();
        Ok(reply)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }
}
