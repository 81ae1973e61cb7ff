//! The connection event model shared by every mode, mirroring the browser's WebSocket API.
//!
//! A [`Conn`] owns one connection's `readyState` and counters and is the only place that emits
//! its events, so transitions are checked once (CONNECTING → OPEN → CLOSING → CLOSED, never
//! backwards) and every mode reports the same way. The [`driver`] turns a WebSocket stream into
//! these events; [`client`] opens one.

pub mod control;
pub mod driver;
pub mod echo;
mod ending;
pub mod sink;
pub mod webtransport;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::ErrorKind;
use crate::wire::deflate::stream::{Decision as DeflateDecision, Shared as DeflateShared};

pub use sink::EventSink;
pub use webtransport::WtEvent;

/// The browser's `WebSocket.readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReadyState {
    Connecting,
    Open,
    Closing,
    Closed,
}

/// Which side started the closing handshake (or dropped the connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Local,
    Remote,
}

/// Direction of a frame, from this endpoint's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    In,
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MsgType {
    Text,
    Binary,
}

/// The HTTP version a WebSocket was opened with: an HTTP/1.1 upgrade, or an extended CONNECT
/// on an HTTP/2 stream (RFC 8441).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum HttpVersion {
    #[default]
    #[serde(rename = "1.1")]
    Http11,
    #[serde(rename = "2")]
    Http2,
    /// WebTransport's extended CONNECT (its request and response in `-v`).
    #[serde(rename = "3")]
    Http3,
}

impl HttpVersion {
    /// `HTTP/1.1` or `HTTP/2`, as a status line writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
            HttpVersion::Http3 => "HTTP/3",
        }
    }
}

/// What the handshake negotiated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpenInfo {
    /// HTTP status of the handshake response (101; 200 over HTTP/2).
    pub status: u16,
    pub http_version: HttpVersion,
    /// The subprotocol the server selected, if any.
    pub protocol: Option<String>,
    /// The extensions the server accepted.
    pub extensions: Vec<String>,
    /// Time from CONNECTING to OPEN, in milliseconds.
    pub handshake_ms: f64,
}

/// How a connection ended: the browser's `CloseEvent`, plus who started it.
#[derive(Debug, Clone, Serialize)]
pub struct CloseInfo {
    pub code: u16,
    pub reason: String,
    pub was_clean: bool,
    /// Who closed first; `None` when the connection never opened.
    pub initiator: Option<Side>,
}

impl CloseInfo {
    /// The code reported for a connection that ended without a close handshake.
    pub const ABNORMAL: u16 = 1006;
    /// The code reported for a close frame that carried no status.
    pub const NO_STATUS: u16 = 1005;

    /// Whether the peer ended things in a way a script should treat as a failure.
    pub fn is_failure(&self) -> bool {
        !self.was_clean
            || (self.initiator == Some(Side::Remote) && !matches!(self.code, 1000 | 1001 | 1005))
    }
}

