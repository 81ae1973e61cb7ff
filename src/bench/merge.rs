//! `bench merge`: adds up runs made side by side (one machine each, a Kubernetes Indexed Job)
//! into one summary. Counts and rates add; percentiles come from the sum of the histograms
//! each run wrote, so they are exactly those of one run that recorded everything; the series
//! are lined up on the wall clock.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use hdrhistogram::Histogram;

use super::record::histogram;
use super::summary::{decode, Point, PointLatency, Stats, Summary};
use crate::error::Failure;

/// How a line that holds a JSON object starts.
const JSON_OBJECT: &str = "{";

/// Reads one run's summary: the last line of `wsprobe bench --json` output that is a JSON
/// object (the whole output, or just that line, may be given).
pub fn read(path: &Path) -> Result<Summary> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read '{shown}': {e}")))?;
    let Some(line) = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with(JSON_OBJECT))
    else {
        return Err(Failure::usage(format!(
            "'{shown}' holds no JSON summary: its lines are not JSON objects"
        ))
        .hint("give the output of wsprobe bench --json (its last line is the summary)")
        .into());
    };
    let summary: Summary = serde_json::from_str(line).map_err(|e| {
        Failure::usage(format!("'{shown}' is not a wsprobe bench summary: {e}"))
            .hint("give the output of wsprobe bench --json (its last line is the summary)")
    })?;
    Ok(summary)
}

/// Adds up the runs.
pub fn merge(runs: &[Summary]) -> Result<Summary> {
    let Some(first) = runs.first() else {
        return Err(Failure::usage("bench merge needs at least one summary").into());
    };
    let mut latency = histogram();
    let mut connect = histogram();
    for r in runs {
        add(&mut latency, r.latency_ms.as_ref())?;
        add(&mut connect, r.connect_ms.as_ref())?;
    }
    let sum = |f: fn(&Summary) -> u64| runs.iter().map(f).sum::<u64>();
    let fsum = |f: fn(&Summary) -> f64| runs.iter().map(f).sum::<f64>();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut error_messages = BTreeMap::new();
    let mut closes: BTreeMap<String, u64> = BTreeMap::new();
    for r in runs {
        for (k, n) in &r.errors {
            *errors.entry(k.clone()).or_default() += n;
        }
        for (k, m) in &r.error_messages {
            error_messages.entry(k.clone()).or_insert_with(|| m.clone());
        }
        for (k, n) in &r.closes {
            *closes.entry(k.clone()).or_default() += n;
        }
    }
    let started = runs.iter().map(|r| r.started_unix_ms).min().unwrap_or(0);
    let urls: Vec<&str> = runs.iter().map(|r| r.url.as_str()).collect();
    let url = if urls.iter().all(|u| *u == first.url) {
        first.url.clone()
    } else {
        urls.join(", ")
    };
    let duration_s = runs.iter().map(|r| r.duration_s).fold(0.0, f64::max);
    Ok(Summary {
        wsprobe: env!("CARGO_PKG_VERSION").to_owned(),
        command: runs.iter().flat_map(|r| r.command.clone()).collect(),
        url,
        started_unix_ms: started,
        pace: first.pace.clone(),
        in_flight: first.in_flight,
        rate: runs.iter().map(|r| r.rate).sum::<Option<f64>>(),
        size: first.size,
        binary: first.binary,
        runs: sum(|r| r.runs),
        connections: sum(|r| r.connections),
        connected: sum(|r| r.connected),
        compressed: sum(|r| r.compressed),
        duration_s,
        sent: sum(|r| r.sent),
        received: sum(|r| r.received),
        // Runs side by side: their rates add.
        msgs_per_s: fsum(|r| r.msgs_per_s),
        bytes_per_s: fsum(|r| r.bytes_per_s),
        generator: crate::bench::summary::Generator::merged(runs)?,
        errors,
        error_messages,
        closes,
        latency_ms: Stats::of(&latency),
        connect_ms: Stats::of(&connect),
        interval_s: first.interval_s,
        series: series(runs, started, first.interval_s)?,
    })
}

fn add(total: &mut Histogram<u64>, stats: Option<&Stats>) -> Result<()> {
    if let Some(s) = stats {
        let h = s.histogram()?;
        total
            .add(&h)
            .map_err(|e| anyhow::anyhow!("a histogram cannot be added: {e:?}"))?;
    }
    Ok(())
}

/// The runs' points, summed by the interval of the wall clock they fall in.
fn series(runs: &[Summary], started_unix_ms: u64, interval_s: f64) -> Result<Vec<Point>> {
    let interval = if interval_s > 0.0 { interval_s } else { 1.0 };
    let mut slots: BTreeMap<u64, (Point, Histogram<u64>)> = BTreeMap::new();
    for r in runs {
        let offset = (r.started_unix_ms - started_unix_ms) as f64 / 1000.0;
        for p in &r.series {
            let t = offset + p.t_s;
            // The interval that ends at or after t.
            let slot = ((t / interval) - 1e-9).ceil().max(1.0) as u64;
            let (point, h) = slots.entry(slot).or_insert_with(|| {
                (
                    Point {
                        t_s: slot as f64 * interval,
                        sent: 0,
                        received: 0,
                        bytes_in: 0,
                        errors: 0,
                        open: 0,
                        latency_ms: None,
                    },
                    histogram(),
                )
            });
            point.sent += p.sent;
            point.received += p.received;
            point.bytes_in += p.bytes_in;
            point.errors += p.errors;
            point.open += p.open;
            if let Some(l) = &p.latency_ms {
                let _ = h.add(decode(&l.histogram)?);
            }
        }
    }
    Ok(slots
        .into_values()
        .map(|(mut p, h)| {
            p.latency_ms = PointLatency::of(&h);
            p
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(values: &[u64], started_unix_ms: u64) -> Summary {
        crate::bench::summary::sample(values, started_unix_ms)
    }

    #[test]
    fn merged_percentiles_are_those_of_all_the_values() {
        let a: Vec<u64> = (1..=900).collect();
        let b: Vec<u64> = (5000..5100).collect();
        let m = merge(&[run(&a, 1000), run(&b, 1000)]).unwrap();
        let mut all = histogram();
        for v in a.iter().chain(&b) {
            all.record(*v).unwrap();
        }
        let want = Stats::of(&all).unwrap();
        let got = m.latency_ms.unwrap();
        assert_eq!(
            (got.p50, got.p90, got.p99, got.max),
            (want.p50, want.p90, want.p99, want.max)
        );
        assert_eq!(got.count, 1000);
        assert_eq!(m.runs, 2);
        assert_eq!(m.connections, 4);
        assert_eq!(m.errors.get("io"), Some(&2));
        assert_eq!(m.closes.get("1000"), Some(&4));
        assert_eq!(m.command.len(), 2);
        assert_eq!(m.series.len(), 1);
        assert_eq!(m.series[0].open, 4);
    }

    #[test]
    fn runs_started_apart_line_up_on_the_clock() {
        let m = merge(&[run(&[10], 1000), run(&[20], 3000)]).unwrap();
        let ts: Vec<f64> = m.series.iter().map(|p| p.t_s).collect();
        assert_eq!(ts, vec![1.0, 3.0]);
    }

    #[test]
    fn a_file_that_is_no_summary_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, "hello\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("holds no JSON summary"), "{e}");
        std::fs::write(&p, "{\"a\":1}\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("is not a wsprobe bench summary"), "{e}");
    }
}
