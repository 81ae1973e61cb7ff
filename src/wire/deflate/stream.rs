//! [`Deflate`]: a byte stream under tungstenite that applies the [`frames`](super::frames)
//! transforms, once the handshake has said whether permessage-deflate is on.
//!
//! The client learns it from the response head as it is read (and checks it against its
//! offer); the server decides while answering the request (`decide`), before any frame is
//! read: bytes that arrive with the request head are held until then. A connection that ends
//! up without compression and cannot fragment takes a fast path: reads and writes go straight
//! through, and the stream costs one branch per call.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::frames::{ReadError, Reading, Role, Sending, Sizes, Writing};
use crate::value::deflate::DeflateParams;

use super::decision::client_decision;
pub use super::decision::{answer_decision, Decision};

/// Compressed messages and their bytes on the wire and inflated, for `/state`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub messages: u64,
    pub wire: u64,
    pub plain: u64,
}

impl Totals {
    fn add(&mut self, s: Sizes) {
        if s.compressed {
            self.messages += 1;
            self.wire += s.wire as u64;
            self.plain += s.plain as u64;
        }
    }
}

/// The sizes of recent messages, kept while someone shows them (`-v`, `--json`) until they
/// are asked for; bounded. Kept from the start (frames can come with the handshake's
/// answer) until told that nobody will ask.
#[derive(Debug)]
struct Recent {
    on: bool,
    sizes: VecDeque<Sizes>,
    /// One past the highest index told.
    told: u64,
}

impl Recent {
    const KEEP: usize = 4096;

    fn new() -> Recent {
        Recent {
            on: true,
            sizes: VecDeque::new(),
            told: 0,
        }
    }

    fn add(&mut self, s: Sizes) {
        self.told = s.index + 1;
        if self.on {
            if self.sizes.len() == Self::KEEP {
                self.sizes.pop_front();
            }
            self.sizes.push_back(s);
        }
    }

    /// The sizes of message `index`, if told; older ones are forgotten.
    fn take(&mut self, index: u64) -> Option<Sizes> {
        while self.sizes.front().is_some_and(|s| s.index < index) {
            self.sizes.pop_front();
        }
        match self.sizes.front() {
            Some(s) if s.index == index => self.sizes.pop_front(),
            _ => None,
        }
    }
}

/// The state a connection's [`Deflate`] shares with the rest of wsprobe.
#[derive(Debug)]
pub struct Shared {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    decision: Decision,
    sending: Sending,
    received: Totals,
    sent: Totals,
    recent_in: Recent,
    recent_out: Recent,
}

impl State {
    fn received(&mut self, s: Sizes) {
        self.received.add(s);
        self.recent_in.add(s);
    }

    fn sent(&mut self, s: Sizes) {
        self.sent.add(s);
        self.recent_out.add(s);
    }
}

