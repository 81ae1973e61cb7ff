//! One connection of a run: open it (at its place in the ramp), put the load on it through
//! the session driver, and add what it did to the run's totals.
//!
//! Closed loop: the first `--in-flight` messages go out at OPEN, then each reply is answered
//! with the next message straight from the [`Inbound`] handler (no hop through another task).
//! Open loop: a feeder in the same task queues the messages due on the driver's data channel;
//! when the socket does not keep up, the ones that fell due meanwhile go in batches of a few
//! KiB, each stamped with when it was due. A backlog is never stored: it is the distance
//! between the next due time and the clock, so memory stays bounded whatever the rate, and
//! what is still due when the load stops is counted (`backlog`), not sent. When the load ends (the data channel closes, or, in closed
//! loop, which has no channel, `Control::EndOfData`), the driver waits for the replies still
//! due (`--reply-timeout`) and closes with 1000.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::greet::{self, Counted, ProtoCounts, Raw, Speaks, Spoken};
use super::record::Recorder;
use super::sink::BenchSink;
use super::stamp::{read_seq, read_stamp, Maker};
use crate::config::bench::{Matching, Pace};
use crate::dial::handshake::{self, ClientSettings, ClientStream};
use crate::proto::bench::{BenchProtocol, Heard};
use crate::session::driver::{self, control, Batch, Control, ControlTx, DriveOpts, Inbound};
use crate::session::Conn;
use crate::wire::deflate::stream::Decision;

/// What every connection of a run shares.
#[derive(Debug)]
pub struct Shared {
    pub settings: ClientSettings,
    pub drive: DriveOpts,
    pub pace: Pace,
    pub matching: Matching,
    pub maker: Maker,
    /// `--socketio`: the protocol each request and reply are spoken in (`None`: raw).
    pub protocol: Option<Arc<dyn BenchProtocol>>,
    pub connections: u32,
    pub ramp: Duration,
    /// Each connection's share of `--messages` (`None`: until the stop).
    pub messages: Option<u64>,
    pub rec: Recorder,
    pub sink: Arc<BenchSink>,
    /// The run's clock: stamps are nanoseconds since this.
    pub started: Instant,
    /// Set when the load stops (the duration is over, or Ctrl-C).
    pub stopping: AtomicBool,
    /// When the load stopped, in nanoseconds since `started` (`u64::MAX` until then).
    pub stop_ns: AtomicU64,
    pub totals: Totals,
}