/// One thing that happened on a connection. Serialised as a JSON line with the `event` tag.
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    /// A server is ready (listen only).
    Listening {
        url: &'a str,
        /// `listen --webtransport`: the certificate's SHA-256 (for `serverCertificateHashes`).
        #[serde(skip_serializing_if = "Option::is_none")]
        cert_sha256: Option<&'a str>,
    },
    Connecting {
        state: ReadyState,
        url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        peer: Option<&'a str>,
    },
    Open {
        state: ReadyState,
        #[serde(flatten)]
        info: &'a OpenInfo,
    },
    Message {
        dir: Dir,
        #[serde(rename = "type")]
        kind: MsgType,
        len: usize,
        /// The payload's size on the wire, when permessage-deflate compressed it.
        #[serde(skip_serializing_if = "Option::is_none")]
        compressed_len: Option<usize>,
        /// Text as is; binary as base64. Only in JSON output, and for `in` messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<Data<'a>>,
    },
    Ping {
        dir: Dir,
        len: usize,
        data: Data<'a>,
    },
    Pong {
        dir: Dir,
        len: usize,
        data: Data<'a>,
        /// Round-trip time when this pong answers a ping we sent.
        #[serde(skip_serializing_if = "Option::is_none")]
        rtt_ms: Option<f64>,
    },
    Error {
        kind: ErrorKind,
        message: &'a str,
    },
    Closing {
        state: ReadyState,
        initiator: Side,
        code: u16,
        reason: &'a str,
    },
    Close {
        state: ReadyState,
        #[serde(flatten)]
        info: &'a CloseInfo,
    },
    /// The TLS session of a wss:// connection (`-v`).
    Tls {
        version: &'a str,
        cipher: &'a str,
        alpn: Option<&'a str>,
    },
    /// The upgrade request, as sent (client) or received (server) (`-v`).
    Request {
        dir: Dir,
        http_version: HttpVersion,
        method: &'a str,
        target: &'a str,
        headers: &'a [(String, String)],
    },
    /// The handshake response (`-v`, and always when it is not 101).
    Response {
        dir: Dir,
        http_version: HttpVersion,
        status: u16,
        reason: &'a str,
        headers: &'a [(String, String)],
        /// The first 2 KiB of a refusal's body.
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<&'a str>,
    },
    /// `-L`: the server redirected the upgrade request.
    Redirect {
        status: u16,
        location: &'a str,
    },
    /// `--reconnect`: the connection is gone or could not be made; the next attempt follows.
    Reconnect {
        attempt: u32,
        delay_ms: f64,
        reason: &'a str,
    },
    /// A plain HTTP request answered by `listen --page` / `--static`.
    Http {
        method: &'a str,
        path: &'a str,
        status: u16,
        /// The length of the response's body, error pages included (a HEAD request gets the
        /// headers that announce it, without it).
        len: u64,
    },
    /// A line the `--exec` program wrote to its stderr.
    Stderr {
        text: &'a str,
    },
    /// The `--exec` program ended: its exit status, or the signal that ended it.
    Exit {
        status: Option<i32>,
        signal: Option<i32>,
    },
    /// The summary of `wsprobe ping`, last.
    PingSummary {
        url: &'a str,
        sent: u64,
        received: u64,
        loss_pct: f64,
        #[serde(flatten)]
        rtt: Option<RttStats>,
        dns_ms: f64,
        tcp_ms: f64,
        tls_ms: Option<f64>,
        upgrade_ms: f64,
    },
    /// The outcome of scripted checks (`-e`, `-n`, `--expect-close`), last.
    Result {
        ok: bool,
        met: usize,
        expected: usize,
        received: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        failed: Option<&'a str>,
    },
    /// An event of the application protocol spoken on the connection (`--socketio`): its
    /// JSON record and human line are the protocol's (`output/json.rs` writes it).
    #[serde(skip)]
    Proto(&'a dyn ProtoEvent),
    /// A WebTransport session's event (`webtransport.rs`): its own JSON record, written by
    /// `output/json.rs` with the same `t` and `conn` keys.
    #[serde(skip)]
    Wt(WtEvent<'a>),
}

/// An event of an application protocol on WebSocket (Socket.IO's open, namespace connect,
/// event, ack, …), defined next to its protocol in `proto/`. The printer shows it without
/// knowing the protocol: a JSON record (`event` and the other keys) and a human line.
pub trait ProtoEvent: std::fmt::Debug {
    /// The JSON record's `event` value (`socketio_event`, …).
    fn name(&self) -> &'static str;
    /// The JSON record's other keys, in order.
    fn fields(&self) -> serde_json::Map<String, serde_json::Value>;
    /// The human line.
    fn line(&self) -> ProtoLine;
    /// Whether it comes with every message (events, acks, pings): then it is buffered as
    /// message events are.
    fn hot(&self) -> bool {
        false
    }
}

/// The human line of a protocol event: `< label text` with a direction, `LABEL text`
/// without. The printer paints the label and sanitises the text.
#[derive(Debug)]
pub struct ProtoLine {
    pub dir: Option<Dir>,
    pub label: &'static str,
    pub tone: Tone,
    pub text: String,
}

/// How a protocol event's label is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A session that works (open, connected).
    Good,
    /// A refusal, an error.
    Bad,
    /// An end (disconnect).
    Ending,
    /// Traffic (events, acks, pings).
    Traffic,
}