impl Shared {
    pub fn new(sending: Sending) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(State {
                decision: Decision::Undecided,
                sending,
                received: Totals::default(),
                sent: Totals::default(),
                recent_in: Recent::new(),
                recent_out: Recent::new(),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The server's decision, made while it answers the request.
    pub fn decide(&self, d: Decision) {
        self.lock().decision = d;
    }

    pub fn decision(&self) -> Decision {
        self.lock().decision.clone()
    }

    /// How messages are sent from now on (the REPL's `/compress`, `/fragment`).
    pub fn set_sending(&self, s: Sending) {
        self.lock().sending = s;
    }

    pub fn sending(&self) -> Sending {
        self.lock().sending
    }

    /// Compressed messages received and sent so far.
    pub fn totals(&self) -> (Totals, Totals) {
        let st = self.lock();
        (st.received, st.sent)
    }

    /// Whether each message's sizes are kept until [`received_sizes`](Self::received_sizes)
    /// or [`sent_sizes`](Self::sent_sizes) asks for them (they are at first).
    pub fn keep_sizes(&self, received: bool, sent: bool) {
        let mut st = self.lock();
        let st = &mut *st;
        for (r, keep) in [(&mut st.recent_in, received), (&mut st.recent_out, sent)] {
            r.on = keep;
            if !keep {
                r.sizes = VecDeque::new();
            }
        }
    }

    /// The sizes of received data message `index` (from 0), if it was compressed.
    pub fn received_sizes(&self, index: u64) -> Option<Sizes> {
        self.lock().recent_in.take(index)
    }

    /// Data messages that went through the frame layer so far (compressed and cut as the
    /// settings were then).
    pub fn messages_written(&self) -> u64 {
        self.lock().recent_out.told
    }

    /// The sizes of sent data message `index` (from 0): `None` while it has not gone
    /// through yet, then `Some` of its sizes (`Some(None)` if they were forgotten).
    pub fn sent_sizes(&self, index: u64) -> Option<Option<Sizes>> {
        let mut st = self.lock();
        let out = &mut st.recent_out;
        (index < out.told).then(|| out.take(index))
    }
}

/// permessage-deflate (and fragmentation) under tungstenite.
pub struct Deflate<S> {
    inner: S,
    role: Role,
    shared: Arc<Shared>,
    /// The client's offer, to check the answer against.
    offer: Option<DeflateParams>,
    /// Whether `/fragment` may be asked for later (the REPL): then frames are always followed.
    may_fragment: bool,
    limit: usize,
    read: ReadSide,
    write: WriteSide,
}

enum ReadSide {
    /// In the HTTP head: `matched` bytes of its blank line seen; the head so far (client;
    /// boxed, like everything here that an idle connection does not need).
    Head {
        matched: u8,
        // Boxed on purpose: 8 bytes in every connection instead of 24.
        #[allow(clippy::box_collection)]
        head: Option<Box<Vec<u8>>>,
    },
    /// The head went by; these bytes came after it, before the decision was known.
    Held(Box<BytesMut>),
    Plain,
    /// Boxed, like the writer's: a connection without compression carries only a pointer.
    Rewriting(Box<ReadRewrite>),
}

/// The most compressed bytes taken from the socket at a time.
const SCRATCH: usize = 16 * 1024;

struct ReadRewrite {
    reading: Reading,
    /// Rewritten bytes not yet handed to tungstenite.
    out: BytesMut,
    /// Why reading stopped, reported once `out` is handed over.
    error: Option<ReadError>,
    /// Where compressed bytes land before they are rewritten; let go of whenever the socket
    /// has nothing more (an idle connection keeps none).
    scratch: Vec<u8>,
}

impl ReadRewrite {
    fn feed(&mut self, data: &[u8], shared: &Shared) {
        let ReadRewrite {
            reading,
            out,
            error,
            ..
        } = self;
        if let Err(e) = reading.feed(data, out, &mut |s| shared.lock().received(s)) {
            *error = Some(e);
        }
    }
}

enum WriteSide {
    Head { matched: u8 },
    Undecided,
    Plain,
    Rewriting(Box<WriteRewrite>),
}

struct WriteRewrite {
    writing: Writing,
    /// Rewritten bytes not yet written to the socket.
    out: BytesMut,
}

/// The longest response head kept to look for the extension.
const HEAD_LIMIT: usize = 64 * 1024;
/// Stop taking writes while this much rewritten output waits for the socket.
const HIGH_WATER: usize = 256 * 1024;

/// An I/O error that carries why reading a compressed message failed.
#[derive(Debug)]
pub struct DeflateFailure(pub ReadError);

impl std::fmt::Display for DeflateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            ReadError::Invalid(why) => write!(f, "a compressed message does not inflate: {why}"),
            ReadError::TooLarge { limit } => {
                write!(
                    f,
                    "a compressed message inflates to more than {limit} bytes"
                )
            }
        }
    }
}

impl std::error::Error for DeflateFailure {}

/// The deflate failure inside an I/O error, if that is what it is.
pub fn failure_of(e: &io::Error) -> Option<&ReadError> {
    e.get_ref()?.downcast_ref::<DeflateFailure>().map(|f| &f.0)
}

impl<S> Deflate<S> {
    /// A client's stream: `offer` is what the request offers (`None`: nothing is offered, the
    /// stream only fragments).
    pub fn client(
        inner: S,
        offer: Option<DeflateParams>,
        shared: Arc<Shared>,
        limit: usize,
    ) -> Self {
        Self::new(inner, Role::Client, offer, shared, limit)
    }

    /// A server's stream; [`Shared::decide`] is called while answering the request.
    pub fn server(inner: S, shared: Arc<Shared>, limit: usize) -> Self {
        Self::new(inner, Role::Server, None, shared, limit)
    }

    fn new(
        inner: S,
        role: Role,
        offer: Option<DeflateParams>,
        shared: Arc<Shared>,
        limit: usize,
    ) -> Self {
        let may_fragment = shared.sending().fragment.is_some();
        Deflate {
            inner,
            role,
            shared,
            offer,
            may_fragment,
            limit,
            read: ReadSide::Head {
                matched: 0,
                head: (role == Role::Client).then(Box::default),
            },
            write: WriteSide::Head { matched: 0 },
        }
    }

    /// Frames are followed even when nothing is compressed, so that fragmenting can be
    /// switched on at any time (the REPL).
    pub fn always_follow(mut self) -> Self {
        self.may_fragment = true;
        self
    }