/// Exact counts, added by each connection when it ends.
#[derive(Debug, Default)]
pub struct Totals {
    pub connected: AtomicU64,
    pub sent: AtomicU64,
    pub received: AtomicU64,
    pub bytes_in: AtomicU64,
    /// Messages that answered none of ours.
    pub pushes: AtomicU64,
    /// Open loop: messages due by the end of the load that were never sent.
    pub backlog: AtomicU64,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn stopped(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// The load stops now.
    pub fn stop(&self) {
        self.stop_ns.fetch_min(self.now_ns(), Ordering::Relaxed);
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// A connection that did not open before the load ended.
    fn never_opened(&self, handshaking: bool) {
        let why = if handshaking {
            "the load ended before the connection's handshake finished"
        } else {
            "the load ended before the connection's turn in the --ramp"
        };
        self.sink.count_error("not-opened", 1, why);
    }

    /// Connection `index`'s share of `--messages`.
    fn quota(&self, index: u32) -> u64 {
        match self.messages {
            None => u64::MAX,
            Some(total) => {
                let n = u64::from(self.connections);
                total / n + u64::from(u64::from(index) < total % n)
            }
        }
    }
}

/// What the handler and the feeder of one connection share (they run in its one task).
struct Local {
    /// Open loop: the data channel's sender; taken (dropped) when this connection's load ends.
    feed: Mutex<Option<mpsc::Sender<Batch>>>,
    /// Closed loop (no data channel: the messages are replies): told when the load ends.
    control: ControlTx,
    ended: AtomicBool,
    /// The messages awaiting their reply, when the reply does not say when it was due.
    awaiting: Mutex<Awaiting>,
    /// Messages received so far (for the watch on a server that stops answering).
    arrivals: AtomicU64,
}

impl Local {
    /// This connection sends no more: the driver waits for the replies due, then closes.
    fn end_feed(&self) {
        let had_channel = self
            .feed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        if !had_channel && !self.ended.swap(true, Ordering::Relaxed) {
            self.control.send(Control::EndOfData);
        }
    }

    fn feed(&self) -> Option<mpsc::Sender<Batch>> {
        self.feed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The next message of this connection, due `due` (ns since the start), noted as
    /// awaiting its reply where the reply will not carry its due time.
    fn next_message(&self, run: &Shared, due: u64) -> Message {
        if !run.maker.numbered() && !matches!(run.matching, Matching::Order | Matching::Id) {
            return run.maker.make(due, 0);
        }
        let mut a = self.awaiting.lock().unwrap_or_else(|e| e.into_inner());
        let seq = a.next_seq;
        a.next_seq += 1;
        match run.matching {
            Matching::Order => a.order.push_back(due),
            Matching::Json(_) | Matching::Id => {
                a.ids.insert(seq, due);
            }
            Matching::Stamp | Matching::None => {}
        }
        match &run.protocol {
            None => run.maker.make(due, seq),
            Some(p) => p.request(seq, run.maker.body(seq)),
        }
    }

    /// When the message `payload` answers was due, taken off those awaiting their reply.
    fn answered(&self, run: &Shared, payload: &[u8], now: u64) -> Option<u64> {
        let lock = || self.awaiting.lock().unwrap_or_else(|e| e.into_inner());
        match &run.matching {
            // A message without the stamp of one of ours, or arriving while none awaits its
            // reply, is the server's own (a push): counted apart, not an error. If the server
            // does not echo at all, the messages it never answered are `no-reply` errors.
            Matching::Stamp => read_stamp(payload).filter(|&t| t <= now),
            Matching::Order => lock().order.pop_front(),
            Matching::Json(path) => {
                let seq = read_seq(path, payload)?;
                lock().ids.remove(&seq)
            }
            // A protocol's replies are told apart by the protocol (`Load::heard`).
            Matching::Id | Matching::None => None,
        }
    }

    /// When request `seq` (or, with `None`, the oldest awaiting a reply) was due, taken off
    /// those awaiting their reply.
    fn answered_request(&self, seq: Option<u64>) -> Option<u64> {
        let mut a = self.awaiting.lock().unwrap_or_else(|e| e.into_inner());
        match seq {
            Some(seq) => a.ids.remove(&seq),
            None => a.order.pop_front(),
        }
    }
}

/// A connection's messages awaiting their reply, for the matchings that keep them: small,
/// since closed loop has at most `--in-flight` of them (open loop keeps each unanswered one
/// until the connection ends).
#[derive(Debug, Default)]
struct Awaiting {
    /// `Matching::Order`: the due times, oldest first.
    order: VecDeque<u64>,
    /// `Matching::Json` and `Matching::Id`: sequence number → due time.
    ids: HashMap<u64, u64>,
    /// The next message's sequence number (`{seq}`), from 0.
    next_seq: u64,
}

/// Runs connection `index` (from 0) to its end.
pub async fn connection(run: Arc<Shared>, index: u32, mut stop: watch::Receiver<bool>) {
    let start = run.started
        + run
            .ramp
            .mul_f64(f64::from(index) / f64::from(run.connections));
    tokio::select! {
        () = tokio::time::sleep_until(start) => {}
        _ = stop.wait_for(|s| *s) => return run.never_opened(false),
    }
    let conn = Conn::new(Some(u64::from(index) + 1), run.sink.clone());
    // Boxed: the handshake's state is large and only needed until OPEN, and the task keeps
    // the size of its largest stage for its whole life.
    let attempt = tokio::select! {
        c = Box::pin(handshake::connect(&run.settings, &conn)) => c,
        _ = stop.wait_for(|s| *s) => return run.never_opened(true),
    };
    // Only the stream is kept: the request and response go now.
    let (mut ws, deflate) = match attempt {
        Ok(c) => (c.ws, c.deflate),
        Err(e) => {
            run.sink.connect_failed(&e);
            return;
        }
    };
    // A protocol's handshake is part of opening the connection (and of its connect time).
    let spoken = match &run.protocol {
        None => None,
        Some(p) => {
            let mut x = p.connection();
            let limit = run.settings.connect_timeout;
            let greeted = tokio::select! {
                r = Box::pin(greet::greet(&mut ws, &mut *x, p.name(), limit)) => r,
                _ = stop.wait_for(|s| *s) => return run.never_opened(true),
            };
            if let Err(e) = greeted {
                // The WebSocket opened, the connection did not: not one with compression.
                if matches!(deflate.decision(), Decision::On(_)) {
                    run.sink.uncount_compressed();
                }
                run.sink.connect_failed(&e);
                return;
            }
            Some(Spoken {
                x,
                counts: ProtoCounts::default(),
            })
        }
    };
    drop(deflate);
    let us = u64::try_from(conn.elapsed().as_micros()).unwrap_or(u64::MAX);
    run.rec.connected(us);
    run.totals.connected.fetch_add(1, Ordering::Relaxed);
    match spoken {
        None => load(&run, index, &mut stop, ws, &conn, Raw).await,
        // Boxed: a raw run's task keeps the size it had.
        Some(s) => Box::pin(load(&run, index, &mut stop, ws, &conn, s)).await,
    }
}

/// The load on an open connection (`speaks`: its protocol, or `Raw`), to its end.
async fn load<S: Speaks>(
    run: &Arc<Shared>,
    index: u32,
    stop: &mut watch::Receiver<bool>,
    ws: WebSocketStream<ClientStream>,
    conn: &Conn,
    speaks: S,
) {
    let shard = run.rec.shard_of(index);
    // Only open loop queues messages; a channel allocates a block of slots up front, which
    // 10,000 idle connections would pay for.
    let (tx, mut rx) = match run.pace {
        Pace::Open { .. } => {
            let (tx, rx) = mpsc::channel::<Batch>(1);
            (Some(tx), Some(rx))
        }
        Pace::Closed { .. } | Pace::Silent => (None, None),
    };
    let (control_tx, mut control_rx) = control();
    let local = Local {
        feed: Mutex::new(tx),
        control: control_tx,
        ended: AtomicBool::new(false),
        awaiting: Mutex::new(Awaiting::default()),
        arrivals: AtomicU64::new(0),
    };
    let mut quota = run.quota(index);
    let mut first = VecDeque::new();
    if let Pace::Closed { in_flight } = run.pace {
        let now = run.now_ns();
        while first.len() < in_flight as usize && quota > 0 && !run.stopped() {
            quota -= 1;
            first.push_back(local.next_message(run, now));
        }
        run.rec.sent(shard, first.len() as u64);
    }
    if run.stopped() || (quota == 0 && matches!(run.pace, Pace::Closed { .. })) {
        local.end_feed();
    }
    let mut handler = Load {
        run,
        local: &local,
        conn,
        shard,
        quota,
        speaks,
    };
    let ending = {
        let drive = driver::drive(
            ws,
            conn,
            first,
            rx.as_mut(),
            &mut control_rx,
            &mut handler,
            &run.drive,
        );
        let load = async {
            match run.pace {
                // Boxed: only open loop needs it, and every connection's task would carry it.
                Pace::Open { rate } => {
                    Box::pin(feed(run, &local, index, rate, quota, stop)).await;
                }
                // Boxed, as the feeder: only --messages runs carry its timer.
                Pace::Closed { .. } if run.messages.is_some() => {
                    Box::pin(until_stop_or_silence(run, &local, stop)).await;
                }
                Pace::Closed { .. } | Pace::Silent => {
                    let _ = stop.wait_for(|s| *s).await;
                }
            }
            local.end_feed();
            std::future::pending::<()>().await
        };
        tokio::select! {
            ending = drive => ending,
            () = load => unreachable!("the load future never ends"),
        }
    };
    run.rec.disconnected();
    tally(run, conn, &ending, handler.speaks.counts());
}

/// Adds what a closed connection did to the run's totals, and what it never got an answer
/// for to the errors.
fn tally(run: &Shared, conn: &Conn, ending: &driver::Ending, proto: Option<ProtoCounts>) {
    let (sent, received, replies, bytes_in, pushes) = {
        let st = conn.state();
        match proto {
            None => (
                st.msgs_out,
                st.msgs_in,
                st.msgs_in - st.not_replies,
                st.bytes_in,
                st.not_replies,
            ),
            // The protocol's own messages (heartbeats and their answers) are not the load's.
            Some(c) => (
                st.msgs_out.saturating_sub(c.own_out),
                st.msgs_in.saturating_sub(c.own_in),
                c.replies,
                st.bytes_in,
                c.pushes,
            ),
        }
    };
    if let (Some(_), Some(e)) = (proto, &ending.error) {
        // The protocol ended the connection (the server disconnected the namespace, or
        // spoke something else): in its words.
        run.sink.count_error("protocol", 1, &format!("{e:#}"));
    }
    // Counted as sent when queued: the series must add up to what went out.
    run.rec.unsent(ending.unsent as u64);
    let t = &run.totals;
    t.sent.fetch_add(sent, Ordering::Relaxed);
    t.received.fetch_add(received, Ordering::Relaxed);
    t.bytes_in.fetch_add(bytes_in, Ordering::Relaxed);
    if run.matching != Matching::None {
        t.pushes.fetch_add(pushes, Ordering::Relaxed);
    }
    if run.matching != Matching::None && sent > replies {
        let missing = sent - replies;
        let why = match ending.close.initiator {
            Some(crate::session::Side::Remote) => {
                format!("the server closed with {} first", ending.close.code)
            }
            _ if ending.close.code == crate::session::CloseInfo::ABNORMAL => {
                "the connection was lost".to_owned()
            }
            _ => "--reply-timeout passed after the load ended".to_owned(),
        };
        let pushes = match pushes {
            0 => String::new(),
            n => format!(
                " ({n} message(s) arrived that answer none of ours: if the server does not \
                 echo, use --no-echo)"
            ),
        };
        run.sink.count_error(
            "no-reply",
            missing,
            &format!(
                "a connection closed with {missing} message(s) still awaiting a reply: {why}{pushes}"
            ),
        );
    }
}

/// Closed loop with `--messages` (no stop comes from the clock): resolves at Ctrl-C, or once
/// nothing has arrived for a whole `--reply-timeout`, so a server that stops answering ends
/// the connection instead of holding the run forever.
async fn until_stop_or_silence(run: &Shared, local: &Local, stop: &mut watch::Receiver<bool>) {
    let mut seen = local.arrivals.load(Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(run.drive.reply_wait) => {
                let now = local.arrivals.load(Ordering::Relaxed);
                if now == seen {
                    return;
                }
                seen = now;
            }
        }
    }
}

/// The most bytes of messages the feeder hands the writer at once: a batch is what a
/// backlog may hold in memory (one in the channel, one being written).
const BATCH_BYTES: usize = 16 * 1024;

/// Open loop: queues the messages as they fall due until the load stops or the quota is sent.
/// Each is stamped with when it was due; when the writer does not keep up, the due times fall
/// behind the clock (that distance is the backlog), and each batch is at most `BATCH_BYTES`.
async fn feed(
    run: &Shared,
    local: &Local,
    index: u32,
    rate: f64,
    quota: u64,
    stop: &mut watch::Receiver<bool>,
) {
    let Some(tx) = local.feed() else { return };
    let mut due = Schedule::new(run, index, rate, quota);
    while due.quota > 0 {
        if run.stopped() {
            return due.stopped(run, local, &tx);
        }
        // Biased: what fell due before the stop was seen is sent when the writer can take it.
        tokio::select! {
            biased;
            () = tokio::time::sleep_until(due.next) => {}
            _ = stop.wait_for(|s| *s) => return due.stopped(run, local, &tx),
        }
        let batch = due.batch(run, local, Instant::now());
        tokio::select! {
            biased;
            r = tx.send(batch) => if r.is_err() { return },
            _ = stop.wait_for(|s| *s) => {
                // The batch in hand was due and is not sent.
                run.totals.backlog.fetch_add(due.dues.len() as u64, Ordering::Relaxed);
                return due.stopped(run, local, &tx);
            }
        }
        due.handed(run);
    }
}

/// One connection's open-loop schedule: when its next message is due, and the due times of
/// the batch in hand.
struct Schedule {
    next: Instant,
    every: Duration,
    quota: u64,
    shard: usize,
    /// The most messages in a batch.
    most: usize,
    dues: Vec<u64>,
}

impl Schedule {
    fn new(run: &Shared, index: u32, rate: f64, quota: u64) -> Schedule {
        // Each connection sends at its share of the rate, the connections out of step.
        let every =
            Duration::from_secs_f64(f64::from(run.connections) / rate).max(Duration::from_nanos(1));
        let most = (BATCH_BYTES / run.maker.size().max(1)).clamp(1, 256);
        Schedule {
            next: Instant::now() + every.mul_f64(f64::from(index) / f64::from(run.connections)),
            every,
            quota,
            shard: run.rec.shard_of(index),
            most,
            // Grown to the batches this connection needs (one message at a modest rate).
            dues: Vec::new(),
        }
    }

    /// The messages due by `until` (at most a batch), each stamped with when it was due.
    fn batch(&mut self, run: &Shared, local: &Local, until: Instant) -> Vec<Message> {
        let room = usize::try_from(self.quota).map_or(self.most, |q| q.min(self.most));
        let mut batch = Vec::with_capacity(room);
        self.dues.clear();
        while self.next <= until && self.quota > 0 && batch.len() < self.most {
            let due_ns = since(run, self.next);
            batch.push(local.next_message(run, due_ns));
            self.dues.push(due_ns);
            self.quota -= 1;
            self.next += self.every;
        }
        batch
    }

    /// The batch in hand went to the writer: how late each message was is recorded.
    fn handed(&mut self, run: &Shared) {
        run.rec.sent_late(self.shard, run.now_ns(), &self.dues);
    }

    /// The load stopped. What fell due by then goes out if the writer takes it at once (the
    /// timer wakes the feeder up to a millisecond late, which is no backlog); the rest of what
    /// was due is counted as the backlog, never sent.
    fn stopped(&mut self, run: &Shared, local: &Local, tx: &mpsc::Sender<Batch>) {
        let stop_ns = run.stop_ns.load(Ordering::Relaxed).min(run.now_ns());
        let stop_at = run.started + Duration::from_nanos(stop_ns);
        let batch = self.batch(run, local, stop_at);
        if !batch.is_empty() {
            match tx.try_send(batch) {
                Ok(()) => self.handed(run),
                Err(_) => {
                    let n = self.dues.len() as u64;
                    run.totals.backlog.fetch_add(n, Ordering::Relaxed);
                }
            }
        }
        let next_ns = since(run, self.next);
        if self.quota == 0 || next_ns > stop_ns {
            return;
        }
        let every_ns = u64::try_from(self.every.as_nanos()).map_or(u64::MAX, |e| e.max(1));
        let n = ((stop_ns - next_ns) / every_ns + 1).min(self.quota);
        run.totals.backlog.fetch_add(n, Ordering::Relaxed);
    }
}

/// `at` in nanoseconds since the start of the run (the stamp of a message due then).
fn since(run: &Shared, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(run.started).as_nanos()).unwrap_or(u64::MAX)
}

/// The handler of a connection's replies (`S`: its protocol, or `Raw`).
struct Load<'a, S> {
    run: &'a Shared,
    local: &'a Local,
    conn: &'a Conn,
    shard: usize,
    /// Messages this connection may still send (closed loop).
    quota: u64,
    speaks: S,
}

