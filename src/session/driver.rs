//! The driver: runs one open WebSocket until it is CLOSED, reading and writing at the same
//! time, and reports everything through its [`Conn`].
//!
//! Reading and writing are two futures in one task over the split stream, so a peer that
//! echoes while we send (the usual case) can never deadlock us. Outgoing data arrives in
//! batches on a bounded channel (backpressure, one flush per batch); control requests (ping,
//! close) on their own channel and take priority. Incoming messages go to an [`Inbound`]
//! handler, which is told when no further message is ready so it can flush at idle points.
//!
//! The sink sits behind an async mutex shared by both futures: a handler's reply (echo) is
//! queued into the sink before the next frame is read, so replies to everything received
//! before the peer's close frame go out ahead of our close reply, and are flushed once per
//! burst of ready messages rather than once per message.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, Mutex, Notify};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

use super::ending::{conclude, frame_parts};
use crate::error::ErrorKind;
use crate::error::StdoutClosed;
use crate::session::{CloseInfo, Conn, Dir, MsgType, Side};
use crate::value::Close;

/// Outgoing data messages, in the order they are to be sent.
pub type Batch = Vec<Message>;

pub use crate::session::control::{control, Control, ControlRx, ControlTx};

/// Where received data messages go.
pub trait Inbound {
    /// A text or binary message arrived; a returned message is sent back at once, before the
    /// next frame is read, so replies keep their order even around the peer's close frame.
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>>;
    /// No further message is ready right now: a good moment to flush.
    fn idle(&mut self) -> anyhow::Result<()>;
    /// The connection is OPEN and about to be driven.
    fn opened(&mut self) {}
}

#[derive(Debug, Clone)]
pub struct DriveOpts {
    /// Close with this code and reason when the data channel ends (end of input).
    pub close_on_eof: Option<Close>,
    /// With `close_on_eof`: before closing, wait for the peer's replies. The close goes out as
    /// soon as as many messages have been received as were sent, or once no message has
    /// arrived for this long. Zero closes at once. (A peer's handler that answers from another
    /// task, as asyncio and Node servers do, loses its reply if our close arrives first.)
    pub reply_wait: Duration,
    /// How long to wait for the peer's side of the closing handshake.
    pub close_timeout: Duration,
    /// The largest message accepted (for the error message when one is larger).
    pub max_message_size: usize,
    /// Send pings and give up on a peer that stops answering them.
    pub heartbeat: Option<Heartbeat>,
    /// Leave what could not be sent to the caller (in [`Ending::leftover`] and the data
    /// channel) instead of reporting it as lost: a reconnecting client sends it next time.
    pub keep_unsent: bool,
    /// Send nothing from the data channel (nor what was carried over) until `Control::Release`:
    /// a protocol spoken on the WebSocket must finish its handshake first, on every connection
    /// (a Socket.IO server drops a client whose events come before the namespace CONNECT).
    pub hold_data: bool,
}

/// `--ping-interval` / `--ping-timeout`.
#[derive(Debug, Clone, Copy)]
pub struct Heartbeat {
    pub interval: Duration,
    pub timeout: Duration,
}

/// How a connection ended.
#[derive(Debug)]
pub struct Ending {
    pub close: CloseInfo,
    /// A failure that ended the connection (protocol error, oversize message, I/O error).
    pub error: Option<anyhow::Error>,
    /// Messages that were queued for sending but could not be sent (reported already unless
    /// `keep_unsent`).
    pub unsent: usize,
    /// Messages taken from the data channel that never reached the socket, in order.
    pub leftover: VecDeque<Message>,
    /// The heartbeat declared the peer dead.
    pub dead: bool,
    /// `error` is a failure of our own side (the handler's: output that could not be
    /// written), not something the peer did.
    pub own_failure: bool,
}

pub(super) enum ReaderEnd {
    /// The heartbeat gave up on the peer (a layer above says why; `None`: no pong).
    Dead(Option<String>),
    /// The stream ended after a close frame was received (the closing handshake happened).
    Closed(Option<CloseFrame>),
    /// The stream ended with no close frame.
    Dropped,
    Error(WsError),
    Handler(anyhow::Error),
}

enum WriterEnd {
    CloseSent,
    /// No pong within the heartbeat timeout, or a layer above found the peer silent
    /// (`Control::Dead`): the connection is considered dead.
    Dead(Option<String>),
    /// The close frame could not be written within the close timeout (the peer reads nothing).
    Stuck,
    Failed(WsError),
}