    /// A connection that reads and writes straight through needs no shared state: it lets go
    /// of its own (whoever still holds it keeps the decision), so it pays nothing for it.
    fn detach_if_plain(&mut self) {
        if matches!(self.read, ReadSide::Plain) && matches!(self.write, WriteSide::Plain) {
            static DETACHED: std::sync::LazyLock<Arc<Shared>> =
                std::sync::LazyLock::new(|| Shared::new(Sending::default()));
            self.shared = DETACHED.clone();
        }
    }

    /// The decision, once the head went by (the client's is made here).
    fn settle(&mut self, head: &[u8]) -> Decision {
        if self.role == Role::Client {
            let d = match &self.offer {
                None => Decision::Off,
                Some(offer) => client_decision(head, offer),
            };
            self.shared.decide(d);
        }
        match self.shared.decision() {
            Decision::Undecided => Decision::Off,
            d => d,
        }
    }

    fn rewriting_read(&self, d: &Decision) -> ReadSide {
        match d {
            Decision::On(n) => ReadSide::Rewriting(Box::new(ReadRewrite {
                reading: Reading::new(self.role, n, self.limit, false),
                out: BytesMut::new(),
                error: None,
                scratch: Vec::new(),
            })),
            _ => ReadSide::Plain,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Deflate<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.read {
                ReadSide::Plain => return Pin::new(&mut this.inner).poll_read(cx, buf),
                ReadSide::Head { matched, head } => {
                    let before = buf.filled().len();
                    ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
                    let got = &buf.filled()[before..];
                    if got.is_empty() {
                        return Poll::Ready(Ok(()));
                    }
                    let Some(end) = follow_head(matched, got) else {
                        if let Some(head) =
                            head.as_mut().filter(|h| h.len() + got.len() <= HEAD_LIMIT)
                        {
                            head.extend_from_slice(got);
                        }
                        return Poll::Ready(Ok(()));
                    };
                    if let Some(head) = head.as_mut() {
                        head.extend_from_slice(&got[..end]);
                    }
                    let rest = BytesMut::from(&got[end..]);
                    if this.role == Role::Server {
                        // What came after the head waits for the decision, made while the
                        // request is answered.
                        buf.set_filled(before + end);
                        this.read = ReadSide::Held(Box::new(rest));
                        return Poll::Ready(Ok(()));
                    }
                    let head = head.take().unwrap_or_default();
                    let d = this.settle(&head);
                    this.read = this.rewriting_read(&d);
                    this.detach_if_plain();
                    if let ReadSide::Rewriting(r) = &mut this.read {
                        // The frames after the head are rewritten; without compression they
                        // stay where they are (a refusal's body among them).
                        buf.set_filled(before + end);
                        r.feed(&rest, &this.shared);
                    }
                    return Poll::Ready(Ok(()));
                }
                ReadSide::Held(rest) => {
                    let rest = std::mem::take(&mut **rest);
                    let d = this.settle(&[]);
                    this.read = this.rewriting_read(&d);
                    this.detach_if_plain();
                    match &mut this.read {
                        ReadSide::Rewriting(r) => r.feed(&rest, &this.shared),
                        _ if rest.is_empty() => {}
                        _ => {
                            // Off: hand over what was held, then read straight through.
                            let n = rest.len().min(buf.remaining());
                            buf.put_slice(&rest[..n]);
                            if n < rest.len() {
                                this.read = ReadSide::Held(Box::new(BytesMut::from(&rest[n..])));
                            }
                            return Poll::Ready(Ok(()));
                        }
                    }
                }
                ReadSide::Rewriting(r) => {
                    if !r.out.is_empty() {
                        let n = r.out.len().min(buf.remaining());
                        buf.put_slice(&r.out[..n]);
                        r.out.advance(n);
                        return Poll::Ready(Ok(()));
                    }
                    if let Some(e) = r.error.take() {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            DeflateFailure(e),
                        )));
                    }
                    let mut scratch = std::mem::take(&mut r.scratch);
                    if scratch.capacity() == 0 {
                        scratch = Vec::with_capacity(SCRATCH);
                    }
                    let mut rb = ReadBuf::uninit(scratch.spare_capacity_mut());
                    let read = Pin::new(&mut this.inner).poll_read(cx, &mut rb);
                    let got = rb.filled().len();
                    if let Poll::Ready(Ok(())) = read {
                        if got > 0 {
                            r.feed(rb.filled(), &this.shared);
                        }
                    }
                    if read.is_ready() {
                        r.scratch = scratch;
                    }
                    ready!(read)?;
                    if got == 0 {
                        return Poll::Ready(Ok(()));
                    }
                }
            }
        }
    }
}

