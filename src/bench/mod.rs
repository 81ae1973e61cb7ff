//! `wsprobe bench`: many client connections under a paced load, measured honestly.
//!
//! The connections are ordinary client connections (`dial::handshake`, one settings value
//! resolved once and shared), each driven by the one session driver; the load is an
//! [`Inbound`](crate::session::driver::Inbound) handler and, in open loop, a feeder in the
//! same task (`load`). Events go to an aggregating `EventSink` (`sink`) instead of the
//! printer; latencies go to sharded HDR histograms (`record`), which a ticker turns into one
//! point a interval. The result is a [`Summary`] (`summary`): printed, written as JSON,
//! merged with other runs (`merge`), drawn as a page (`report`).

mod greet;
pub mod load;
pub mod merge;
mod progress;
pub mod record;
pub mod report;
mod sink;
mod stamp;
mod steady;
pub mod summary;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::bench::{BenchPlan, Body, Matching, Pace, Stop};
use crate::error::{ExitCode, Failure};
use load::{Shared, Totals};
use progress::Progress;
use record::{histogram, Counts, Recorder};
use sink::BenchSink;
use steady::{Rates, Steady};
use summary::{Generator, Point, PointLatency, Stats, Summary};

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
    crate::config::bench::check_memory(plan)?;
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
        matching: plan.message.matching.clone(),
        maker: stamp::Maker::new(&plan.message),
        protocol: plan.protocol.clone(),
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
        stop_ns: AtomicU64::new(u64::MAX),
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
    // The progress line is redrawn more often than the series takes a point.
    let mut redraws = tokio::time::interval(PROGRESS_EVERY);
    redraws.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut series = Series::new(run.started);
    let mut steady = Steady::new(plan.ramp);
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
                if plan.out.verbose {
                    progress.println(&series.point_line());
                }
            }
            _ = redraws.tick(), if progress.shown() => {
                progress.update(series.line(&run, &sink, plan));
            }
            () = tokio::time::sleep_until(run.started + plan.ramp), if steady.from.is_none() => {
                steady.from = Some(series.so_far(&run));
            }
            () = sleep_until(stop_at), if stopped_at.is_none() && stop_at.is_some() => {
                stopped_at = Some(Instant::now());
                steady.to = Some(series.so_far(&run));
                run.stop();
                let _ = stop_tx.send(true);
            }
            status = &mut signals, if signal.is_none() => {
                signal = Some(status);
                if stopped_at.is_none() {
                    stopped_at = Some(Instant::now());
                    steady.to = Some(series.so_far(&run));
                }
                run.stop();
                let _ = stop_tx.send(true);
            }
        }
    }
    let ended = Instant::now();
    let points = series.points.len();
    series.take(&run, &sink);
    if plan.out.verbose && series.points.len() > points {
        progress.println(&series.point_line());
    }
    series.settle();
    progress.finish();
    let duration = ended.saturating_duration_since(run.started);
    let load_end = stopped_at
        .map_or(ended, |s| s.min(ended))
        .saturating_duration_since(run.started);
    let rates = steady.rates(series.counts, plan.ramp, load_end, duration);
    let mut summary = summarize(plan, &run, &sink, &series, duration, rates, started_at);
    summary.run_id = Some(run_id);
    Ok(Outcome {
        summary,
        intervals: series.intervals,
        signal,
        connect_hints: sink.connect_hints(),
        started_at,
    })
}

/// How often the progress line is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

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
    /// Open loop: how late messages were handed to the writer.
    lag: Histogram<u64>,
    counts: Counts,
    errors_before: u64,
    intervals: Vec<(Duration, Duration, Histogram<u64>)>,
    /// Messages counted as sent in a point that never went out, not yet taken off one.
    unsent: u64,
    /// The counts so far at the last few redraws of the progress line (its rates).
    recent: VecDeque<(Instant, Counts)>,
}

impl Series {
    fn new(started: Instant) -> Series {
        Series {
            started,
            last: started,
            points: Vec::new(),
            total: histogram(),
            lag: histogram(),
            counts: Counts::default(),
            errors_before: 0,
            intervals: Vec::new(),
            unsent: 0,
            recent: VecDeque::new(),
        }
    }

