//! A WebTransport server for the client's tests, on `wtransport` (not wsprobe's code), shaped
//! like the servers people run: by path,
//!
//! - `/echo`: a bidirectional stream is echoed on itself as it arrives and finished when the
//!   client finishes it; a unidirectional stream is answered on a new one when it ends;
//!   datagrams are echoed.
//! - `/push`: echo, and at once the server opens a unidirectional stream ("pushed uni\n",
//!   finished) and a bidirectional one ("pushed bidi\n", finished).
//! - `/close`: echo, and the session is closed by the server (code 4242, "server says bye")
//!   right after it echoed the first piece of data or datagram.
//! - `/reset`: a bidirectional stream is answered with a reset (code 7).
//! - anything else: refused with 404.
//!
//! Its certificate is self-signed, ECDSA P-256, valid 14 days (`hash`, `cert_pem`), so it can
//! be pinned with `--cert-hash` or trusted with `--ca`. What the server saw of each session's
//! end is in `log()`. Silence (a UDP port where nothing answers) is [`silent_udp`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use wtransport::endpoint::IncomingSession;
use wtransport::{Connection, Endpoint, Identity, ServerConfig, VarInt};

pub struct WtServer {
    /// `https://127.0.0.1:PORT` (add the path).
    pub base: String,
    pub port: u16,
    /// The certificate's SHA-256, hex with colons.
    pub hash: String,
    /// The certificate, PEM, in a temporary file (for `--ca`).
    pub cert_pem: tempfile::NamedTempFile,
    log: Arc<Mutex<Vec<String>>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WtServer {
    pub fn start() -> WtServer {
        let identity = Identity::self_signed(["localhost", "127.0.0.1"]).expect("identity");
        let cert = identity.certificate_chain().as_slice()[0].clone();
        let hash = cert
            .hash()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":");
        let mut cert_pem = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut cert_pem, cert.to_pem().as_bytes()).expect("write pem");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let l = log.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let config = ServerConfig::builder()
                    .with_bind_address("127.0.0.1:0".parse().unwrap())
                    .with_identity(identity)
                    .keep_alive_interval(Some(Duration::from_secs(3)))
                    .build();
                let server = Endpoint::server(config).expect("server endpoint");
                port_tx.send(server.local_addr().unwrap().port()).unwrap();
                let accept = async {
                    loop {
                        let incoming = server.accept().await;
                        tokio::spawn(session(incoming, l.clone()));
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = shutdown_rx => {}
                }
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        });
        let port = port_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        WtServer {
            base: format!("https://127.0.0.1:{port}"),
            port,
            hash,
            cert_pem,
            log,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server saw, one line per session end (`closed CODE REASON`, `lost …`).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to 5 s) for a log line containing `what`.
    pub fn wait_log(&self, what: &str) -> Vec<String> {
        for _ in 0..100 {
            let log = self.log();
            if log.iter().any(|l| l.contains(what)) {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.log()
    }
}

impl Drop for WtServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn session(incoming: IncomingSession, log: Arc<Mutex<Vec<String>>>) {
    let Ok(request) = incoming.await else {
        return;
    };
    let path = request.path().to_owned();
    if !matches!(path.as_str(), "/echo" | "/push" | "/close" | "/reset") {
        request.not_found().await;
        return;
    }
    let Ok(conn) = request.accept().await else {
        return;
    };
    let closer = (path == "/close").then(|| Arc::new(tokio::sync::Notify::new()));
    if path == "/push" {
        push(&conn).await;
    }
    let reset = path == "/reset";
    tokio::spawn(bidi(conn.clone(), closer.clone(), reset));
    tokio::spawn(uni(conn.clone()));
    tokio::spawn(datagrams(conn.clone(), closer.clone()));
    if let Some(n) = closer {
        let c = conn.clone();
        tokio::spawn(async move {
            n.notified().await;
            // Let the echo reach the client first, as a server that closes after replying.
            tokio::time::sleep(Duration::from_millis(100)).await;
            c.close(VarInt::from_u32(4242), b"server says bye");
        });
    }
    let end = conn.closed().await;
    log.lock().unwrap().push(format!("{path} {end}"));
}

async fn push(conn: &Connection) {
    if let Ok(opening) = conn.open_uni().await {
        if let Ok(mut s) = opening.await {
            let _ = s.write_all(b"pushed uni\n").await;
            let _ = s.finish().await;
        }
    }
    if let Ok(opening) = conn.open_bi().await {
        if let Ok((mut send, _recv)) = opening.await {
            let _ = send.write_all(b"pushed bidi\n").await;
            let _ = send.finish().await;
        }
    }
}

async fn bidi(conn: Connection, closer: Option<Arc<tokio::sync::Notify>>, reset: bool) {
    while let Ok((mut send, mut recv)) = conn.accept_bi().await {
        let closer = closer.clone();
        tokio::spawn(async move {
            if reset {
                let _ = send.reset(VarInt::try_from_u64(0x52e4_a40f_a8e2).unwrap());
                return;
            }
            let mut buf = vec![0u8; 65536];
            while let Ok(Some(n)) = recv.read(&mut buf).await {
                if send.write_all(&buf[..n]).await.is_err() {
                    return;
                }
                if let Some(c) = &closer {
                    c.notify_one();
                }
            }
            let _ = send.finish().await;
        });
    }
}

async fn uni(conn: Connection) {
    while let Ok(mut recv) = conn.accept_uni().await {
        let conn = conn.clone();
        tokio::spawn(async move {
            let mut all = Vec::new();
            let mut buf = vec![0u8; 65536];
            while let Ok(Some(n)) = recv.read(&mut buf).await {
                all.extend_from_slice(&buf[..n]);
            }
            if let Ok(opening) = conn.open_uni().await {
                if let Ok(mut s) = opening.await {
                    let _ = s.write_all(&all).await;
                    let _ = s.finish().await;
                }
            }
        });
    }
}

async fn datagrams(conn: Connection, closer: Option<Arc<tokio::sync::Notify>>) {
    while let Ok(d) = conn.receive_datagram().await {
        let _ = conn.send_datagram(d.payload());
        if let Some(c) = &closer {
            c.notify_one();
        }
    }
}

/// A UDP port where nothing answers (a QUIC handshake to it never completes); keep the
/// socket alive for the test.
pub fn silent_udp() -> (std::net::UdpSocket, u16) {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}
