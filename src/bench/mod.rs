//! `wsprobe bench`: many client connections under a paced load, measured honestly.
//!
//! The connections are ordinary client connections (`dial::handshake`, one settings value
//! resolved once and shared), each driven by the one session driver; the load is an
//! [`Inbound`](crate::session::driver::Inbound) handler and, in open loop, a feeder in the
//! same task (`load`). Events go to an aggregating `EventSink` (`sink`) instead of the
//! printer; latencies go to sharded HDR histograms (`record`), which a ticker turns into one
//! point a interval. The result is a [`Summary`] (`summary`): printed, written as JSON,
//! merged with other runs (`merge`), drawn as a page (`report`).

pub mod load;
pub mod merge;
mod progress;
pub mod record;
pub mod report;
mod sink;
mod stamp;
pub mod summary;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::bench::{BenchPlan, Body, Pace, Stop};
use crate::error::{ExitCode, Failure};
use load::{Shared, Totals};
use progress::Progress;
use record::{histogram, Counts, Recorder};
use sink::BenchSink;
use summary::{Point, PointLatency, Stats, Summary};

/// A finished run.
pub struct Outcome {
    pub summary: Summary,
    /// The latency histogram of each interval, with its start since the run's start (for
    /// `--hdr-out`).
    pub intervals: Vec<(Duration, Duration, Histogram<u64>)>,
    /// Ctrl-C or SIGTERM stopped the run early.
    pub signal: Option<ExitCode>,
    /// How to fix the first failure to connect, if any.
    pub connect_hints: Vec<String>,
    pub started_at: SystemTime,
}

