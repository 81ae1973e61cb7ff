//! How a driven connection ended: the close to report (code, reason, wasClean, who closed
//! first) and the failure, if any, from how its reader stopped; the close frames sent when
//! failing the connection or closing it politely after a failure of our own.

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::driver::{DriveOpts, ReaderEnd};
use crate::error::{ErrorKind, ExitCode, Failure};
use crate::session::{CloseInfo, Conn, Side};
use crate::value::Close;
use crate::wire::deflate::frames::ReadError;
use crate::wire::deflate::stream::failure_of;
use crate::wire::failfast;

/// How the connection ended, from how its reader stopped (`None`: the close deadline
/// passed): the close to report, and the failure that ended it, if any. Failures of our own
/// side and oversize messages still get a full closing handshake.
pub(super) async fn conclude<S>(
    reader_end: Option<ReaderEnd>,
    mut sink: futures_util::stream::SplitSink<WebSocketStream<S>, Message>,
    mut stream: futures_util::stream::SplitStream<WebSocketStream<S>>,
    conn: &Conn,
    opts: &DriveOpts,
    output_gone: bool,
) -> (CloseInfo, Option<anyhow::Error>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let by = conn.closing_by();
    match reader_end {
        Some(ReaderEnd::Closed(frame)) => {
            let above = conn.state().above_close.take();
            let (code, reason) = above.map_or_else(|| frame_parts(&frame), |b| *b);
            let info = CloseInfo {
                code,
                reason,
                was_clean: true,
                initiator: by.or(Some(Side::Remote)),
            };
            (info, None)
        }
        Some(ReaderEnd::Dropped) => (dropped(conn, by), None),
        Some(ReaderEnd::Dead(why)) => {
            let timeout = opts.heartbeat.map(|h| h.timeout).unwrap_or_default();
            let why = why.unwrap_or_else(|| {
                format!(
                    "no pong within {} of a ping: the connection is dead",
                    humantime::format_duration(timeout)
                )
            });
            conn.error(ErrorKind::Dead, &why);
            (abnormal(Some(Side::Local)), None)
        }
        None => {
            let msg = format!(
                "the peer did not answer the close frame within {}",
                humantime::format_duration(opts.close_timeout)
            );
            conn.error(ErrorKind::CloseTimeout, &msg);
            (abnormal(by), None)
        }
        Some(ReaderEnd::Handler(_)) if output_gone => {
            let Close { code, reason } = opts.close_on_eof.clone().unwrap_or_else(Close::normal);
            let clean = close_politely(&mut sink, &mut stream, conn, code, &reason, opts).await;
            let mut info = closed_by_us(code, &reason);
            info.was_clean = clean;
            (info, None)
        }
        Some(ReaderEnd::Handler(e)) if refused(&e) => {
            // The protocol above was refused (a Socket.IO namespace): nothing failed on
            // either side, the session is just over.
            let clean = close_politely(&mut sink, &mut stream, conn, 1000, "", opts).await;
            let mut info = closed_by_us(1000, "");
            info.was_clean = clean;
            (info, Some(e))
        }
        Some(ReaderEnd::Handler(e)) => {
            // Our side failed, not the peer: it still gets a full closing handshake.
            let code = 1011;
            let clean =
                close_politely(&mut sink, &mut stream, conn, code, "internal error", opts).await;
            let mut info = closed_by_us(code, "internal error");
            info.was_clean = clean;
            (info, Some(e))
        }
        Some(ReaderEnd::Error(e))
            if by == Some(Side::Local) && protocol_failure(&e, opts).is_some() =>
        {
            // Our close frame went out before the failure: that close stands (no second
            // close frame can follow it), and the failure is reported beside it.
            let message = protocol_failure(&e, opts).map(|f| f.2).unwrap_or_default();
            conn.error(kind_of(&e), &message);
            let (code, reason) = conn
                .state()
                .closing_close
                .as_deref()
                .cloned()
                .unwrap_or((CloseInfo::NO_STATUS, String::new()));
            let info = CloseInfo {
                code,
                reason,
                was_clean: false,
                initiator: Some(Side::Local),
            };
            (info, Some(anyhow::anyhow!(message)))
        }
        Some(ReaderEnd::Error(e)) => match protocol_failure(&e, opts) {
            // A message over our limit is no fault of the protocol: a full closing handshake.
            Some((code @ 1009, reason, message)) => {
                conn.error(kind_of(&e), &message);
                let clean = close_politely(&mut sink, &mut stream, conn, code, reason, opts).await;
                let mut info = closed_by_us(code, reason);
                info.was_clean = clean;
                (info, Some(anyhow::anyhow!(message)))
            }
            Some((code, reason, message)) => {
                conn.error(kind_of(&e), &message);
                fail(&mut sink, conn, code, reason, opts).await;
                (closed_by_us(code, reason), Some(anyhow::anyhow!(message)))
            }
            None => {
                // The transport failed under us: no close handshake, so 1006.
                let message = format!("connection lost: {e}");
                conn.error(ErrorKind::Io, &message);
                (abnormal(by.or(Some(Side::Remote))), None)
            }
        },
    }
}