/// Runs the connection until CLOSED; emits CLOSING and CLOSED on `conn`. `carry` is sent
/// before anything from `data` (what a previous connection could not send).
pub async fn drive<S, H>(
    ws: WebSocketStream<S>,
    conn: &Conn,
    carry: VecDeque<Message>,
    mut data: Option<&mut mpsc::Receiver<Batch>>,
    control: &mut ControlRx,
    inbound: &mut H,
    opts: &DriveOpts,
) -> Ending
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Inbound,
{
    inbound.opened();
    let (sink, mut stream) = ws.split();
    let sink = Mutex::new(sink);
    let mut writer_end = None;
    let mut close_deadline: Option<Instant> = None;
    let mut pending = carry;
    // Told by the reader of every data message, for the writer waiting for replies.
    let arrived = Notify::new();
    // The peer's close frame, once the reader has it.
    let peer_close = std::sync::Mutex::new(None);
    let reader_end = {
        let reader = read_loop(
            &mut stream,
            &sink,
            conn,
            inbound,
            (opts.close_timeout, &peer_close),
            &arrived,
        );
        let writer = write_loop(
            &sink,
            conn,
            data.as_deref_mut(),
            control,
            &mut pending,
            opts,
            &arrived,
        );
        tokio::pin!(reader, writer);
        loop {
            tokio::select! {
                r = &mut reader => break Some(r),
                w = &mut writer, if writer_end.is_none() => {
                    match w {
                        WriterEnd::CloseSent => {
                            close_deadline = Some(deadline_after(opts.close_timeout));
                        }
                        // Nothing more is to be expected from a dead peer.
                        WriterEnd::Dead(why) => break Some(ReaderEnd::Dead(why)),
                        WriterEnd::Stuck => break None,
                        WriterEnd::Failed(..) => {}
                    }
                    writer_end = Some(w);
                }
                // The peer answered our close but has not ended the connection (an HTTP/2
                // server may leave the stream open): the closing handshake is complete.
                () = sleep_until(close_deadline), if close_deadline.is_some() => {
                    break lock(&peer_close).take().map(ReaderEnd::Closed)
                }
            }
        }
    };

    if let Some(WriterEnd::Failed(e)) = &writer_end {
        // Refusals because the peer closed first are explained by the close itself.
        if !matches!(
            e,
            WsError::ConnectionClosed | WsError::AlreadyClosed | WsError::Protocol(_)
        ) {
            conn.error(ErrorKind::Io, &format!("sending failed: {e}"));
        }
    }
    // stdout's reader went away (`| head -1`): close normally and quietly; what was not sent
    // does not matter any more.
    let output_gone = matches!(&reader_end, Some(ReaderEnd::Handler(e)) if e.is::<StdoutClosed>());
    let mut unsent = pending.len();
    // What is still queued was read from the input but never went out.
    if let (Some(data), false) = (data, opts.keep_unsent) {
        while let Ok(batch) = data.try_recv() {
            unsent += batch.len();
        }
    }
    if unsent > 0 && !opts.keep_unsent && !output_gone {
        report_unsent(conn, unsent);
    }

    let dead = matches!(reader_end, Some(ReaderEnd::Dead(_)));
    let own_failure = matches!(reader_end, Some(ReaderEnd::Handler(_)));
    let (close, error) = conclude(
        reader_end,
        sink.into_inner(),
        stream,
        conn,
        opts,
        output_gone,
    )
    .await;
    // Sent messages not shown yet (they wait to go through permessage-deflate).
    conn.sent_through(true);
    conn.closed(&close);
    conn.sink().flush();
    Ending {
        close,
        error,
        unsent,
        leftover: pending,
        dead,
        own_failure,
    }
}

