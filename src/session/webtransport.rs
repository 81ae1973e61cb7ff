//! WebTransport sessions in the event model, for both roles (`connect --webtransport` and
//! `listen --webtransport`): the session's open and close, its streams and its datagrams.
//!
//! A session is a [`Conn`] like a WebSocket: the same `readyState` (CONNECTING → OPEN →
//! CLOSING → CLOSED, checked once here), the same sink and clock, the same counters for what
//! a script counts (`msgs_in`: datagrams and stream data received). What only a session has —
//! streams by id, datagram counts — lives in [`WtCounters`]. Every event is told from this
//! endpoint's side (`dir`, `opened_by`, `initiator`), so a server logs with the same events.

use serde::Serialize;

use super::{millis, Conn, Data, Dir, Event, ReadyState, Side};

/// A WebTransport stream's kind, as the browser API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Bidi,
    Uni,
}

impl StreamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Bidi => "bidi",
            StreamKind::Uni => "uni",
        }
    }
}

/// What the session's establishment negotiated (the extended CONNECT over HTTP/3).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SessionInfo {
    /// The status of the CONNECT's response, when this endpoint knows it (a server does; the
    /// client's QUIC stack tells only that it was 2xx).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Always `3`: WebTransport runs over HTTP/3.
    pub http_version: &'static str,
    /// The WebTransport over HTTP/3 draft both sides speak (`draft-02`: the settings
    /// `SETTINGS_ENABLE_WEBTRANSPORT` and `WEBTRANSPORT_MAX_SESSIONS`).
    pub draft: &'static str,
    /// The session's id: the stream id of its CONNECT request.
    pub session_id: u64,
    /// The largest datagram the path takes now, if datagrams are supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_datagram_size: Option<usize>,
    /// Time from CONNECTING to OPEN, in milliseconds.
    pub handshake_ms: f64,
}

/// How a session ended: the browser's `WebTransportCloseInfo` (a u32 code and a reason), who
/// closed, and whether it was closed on purpose by either side (clean) or lost.
#[derive(Debug, Clone, Serialize)]
pub struct SessionCloseInfo {
    pub code: u32,
    pub reason: String,
    pub was_clean: bool,
    /// Who closed first; `None` when the session never opened.
    pub initiator: Option<Side>,
}

impl SessionCloseInfo {
    /// Whether a script should treat this end as a failure: lost, or closed by the peer with
    /// a code other than 0.
    pub fn is_failure(&self) -> bool {
        !self.was_clean || (self.initiator == Some(Side::Remote) && self.code != 0)
    }
}

/// The session's own counts (shown by `/state` and `/streams`).
#[derive(Debug, Default, Clone)]
pub struct WtCounters {
    pub datagrams_in: u64,
    pub datagrams_out: u64,
    pub streams_opened: u64,
    /// Streams with a side still open, by id, in the order they were opened.
    pub open: Vec<(u64, StreamKind, Side)>,
}

/// The WebTransport events (variants of [`Event`], grouped here so the printer can hand them
/// to one place).
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WtEvent<'a> {
    SessionOpen {
        state: ReadyState,
        #[serde(flatten)]
        info: &'a SessionInfo,
    },
    /// A stream was opened, by this endpoint (`local`) or the peer (`remote`).
    StreamOpen {
        stream: u64,
        kind: StreamKind,
        opened_by: Side,
    },
    /// Bytes read from (`in`) or written to (`out`) a stream.
    StreamData {
        stream: u64,
        dir: Dir,
        len: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<Data<'a>>,
    },
    /// A side of a stream ended with a FIN: the peer's (`in`) or ours (`out`).
    StreamFinish { stream: u64, dir: Dir },
    /// A side of a stream was reset with an error code: the peer's sending side (`in`), ours
    /// (`out`).
    StreamReset { stream: u64, dir: Dir, code: u32 },
    Datagram {
        dir: Dir,
        len: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<Data<'a>>,
    },
    SessionClosing {
        state: ReadyState,
        initiator: Side,
        code: u32,
        reason: &'a str,
    },
    SessionClose {
        state: ReadyState,
        #[serde(flatten)]
        info: &'a SessionCloseInfo,
    },
}

impl WtEvent<'_> {
    /// Whether it comes with the traffic (buffered as message events are).
    pub fn hot(&self) -> bool {
        matches!(self, WtEvent::StreamData { .. } | WtEvent::Datagram { .. })
    }
}

fn data_of(binary: bool, payload: &[u8]) -> Data<'_> {
    match std::str::from_utf8(payload) {
        Ok(t) if !binary => Data::Text(t),
        _ => Data::Bytes(payload),
    }
}

