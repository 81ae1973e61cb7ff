//! One connection's life: its first bytes ([`opening`](super::opening)), the upgrade
//! ([`upgrade`](super::upgrade)), then the OPEN connection with its handler, driven until
//! CLOSED, after which it leaves the hub.
//!
//! Thousands of connections may sit idle for hours, each holding its task's future: the
//! handshake-time futures are boxed (inline, their size would stay in the task for its whole
//! life), and the long-lived part keeps only what driving needs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;

use super::exec::Program;
use super::handler::{CloseAfter, Handler};
use super::http2;
use super::hub::{self, Broadcast};
use super::opening::{self, Opened};
use super::server::Server;
use super::stdio::{self, StdinLease};
use super::upgrade::{self, Admitted, Candidate, ServerStream, Upgraded};
use crate::config::listen::Mode;
use crate::error::ErrorKind;
use crate::pipe::StdoutSink;
use crate::session::driver::{self, Batch, Control, ControlRx, ControlTx};
use crate::session::echo::Echo;
use crate::session::{Conn, HttpVersion, OpenInfo};
use crate::value::Close;
use crate::wire::deflate::stream::Decision as DeflateDecision;
use crate::wire::readahead::ReadAhead;

/// A TCP connection just accepted, and its number.
pub(super) struct Incoming {
    pub tcp: TcpStream,
    pub peer: SocketAddr,
    pub id: u64,
}

/// An OPEN connection, ready to be driven.
pub(super) struct Open {
    conn: Arc<Conn>,
    ws: WebSocketStream<ServerStream>,
    admitted: Admitted,
    latch: Option<Arc<crate::wire::gate::Latch>>,
    control_tx: ControlTx,
    control_rx: ControlRx,
    queue_tx: Option<mpsc::Sender<Batch>>,
    queue_rx: Option<mpsc::Receiver<Batch>>,
}

/// Serves one accepted connection to its end.
pub(super) async fn serve(server: Arc<Server>, incoming: Box<Incoming>) {
    let Some(open) = Box::pin(open(&server, incoming)).await else {
        return;
    };
    let (live, ws) = prepare(&server, open);
    drive(&server, live, ws).await;
}

/// From the first byte to OPEN; `None` when the connection ended before (each way of ending
/// is logged where it happens). An HTTP/2 connection is served here to its end, each of its
/// WebSockets by a task of its own.
async fn open(server: &Arc<Server>, incoming: Box<Incoming>) -> Option<Box<Open>> {
    let Incoming { tcp, peer, id } = *incoming;
    let _ = tcp.set_nodelay(true);
    let conn = Arc::new(Conn::new(Some(id), server.printer.clone()));
    let local = tcp.local_addr().unwrap_or(peer);
    let (stream, prefix) = match opening::upgrade_request(server, &conn, tcp, peer).await? {
        Opened::Upgrade(stream, prefix) => (stream, prefix),
        Opened::Http2(stream) => {
            // Boxed: inline, its size would be every HTTP/1.1 handshake's too.
            Box::pin(http2::serve(server, &conn, stream, (peer, local))).await;
            return None;
        }
    };
    let channels = Channels::new(server);
    let candidate = Candidate {
        server,
        conn: &conn,
        peer,
        local,
        control: &channels.control_tx,
        queue: channels.queue_tx.as_ref(),
    };
    let stream = ReadAhead::new(prefix, stream);
    let upgraded = upgrade::handshake(&candidate, stream).await?;
    Some(opened(conn, upgraded, channels, HttpVersion::Http11))
}

/// A connection's own channels: control (close, ping…) and, when the mode needs one, its
/// queue of messages to send.
pub(super) struct Channels {
    pub control_tx: ControlTx,
    control_rx: ControlRx,
    pub queue_tx: Option<mpsc::Sender<Batch>>,
    queue_rx: Option<mpsc::Receiver<Batch>>,
}

impl Channels {
    pub fn new(server: &Server) -> Channels {
        let (control_tx, control_rx) = driver::control();
        let (queue_tx, queue_rx) = match server.plan.queues() {
            true => {
                let (tx, rx) = mpsc::channel(hub::QUEUE);
                (Some(tx), Some(rx))
            }
            false => (None, None),
        };
        Channels {
            control_tx,
            control_rx,
            queue_tx,
            queue_rx,
        }
    }
}