/// A handler's error that is the peer's refusal of the protocol's session (exit 3, as a
/// refused handshake) or the peer's end of it (a STOMP ERROR, `PeerEnded`), not a failure of
/// ours.
fn refused(e: &anyhow::Error) -> bool {
    e.is::<crate::error::PeerEnded>()
        || e.downcast_ref::<Failure>()
            .is_some_and(|f| f.status == ExitCode::Connect)
}

/// The stream ended with no close frame: abnormal, unless a session above (SockJS's `c`
/// frame) closed first, which closed cleanly all the same.
fn dropped(conn: &Conn, by: Option<Side>) -> CloseInfo {
    let above = conn.state().above_close.take();
    match above {
        Some(b) => CloseInfo {
            code: b.0,
            reason: b.1,
            was_clean: true,
            initiator: Some(Side::Remote),
        },
        None => abnormal(by.or(Some(Side::Remote))),
    }
}

fn abnormal(initiator: Option<Side>) -> CloseInfo {
    CloseInfo {
        code: CloseInfo::ABNORMAL,
        reason: String::new(),
        was_clean: false,
        initiator,
    }
}

fn closed_by_us(code: u16, reason: &str) -> CloseInfo {
    CloseInfo {
        code,
        reason: reason.to_owned(),
        was_clean: false,
        initiator: Some(Side::Local),
    }
}

pub(super) fn frame_parts(frame: &Option<CloseFrame>) -> (u16, String) {
    match frame {
        Some(f) => (u16::from(f.code), f.reason.as_str().to_owned()),
        None => (CloseInfo::NO_STATUS, String::new()),
    }
}

fn kind_of(e: &WsError) -> ErrorKind {
    match e {
        WsError::Capacity(_) => ErrorKind::TooLarge,
        WsError::Utf8(_) => ErrorKind::InvalidUtf8,
        WsError::Io(io) if failfast::is_invalid_utf8(io) => ErrorKind::InvalidUtf8,
        WsError::Io(io) if matches!(failure_of(io), Some(ReadError::TooLarge { .. })) => {
            ErrorKind::TooLarge
        }
        _ => ErrorKind::Protocol,
    }
}

/// The close code with which we fail a connection after a read error, if it is the peer's
/// fault (RFC 6455 §7.1.7); `None` for transport failures, which get no close frame.
fn protocol_failure(e: &WsError, opts: &DriveOpts) -> Option<(u16, &'static str, String)> {
    match e {
        WsError::Capacity(CapacityError::MessageTooLong { size, .. }) => Some((
            1009,
            "message too big",
            format!(
                "received a message of {} bytes, over the limit of {} bytes (raise --max-message-size)",
                size, opts.max_message_size
            ),
        )),
        WsError::Capacity(c) => Some((1009, "message too big", format!("{c}"))),
        WsError::Io(io) if failfast::is_invalid_utf8(io) => Some((
            1007,
            "invalid UTF-8",
            "received a text message that is not valid UTF-8".to_owned(),
        )),
        WsError::Io(io) if failure_of(io).is_some() => match failure_of(io)? {
            ReadError::TooLarge { limit } => Some((
                1009,
                "message too big",
                format!(
                    "a compressed message inflates to more than the limit of {limit} bytes (raise --max-message-size)"
                ),
            )),
            ReadError::Invalid(why) => Some((
                1007,
                "invalid compressed data",
                format!("a compressed message does not inflate: {why}"),
            )),
        },
        WsError::Utf8(_) => Some((
            1007,
            "invalid UTF-8",
            "received a text message that is not valid UTF-8".to_owned(),
        )),
        WsError::Protocol(p) => match p {
            tokio_tungstenite::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake => {
                None
            }
            p => Some((1002, "protocol error", format!("the peer broke the protocol: {p}"))),
        },
        _ => None,
    }
}

/// Fails the connection: sends a close frame (best effort, bounded in time) and stops.
async fn fail<S>(
    sink: &mut futures_util::stream::SplitSink<WebSocketStream<S>, Message>,
    conn: &Conn,
    code: u16,
    reason: &str,
    opts: &DriveOpts,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    conn.closing(Side::Local, code, reason);
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(opts.close_timeout, sink.send(Message::Close(Some(frame)))).await;
}

/// Sends our close frame and waits (bounded) for the peer's; true if it came.
async fn close_politely<S>(
    sink: &mut futures_util::stream::SplitSink<WebSocketStream<S>, Message>,
    stream: &mut futures_util::stream::SplitStream<WebSocketStream<S>>,
    conn: &Conn,
    code: u16,
    reason: &str,
    opts: &DriveOpts,
) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fail(sink, conn, code, reason, opts).await;
    let answered = async {
        while let Some(Ok(msg)) = stream.next().await {
            if msg.is_close() {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(opts.close_timeout, answered)
        .await
        .unwrap_or(false)
}