impl Conn {
    fn wt_emit(&self, event: WtEvent<'_>) {
        self.emit(&Event::Wt(event));
    }

    /// The session is established (OPEN).
    pub fn session_opened(&self, mut info: SessionInfo) {
        info.handshake_ms = millis(self.elapsed());
        {
            let mut st = self.state();
            st.ready = ReadyState::Open;
            st.opened_at = Some(std::time::Instant::now());
            st.wt.get_or_insert_with(Default::default);
        }
        self.wt_emit(WtEvent::SessionOpen {
            state: ReadyState::Open,
            info: &info,
        });
    }

    /// The session's counts (zero before OPEN).
    pub fn wt_counters(&self) -> WtCounters {
        self.state().wt.as_deref().cloned().unwrap_or_default()
    }

    pub fn stream_opened(&self, stream: u64, kind: StreamKind, opened_by: Side) {
        {
            let mut st = self.state();
            let wt = st.wt.get_or_insert_with(Default::default);
            wt.streams_opened += 1;
            wt.open.push((stream, kind, opened_by));
        }
        self.wt_emit(WtEvent::StreamOpen {
            stream,
            kind,
            opened_by,
        });
    }

    /// A stream is over on both sides (it leaves `/streams`); no event of its own: its
    /// finishes and resets were shown.
    pub fn stream_gone(&self, stream: u64) {
        if let Some(wt) = self.state().wt.as_mut() {
            wt.open.retain(|(id, _, _)| *id != stream);
        }
    }

    /// Stream bytes, counted as received (or sent) data; `binary`: shown as bytes.
    pub fn stream_data(&self, stream: u64, dir: Dir, payload: &[u8], binary: bool) {
        self.count(dir, payload.len());
        if self.sink().wants_messages(dir) {
            self.wt_emit(WtEvent::StreamData {
                stream,
                dir,
                len: payload.len(),
                data: Some(data_of(binary, payload)),
            });
        }
    }

    pub fn stream_finished(&self, stream: u64, dir: Dir) {
        self.wt_emit(WtEvent::StreamFinish { stream, dir });
    }

    pub fn stream_reset(&self, stream: u64, dir: Dir, code: u32) {
        self.wt_emit(WtEvent::StreamReset { stream, dir, code });
    }

    pub fn datagram(&self, dir: Dir, payload: &[u8], binary: bool) {
        {
            let mut st = self.state();
            let wt = st.wt.get_or_insert_with(Default::default);
            match dir {
                Dir::In => wt.datagrams_in += 1,
                Dir::Out => wt.datagrams_out += 1,
            }
        }
        self.count(dir, payload.len());
        if self.sink().wants_messages(dir) {
            self.wt_emit(WtEvent::Datagram {
                dir,
                len: payload.len(),
                data: Some(data_of(binary, payload)),
            });
        }
    }

    /// A unit of data (a datagram, a piece of a stream) in the connection's message counts,
    /// which `-n` and `/state` read.
    fn count(&self, dir: Dir, len: usize) {
        let mut st = self.state();
        match dir {
            Dir::In => {
                st.msgs_in += 1;
                st.bytes_in += len as u64;
            }
            Dir::Out => {
                st.msgs_out += 1;
                st.bytes_out += len as u64;
            }
        }
    }

    /// Enters CLOSING unless already there; returns whether this call made the transition.
    pub fn session_closing(&self, by: Side, code: u32, reason: &str) -> bool {
        {
            let mut st = self.state();
            if st.ready >= ReadyState::Closing {
                return false;
            }
            st.ready = ReadyState::Closing;
            st.closing_by = Some(by);
        }
        self.wt_emit(WtEvent::SessionClosing {
            state: ReadyState::Closing,
            initiator: by,
            code,
            reason,
        });
        true
    }

    pub fn session_closed(&self, info: &SessionCloseInfo) {
        self.state().ready = ReadyState::Closed;
        self.wt_emit(WtEvent::SessionClose {
            state: ReadyState::Closed,
            info,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_rules() {
        let c = |code, clean, by| SessionCloseInfo {
            code,
            reason: String::new(),
            was_clean: clean,
            initiator: by,
        };
        assert!(!c(0, true, Some(Side::Remote)).is_failure());
        assert!(c(7, true, Some(Side::Remote)).is_failure());
        assert!(!c(7, true, Some(Side::Local)).is_failure());
        assert!(c(0, false, Some(Side::Local)).is_failure());
    }

    #[test]
    fn binary_or_not_utf8_is_bytes() {
        assert!(matches!(data_of(false, b"hi"), Data::Text("hi")));
        assert!(matches!(data_of(true, b"hi"), Data::Bytes(_)));
        assert!(matches!(data_of(false, &[0xff]), Data::Bytes(_)));
    }
}
