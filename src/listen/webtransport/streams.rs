//! What a WebTransport session does with a stream the client opens: echo it (a bidirectional
//! stream on itself, finished when the client finishes; a unidirectional one answered on a new
//! unidirectional stream once it ends), or, with `--exec`, hand a bidirectional stream to a
//! program of its own. Every piece of data, finish and reset is an event of the session.

use std::process::Stdio;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use wtransport::error::{StreamReadError, StreamWriteError};
use wtransport::{Connection, RecvStream, SendStream, VarInt};

use crate::error::ErrorKind;
use crate::session::webtransport::StreamKind;
use crate::session::{Conn, Dir, Event, Side};

/// The most a stream read hands over at a time.
const CHUNK: usize = 64 * 1024;

/// What a session's stream tasks share.
pub(super) struct Streams {
    pub conn: Arc<Conn>,
    pub session: Connection,
    /// `--exec`: each bidirectional stream runs this command.
    pub exec: Option<String>,
    /// The most a unidirectional stream may carry before it is answered (`--max-message-size`).
    pub max_uni: usize,
    /// The request as environment variables for `--exec` (path, peer).
    pub env: Vec<(String, String)>,
}

/// A reset or stop code as the client's API gave it (browsers send WebTransport's codes in
/// HTTP/3's range; a raw code passes as it is).
fn code(v: VarInt) -> u32 {
    crate::webtransport::codes::from_wire(v.into_inner())
}

/// A bidirectional stream the client opened.
pub(super) async fn bidi(ctx: Arc<Streams>, send: SendStream, recv: RecvStream) {
    let id = recv.id().into_u64();
    ctx.conn.stream_opened(id, StreamKind::Bidi, Side::Remote);
    match &ctx.exec {
        Some(command) => exec(&ctx, id, command, send, recv).await,
        None => echo(&ctx.conn, id, send, recv).await,
    }
    ctx.conn.stream_gone(id);
}

/// Echoes a bidirectional stream on itself; a reset is answered with a reset of the same code.
async fn echo(conn: &Conn, id: u64, mut send: SendStream, mut recv: RecvStream) {
    let mut buf = vec![0; CHUNK];
    loop {
        match recv.read(&mut buf).await {
            Ok(Some(n)) => {
                conn.stream_data(id, Dir::In, &buf[..n], false);
                if let Err(e) = send.write_all(&buf[..n]).await {
                    written_error(conn, id, &e);
                    return;
                }
                conn.stream_data(id, Dir::Out, &buf[..n], false);
                // The events of what was read and written, at this boundary (they are
                // buffered as messages are).
                conn.sink().flush();
            }
            Ok(None) => {
                conn.stream_finished(id, Dir::In);
                finish(conn, id, &mut send).await;
                return;
            }
            Err(e) => {
                read_error(conn, id, &e);
                if let StreamReadError::Reset(c) = e {
                    if send.reset(c).is_ok() {
                        conn.stream_reset(id, Dir::Out, code(c));
                    }
                }
                return;
            }
        }
    }
}

/// Sends the FIN (shown at once: wtransport's `finish` waits until the client has
/// acknowledged everything, which a client that closes the session at once may never do).
async fn finish(conn: &Conn, id: u64, send: &mut SendStream) {
    conn.stream_finished(id, Dir::Out);
    conn.sink().flush();
    let _ = send.finish().await;
}

/// A read that failed: a reset is an event of its own, a session going away says nothing.
fn read_error(conn: &Conn, id: u64, e: &StreamReadError) {
    if let StreamReadError::Reset(c) = e {
        conn.stream_reset(id, Dir::In, code(*c));
    }
}

/// A write that failed: the client stopped reading (STOP_SENDING) or the session went away.
fn written_error(conn: &Conn, id: u64, e: &StreamWriteError) {
    if let StreamWriteError::Stopped(c) = e {
        conn.error(
            ErrorKind::Io,
            &format!(
                "stream {id}: the client stopped reading (code {})",
                code(*c)
            ),
        );
    }
}