    fn take(&mut self, run: &Shared, sink: &BenchSink) {
        let now = Instant::now();
        let i = run.rec.take();
        let length = now.saturating_duration_since(self.last);
        let _ = self.total.add(&i.latency);
        let _ = self.lag.add(&i.lag);
        self.counts.add(&i.counts);
        self.unsent += i.unsent;
        if length.is_zero() && i.counts == Counts::default() {
            return;
        }
        let unsent = self.unsent.min(i.counts.sent);
        self.unsent -= unsent;
        let errors = sink.errors();
        self.points.push(Point {
            t_s: round3(now.saturating_duration_since(self.started).as_secs_f64()),
            sent: i.counts.sent - unsent,
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

    /// After the last point: messages counted as sent that never went out come off the
    /// latest points, so the series adds up to what was sent.
    fn settle(&mut self) {
        for p in self.points.iter_mut().rev() {
            let unsent = self.unsent.min(p.sent);
            p.sent -= unsent;
            self.unsent -= unsent;
        }
    }

    /// The counts so far, including what the recorder holds since the last point.
    fn so_far(&self, run: &Shared) -> Counts {
        let mut c = self.counts;
        c.add(&run.rec.peek());
        c
    }

    /// `-v`: the last point as a line of its own.
    fn point_line(&self) -> String {
        let Some(p) = self.points.last() else {
            return String::new();
        };
        let mut line = format!(
            "{:>8.3} s  {} open  {} sent  {} received  {} errors",
            p.t_s,
            p.open,
            summary::count(p.sent),
            summary::count(p.received),
            summary::count(p.errors)
        );
        if let Some(l) = &p.latency_ms {
            line.push_str(&format!(
                "  p50 {}  p99 {}  max {}",
                summary::millis(l.p50),
                summary::millis(l.p99),
                summary::millis(l.max)
            ));
        }
        line
    }

    /// The progress line: rates over about the last second, percentiles so far.
    fn line(&mut self, run: &Shared, sink: &BenchSink, plan: &BenchPlan) -> String {
        let now = Instant::now();
        self.recent.push_back((now, self.so_far(run)));
        while self.recent.len() > 2
            && now.saturating_duration_since(self.recent[1].0) >= Duration::from_secs(1)
        {
            self.recent.pop_front();
        }
        let (then, before) = self.recent[0];
        let secs = now.saturating_duration_since(then).as_secs_f64();
        let per_s = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let counts = self.recent.back().map_or(before, |r| r.1);
        let mut line = format!(
            "{}/{} open  {:.0} msg/s received",
            run.rec.open(),
            plan.connections,
            per_s(counts.received - before.received),
        );
        if let Pace::Open { rate } = plan.pace {
            line.push_str(&format!(
                "  {:.0} of {rate} msg/s sent",
                per_s(counts.sent - before.sent)
            ));
        }
        let mut latency = run.rec.peek_latency();
        let _ = latency.add(&self.total);
        if !latency.is_empty() {
            line.push_str(&format!(
                "  p50 {}  p99 {}",
                summary::millis(latency.value_at_quantile(0.5) as f64 / 1000.0),
                summary::millis(latency.value_at_quantile(0.99) as f64 / 1000.0)
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
    rates: Rates,
    started_at: SystemTime,
) -> Summary {
    let t = &run.totals;
    let received = t.received.load(Ordering::Relaxed);
    let rate = match plan.pace {
        Pace::Open { rate } => Some(rate),
        _ => None,
    };
    let backlog = t.backlog.load(Ordering::Relaxed);
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
        rate,
        size: match &plan.message.body {
            Body::Generated { size } => *size,
            // With {seq}, the first message's.
            Body::Fixed(t) => t.render(0).len(),
        },
        binary: plan.message.binary,
        matching: match &plan.message.matching {
            Matching::Json(path) => Some(format!("json:{path}")),
            _ => None,
        },
        protocol: plan.protocol.as_ref().map(|p| p.name().to_owned()),
        exchange: plan.protocol.as_ref().map(|p| p.exchange()),
        runs: 1,
        connections: u64::from(plan.connections),
        connected: t.connected.load(Ordering::Relaxed),
        compressed: sink.compressed(),
        duration_s: round3(duration.as_secs_f64()),
        sent: t.sent.load(Ordering::Relaxed),
        received,
        msgs_per_s: round3(rates.received),
        bytes_per_s: round3(rates.bytes_in),
        generator: Generator {
            send_rate: round3(rates.sent),
            // More than 10 ms worth of the rate still due at the end: the timer's own
            // granularity (1 ms) leaves a few behind in a run that kept up.
            fell_behind: rate.is_some_and(|r| backlog as f64 > (r / 100.0).max(1.0)),
            backlog,
            send_lag_ms: Stats::of(&series.lag),
            steady_from_s: round3(rates.from_s),
            steady_to_s: round3(rates.to_s),
            pushes: t.pushes.load(Ordering::Relaxed),
        },
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
