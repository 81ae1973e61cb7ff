//! Test peers: real WebSocket servers on 127.0.0.1:0 built from tokio-tungstenite (a peer that
//! is not wsprobe), wsprobe's own `listen` as a child process, and helpers to run the binary.
//!
//! Every server runs on its own thread and runtime; its `Drop` stops it and asserts that it
//! was reached (unless told otherwise) and that no handler panicked.

#![allow(dead_code)]

use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Command as StdCommand, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub mod careless;
pub mod deflate;
pub mod graphql;
pub mod proxy;
pub mod screen;
pub mod socketio;
pub mod sockjs;
pub mod stomp;
pub mod tls;
pub mod wt_client;
pub mod wt_server;

pub type Ws = WebSocketStream<TcpStream>;

/// Upper bound for any single run of the binary in a test.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// A command for the wsprobe binary with a scrubbed environment.
pub fn wsprobe() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("wsprobe").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("RUST_BACKTRACE", "0")
        .timeout(RUN_TIMEOUT);
    cmd
}

/// The same as a std Command, for children that a test talks to while they run.
pub fn wsprobe_std() -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("wsprobe"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("RUST_BACKTRACE", "0");
    cmd
}

pub struct Server {
    pub url: String,
    pub port: u16,
    hits: Arc<AtomicUsize>,
    panicked: Arc<AtomicBool>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    expect_hit: bool,
}

impl Server {
    /// A server that accepts every handshake and runs `handler` on each connection.
    pub fn ws<F, Fut>(handler: F) -> Server
    where
        F: Fn(Ws) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self::ws_on("127.0.0.1:0", handler)
    }

    pub fn ws_on<F, Fut>(addr: &str, handler: F) -> Server
    where
        F: Fn(Ws) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        Self::tcp_on(addr, move |tcp| {
            let handler = handler.clone();
            async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                    handler(ws).await;
                }
            }
        })
    }

    /// A server that answers every upgrade with `status` and `body`.
    pub fn refusing(status: u16, body: &'static str) -> Server {
        Self::tcp(move |tcp| async move {
            #[allow(clippy::result_large_err)]
            let cb = |_: &Request, _: Response| -> Result<Response, ErrorResponse> {
                let mut resp = ErrorResponse::new(Some(body.to_owned()));
                *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
                Err(resp)
            };
            let _ = tokio_tungstenite::accept_hdr_async(tcp, cb).await;
        })
    }

    /// A server that runs `handler` on each raw TCP connection.
    pub fn tcp<F, Fut>(handler: F) -> Server
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self::tcp_on("127.0.0.1:0", handler)
    }

    /// Like [`Server::tcp`] on a given address (to restart a server on the port it had).
    pub fn tcp_on<F, Fut>(addr: &str, handler: F) -> Server
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let addr = addr.to_owned();
        let hits = Arc::new(AtomicUsize::new(0));
        let panicked = Arc::new(AtomicBool::new(false));
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (h, p) = (hits.clone(), panicked.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let handler = Arc::new(handler);
                let accept = async {
                    loop {
                        let (tcp, _) = listener.accept().await.unwrap();
                        h.fetch_add(1, Ordering::SeqCst);
                        let handler = handler.clone();
                        let p = p.clone();
                        tokio::spawn(async move {
                            let task = tokio::spawn(async move { handler(tcp).await });
                            if task.await.is_err() {
                                p.store(true, Ordering::SeqCst);
                            }
                        });
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = shutdown_rx => {}
                }
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Server {
            url: format!("ws://{addr}/"),
            port: addr.port(),
            hits,
            panicked,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
            expect_hit: true,
        }
    }

    /// An echo server: every data message goes back unchanged.
    pub fn echo() -> Server {
        Self::ws(|mut ws| async move {
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                    break;
                }
            }
        })
    }

    /// For tests where the client must fail before it reaches the server.
    pub fn unreached(mut self) -> Server {
        self.expect_hit = false;
        self
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if std::thread::panicking() {
            return;
        }
        assert!(
            !self.panicked.load(Ordering::SeqCst),
            "a test server handler panicked"
        );
        if self.expect_hit {
            assert!(self.hits() > 0, "the test server was never reached");
        }
    }
}

/// Completes the handshake by hand, then never reads again: pings go unanswered.
pub fn swallowing_server() -> Server {
    Server::tcp(|mut tcp| async move {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tokio::io::AsyncReadExt::read_u8(&mut tcp).await.unwrap());
        }
        let head = String::from_utf8(head).unwrap();
        let key = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("Sec-WebSocket-Key: ")
                    .or_else(|| l.strip_prefix("sec-websocket-key: "))
            })
            .unwrap()
            .trim()
            .to_owned();
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes())
        );
        tokio::io::AsyncWriteExt::write_all(&mut tcp, resp.as_bytes())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
}