/// A unidirectional stream the client opened: read to its end, then answered on a new
/// unidirectional stream with the same bytes.
pub(super) async fn uni(ctx: Arc<Streams>, mut recv: RecvStream) {
    let conn = &ctx.conn;
    let id = recv.id().into_u64();
    conn.stream_opened(id, StreamKind::Uni, Side::Remote);
    let mut all = Vec::new();
    let mut buf = vec![0; CHUNK];
    let ended = loop {
        match recv.read(&mut buf).await {
            Ok(Some(n)) => {
                conn.stream_data(id, Dir::In, &buf[..n], false);
                if all.len() + n > ctx.max_uni {
                    conn.error(
                        ErrorKind::TooLarge,
                        &format!(
                            "stream {id}: more than {} bytes (--max-message-size): not answered",
                            ctx.max_uni
                        ),
                    );
                    recv.stop(VarInt::from_u32(0));
                    break false;
                }
                all.extend_from_slice(&buf[..n]);
            }
            Ok(None) => {
                conn.stream_finished(id, Dir::In);
                break true;
            }
            Err(e) => {
                read_error(conn, id, &e);
                break false;
            }
        }
    };
    conn.stream_gone(id);
    if ended {
        answer_uni(&ctx, &all).await;
    }
}

/// Sends `data` on a new unidirectional stream, finished.
async fn answer_uni(ctx: &Streams, data: &[u8]) {
    let conn = &ctx.conn;
    let opened = match ctx.session.open_uni().await {
        Ok(opening) => opening.await,
        Err(_) => return,
    };
    let Ok(mut send) = opened else { return };
    let id = send.id().into_u64();
    conn.stream_opened(id, StreamKind::Uni, Side::Local);
    match send.write_all(data).await {
        Ok(()) => {
            if !data.is_empty() {
                conn.stream_data(id, Dir::Out, data, false);
            }
            finish(conn, id, &mut send).await;
        }
        Err(e) => written_error(conn, id, &e),
    }
    conn.stream_gone(id);
}

/// `--exec`: the stream's bytes go to the program's stdin as they come (its end closes
/// stdin), what it prints goes back on the stream, and its exit finishes the stream.
async fn exec(ctx: &Streams, id: u64, command: &str, mut send: SendStream, mut recv: RecvStream) {
    let conn = ctx.conn.clone();
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(command)
        .envs(ctx.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("WEBTRANSPORT_STREAM", id.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            conn.error(
                ErrorKind::Exec,
                &format!("stream {id}: cannot run {command}: {e}"),
            );
            let _ = send.reset(VarInt::from_u32(1));
            return;
        }
    };
    let (Some(mut stdin), Some(mut stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    let errs = conn.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(text)) = lines.next_line().await {
            errs.emit(&Event::Stderr { text: &text });
        }
    });
    let input = conn.clone();
    let feeder = tokio::spawn(async move {
        let mut buf = vec![0; CHUNK];
        loop {
            match recv.read(&mut buf).await {
                Ok(Some(n)) => {
                    input.stream_data(id, Dir::In, &buf[..n], false);
                    if stdin.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    input.stream_finished(id, Dir::In);
                    return;
                }
                Err(e) => return read_error(&input, id, &e),
            }
        }
    });
    let mut buf = vec![0; CHUNK];
    while let Ok(n @ 1..) = stdout.read(&mut buf).await {
        if let Err(e) = send.write_all(&buf[..n]).await {
            written_error(&conn, id, &e);
            break;
        }
        conn.stream_data(id, Dir::Out, &buf[..n], false);
        conn.sink().flush();
    }
    finish(&conn, id, &mut send).await;
    feeder.abort();
    if let Ok(status) = child.wait().await {
        use std::os::unix::process::ExitStatusExt;
        conn.emit(&Event::Exit {
            status: status.code(),
            signal: status.signal(),
        });
    }
}