/// Reports messages that were read from the input but never went out.
pub fn report_unsent(conn: &Conn, unsent: usize) {
    conn.error(
        ErrorKind::Unsent,
        &format!("{unsent} queued message(s) were not sent: the connection closed first"),
    );
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

type Sink<S> = Mutex<futures_util::stream::SplitSink<WebSocketStream<S>, Message>>;

async fn read_loop<S, H>(
    stream: &mut futures_util::stream::SplitStream<WebSocketStream<S>>,
    sink: &Sink<S>,
    conn: &Conn,
    inbound: &mut H,
    (close_timeout, peer_close): (Duration, &std::sync::Mutex<Option<Option<CloseFrame>>>),
    arrived: &Notify,
) -> ReaderEnd
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Inbound,
{
    let mut close_frame: Option<Option<CloseFrame>> = None;
    // Replies fed to the sink and not flushed yet.
    let mut unflushed = false;
    loop {
        let next = match stream.next().now_or_never() {
            Some(next) => next,
            None => {
                if let Err(e) = inbound.idle() {
                    return ReaderEnd::Handler(e);
                }
                if unflushed {
                    unflushed = false;
                    if let Err(e) = sink.lock().await.flush().await {
                        return ReaderEnd::Error(e);
                    }
                    conn.sent_through(false);
                }
                conn.sink().flush();
                match &close_frame {
                    // After the peer's close frame only the end of the stream is left to
                    // see; don't wait for it forever.
                    Some(f) => match tokio::time::timeout(close_timeout, stream.next()).await {
                        Ok(next) => next,
                        Err(_) => return ReaderEnd::Closed(f.clone()),
                    },
                    None => stream.next().await,
                }
            }
        };
        let msg = match next {
            Some(Ok(msg)) => msg,
            None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                return match close_frame {
                    Some(f) => ReaderEnd::Closed(f),
                    None => ReaderEnd::Dropped,
                }
            }
            Some(Err(e)) => {
                return match close_frame {
                    // The handshake is done; a reset after it is not worth reporting.
                    Some(f) if matches!(e, WsError::Io(_)) => ReaderEnd::Closed(f),
                    _ => ReaderEnd::Error(e),
                };
            }
        };
        let reply = match msg {
            // The reply wait is told after the handler, which may mark the message as no reply.
            Message::Text(t) => {
                conn.message(Dir::In, MsgType::Text, t.as_bytes());
                let reply = inbound.message(Message::Text(t));
                arrived.notify_one();
                reply
            }
            Message::Binary(b) => {
                conn.message(Dir::In, MsgType::Binary, &b);
                let reply = inbound.message(Message::Binary(b));
                arrived.notify_one();
                reply
            }
            Message::Ping(p) => {
                conn.ping(Dir::In, &p);
                Ok(None)
            }
            Message::Pong(p) => {
                conn.pong(Dir::In, &p);
                Ok(None)
            }
            Message::Close(frame) => {
                let (code, reason) = frame_parts(&frame);
                conn.closing(Side::Remote, code, &reason);
                *lock(peer_close) = Some(frame.clone());
                close_frame = Some(frame);
                Ok(None)
            }
            Message::Frame(_) => Ok(None),
        };
        match reply {
            Ok(None) => {}
            Ok(Some(reply)) => {
                track_out(conn, &reply);
                match feed_through(&mut *sink.lock().await, reply).await {
                    Ok(()) => unflushed = true,
                    // We are closing: nothing more may be sent, and the close says why.
                    Err(
                        WsError::Protocol(_) | WsError::ConnectionClosed | WsError::AlreadyClosed,
                    ) => {}
                    Err(e) => return ReaderEnd::Error(e),
                }
            }
            Err(e) => return ReaderEnd::Handler(e),
        }
    }
}

/// Queues a message in the WebSocket's own write buffer now. `SplitSink::feed` alone parks the
/// last item in the split half until the next poll, which would let a close frame read in the
/// meantime overtake it (and then refuse it).
async fn feed_through<S>(
    sink: &mut futures_util::stream::SplitSink<WebSocketStream<S>, Message>,
    msg: Message,
) -> Result<(), WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    sink.feed(msg).await?;
    std::future::poll_fn(|cx| sink.poll_ready_unpin(cx)).await
}

fn track_out(conn: &Conn, msg: &Message) {
    match msg {
        Message::Text(t) => conn.message(Dir::Out, MsgType::Text, t.as_bytes()),
        Message::Binary(b) => conn.message(Dir::Out, MsgType::Binary, b),
        _ => {}
    }
}

