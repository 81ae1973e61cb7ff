//! `wsprobe ping URL`: like ping(8) for WebSockets. Sends `-c` pings every `-i`, shows each
//! pong's round-trip time (as pong events), then a summary on stdout with loss, min/avg/max/
//! stddev RTT and where the connection time went (DNS, TCP, TLS, upgrade).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::config::ping::PingPlan;
use crate::dial::handshake::Timings;
use crate::dial::lifecycle::{self, Client, Verdict};
use crate::error::ExitCode;
use crate::output::render;
use crate::output::{write_stdout, Printer};
use crate::session::driver::{self, Control, ControlTx, Inbound};
use crate::session::{millis, Conn, Event, RttStats};
use crate::value::Close;

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

pub async fn run(plan: PingPlan) -> Result<ExitCode> {
    let printer = Arc::new(Printer::new(plan.out));
    let (control_tx, mut control_rx) = crate::session::driver::control();
    // Ctrl-C or SIGTERM: stop pinging, close politely, print the summary.
    let stop = Arc::new(AtomicBool::new(false));
    let signalled = Arc::new(crate::signals::Stop::default());
    let (on_signal, signal_stop, control) = (signalled.clone(), stop.clone(), control_tx.clone());
    tokio::spawn(async move {
        let status = crate::signals::next().await;
        on_signal.set(status);
        signal_stop.store(true, Ordering::SeqCst);
        control.send(Control::Close(Close::normal()));
    });
    let mut pinger = None;
    let mut timings = Timings::default();
    let client = Client {
        settings: &plan.client,
        opts: &plan.drive,
        reconnect: None,
        control: &mut control_rx,
        data: None,
    };
    let finished = lifecycle::run(
        client,
        |_| Arc::new(Conn::new(None, printer.clone())),
        |conn, connected| {
            timings = connected.timings;
            pinger = Some(tokio::spawn(ping_loop(
                conn.clone(),
                control_tx.clone(),
                stop.clone(),
                plan.count,
                plan.interval,
                plan.ping_timeout,
            )));
        },
        || stop.load(Ordering::SeqCst),
        &mut Ignore,
    )
    .await;
    if let Some(p) = pinger {
        p.abort();
    }
    let mut finished = finished?;
    let Some(ending) = finished.ending.as_mut() else {
        // Stopped while connecting.
        return Ok(signalled.status().unwrap_or(ExitCode::Interrupted));
    };
    if let Some(e) = ending.error.take() {
        return Err(e);
    }

    let conn = &finished.conn;
    let (sent, rtts) = {
        let st = conn.state();
        let rtts: Vec<Duration> = st
            .rtts
            .iter()
            .copied()
            .filter(|rtt| *rtt <= plan.ping_timeout)
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
    let url = plan.client.url.as_str();
    if plan.out.json {
        conn.emit(&Event::PingSummary {
            url,
            sent,
            received,
            loss_pct,
            rtt: stats,
            dns_ms: millis(timings.dns),
            tcp_ms: millis(timings.tcp),
            tls_ms: timings.tls.map(millis),
            upgrade_ms: millis(timings.upgrade),
        });
    } else {
        let text = summary(url, sent, received, loss_pct, stats, &timings);
        printer.flush();
        let mut buf = text.into_bytes();
        write_stdout(&mut buf);
        let _ = std::io::stdout().flush();
    }
    let signal = match signalled.status() {
        // Like ping(8): Ctrl-C before the count is reached is an interruption; with -c 0 it
        // is the normal way to stop.
        Some(ExitCode::Interrupted) if plan.count != 0 && sent < plan.count => {
            Some(ExitCode::Interrupted)
        }
        Some(ExitCode::Terminated) => Some(ExitCode::Terminated),
        _ => None,
    };
    let verdict = Verdict {
        signal,
        ..Verdict::default()
    };
    // Every ping is a check: all answered is 0, any lost is 5.
    lifecycle::exit_status(finished, verdict, |_, _| {
        (sent > 0).then_some(Ok(if received == sent {
            ExitCode::Ok
        } else {
            ExitCode::Expectation
        }))
    })
}

/// The statistics as ping(8) prints them, and where the connection time went.
fn summary(
    url: &str,
    sent: u64,
    received: u64,
    loss_pct: f64,
    stats: Option<RttStats>,
    t: &Timings,
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
    control.send(Control::Close(Close::normal()));
}

async fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = driver::deadline_after(d);
    while tokio::time::Instant::now() < end && !stop.load(Ordering::SeqCst) {
        let left = end - tokio::time::Instant::now();
        tokio::time::sleep(left.min(Duration::from_millis(50))).await;
    }
}
