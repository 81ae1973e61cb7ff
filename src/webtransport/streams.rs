//! A session's streams as tasks that report to the driver: a reader per receiving side (its
//! bytes, its FIN or its reset), a writer per sending side (fed through a small queue, so a
//! peer that reads slowly holds back stdin and nothing else), and the accept loops for the
//! streams and datagrams the peer sends. Everything they see goes to the driver on one
//! channel ([`Incoming`]), in the order it happened on each stream; the driver alone emits
//! events, so their order on a stream is the order on the wire.

use tokio::sync::mpsc;
use wtransport::error::{ConnectionError, StreamReadError, StreamWriteError};
use wtransport::{Connection, RecvStream, SendStream, VarInt};

use super::codes;
use crate::session::webtransport::StreamKind;

/// How much a reader takes from a stream at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Writes queued for one stream before the driver waits.
pub const WRITE_QUEUE: usize = 4;

/// What the tasks tell the driver.
#[derive(Debug)]
pub enum Incoming {
    /// The peer opened a stream (its receiving side is read from now on).
    Opened {
        id: u64,
        kind: StreamKind,
        send: Option<SendStream>,
    },
    Data {
        id: u64,
        bytes: Vec<u8>,
    },
    /// The peer finished its side of the stream.
    Fin {
        id: u64,
    },
    /// The peer reset its side of the stream (WebTransport code).
    Reset {
        id: u64,
        code: u32,
    },
    Datagram(Vec<u8>),
    /// A writer is done: finished (and acknowledged), reset, or stopped by the peer.
    Written {
        id: u64,
        end: WriteEnd,
    },
    /// The session is over (the first of the accept loops to see it says how).
    Ended(ConnectionError),
}

#[derive(Debug)]
pub enum WriteEnd {
    /// Our FIN went out and the peer acknowledged everything before it.
    Finished,
    /// We reset it (`/reset`; shown when asked for).
    Reset,
    /// The peer asked us to stop sending (STOP_SENDING), with its code.
    Stopped(u32),
    /// The connection went away first.
    Lost,
}

/// What a writer is asked to do.
#[derive(Debug)]
pub enum WriteCmd {
    Data(Vec<u8>),
    Finish,
    Reset(u32),
}

pub type Report = mpsc::UnboundedSender<Incoming>;

/// Starts the accept loops (bidirectional streams, unidirectional streams, datagrams).
pub fn accept(connection: &Connection, report: &Report) {
    let (c, r) = (connection.clone(), report.clone());
    tokio::spawn(async move {
        loop {
            match c.accept_bi().await {
                Ok((send, recv)) => {
                    let id = recv.id().into_u64();
                    let _ = r.send(Incoming::Opened {
                        id,
                        kind: StreamKind::Bidi,
                        send: Some(send),
                    });
                    read(id, recv, r.clone());
                }
                Err(e) => return ended(&r, e),
            }
        }
    });
    let (c, r) = (connection.clone(), report.clone());
    tokio::spawn(async move {
        loop {
            match c.accept_uni().await {
                Ok(recv) => {
                    let id = recv.id().into_u64();
                    let _ = r.send(Incoming::Opened {
                        id,
                        kind: StreamKind::Uni,
                        send: None,
                    });
                    read(id, recv, r.clone());
                }
                Err(e) => return ended(&r, e),
            }
        }
    });
    let (c, r) = (connection.clone(), report.clone());
    tokio::spawn(async move {
        loop {
            match c.receive_datagram().await {
                Ok(d) => {
                    let _ = r.send(Incoming::Datagram(d.payload().to_vec()));
                }
                Err(e) => return ended(&r, e),
            }
        }
    });
}

fn ended(r: &Report, e: ConnectionError) {
    let _ = r.send(Incoming::Ended(e));
}

/// Reads a receiving side to its end.
pub fn read(id: u64, mut recv: RecvStream, r: Report) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            match recv.read(&mut buf).await {
                Ok(Some(n)) => {
                    let _ = r.send(Incoming::Data {
                        id,
                        bytes: buf[..n].to_vec(),
                    });
                }
                Ok(None) => {
                    let _ = r.send(Incoming::Fin { id });
                    return;
                }
                Err(StreamReadError::Reset(code)) => {
                    let _ = r.send(Incoming::Reset {
                        id,
                        code: codes::from_wire(code.into_inner()),
                    });
                    return;
                }
                // The session is going; the accept loops say how.
                Err(_) => return,
            }
        }
    });
}

/// Starts the writer of a sending side; returns its queue.
pub fn write(id: u64, mut send: SendStream, r: Report) -> mpsc::Sender<WriteCmd> {
    let (tx, mut rx) = mpsc::channel::<WriteCmd>(WRITE_QUEUE);
    tokio::spawn(async move {
        let end = loop {
            let Some(cmd) = rx.recv().await else {
                // The driver let go without finishing: the session is over.
                return;
            };
            match cmd {
                WriteCmd::Data(bytes) => match send.write_all(&bytes).await {
                    Ok(()) => {}
                    Err(e) => break write_error(e),
                },
                WriteCmd::Finish => break finish(&mut send).await,
                WriteCmd::Reset(code) => {
                    let wire = VarInt::try_from_u64(codes::to_http3(code))
                        .expect("WebTransport codes fit a varint");
                    let _ = send.reset(wire);
                    break WriteEnd::Reset;
                }
            }
        };
        let _ = r.send(Incoming::Written { id, end });
    });
    tx
}

/// Sends the FIN and waits until the peer has acknowledged everything (so that a close right
/// after does not cut off the end of the data).
async fn finish(send: &mut SendStream) -> WriteEnd {
    if let Err(e) = send.finish().await {
        return write_error(e);
    }
    // `Closed`: everything, the FIN included, was acknowledged.
    match send.stopped().await {
        StreamWriteError::Closed => WriteEnd::Finished,
        e => write_error(e),
    }
}

fn write_error(e: StreamWriteError) -> WriteEnd {
    match e {
        StreamWriteError::Stopped(code) => WriteEnd::Stopped(codes::from_wire(code.into_inner())),
        _ => WriteEnd::Lost,
    }
}
