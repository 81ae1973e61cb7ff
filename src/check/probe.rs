//! One case on one connection: the opening handshake written and read by the prober (over the
//! transport every client uses: TCP, TLS, a proxy, a Unix socket), then the case's state
//! machine fed with the server's bytes and its timers, its writes done by a task of their own
//! so that a server echoing a large message while the prober still writes never deadlocks.

use std::time::{Duration, Instant};

use anyhow::Result;
use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::case::Case;
use super::machine::{Cmd, Machine};
use crate::dial::handshake::{self, ClientSettings, Timings};
use crate::error::Failure;
use crate::session::Conn;

/// How a case's connection went.
pub struct Run<'c> {
    /// `None` when the handshake failed (the error says why).
    pub machine: Option<Machine<'c>>,
    pub handshake_error: Option<anyhow::Error>,
    /// From the open connection to its end (Autobahn's duration).
    pub duration: Duration,
    /// The case did not end within the cap and was cut off.
    pub cut_off: bool,
}

/// Opens a connection and performs the upgrade; the bytes read past the response head are
/// returned with the stream (they are the server's first frames).
pub async fn open(
    settings: &ClientSettings,
    conn: &Conn,
) -> Result<(crate::wire::transport::Transport, Vec<u8>)> {
    let mut timings = Timings::default();
    let mut stream = handshake::open(settings, &settings.url, &mut timings, conn).await?;
    let request = settings.request(&settings.url)?;
    let key = request
        .headers()
        .get("sec-websocket-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>())
        });
    let mut head = format!(
        "GET {} HTTP/1.1\r\n",
        request.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    for (name, value) in request.headers() {
        head.push_str(name.as_str());
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value.as_bytes()));
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.flush().await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 64 << 10 {
            return Err(Failure::connect("the server's handshake response has no end").into());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(Failure::connect(format!(
                "{} closed the connection during the handshake",
                settings.url.as_str()
            ))
            .into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    check_response(&buf[..end], &key, settings)?;
    Ok((stream, buf[end..].to_vec()))
}

/// The 101 answer with the right Sec-WebSocket-Accept, or a connect failure saying why.
fn check_response(head: &[u8], key: &str, settings: &ClientSettings) -> Result<()> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(head).map_err(|e| {
        Failure::connect(format!(
            "{} did not answer with HTTP: {e}",
            settings.url.as_str()
        ))
    })?;
    let code = resp.code.unwrap_or(0);
    if code != 101 {
        return Err(Failure::connect(format!(
            "the server refused the WebSocket handshake: HTTP {code} {}",
            resp.reason.unwrap_or("")
        ))
        .hint(
            "is this the server's WebSocket path? (wsprobe connect -v URL shows the whole answer)",
        )
        .into());
    }
    let accept = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-accept"))
        .map(|h| String::from_utf8_lossy(h.value).trim().to_owned());
    if accept.as_deref() != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err(Failure::connect(
            "the server's Sec-WebSocket-Accept does not match our key: it is not a correct WebSocket server",
        )
        .into());
    }
    Ok(())
}

/// Runs one case: connect, play, record, until the connection is gone (or `cap` passed).
pub async fn run<'c>(
    case: &'c Case,
    settings: &ClientSettings,
    conn: &Conn,
    cap: Duration,
) -> Run<'c> {
    let opened = tokio::time::timeout(settings.connect_timeout, open(settings, conn))
        .await
        .unwrap_or_else(|_| {
            Err(Failure::connect(format!(
                "timed out after {} (--connect-timeout)",
                humantime::format_duration(settings.connect_timeout)
            ))
            .into())
        });
    let (stream, early) = match opened {
        Ok(s) => s,
        Err(e) => {
            return Run {
                machine: None,
                handshake_error: Some(e),
                duration: Duration::ZERO,
                cut_off: false,
            }
        }
    };
    let started = Instant::now();
    let mut machine = Machine::new(case);
    let cut_off = play(&mut machine, stream, early, started + cap).await;
    Run {
        machine: Some(machine),
        handshake_error: None,
        duration: started.elapsed(),
        cut_off,
    }
}

/// The case's loop; true when it was cut off at `cap`.
async fn play<S>(m: &mut Machine<'_>, stream: S, early: Vec<u8>, cap: Instant) -> bool
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, wr) = tokio::io::split(stream);
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(write(wr, rx));
    m.start(Instant::now());
    if !early.is_empty() {
        m.on_bytes(&early, Instant::now());
    }
    let mut buf = vec![0u8; 64 << 10];
    let mut cut_off = false;
    let abort = loop {
        let mut dropped = None;
        for cmd in m.cmds.drain(..) {
            if let Cmd::Drop { abort } = cmd {
                dropped = Some(abort);
            }
            let _ = tx.send(cmd);
        }
        if let Some(abort) = dropped {
            break abort;
        }
        let deadline = m.deadline().unwrap_or(cap).min(cap);
        tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) | Err(_) => {
                    m.lost();
                    break true;
                }
                Ok(n) => m.on_bytes(&buf[..n], Instant::now()),
            },
            _ = tokio::time::sleep_until(deadline.into()) => {
                if Instant::now() >= cap {
                    cut_off = true;
                    m.drop_connection(true);
                } else {
                    m.fire(Instant::now());
                }
            }
        }
    };
    if abort {
        writer.abort();
    } else {
        // A polite drop writes what is queued first, as Twisted's loseConnection does.
        let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    }
    drop(rd);
    cut_off
}

/// Byte-wise writes are paced like Autobahn's, which makes one write per turn of its event
/// loop (about 60–100 µs apart on this machine): a server's answer to one frame can race with
/// the arrival of the next, and a byte every 100 µs gives such a server about the time
/// Autobahn gives it (Python `websockets` then echoes before failing in 3.4, 4.1.5 and 4.2.5
/// mostly, as it does under Autobahn).
const BYTE_PACE: Duration = Duration::from_micros(100);

/// Writes what the machine asks, in order; a chopped write is flushed piece by piece.
async fn write<W: AsyncWrite + Unpin>(mut wr: W, mut rx: mpsc::UnboundedReceiver<Cmd>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Cmd::Write { bytes, chop, .. } => {
                let size = chop.unwrap_or(bytes.len()).max(1);
                for piece in bytes.chunks(size) {
                    let written = Instant::now();
                    if wr.write_all(piece).await.is_err() || wr.flush().await.is_err() {
                        return;
                    }
                    if chop == Some(1) {
                        while written.elapsed() < BYTE_PACE {
                            tokio::task::yield_now().await;
                        }
                    } else if chop.is_some() {
                        tokio::task::yield_now().await;
                    }
                }
            }
            Cmd::Drop { .. } => {
                let _ = wr.shutdown().await;
                return;
            }
        }
    }
}