/// The connection is OPEN: says so, with what its handshake negotiated.
pub(super) fn opened(
    conn: Arc<Conn>,
    upgraded: Upgraded,
    channels: Channels,
    http_version: HttpVersion,
) -> Box<Open> {
    let Upgraded {
        ws,
        admitted,
        latch,
        deflate,
    } = upgraded;
    let extensions = match deflate.decision() {
        DeflateDecision::On(n) => vec![n.to_string()],
        _ => Vec::new(),
    };
    conn.deflate(deflate);
    conn.opened(OpenInfo {
        status: match http_version {
            HttpVersion::Http11 => 101,
            HttpVersion::Http2 | HttpVersion::Http3 => 200,
        },
        http_version,
        protocol: admitted.protocol.clone(),
        extensions,
        ..OpenInfo::default()
    });
    let Channels {
        control_tx,
        control_rx,
        queue_tx,
        queue_rx,
    } = channels;
    Box::new(Open {
        conn,
        ws,
        admitted,
        latch,
        control_tx,
        control_rx,
        queue_tx,
        queue_rx,
    })
}

/// What an OPEN connection keeps while it is driven.
pub(super) struct Live {
    conn: Arc<Conn>,
    handler: CloseAfter<Handler>,
    control: ControlRx,
    /// Messages to send: the connection's queue, or stdin for the `--stdio` client.
    queue: Option<mpsc::Receiver<Batch>>,
    lease: Option<StdinLease>,
}

/// Gives the connection its handler; the WebSocket comes back boxed, so the task does not hold
/// it twice while it is driven.
pub(super) fn prepare(
    server: &Server,
    open: Box<Open>,
) -> (Live, Box<WebSocketStream<ServerStream>>) {
    let Open {
        conn,
        ws,
        mut admitted,
        latch,
        control_tx,
        control_rx,
        queue_tx,
        queue_rx,
    } = *open;
    let (handler, queue_rx) = match &server.plan.mode {
        Mode::Echo => (Handler::Echo(Echo), queue_rx),
        Mode::Broadcast { all } => {
            let broadcast = Broadcast {
                hub: server.hub.clone(),
                id: conn.id.unwrap_or_default(),
                all: *all,
            };
            (Handler::Broadcast(broadcast), queue_rx)
        }
        Mode::Stdio => {
            let sink = StdoutSink::new(server.plan.out, None, b'\n');
            (Handler::Stdout(sink), queue_rx)
        }
        Mode::Exec(cfg) => {
            // The program's output shares the connection's queue with periodic pushes.
            let (out_tx, queue_rx) = match queue_tx {
                Some(tx) => (tx, queue_rx),
                None => {
                    let (tx, rx) = mpsc::channel(16);
                    (tx, Some(rx))
                }
            };
            let env = admitted.env.take().unwrap_or_default();
            let program =
                Program::spawn(cfg, &env, conn.clone(), out_tx, control_tx.clone(), latch);
            let handler = match program {
                Ok(program) => Handler::Exec(program),
                Err(e) => {
                    let command = &cfg.command;
                    conn.error(
                        ErrorKind::Exec,
                        &format!("cannot start `sh -c {command}`: {e}"),
                    );
                    let close = Close::new(1011, "cannot start program");
                    control_tx.send(Control::Close(close));
                    Handler::Ignore
                }
            };
            (handler, queue_rx)
        }
    };
    let handler = CloseAfter::new(handler, server.plan.close_after.clone(), control_tx);
    let live = Live {
        conn,
        handler,
        control: control_rx,
        queue: queue_rx,
        lease: admitted.lease,
    };
    (live, Box::new(ws))
}

/// Drives the OPEN connection until it is CLOSED, then takes it out of the hub; the `--stdio`
/// client that got all of stdin stops the server. (An async block, not an async fn: a fn's
/// arguments would be stored twice in the future, and every idle connection pays for it.)
#[allow(clippy::manual_async_fn)]
pub(super) fn drive(
    server: &Server,
    mut live: Live,
    ws: Box<WebSocketStream<ServerStream>>,
) -> impl Future<Output = ()> + '_ {
    async move {
        let Live {
            conn,
            handler,
            control,
            queue,
            lease,
        } = &mut live;
        let (data, opts) = match lease {
            // End of stdin closes this client.
            Some(lease) => (Some(&mut **lease), &server.stdio_drive),
            None => (queue.as_mut(), &server.plan.drive),
        };
        driver::drive(
            unbox(ws),
            conn,
            Default::default(),
            data,
            control,
            handler,
            opts,
        )
        .await;
        handler.inner.finish();
        server.hub.leave(conn.id.unwrap_or_default());
        if lease.as_ref().is_some_and(stdio::drained) {
            server.finished.notify_one();
        }
    }
}

/// Moves a value out of its box and frees the box now: `*boxed` would keep the allocation until
/// the end of the scope, which for an idle connection is hours.
#[allow(clippy::boxed_local)] // freeing the box is the point
fn unbox<T>(boxed: Box<T>) -> T {
    *boxed
}