/// Follows bytes through an HTTP head; returns where the head ends in `data`, if it does.
fn follow_head(matched: &mut u8, data: &[u8]) -> Option<usize> {
    const END: &[u8] = b"\r\n\r\n";
    for (i, &c) in data.iter().enumerate() {
        *matched = if c == END[usize::from(*matched)] {
            *matched + 1
        } else if c == b'\r' {
            1
        } else {
            0
        };
        if *matched == 4 {
            return Some(i + 1);
        }
    }
    None
}

impl<S: AsyncWrite + Unpin> Deflate<S> {
    /// A stream whose handshake went elsewhere (HTTP/2's extended CONNECT is answered in
    /// HEADERS frames): no head goes by, the decision is already in `shared` (none: off),
    /// and frames start at the first byte. `always_follow` as [`Deflate::always_follow`].
    pub fn past_head(
        inner: S,
        role: Role,
        shared: Arc<Shared>,
        limit: usize,
        always_follow: bool,
    ) -> Self {
        let mut this = Self::new(inner, role, None, shared, limit);
        this.may_fragment |= always_follow;
        let d = match this.shared.decision() {
            Decision::On(n) => Decision::On(n),
            _ => Decision::Off,
        };
        this.shared.decide(d.clone());
        this.read = this.rewriting_read(&d);
        this.start_frames();
        this
    }

    /// Writes out rewritten bytes until none wait or the socket is full.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.write {
            WriteSide::Rewriting(w) => drain(&mut self.inner, &mut w.out, cx),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn start_frames(&mut self) {
        let d = self.shared.decision();
        let negotiated = match &d {
            Decision::On(n) => Some(*n),
            _ => None,
        };
        self.write = if negotiated.is_some() || self.may_fragment {
            WriteSide::Rewriting(Box::new(WriteRewrite {
                writing: Writing::new(self.role, negotiated.as_ref(), false),
                out: BytesMut::new(),
            }))
        } else {
            WriteSide::Plain
        };
        self.detach_if_plain();
    }
}

