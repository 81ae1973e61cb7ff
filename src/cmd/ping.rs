//! `wsprobe ping URL`: like ping(8) for WebSockets. Sends `-c` pings every `-i`, shows each
//! pong's round-trip time (as pong events), then a summary on stdout with loss, min/avg/max/
//! stddev RTT and where the connection time went (DNS, TCP, TLS, upgrade).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::cli::PingArgs;
use crate::client::handshake::{self as client, ClientSettings};
use crate::config::OutputConfig;
use crate::error::exit;
use crate::output::render;
use crate::output::{write_stdout, Printer};
use crate::session::driver::{self, Control, ControlTx, DriveOpts, Inbound};
use crate::session::{millis, Conn, Event, RttStats};

/// Data messages the server sends while we ping are counted and shown (-v), not printed.
struct Ignore;

impl Inbound for Ignore {
    fn message(&mut self, _: Message) -> anyhow::Result<Option<Message>> {
        Ok(None)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

pub async fn run(args: PingArgs, out: OutputConfig) -> Result<i32> {
    let out = out.for_ping();
    let printer = Arc::new(Printer::new(out));
    let conn = Arc::new(Conn::new(None, printer.clone()));
    let settings = ClientSettings::from_args(
        args.url.clone(),
        &args.handshake,
        args.handshake.connect_timeout,
        WebSocketConfig::default(),
    )?;
    let connected = tokio::select! {
        c = client::connect(&settings, &conn) => c?,
        status = crate::signals::next() => return Ok(status),
    };

    let (control_tx, mut control_rx) = crate::session::driver::control();
    let stop = Arc::new(AtomicBool::new(false));
    let pinger = tokio::spawn(ping_loop(
        conn.clone(),
        control_tx.clone(),
        stop.clone(),
        args.count,
        args.interval,
        args.ping_timeout,
    ));
    // Ctrl-C or SIGTERM: stop pinging, close politely, print the summary.
    let signalled = Arc::new(crate::signals::Stop::default());
    let (on_signal, signal_stop) = (signalled.clone(), stop.clone());
    tokio::spawn(async move {
        let status = crate::signals::next().await;
        on_signal.set(status);
        signal_stop.store(true, Ordering::SeqCst);
        std::process::exit(crate::signals::next().await);
    });
    let opts = DriveOpts {
        close_on_eof: None,
        reply_wait: std::time::Duration::ZERO,
        close_timeout: args.close_timeout,
        max_message_size: 64 << 20,
        heartbeat: None,
        keep_unsent: false,
    };
    let ending = driver::drive(
        connected.ws,
        &conn,
        std::collections::VecDeque::new(),
        None,
        &mut control_rx,
        &mut Ignore,
        &opts,
    )
    .await;
    pinger.abort();
    if let Some(e) = ending.error {
        return Err(e);
    }

    let (sent, rtts) = {
        let st = conn.state();
        let rtts: Vec<Duration> = st
            .rtts
            .iter()
            .copied()
            .filter(|rtt| *rtt <= args.ping_timeout)
            .collect();
        (st.pings_sent, rtts)
    };
    let received = rtts.len() as u64;
    let loss_pct = if sent == 0 {
        0.0
    } else {
        ((sent - received) as f64 * 1000.0 / sent as f64).round() / 10.0
    };
    let stats = RttStats::of(&rtts);
    let t = connected.timings;
    if out.json {
        conn.emit(&Event::PingSummary {
            url: args.url.as_str(),
            sent,
            received,
            loss_pct,
            rtt: stats,
            dns_ms: millis(t.dns),
            tcp_ms: millis(t.tcp),
            tls_ms: t.tls.map(millis),
            upgrade_ms: millis(t.upgrade),
        });
    } else {
        let text = summary(args.url.as_str(), sent, received, loss_pct, stats, &t);
        printer.flush();
        let mut buf = text.into_bytes();
        write_stdout(&mut buf);
        let _ = std::io::stdout().flush();
    }
    match signalled.status() {
        // Like ping(8): Ctrl-C before the count is reached is an interruption; with -c 0 it
        // is the normal way to stop.
        Some(exit::INTERRUPTED) if args.count != 0 && sent < args.count => {
            return Ok(exit::INTERRUPTED)
        }
        Some(exit::TERMINATED) => return Ok(exit::TERMINATED),
        _ => {}
    }
    Ok(if sent > 0 && received == sent {
        exit::OK
    } else if sent > 0 {
        exit::EXPECTATION
    } else if ending.close.is_failure() {
        exit::ABNORMAL
    } else {
        exit::OK
    })
}

/// The statistics as ping(8) prints them, and where the connection time went.
fn summary(
    url: &str,
    sent: u64,
    received: u64,
    loss_pct: f64,
    stats: Option<RttStats>,
    t: &crate::client::handshake::Timings,
) -> String {
    let mut text = format!(
        "--- {url} ping statistics ---\n{sent} sent, {received} received, {loss_pct}% loss\n"
    );
    if let Some(s) = stats {
        text.push_str(&format!(
            "rtt min/avg/max/stddev = {:.3}/{:.3}/{:.3}/{:.3} ms\n",
            s.min_ms, s.avg_ms, s.max_ms, s.stddev_ms
        ));
    }
    text.push_str(&format!(
        "connection: dns {}, tcp {}, tls {}, upgrade {}\n",
        render::duration(t.dns),
        render::duration(t.tcp),
        t.tls.map_or("-".to_owned(), render::duration),
        render::duration(t.upgrade),
    ));
    text
}

/// Sends the pings, waits for the last pongs (up to the ping timeout), then closes.
async fn ping_loop(
    conn: Arc<Conn>,
    control: ControlTx,
    stop: Arc<AtomicBool>,
    count: u64,
    interval: Duration,
    ping_timeout: Duration,
) {
    let mut seq: u64 = 0;
    while (count == 0 || seq < count) && !stop.load(Ordering::SeqCst) {
        seq += 1;
        let payload = Bytes::from(format!("wsprobe {seq}"));
        // The pinger is stopped (aborted) when the connection ends.
        control.send(Control::Ping(payload));
        if count != 0 && seq == count {
            break;
        }
        sleep_unless_stopped(interval, &stop).await;
    }
    // Wait for the outstanding pongs, but no longer than the ping timeout.
    let deadline = driver::deadline_after(ping_timeout);
    while tokio::time::Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
        {
            let st = conn.state();
            if st.rtts.len() as u64 >= st.pings_sent {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    control.send(Control::Close(1000, String::new()));
}

async fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = driver::deadline_after(d);
    while tokio::time::Instant::now() < end && !stop.load(Ordering::SeqCst) {
        let left = end - tokio::time::Instant::now();
        tokio::time::sleep(left.min(Duration::from_millis(50))).await;
    }
}