/// Runs the load and measures it.
pub async fn run(plan: &BenchPlan) -> Result<Outcome> {
    file_limit(plan.connections)?;
    let mut settings = plan.client.clone();
    settings.resolved = resolve_once(&settings).await?;
    let progress = Progress::new(!plan.out.quiet);
    let sink = Arc::new(BenchSink::new(progress.clone()));
    let started_at = SystemTime::now();
    // Names this run in its summary, so that `bench merge` can tell it from any other.
    let run_id = format!("{:032x}", rand::random::<u128>());
    let run = Arc::new(Shared {
        settings,
        drive: plan.drive.clone(),
        pace: plan.pace,
        matching: plan.message.matching,
        maker: stamp::Maker::new(&plan.message),
        connections: plan.connections,
        ramp: plan.ramp,
        messages: match plan.stop {
            Stop::Messages(n) => Some(n),
            Stop::After(_) => None,
        },
        rec: Recorder::new(plan.threads),
        sink: sink.clone(),
        started: Instant::now(),
        stopping: AtomicBool::new(false),
        totals: Totals::default(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for i in 0..plan.connections {
        tasks.spawn(load::connection(run.clone(), i, stop_rx.clone()));
    }
    drop(stop_rx);

    let stop_at = match plan.stop {
        Stop::After(d) => Some(run.started + plan.ramp + d),
        Stop::Messages(_) => None,
    };
    let every = interval(plan);
    let mut ticks = tokio::time::interval_at(run.started + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut series = Series::new(run.started);
    let mut signal = None;
    let mut stopped_at = None;
    progress.update(format!("0/{} open", plan.connections));
    let signals = crate::signals::next();
    tokio::pin!(signals);
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(Ok(())) => {}
                Some(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Some(Err(_)) => {}
                None => break,
            },
            _ = ticks.tick() => {
                series.take(&run, &sink);
                progress.update(series.line(&run, &sink, plan));
            }
            () = sleep_until(stop_at), if stopped_at.is_none() && stop_at.is_some() => {
                stopped_at = Some(Instant::now());
                run.stopping.store(true, Ordering::Relaxed);
                let _ = stop_tx.send(true);
            }
            status = &mut signals, if signal.is_none() => {
                signal = Some(status);
                stopped_at.get_or_insert_with(Instant::now);
                run.stopping.store(true, Ordering::Relaxed);
                let _ = stop_tx.send(true);
            }
        }
    }
    let ended = Instant::now();
    series.take(&run, &sink);
    progress.finish();
    let end = stopped_at.map_or(ended, |s| s.min(ended));
    let duration = end.saturating_duration_since(run.started);
    let mut summary = summarize(plan, &run, &sink, &series, duration, started_at);
    summary.run_id = Some(run_id);
    Ok(Outcome {
        summary,
        intervals: series.intervals,
        signal,
        connect_hints: sink.connect_hints(),
        started_at,
    })
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The length of a series interval: a second, or longer for long runs (at most ~300 points).
fn interval(plan: &BenchPlan) -> Duration {
    match plan.stop {
        Stop::After(d) => {
            let secs = (d + plan.ramp).as_secs().div_ceil(300).max(1);
            Duration::from_secs(secs)
        }
        Stop::Messages(_) => Duration::from_secs(1),
    }
}

/// The run's points, the total latency histogram, and the error count at the last point.
struct Series {
    started: Instant,
    last: Instant,
    points: Vec<Point>,
    total: Histogram<u64>,
    counts: Counts,
    errors_before: u64,
    intervals: Vec<(Duration, Duration, Histogram<u64>)>,
    /// Messages received a second in the last interval (for the progress line).
    recent_rate: f64,
}

impl Series {
    fn new(started: Instant) -> Series {
        Series {
            started,
            last: started,
            points: Vec::new(),
            total: histogram(),
            counts: Counts::default(),
            errors_before: 0,
            intervals: Vec::new(),
            recent_rate: 0.0,
        }
    }

    fn take(&mut self, run: &Shared, sink: &BenchSink) {
        let now = Instant::now();
        let i = run.rec.take();
        let length = now.saturating_duration_since(self.last);
        if length.is_zero() {
            return;
        }
        let _ = self.total.add(&i.latency);
        self.counts.add(&i.counts);
        let errors = sink.errors();
        self.recent_rate = i.counts.received as f64 / length.as_secs_f64();
        self.points.push(Point {
            t_s: round3(now.saturating_duration_since(self.started).as_secs_f64()),
            sent: i.counts.sent,
            received: i.counts.received,
            bytes_in: i.counts.bytes_in,
            errors: errors - self.errors_before,
            open: run.rec.open(),
            latency_ms: PointLatency::of(&i.latency),
        });
        self.errors_before = errors;
        self.intervals.push((
            self.last.saturating_duration_since(self.started),
            length,
            i.latency,
        ));
        self.last = now;
    }

    /// The progress line.
    fn line(&self, run: &Shared, sink: &BenchSink, plan: &BenchPlan) -> String {
        let mut line = format!(
            "{}/{} open  {:.0} msg/s",
            run.rec.open(),
            plan.connections,
            self.recent_rate,
        );
        if !self.total.is_empty() {
            line.push_str(&format!(
                "  p50 {}  p99 {}",
                summary::millis(self.total.value_at_quantile(0.5) as f64 / 1000.0),
                summary::millis(self.total.value_at_quantile(0.99) as f64 / 1000.0)
            ));
        }
        line.push_str(&format!("  {} errors", summary::count(sink.errors())));
        line
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn summarize(
    plan: &BenchPlan,
    run: &Shared,
    sink: &BenchSink,
    series: &Series,
    duration: Duration,
    started_at: SystemTime,
) -> Summary {
    let t = &run.totals;
    let secs = duration.as_secs_f64().max(1e-9);
    let received = t.received.load(Ordering::Relaxed);
    let (errors, error_messages, closes) = sink.counts();
    Summary {
        wsprobe: env!("CARGO_PKG_VERSION").to_owned(),
        run_id: None,
        run_ids: Vec::new(),
        command: vec![plan.command_line.clone()],
        url: plan.client.url.as_str().to_owned(),
        started_unix_ms: started_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0)),
        pace: match plan.pace {
            Pace::Closed { .. } => "closed",
            Pace::Open { .. } => "open",
            Pace::Silent => "silent",
        }
        .to_owned(),
        in_flight: match plan.pace {
            Pace::Closed { in_flight } => Some(in_flight),
            _ => None,
        },
        rate: match plan.pace {
            Pace::Open { rate } => Some(rate),
            _ => None,
        },
        size: match &plan.message.body {
            Body::Generated { size } => *size,
            Body::Fixed(b) => b.len(),
        },
        binary: plan.message.binary,
        runs: 1,
        connections: u64::from(plan.connections),
        connected: t.connected.load(Ordering::Relaxed),
        compressed: sink.compressed(),
        duration_s: round3(duration.as_secs_f64()),
        sent: t.sent.load(Ordering::Relaxed),
        received,
        msgs_per_s: round3(received as f64 / secs),
        bytes_per_s: round3(t.bytes_in.load(Ordering::Relaxed) as f64 / secs),
        send_rate: 0.0,
        fell_behind: false,
        send_lag_ms: None,
        errors,
        error_messages,
        closes,
        latency_ms: Stats::of(&series.total),
        connect_ms: Stats::of(&run.rec.connect_times()),
        interval_s: round3(interval(plan).as_secs_f64()),
        series: series.points.clone(),
    }
}

/// Raises the open-file limit to what `connections` need, as far as the hard limit allows.
fn file_limit(connections: u32) -> Result<()> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    // Besides the sockets: stdio, the runtime's own descriptors, a report file.
    let need = u64::from(connections) + 64;
    let mut limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    if soft >= need {
        return Ok(());
    }
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < need {
        return Err(Failure::usage(format!(
            "-c {connections} needs about {need} open files, and this process may open only {hard}"
        ))
        .hint("raise the hard limit (ulimit -Hn, or LimitNOFILE= for a service), or run several wsprobe bench processes and add them up with wsprobe bench merge")
        .into());
    }
    limit.current = Some(need.max(soft));
    setrlimit(Resource::Nofile, limit).map_err(|e| {
        Failure::usage(format!(
            "-c {connections} needs about {need} open files, and the limit cannot be raised that far: {e}"
        ))
        .hint("raise the limit (ulimit -n), or run several wsprobe bench processes and add them up with wsprobe bench merge")
    })?;
    Ok(())
}

/// The server's addresses, looked up once for every connection (none through a proxy or a
/// Unix socket, where the name is not ours to resolve).
async fn resolve_once(
    settings: &crate::dial::handshake::ClientSettings,
) -> Result<Option<Arc<[SocketAddr]>>> {
    let url = &settings.url;
    if url.unix_socket().is_some()
        || crate::dial::proxy::choose(&settings.proxy, url.host(), url.is_tls())?.is_some()
    {
        return Ok(None);
    }
    let host = url.host();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, url.port()))
        .await
        .map_err(|e| Failure::connect(format!("could not resolve host '{host}': {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(Failure::connect(format!("host '{host}' has no addresses")).into());
    }
    Ok(Some(addrs.into()))
}