async fn write_loop<S>(
    sink: &Sink<S>,
    conn: &Conn,
    mut data: Option<&mut mpsc::Receiver<Batch>>,
    control: &mut ControlRx,
    // Taken from the data channel, not yet in the socket. Writing them can be interrupted by
    // a control request (a close to a peer that stopped reading must not wait behind them).
    pending: &mut VecDeque<Message>,
    opts: &DriveOpts,
    arrived: &Notify,
) -> WriterEnd
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut data_open = data.is_some();
    let mut held = opts.hold_data;
    let mut unflushed = false;
    let mut ticks = heartbeat_ticks(opts);
    // While a heartbeat ping is unanswered: the pong count when it was sent, and the deadline.
    let mut awaiting: Option<(u64, Instant)> = None;
    let mut seq: u64 = 0;
    // A `Finish` request waiting for the data queue to drain.
    let mut finish: Option<Close> = None;
    // The input has ended: waiting for the peer's replies until this deadline (moved on by
    // every message that arrives).
    // The reply wait's deadline, and the replies counted when it was last moved.
    let mut replies_by: Option<(Instant, u64)> = None;
    loop {
        // Only looked at while a Finish waits: this loop runs once per batch.
        let drained = finish.is_some()
            && pending.is_empty()
            && !unflushed
            && data.as_ref().is_none_or(|d| d.is_empty());
        tokio::select! {
            biased;
            () = sleep_until(awaiting.map(|a| a.1)), if awaiting.is_some() => {
                if let Some((pongs_then, _)) = awaiting.take() {
                    if conn.state().pongs_in == pongs_then {
                        return WriterEnd::Dead(None);
                    }
                }
            }
            c = control.recv() => {
                let res = match c {
                    Control::Close(c) => {
                        return close(sink, conn, &c, opts.close_timeout).await;
                    }
                    Control::Finish(c) => {
                        finish = Some(c);
                        Ok(())
                    }
                    Control::Dead(why) => return WriterEnd::Dead(Some(why)),
                    Control::Release => {
                        held = false;
                        Ok(())
                    }
                    Control::EndOfData => {
                        if let Some(end) = data_over(sink, conn, opts, &mut replies_by).await {
                            return end;
                        }
                        Ok(())
                    }
                    Control::Ping(p) => {
                        conn.ping(Dir::Out, &p);
                        sink.lock().await.send(Message::Ping(p)).await
                    }
                    Control::Pong(p) => {
                        conn.pong(Dir::Out, &p);
                        sink.lock().await.send(Message::Pong(p)).await
                    }
                };
                if let Err(e) = res {
                    return WriterEnd::Failed(e);
                }
            }
            _ = tick(&mut ticks), if ticks.is_some() => {
                if let Err(e) = heartbeat_ping(sink, conn, opts, &mut seq, &mut awaiting).await {
                    return WriterEnd::Failed(e);
                }
            }
            res = write_pending(sink, conn, pending), if !pending.is_empty() && !held => {
                match res {
                    Ok(()) => unflushed = true,
                    Err(e) => return WriterEnd::Failed(e),
                }
            }
            res = flush(sink), if pending.is_empty() && unflushed => {
                unflushed = false;
                if let Err(e) = res {
                    return WriterEnd::Failed(e);
                }
                conn.sent_through(false);
            }
            // A ready future, not the close itself: every branch's future is stored at once
            // while select! waits, and each idle connection pays for that size.
            () = std::future::ready(()), if finish.is_some() && drained => {
                let c = finish.take().unwrap_or_else(Close::normal);
                return close(sink, conn, &c, opts.close_timeout).await;
            }
            () = replies_in(conn, arrived, &mut replies_by, opts.reply_wait), if replies_by.is_some() => {
                if let Some(c) = &opts.close_on_eof {
                    return close(sink, conn, c, opts.close_timeout).await;
                }
            }
            batch = recv(&mut data), if data_open && !held && pending.is_empty() && !unflushed => match batch {
                Some(batch) => pending.extend(batch),
                None => {
                    data_open = false;
                    if let Some(end) = data_over(sink, conn, opts, &mut replies_by).await {
                        return end;
                    }
                }
            },
            else => std::future::pending::<()>().await,
        }
    }
}

/// Sends the next heartbeat ping; the first unanswered one sets the deadline for a pong.
async fn heartbeat_ping<S>(
    sink: &Sink<S>,
    conn: &Conn,
    opts: &DriveOpts,
    seq: &mut u64,
    awaiting: &mut Option<(u64, Instant)>,
) -> Result<(), WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    *seq += 1;
    let payload = Bytes::from(format!("heartbeat {seq}"));
    conn.ping(Dir::Out, &payload);
    if awaiting.is_none() {
        let timeout = opts.heartbeat.map(|h| h.timeout).unwrap_or_default();
        *awaiting = Some((conn.state().pongs_in, deadline_after(timeout)));
    }
    sink.lock().await.send(Message::Ping(payload)).await
}

