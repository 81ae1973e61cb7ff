//! `wsprobe listen [ADDR:]PORT`: an echo server for testing clients.
//!
//! Each accepted TCP connection becomes a numbered [`Conn`] driven by the shared driver with
//! the echo handler. Ctrl-C closes every open connection with 1001 (going away), waits for
//! their close frames up to `--close-timeout`, and exits 0.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::ListenArgs;
use crate::config::OutputConfig;
use crate::error::{exit, Failure};
use crate::output::Printer;
use crate::session::driver::{self, Control, DriveOpts};
use crate::session::echo::Echo;
use crate::session::failfast::FailFast;
use crate::session::{Conn, OpenInfo};

/// How long a client may take to send its upgrade request.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A small read buffer per connection: idle connections must be cheap (tungstenite's default
/// is 128 KiB each); larger frames grow the buffer as they arrive.
const READ_BUFFER: usize = 4 * 1024;

/// The open connections, so that Ctrl-C can close each of them.
#[derive(Default)]
struct Registry {
    open: Mutex<HashMap<u64, mpsc::UnboundedSender<Control>>>,
    emptied: Notify,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::UnboundedSender<Control>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remove(&self, id: u64) {
        let mut open = self.lock();
        open.remove(&id);
        if open.is_empty() {
            self.emptied.notify_waiters();
        }
    }
}

struct Server {
    printer: Arc<Printer>,
    registry: Registry,
    ws_config: WebSocketConfig,
    opts: DriveOpts,
}

pub async fn run(args: ListenArgs, out: OutputConfig) -> Result<i32> {
    let printer = Arc::new(Printer::new(out));
    let listener = TcpListener::bind(args.addr).await.map_err(|e| {
        Failure::new(
            exit::RUNTIME,
            format!("cannot listen on {}: {e}", args.addr),
        )
        .hint(if e.kind() == std::io::ErrorKind::AddrInUse {
            "another program uses this port; pick another, or 0 for a free one"
        } else {
            "check the address; ports below 1024 need privileges"
        })
    })?;
    let local = listener.local_addr().context("reading the bound address")?;
    let url = format!("ws://{local}");
    // The contract with scripts and tests: this is the first line on stderr, always.
    printer.note(&format!("listening on {url}"));
    if out.json {
        printer.event(
            None,
            std::time::Duration::ZERO,
            &crate::session::Event::Listening { url: &url },
        );
    }

    let server = Arc::new(Server {
        printer,
        registry: Registry::default(),
        ws_config: WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(args.max_message_size))
            .max_frame_size(Some(args.max_message_size)),
        opts: DriveOpts {
            close_on_eof: None,
            close_timeout: args.close_timeout,
            max_message_size: args.max_message_size,
            heartbeat: crate::config::heartbeat(&args.heartbeat),
        },
    });
    let next_id = AtomicU64::new(1);
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let id = next_id.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(serve(server.clone(), tcp, peer, id));
                }
                // Running out of file descriptors and the like: report, back off, go on.
                Err(e) => {
                    server.printer.event(None, std::time::Duration::ZERO, &crate::session::Event::Error {
                        kind: "accept",
                        message: &format!("accepting a connection failed: {e}"),
                    });
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            _ = &mut interrupt => break,
        }
    }
    drop(listener);
    shut_down(&server, args.close_timeout).await;
    Ok(exit::OK)
}

/// Closes every open connection with 1001 and waits (bounded) for them to finish.
async fn shut_down(server: &Server, close_timeout: std::time::Duration) {
    let emptied = server.registry.emptied.notified();
    tokio::pin!(emptied);
    emptied.as_mut().enable();
    {
        let open = server.registry.lock();
        if open.is_empty() {
            return;
        }
        for control in open.values() {
            let _ = control.send(Control::Close(1001, "server shutting down".into()));
        }
    }
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
    let conn = Conn::new(Some(id), server.printer.clone());
    let peer_str = peer.to_string();
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let on_request = |req: &Request, resp: Response| {
        let target = req.uri().to_string();
        conn.connecting(&target, Some(&peer_str));
        Ok(resp)
    };
    let tcp = FailFast::new(tcp);
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(tcp, on_request, Some(server.ws_config));
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            conn.error("handshake", &format!("handshake with {peer} failed: {e}"));
            return;
        }
        Err(_) => {
            conn.error(
                "handshake",
                &format!("{peer} sent no upgrade request within {HANDSHAKE_TIMEOUT:?}"),
            );
            return;
        }
    };
    conn.opened(OpenInfo {
        status: 101,
        ..OpenInfo::default()
    });

    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    server.registry.lock().insert(id, control_tx);
    driver::drive(ws, &conn, None, &mut control_rx, &mut Echo, &server.opts).await;
    server.registry.remove(id);
}
