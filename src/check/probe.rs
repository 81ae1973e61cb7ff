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

use super::case::{Case, Offer, Step};
use super::machine::{Cmd, Machine};
use crate::dial::handshake::{self, ClientSettings, Timings};
use crate::error::Failure;
use crate::session::Conn;
use crate::value::deflate::{parse_header, Negotiated};

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

/// What an opening handshake gave: the stream, the bytes read past the response head (the
/// server's first frames), and what permessage-deflate the server accepted.
type Opened = (
    crate::wire::transport::Transport,
    Vec<u8>,
    Option<Negotiated>,
);

/// Opens a connection and performs the upgrade, offering permessage-deflate as `offers` say
/// (nothing when empty).
pub async fn open(settings: &ClientSettings, conn: &Conn, offers: &[Offer]) -> Result<Opened> {
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
    if !offers.is_empty() {
        let offered: Vec<String> = offers.iter().map(Offer::header).collect();
        head.push_str(&format!(
            "Sec-WebSocket-Extensions: {}\r\n",
            offered.join(", ")
        ));
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
    let negotiated = check_response(&buf[..end], &key, settings, !offers.is_empty())?;
    Ok((stream, buf[end..].to_vec(), negotiated))
}

/// The 101 answer with the right Sec-WebSocket-Accept, or a connect failure saying why; and
/// what permessage-deflate it accepted, read as Autobahn's client reads it.
fn check_response(
    head: &[u8],
    key: &str,
    settings: &ClientSettings,
    offered: bool,
) -> Result<Option<Negotiated>> {
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
    let answers: Vec<String> = resp
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
        .collect();
    match answers.as_slice() {
        [] => Ok(None),
        [one] if offered => accepted(one).map(Some).map_err(|why| {
            Failure::connect(format!(
                "the server's Sec-WebSocket-Extensions ({one}): {why}"
            ))
            .into()
        }),
        [_] => {
            Err(Failure::connect("the server accepted an extension that was not offered").into())
        }
        _ => Err(Failure::connect(
            "Sec-WebSocket-Extensions appears more than once in the server's answer",
        )
        .into()),
    }
}

/// Autobahn's client's reading of the server's answer to its offers: one permessage-deflate
/// with well-formed parameters, whatever their values (its acceptor takes any answer).
fn accepted(value: &str) -> std::result::Result<Negotiated, String> {
    let exts = parse_header(value)?;
    let [ext] = exts.as_slice() else {
        return Err("more than one extension".into());
    };
    if ext.name != "permessage-deflate" {
        return Err(format!("'{}' was not offered", ext.name));
    }
    let mut n = Negotiated {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };
    let bits = |v: Option<&str>| match v.and_then(|v| v.trim_matches('"').parse::<u8>().ok()) {
        Some(b @ 8..=15) => Ok(b),
        _ => Err(format!("a window size of {v:?}")),
    };
    for (name, v) in &ext.params {
        match (name.as_str(), v.as_deref()) {
            ("server_no_context_takeover", None) => n.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => n.client_no_context_takeover = true,
            ("server_max_window_bits", v) => n.server_max_window_bits = bits(v)?,
            ("client_max_window_bits", v) => n.client_max_window_bits = bits(v)?,
            (name, _) => return Err(format!("illegal parameter {name}")),
        }
    }
    Ok(n)
}

/// Runs one case: connect, play, record, until the connection is gone (or `cap` passed).
pub async fn run<'c>(
    case: &'c Case,
    settings: &ClientSettings,
    conn: &Conn,
    cap: Duration,
) -> Run<'c> {
    let opened = tokio::time::timeout(settings.connect_timeout, open(settings, conn, &case.offers))
        .await
        .unwrap_or_else(|_| {
            Err(Failure::connect(format!(
                "timed out after {} (--connect-timeout)",
                humantime::format_duration(settings.connect_timeout)
            ))
            .into())
        });
    let (stream, early, negotiated) = match opened {
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
    if let Some(n) = negotiated {
        machine.negotiated(n);
    }
    // A case's own wait (the compression cases wait up to 480 s) is never cut short.
    let own = case
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::CloseAfter(d) | Step::KillAfter(d) => Some(*d + Duration::from_secs(5)),
            _ => None,
        })
        .max()
        .unwrap_or_default();
    let cut_off = play(&mut machine, stream, early, started + cap.max(own)).await;
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