/// The heartbeat's ticks. Boxed: most connections have no heartbeat, and every idle
/// connection pays for the size of the writer's future.
fn heartbeat_ticks(opts: &DriveOpts) -> Option<Box<tokio::time::Interval>> {
    opts.heartbeat.map(|h| {
        let mut t = tokio::time::interval_at(Instant::now() + h.interval, h.interval);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Box::new(t)
    })
}

/// The data is over (its channel ended, or `Control::EndOfData`): with `close_on_eof`, close
/// at once or start waiting for the replies (`replies_by`).
async fn data_over<S>(
    sink: &Sink<S>,
    conn: &Conn,
    opts: &DriveOpts,
    replies_by: &mut Option<(Instant, u64)>,
) -> Option<WriterEnd>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let c = opts.close_on_eof.as_ref()?;
    if opts.reply_wait.is_zero() {
        return Some(close(sink, conn, c, opts.close_timeout).await);
    }
    *replies_by = Some((deadline_after(opts.reply_wait), replies(conn)));
    None
}

/// Feeds the pending messages in order; each leaves `pending` only once the sink took it, so
/// an interruption (this future dropped while the socket is full) loses nothing.
async fn write_pending<S>(
    sink: &Sink<S>,
    conn: &Conn,
    pending: &mut VecDeque<Message>,
) -> Result<(), WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut sink = sink.lock().await;
    while let Some(msg) = pending.front() {
        // Cloning a message clones a reference-counted buffer, not the payload.
        sink.feed(msg.clone()).await?;
        if let Some(msg) = pending.pop_front() {
            track_out(conn, &msg);
        }
    }
    Ok(())
}

async fn flush<S>(sink: &Sink<S>) -> Result<(), WsError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    sink.lock().await.flush().await
}

/// Resolves once as many replies have been received as messages were sent, or when `deadline`
/// passes (a message the handler marked as answering nothing is no reply);
/// every reply that arrives moves the deadline `wait` further. A protocol's own traffic (a
/// Socket.IO ping, a STOMP heart-beat) is no reply, so it does not keep the wait open.
async fn replies_in(
    conn: &Conn,
    arrived: &Notify,
    deadline: &mut Option<(Instant, u64)>,
    wait: Duration,
) {
    loop {
        {
            let st = conn.state();
            if st.msgs_in.saturating_sub(st.not_replies) >= st.msgs_out {
                return;
            }
        }
        let Some((by, seen)) = *deadline else { return };
        tokio::select! {
            () = arrived.notified() => {
                let now = replies(conn);
                if now > seen {
                    *deadline = Some((deadline_after(wait), now));
                }
            }
            () = tokio::time::sleep_until(by) => return,
        }
    }
}

/// The messages received that answer something (all but those a handler marked as none).
fn replies(conn: &Conn) -> u64 {
    let st = conn.state();
    st.msgs_in.saturating_sub(st.not_replies)
}

/// `now + d`, saturating far in the future instead of overflowing.
pub fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

async fn tick(ticks: &mut Option<Box<tokio::time::Interval>>) {
    match ticks {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn recv(data: &mut Option<&mut mpsc::Receiver<Batch>>) -> Option<Batch> {
    match data {
        Some(rx) => rx.recv().await,
        None => None,
    }
}

async fn close<S>(sink: &Sink<S>, conn: &Conn, c: &Close, limit: Duration) -> WriterEnd
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    conn.sent_through(false);
    let farewell = conn.state().farewell.take();
    if let Some(msg) = farewell {
        // A protocol's goodbye (STOMP's DISCONNECT) before the close; bounded like the close.
        let send = async { sink.lock().await.send(msg.clone()).await };
        if let Ok(Ok(())) = tokio::time::timeout(limit, send).await {
            track_out(conn, &msg);
        }
    }
    conn.closing(Side::Local, c.code, &c.reason);
    let frame = CloseFrame {
        code: CloseCode::from(c.code),
        reason: c.reason.as_str().into(),
    };
    let send = async { sink.lock().await.send(Message::Close(Some(frame))).await };
    match tokio::time::timeout(limit, send).await {
        Ok(Ok(())) => WriterEnd::CloseSent,
        // The peer closed first: its close frame is what the reader reports.
        Ok(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => WriterEnd::CloseSent,
        Ok(Err(e)) => WriterEnd::Failed(e),
        // The peer reads nothing: the close frame cannot even be written.
        Err(_) => WriterEnd::Stuck,
    }
}

/// The lock, whether or not a holder panicked.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