/// Round-trip time statistics, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RttStats {
    pub min_ms: f64,
    pub avg_ms: f64,
    pub max_ms: f64,
    pub stddev_ms: f64,
}

impl RttStats {
    pub fn of(rtts: &[Duration]) -> Option<RttStats> {
        if rtts.is_empty() {
            return None;
        }
        let ms: Vec<f64> = rtts.iter().map(|d| millis(*d)).collect();
        let n = ms.len() as f64;
        let avg = ms.iter().sum::<f64>() / n;
        let var = ms.iter().map(|x| (x - avg).powi(2)).sum::<f64>() / n;
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        Some(RttStats {
            min_ms: round(ms.iter().copied().fold(f64::INFINITY, f64::min)),
            avg_ms: round(avg),
            max_ms: round(ms.iter().copied().fold(0.0, f64::max)),
            stddev_ms: round(var.sqrt()),
        })
    }
}

/// A payload as it appears in an event: text stays text, bytes are base64 in JSON.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl Serialize for Data<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        match self {
            Data::Text(t) => s.serialize_str(t),
            Data::Bytes(b) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b)),
        }
    }
}

impl<'a> Data<'a> {
    /// Control-frame payloads: text when they are UTF-8, else bytes.
    pub fn of_control(b: &'a [u8]) -> Data<'a> {
        match std::str::from_utf8(b) {
            Ok(t) => Data::Text(t),
            Err(_) => Data::Bytes(b),
        }
    }
}

/// Milliseconds with microsecond precision, for JSON.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Counters and state of one connection (the browser API's attributes, made visible).
#[derive(Debug)]
pub struct ConnState {
    pub ready: ReadyState,
    pub closing_by: Option<Side>,
    /// The close code and reason of the CLOSING transition.
    pub closing_close: Option<Box<(u16, String)>>,
    /// A layer above the WebSocket closed its session with its own code and reason (the
    /// SockJS `c` frame): CLOSED reports them rather than the WebSocket's close under it.
    pub above_close: Option<Box<(u16, String)>>,
    pub msgs_in: u64,
    /// Of those, the ones the inbound handler found to answer nothing of ours (a load
    /// generator's unmatched pushes): the wait for replies does not count them.
    pub not_replies: u64,
    /// What a protocol says before our close frame when the run ends other than by its own
    /// goodbye (STOMP's DISCONNECT at `-e`, `-t`, Ctrl-C): written first by the driver.
    pub farewell: Option<tokio_tungstenite::tungstenite::Message>,
    pub bytes_in: u64,
    pub msgs_out: u64,
    pub bytes_out: u64,
    pub opened_at: Option<Instant>,
    /// Pings we sent and have not seen a pong for, oldest first.
    pings: Vec<(Vec<u8>, Instant)>,
    pub pings_sent: u64,
    /// Pongs received, answering our pings or not (heartbeats count any).
    pub pongs_in: u64,
    /// Round-trip times of the pings answered by a pong with their own payload.
    pub rtts: Vec<Duration>,
    /// permessage-deflate, when negotiated (boxed: most connections have none).
    compression: Option<Box<Compression>>,
    /// A protocol is spoken and shows its own events for the messages: the raw message
    /// events are not shown (unless the sink wants raw frames, `-vv`).
    raw_hidden: bool,
    /// A WebTransport session's own counts (boxed: a WebSocket has none).
    wt: Option<Box<webtransport::WtCounters>>,
}

/// A connection's permessage-deflate, as its events see it.
#[derive(Debug)]
struct Compression {
    /// The stream's state: its counts, and each message's compressed size.
    shared: Arc<DeflateShared>,
    /// Sent messages to be shown once they went through the deflate stream (which is when
    /// their compressed size is known).
    unshown: VecDeque<Unshown>,
}

/// A sent message waiting to be shown: its number among the sent messages and its payload.
#[derive(Debug)]
struct Unshown {
    index: u64,
    kind: MsgType,
    payload: Vec<u8>,
}

/// One connection: its id (servers number them), its clock, its state and where its events go.
#[derive(Debug)]
pub struct Conn {
    pub id: Option<u64>,
    pub start: Instant,
    sink: Arc<dyn EventSink>,
    state: Mutex<ConnState>,
}

impl Conn {
    pub fn new(id: Option<u64>, sink: Arc<dyn EventSink>) -> Conn {
        Conn {
            id,
            start: Instant::now(),
            sink,
            state: Mutex::new(ConnState {
                ready: ReadyState::Connecting,
                closing_by: None,
                closing_close: None,
                above_close: None,
                msgs_in: 0,
                not_replies: 0,
                farewell: None,
                bytes_in: 0,
                msgs_out: 0,
                bytes_out: 0,
                opened_at: None,
                pings: Vec::new(),
                pings_sent: 0,
                pongs_in: 0,
                rtts: Vec::new(),
                compression: None,
                raw_hidden: false,
                wt: None,
            }),
        }
    }