impl<S: Speaks> Load<'_, S> {
    /// The server's own message in a protocol (an event of another name): a push, answered
    /// when the protocol says so.
    fn push(&mut self, len: usize, answer: Option<Message>) -> Option<Message> {
        self.local.arrivals.fetch_add(1, Ordering::Relaxed);
        if answer.is_none() {
            // With an answer the two balance out in the wait for the replies at the end.
            self.conn.not_a_reply();
        }
        self.speaks.count(Counted::Push {
            answered: answer.is_some(),
        });
        self.run.rec.received(self.shard, None, len, 0);
        answer
    }

    /// The protocol's own traffic (a heartbeat): answered, and not the load's.
    fn own(&mut self, answer: Option<Message>) -> Option<Message> {
        self.local.arrivals.fetch_add(1, Ordering::Relaxed);
        if answer.is_none() {
            self.conn.not_a_reply();
        }
        self.speaks.count(Counted::Own {
            answered: answer.is_some(),
        });
        answer
    }
}

impl<S: Speaks> Inbound for Load<'_, S> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        let run = self.run;
        let now = run.now_ns();
        let payload: &[u8] = match &msg {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) => b,
            _ => &[],
        };
        let due = match self.speaks.heard(&msg) {
            None => self.local.answered(run, payload, now),
            Some(heard) => match heard? {
                Heard::Reply(seq) => self.local.answered_request(Some(seq)),
                Heard::Next => self.local.answered_request(None),
                Heard::Push(answer) => return Ok(self.push(payload.len(), answer)),
                Heard::Own(answer) => return Ok(self.own(answer)),
                Heard::Failed(e) => {
                    self.speaks.count(Counted::Reply);
                    return Err(e);
                }
            },
        };
        self.local.arrivals.fetch_add(1, Ordering::Relaxed);
        self.speaks.count(if due.is_some() {
            Counted::Reply
        } else {
            Counted::Push { answered: false }
        });
        let latency_us = due.map(|d| now.saturating_sub(d) / 1000);
        if due.is_none() && run.matching != Matching::None {
            // A push that answers none of our messages: it frees no slot, and the wait for
            // the replies at the end does not count it.
            self.conn.not_a_reply();
        }
        let next = if matches!(run.pace, Pace::Closed { .. }) && due.is_some() {
            if self.quota > 0 && !run.stopped() {
                self.quota -= 1;
                Some(self.local.next_message(run, now))
            } else {
                self.local.end_feed();
                None
            }
        } else {
            None
        };
        run.rec.received(
            self.shard,
            latency_us,
            payload.len(),
            u64::from(next.is_some()),
        );
        Ok(next)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