/// Opens a raw TCP connection to a WebSocket server at `addr` (host:port) and sends an upgrade
/// request by hand, for tests that need to misbehave below what a WebSocket library allows.
/// Returns the stream right after the request; the response is left unread.
pub async fn raw_upgrade(addr: &str) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tokio::io::AsyncWriteExt::write_all(&mut tcp, req.as_bytes())
        .await
        .unwrap();
    tcp
}

/// Closes a server-side connection with a code and reason, then drains until the end.
pub async fn close_with(ws: &mut Ws, code: u16, reason: &str) {
    let _ = ws
        .send(Message::Close(Some(CloseFrame {
            code: code.into(),
            reason: reason.into(),
        })))
        .await;
    while let Some(Ok(_)) = ws.next().await {}
}

/// A client connection made by tokio-tungstenite (not wsprobe).
pub type ClientWs =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn client(url: &str) -> ClientWs {
    tokio::time::timeout(RUN_TIMEOUT, tokio_tungstenite::connect_async(url))
        .await
        .expect("connect timed out")
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
        .0
}

/// The next message, within 5 s; panics on anything else than one.
pub async fn next_message(ws: &mut ClientWs) -> Message {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(m))) => return m,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

pub async fn next_text(ws: &mut ClientWs) -> String {
    match next_message(ws).await {
        Message::Text(t) => t.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// `wsprobe listen` as a child process, killed on drop.
pub struct Listener {
    pub child: Child,
    pub url: String,
    pub stderr: BufReader<ChildStderr>,
}

impl Listener {
    pub fn start(extra: &[&str]) -> Listener {
        Self::start_on("127.0.0.1:0", extra)
    }

    pub fn start_on(addr: &str, extra: &[&str]) -> Listener {
        let mut args = vec!["listen"];
        args.extend_from_slice(extra);
        args.push(addr);
        Self::spawn(&args)
    }

    /// `wsprobe ARGS`, where ARGS start a server (global flags may come before `listen`).
    pub fn spawn(args: &[&str]) -> Listener {
        let mut child = wsprobe_std()
            .args(args)
            // Piped, so `--stdio` tests can write to it; other modes never read it.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wsprobe listen");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let url = first
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{args:?}: unexpected first line: {first:?}"))
            .to_owned();
        Listener { child, url, stderr }
    }

    /// Sends SIGINT and waits (bounded) for the exit status; returns it and the rest of stderr.
    pub fn interrupt(mut self) -> (Option<i32>, String) {
        signal(self.child.id(), "INT");
        let status = wait_timeout(&mut self.child, Duration::from_secs(10));
        let mut rest = String::new();
        let _ = self.stderr.read_to_string(&mut rest);
        (status, rest)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn signal(pid: u32, sig: &str) {
    let ok = StdCommand::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -{sig} {pid} failed");
}

/// Waits for a child to exit, killing it after `limit`. Returns its exit code.
pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<i32> {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Shorthands for what a finished assert_cmd run printed.
pub trait Printed {
    fn stdout_bytes(self) -> Vec<u8>;
    fn stderr_text(self) -> String;
}

impl Printed for assert_cmd::assert::Assert {
    fn stdout_bytes(self) -> Vec<u8> {
        self.get_output().stdout.clone()
    }

    fn stderr_text(self) -> String {
        String::from_utf8(self.get_output().stderr.clone()).expect("stderr is UTF-8")
    }
}

/// A server that records the text of every text message it receives.
pub fn collecting_server() -> (Server, Arc<std::sync::Mutex<Vec<String>>>) {
    collecting_server_on("127.0.0.1:0")
}

pub fn collecting_server_on(addr: &str) -> (Server, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = Server::ws_on(addr, move |mut ws| {
        let s = s.clone();
        async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(t) = msg {
                    s.lock().unwrap().push(t.to_string());
                }
            }
        }
    });
    (server, seen)
}

/// What a finished run printed, and its exit status.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs wsprobe with `input` on stdin and stdin then kept open, so that the run can only end
/// because of what the peer does (not because input ended).
pub fn run_open_stdin(args: &[&str], input: &str) -> Run {
    let mut child = wsprobe_std()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wsprobe");
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let code = wait_timeout(&mut child, RUN_TIMEOUT);
    drop(stdin);
    Run {
        code,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// A client runtime for tests that talk to `wsprobe listen` directly.
pub fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(RUN_TIMEOUT, f)
                .await
                .expect("test timed out")
        })
}

/// Parses JSON lines, panicking with the offending line if one is not JSON.
pub fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