/// Writes `out` to `inner` until it is empty or the socket is full.
fn drain<S: AsyncWrite + Unpin>(
    inner: &mut S,
    out: &mut BytesMut,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    while !out.is_empty() {
        let n = ready!(Pin::new(&mut *inner).poll_write(cx, out))?;
        if n == 0 {
            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
        }
        out.advance(n);
    }
    Poll::Ready(Ok(()))
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Deflate<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            match &mut this.write {
                WriteSide::Plain => return Pin::new(&mut this.inner).poll_write(cx, buf),
                WriteSide::Head { matched } => {
                    // The head goes through as it is, with whatever tungstenite wrote along
                    // with it (a refusal's body: splitting them would let a client read the
                    // head without it). tungstenite writes no frame in the same call as the
                    // 101, so the frames start with a later write.
                    let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
                    if follow_head(matched, &buf[..n]).is_some() {
                        this.write = WriteSide::Undecided;
                        if this.role == Role::Server {
                            // Decided while answering: settle now, so that a connection
                            // that is never written to again still detaches.
                            this.start_frames();
                        }
                    }
                    return Poll::Ready(Ok(n));
                }
                WriteSide::Undecided => this.start_frames(),
                WriteSide::Rewriting(w) => {
                    if w.out.len() >= HIGH_WATER {
                        ready!(drain(&mut this.inner, &mut w.out, cx))?;
                    }
                    let how = this.shared.sending();
                    let shared = &this.shared;
                    w.writing.feed(
                        buf,
                        &mut w.out,
                        how,
                        &mut |s| shared.lock().sent(s),
                        &mut rand::random,
                    );
                    // Start writing now; what does not fit goes on the next call or the flush.
                    let _ = drain(&mut this.inner, &mut w.out, cx)?;
                    return Poll::Ready(Ok(buf.len()));
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::deflate as params;
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
    use tokio_tungstenite::tungstenite::Message;

    /// A tungstenite client and server over an in-memory pipe, each with a `Deflate` under
    /// it, negotiating as wsprobe does.
    async fn pair(
        offer: Option<DeflateParams>,
        accept: bool,
        client_sending: Sending,
    ) -> (
        tokio_tungstenite::WebSocketStream<Deflate<tokio::io::DuplexStream>>,
        tokio_tungstenite::WebSocketStream<Deflate<tokio::io::DuplexStream>>,
        Arc<Shared>,
        Arc<Shared>,
    ) {
        let (a, b) = tokio::io::duplex(4 << 20);
        let cs = Shared::new(client_sending);
        let ss = Shared::new(Sending::default());
        let client = Deflate::client(a, offer, cs.clone(), 1 << 20);
        let server = Deflate::server(b, ss.clone(), 1 << 20);
        let mut req = "ws://x/".into_client_request().unwrap();
        if let Some(o) = offer {
            req.headers_mut()
                .insert("sec-websocket-extensions", o.offer().parse().unwrap());
        }
        let ss2 = ss.clone();
        #[allow(clippy::result_large_err)] // tungstenite's callback type
        let cb = move |r: &Request, mut resp: Response| {
            let offers = r
                .headers()
                .get_all("sec-websocket-extensions")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(", ");
            let n = params::parse_header(&offers)
                .ok()
                .and_then(|o| params::accept_offer(&o, &params::ServerPolicy::default()))
                .map(|a| a.negotiated)
                .filter(|_| accept);
            match n {
                Some(n) => {
                    resp.headers_mut()
                        .insert("sec-websocket-extensions", n.to_string().parse().unwrap());
                    ss2.decide(Decision::On(n));
                }
                None => ss2.decide(Decision::Off),
            }
            Ok(resp)
        };
        let (c, s) = tokio::join!(
            tokio_tungstenite::client_async(req, client),
            tokio_tungstenite::accept_hdr_async(server, cb)
        );
        (c.unwrap().0, s.unwrap(), cs, ss)
    }

    async fn exchange(
        offer: Option<DeflateParams>,
        accept: bool,
        sending: Sending,
    ) -> (Decision, Totals) {
        let (mut c, mut s, cs, ss) = pair(offer, accept, sending).await;
        let msgs = [
            Message::text("Hello"),
            Message::binary(vec![9u8; 100_000]),
            Message::text(""),
            Message::text("x".repeat(70_000)),
        ];
        for m in &msgs {
            c.send(m.clone()).await.unwrap();
            let got = s.next().await.unwrap().unwrap();
            assert_eq!(&got, m);
            s.send(got).await.unwrap();
            assert_eq!(&c.next().await.unwrap().unwrap(), m);
        }
        c.close(None).await.unwrap();
        assert!(matches!(s.next().await, Some(Ok(Message::Close(_)))));
        assert_eq!(cs.decision(), ss.decision());
        (cs.decision(), ss.totals().0)
    }

    #[tokio::test]
    async fn tungstenite_talks_through_deflate_in_both_roles() {
        let (d, received) =
            exchange(Some(DeflateParams::browser()), true, Sending::default()).await;
        assert!(matches!(d, Decision::On(_)));
        assert_eq!(received.messages, 4);
        assert!(received.wire * 10 < received.plain, "{received:?}");
    }

    #[tokio::test]
    async fn a_declined_offer_or_none_leaves_the_frames_alone() {
        let (d, received) =
            exchange(Some(DeflateParams::browser()), false, Sending::default()).await;
        assert_eq!(d, Decision::Off);
        assert_eq!(received, Totals::default());
        let (d, _) = exchange(None, true, Sending::default()).await;
        assert_eq!(d, Decision::Off);
    }

    #[tokio::test]
    async fn a_connection_without_compression_lets_go_of_its_shared_state() {
        let (mut c, mut s, cs, ss) = pair(None, true, Sending::default()).await;
        c.send(Message::text("hi")).await.unwrap();
        assert_eq!(s.next().await.unwrap().unwrap(), Message::text("hi"));
        // The streams hold no reference: only the test's are left.
        assert_eq!(Arc::strong_count(&ss), 1);
        assert_eq!(Arc::strong_count(&cs), 1);
        assert_eq!(ss.decision(), Decision::Off);
        // With compression, the state stays (the counts, the sizes).
        let (mut c, mut s, cs, ss) =
            pair(Some(DeflateParams::browser()), true, Sending::default()).await;
        c.send(Message::text("hi")).await.unwrap();
        assert_eq!(s.next().await.unwrap().unwrap(), Message::text("hi"));
        assert_eq!((Arc::strong_count(&ss), Arc::strong_count(&cs)), (2, 2));
    }

    #[tokio::test]
    async fn fragments_with_and_without_compression_reassemble() {
        let fragment = Sending {
            compress: true,
            fragment: Some(1000),
        };
        let (d, _) = exchange(Some(DeflateParams::browser()), true, fragment).await;
        assert!(matches!(d, Decision::On(_)));
        let (d, _) = exchange(None, true, fragment).await;
        assert_eq!(d, Decision::Off);
        let plain = Sending {
            compress: false,
            fragment: Some(7),
        };
        exchange(Some(DeflateParams::browser()), true, plain).await;
    }
}