    pub fn sink(&self) -> &dyn EventSink {
        &*self.sink
    }

    pub fn state(&self) -> MutexGuard<'_, ConnState> {
        // A panic while holding this lock is a bug elsewhere; the counters are still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A message just received answers nothing of ours (a protocol's heartbeat, a push): the
    /// wait for replies does not count it.
    pub fn not_a_reply(&self) {
        self.state().not_replies += 1;
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn emit(&self, event: &Event<'_>) {
        self.sink.event(self.id, self.elapsed(), event);
    }

    pub fn connecting(&self, url: &str, peer: Option<&str>) {
        self.emit(&Event::Connecting {
            state: ReadyState::Connecting,
            url,
            peer,
        });
    }

    pub fn opened(&self, mut info: OpenInfo) {
        info.handshake_ms = millis(self.elapsed());
        {
            let mut st = self.state();
            st.ready = ReadyState::Open;
            st.opened_at = Some(Instant::now());
        }
        self.emit(&Event::Open {
            state: ReadyState::Open,
            info: &info,
        });
    }

    /// Enters CLOSING unless already there; returns whether this call made the transition.
    pub fn closing(&self, by: Side, code: u16, reason: &str) -> bool {
        {
            let mut st = self.state();
            if st.ready >= ReadyState::Closing {
                return false;
            }
            st.ready = ReadyState::Closing;
            st.closing_by = Some(by);
            st.closing_close = Some(Box::new((code, reason.to_owned())));
        }
        self.emit(&Event::Closing {
            state: ReadyState::Closing,
            initiator: by,
            code,
            reason,
        });
        true
    }

    pub fn closing_by(&self) -> Option<Side> {
        self.state().closing_by
    }

    pub fn closed(&self, info: &CloseInfo) {
        self.state().ready = ReadyState::Closed;
        self.emit(&Event::Close {
            state: ReadyState::Closed,
            info,
        });
    }

    pub fn error(&self, kind: ErrorKind, message: &str) {
        self.emit(&Event::Error { kind, message });
    }

    /// permessage-deflate was negotiated: message events carry compressed sizes from now on.
    /// (Without compression nothing is kept.)
    pub fn deflate(&self, shared: Arc<DeflateShared>) {
        if !matches!(shared.decision(), DeflateDecision::On(_)) {
            shared.keep_sizes(false, false);
            return;
        }
        shared.keep_sizes(
            self.sink.wants_messages(Dir::In),
            self.sink.wants_messages(Dir::Out),
        );
        self.state().compression = Some(Box::new(Compression {
            shared,
            unshown: VecDeque::new(),
        }));
    }

    /// A protocol spoken on this connection shows its own events for its messages: the raw
    /// message events give way to them, unless the sink wants both (`-vv`).
    pub fn protocol_speaks(&self) {
        if !self.sink.wants_raw_frames() {
            self.state().raw_hidden = true;
        }
    }

    pub fn message(&self, dir: Dir, kind: MsgType, payload: &[u8]) {
        let shown = self.sink.wants_messages(dir);
        let (index, deflate) = {
            let mut st = self.state();
            let index = match dir {
                Dir::In => {
                    st.msgs_in += 1;
                    st.bytes_in += payload.len() as u64;
                    st.msgs_in - 1
                }
                Dir::Out => {
                    st.msgs_out += 1;
                    st.bytes_out += payload.len() as u64;
                    st.msgs_out - 1
                }
            };
            if !shown || st.raw_hidden {
                return;
            }
            (index, st.compression.as_ref().map(|c| c.shared.clone()))
        };
        match (dir, deflate) {
            (Dir::In, Some(d)) => {
                let compressed = d.received_sizes(index).map(|s| s.wire);
                self.show_message(dir, kind, payload, compressed);
            }
            (Dir::Out, Some(_)) => {
                if let Some(c) = self.state().compression.as_mut() {
                    c.unshown.push_back(Unshown {
                        index,
                        kind,
                        payload: payload.to_vec(),
                    });
                }
                self.sent_through(false);
            }
            (_, None) => self.show_message(dir, kind, payload, None),
        }
    }

    /// Shows the sent messages that went through the deflate stream, in order (the driver
    /// calls this after writing); `all`: the connection is over, show the rest as they are.
    pub fn sent_through(&self, all: bool) {
        loop {
            let (next, compressed) = {
                let mut st = self.state();
                let Some(c) = st.compression.as_mut() else {
                    return;
                };
                let Some(front) = c.unshown.front() else {
                    return;
                };
                let compressed = match c.shared.sent_sizes(front.index) {
                    Some(sizes) => sizes.filter(|s| s.compressed).map(|s| s.wire),
                    None if all => None,
                    None => return,
                };
                (c.unshown.pop_front(), compressed)
            };
            if let Some(m) = next {
                self.show_message(Dir::Out, m.kind, &m.payload, compressed);
            }
        }
    }

    /// A message carried inside a layer's own (each message of SockJS's `a[…]`), shown as the
    /// message it is (the layer's frames only with `-vv`); not counted again.
    pub fn carried_message(&self, dir: Dir, payload: &str) {
        if self.sink.wants_messages(dir) {
            self.show_message(dir, MsgType::Text, payload.as_bytes(), None);
        }
    }

    fn show_message(&self, dir: Dir, kind: MsgType, payload: &[u8], compressed: Option<usize>) {
        let data = match kind {
            MsgType::Text => Data::Text(std::str::from_utf8(payload).unwrap_or_default()),
            MsgType::Binary => Data::Bytes(payload),
        };
        self.emit(&Event::Message {
            dir,
            kind,
            len: payload.len(),
            compressed_len: compressed,
            data: Some(data),
        });
    }

    pub fn ping(&self, dir: Dir, payload: &[u8]) {
        if dir == Dir::Out {
            let mut st = self.state();
            st.pings.push((payload.to_vec(), Instant::now()));
            st.pings_sent += 1;
        }
        if self.sink.wants_control() {
            self.emit(&Event::Ping {
                dir,
                len: payload.len(),
                data: Data::of_control(payload),
            });
        }
    }

    pub fn pong(&self, dir: Dir, payload: &[u8]) {
        let rtt = if dir == Dir::In {
            let mut st = self.state();
            st.pongs_in += 1;
            // A pong answers the most recent ping with the same payload (RFC 6455 §5.5.3);
            // older unanswered pings with that payload are answered by it too.
            match st.pings.iter().rposition(|(p, _)| p == payload) {
                Some(i) => {
                    let rtt = st.pings[i].1.elapsed();
                    st.pings.drain(..=i);
                    st.rtts.push(rtt);
                    Some(rtt)
                }
                None => None,
            }
        } else {
            None
        };
        if self.sink.wants_control() || (rtt.is_some() && self.sink.wants_rtt()) {
            self.emit(&Event::Pong {
                dir,
                len: payload.len(),
                data: Data::of_control(payload),
                rtt_ms: rtt.map(millis),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_rules() {
        let c = |code, clean, by| CloseInfo {
            code,
            reason: String::new(),
            was_clean: clean,
            initiator: by,
        };
        assert!(!c(1000, true, Some(Side::Remote)).is_failure());
        assert!(!c(1001, true, Some(Side::Remote)).is_failure());
        assert!(!c(1005, true, Some(Side::Remote)).is_failure());
        assert!(c(1011, true, Some(Side::Remote)).is_failure());
        assert!(c(4000, true, Some(Side::Remote)).is_failure());
        // Our own custom code, echoed back, is not the peer's failure.
        assert!(!c(4000, true, Some(Side::Local)).is_failure());
        assert!(c(1006, false, Some(Side::Local)).is_failure());
    }
}
