//! `bench merge`: adds up runs made side by side (one machine each, a Kubernetes Indexed Job)
//! into one summary. Counts add; percentiles come from the sum of the histograms each run
//! wrote, so they are exactly those of one run that recorded everything; the series are lined
//! up on the wall clock. It checks what it adds: a run given twice (by its `run_id`, or inside
//! a merge's `run_ids`) is refused, and runs that did not overlap in time have their rates
//! averaged over the time they cover instead of added (with a warning).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use hdrhistogram::Histogram;

use super::record::histogram;
use super::summary::{decode, Generator, Point, PointLatency, Stats, Summary};
use crate::error::Failure;

/// What `pace` says of a merge of runs paced differently.
pub const MIXED: &str = "mixed";

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
        let why = quoted(&e.to_string());
        Failure::usage(format!("'{shown}' is not a wsprobe bench summary: {why}"))
            .hint("give the output of wsprobe bench --json (its last line is the summary)")
    })?;
    if let Err(e) = histograms(&summary) {
        return Err(Failure::usage(format!(
            "'{shown}' is not a wsprobe bench summary: {}",
            quoted(&e.to_string())
        ))
        .hint("give the output of wsprobe bench --json as it was written")
        .into());
    }
    Ok(summary)
}

/// Decodes every histogram of a summary, to name the file whose histogram is damaged.
fn histograms(s: &Summary) -> Result<()> {
    let whole = [
        ("latency_ms", &s.latency_ms),
        ("connect_ms", &s.connect_ms),
        ("send_lag_ms", &s.generator.send_lag_ms),
    ];
    for (key, stats) in whole {
        if let Some(stats) = stats {
            stats
                .histogram()
                .map_err(|e| anyhow::anyhow!("its {key} histogram: {e}"))?;
        }
    }
    for (i, p) in s.series.iter().enumerate() {
        if let Some(l) = &p.latency_ms {
            decode(&l.histogram).map_err(|e| {
                anyhow::anyhow!("the latency histogram of point {i} of its series: {e}")
            })?;
        }
    }
    Ok(())
}

/// serde's message may quote the file's text: control and bidi characters are escaped, so
/// that the error stays one line and cannot move the terminal's cursor.
fn quoted(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `wsprobe bench merge FILE…`: reads the summaries, refuses a run given twice, adds them up,
/// and says on stderr when their rates could not simply be added.
pub fn files(paths: &[PathBuf]) -> Result<Summary> {
    let runs = paths.iter().map(|p| read(p)).collect::<Result<Vec<_>>>()?;
    distinct(paths, &runs)?;
    let merged = merge(&runs)?;
    if let Some(w) = merged.warning {
        let _ = writeln!(std::io::stderr().lock(), "wsprobe: warning: {w}");
    }
    Ok(merged.summary)
}

/// A merge, and what the user should know about how it was made.
pub struct Merged {
    pub summary: Summary,
    /// Set when the runs did not all overlap in time.
    pub warning: Option<String>,
}

/// The ids of the runs a summary holds: a merge's `run_ids`, a run's `run_id`, or for a
/// summary older than those keys a digest of what tells one run from another (its start, its
/// command line and its histograms).
pub fn ids(s: &Summary) -> Vec<String> {
    if !s.run_ids.is_empty() {
        return s.run_ids.clone();
    }
    if let Some(id) = &s.run_id {
        return vec![id.clone()];
    }
    use sha1::Digest as _;
    let mut digest = sha1::Sha1::new();
    digest.update(s.started_unix_ms.to_be_bytes());
    for c in &s.command {
        digest.update(c.as_bytes());
        digest.update([0]);
    }
    for h in [&s.latency_ms, &s.connect_ms] {
        digest.update(h.as_ref().map_or("-", |h| h.histogram.as_str()).as_bytes());
        digest.update([0]);
    }
    let hex: String = digest.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    vec![format!("digest:{hex}")]
}

/// Refuses a run that two of the files hold (the same file twice, a copy, or a merge and one
/// of its parts): adding it up twice would count its messages twice.
fn distinct(paths: &[PathBuf], runs: &[Summary]) -> Result<()> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        for id in ids(run).into_iter().collect::<BTreeSet<_>>() {
            if let Some(&j) = seen.get(&id) {
                let (a, b) = (paths[j].display(), paths[i].display());
                let id = quoted(&id);
                let message = if ids(&runs[j]).len() > 1 || ids(run).len() > 1 {
                    format!("'{a}' and '{b}' both hold run {id}")
                } else {
                    format!("'{b}' is the same run as '{a}' (run {id})")
                };
                return Err(Failure::usage(format!(
                    "{message}: adding it up twice would count it twice"
                ))
                .hint("give each run's summary once; a merged summary already holds the runs its run_ids list")
                .into());
            }
            seen.insert(id, i);
        }
    }
    Ok(())
}

/// Adds up the runs.
pub fn merge(runs: &[Summary]) -> Result<Merged> {
    let Some(first) = runs.first() else {
        return Err(Failure::usage("bench merge needs at least one summary").into());
    };
    let mut latency = histogram();
    let mut connect = histogram();
    for r in runs {
        add(&mut latency, r.latency_ms.as_ref())?;
        add(&mut connect, r.connect_ms.as_ref())?;
    }
    let sum = |f: fn(&Summary) -> u64| runs.iter().map(f).fold(0u64, u64::saturating_add);
    let (errors, error_messages, closes) = problems(runs);
    let started = runs.iter().map(|r| r.started_unix_ms).min().unwrap_or(0);
    let urls: Vec<&str> = runs.iter().map(|r| r.url.as_str()).collect();
    let url = if urls.iter().all(|u| *u == first.url) {
        first.url.clone()
    } else {
        urls.join(", ")
    };
    let time = Time::of(runs);
    let paces: BTreeSet<&str> = runs.iter().map(|r| r.pace.as_str()).collect();
    let pace = if paces.len() == 1 { &first.pace } else { MIXED };
    let in_flights: BTreeSet<Option<u32>> = runs.iter().map(|r| r.in_flight).collect();
    let rates: Option<Vec<f64>> = runs.iter().map(|r| r.rate).collect();
    let summary = Summary {
        wsprobe: env!("CARGO_PKG_VERSION").to_owned(),
        run_id: None,
        run_ids: runs.iter().flat_map(ids).collect(),
        command: runs.iter().flat_map(|r| r.command.clone()).collect(),
        url,
        started_unix_ms: started,
        pace: pace.to_owned(),
        in_flight: match (pace, in_flights.len()) {
            ("closed", 1) => first.in_flight,
            _ => None,
        },
        rate: match (pace, rates) {
            ("open", Some(rates)) => Some(round3(time.rate(&rates))),
            _ => None,
        },
        size: first.size,
        binary: first.binary,
        matching: first
            .matching
            .clone()
            .filter(|m| runs.iter().all(|r| r.matching.as_ref() == Some(m))),
        protocol: match first.protocol.as_ref() {
            p if runs.iter().all(|r| r.protocol.as_ref() == p) => p.cloned(),
            _ => Some(MIXED.to_owned()),
        },
        exchange: first
            .exchange
            .clone()
            .filter(|e| runs.iter().all(|r| r.exchange.as_ref() == Some(e))),
        runs: sum(|r| r.runs),
        connections: sum(|r| r.connections),
        connected: sum(|r| r.connected),
        compressed: sum(|r| r.compressed),
        duration_s: round3(time.covered),
        sent: sum(|r| r.sent),
        received: sum(|r| r.received),
        msgs_per_s: round3(time.rate(&each(runs, |r| r.msgs_per_s))),
        bytes_per_s: round3(time.rate(&each(runs, |r| r.bytes_per_s))),
        generator: Generator {
            send_rate: round3(time.rate(&each(runs, |r| r.generator.send_rate))),
            ..Generator::merged(runs)?
        },
        errors,
        error_messages,
        closes,
        latency_ms: Stats::of(&latency),
        connect_ms: Stats::of(&connect),
        interval_s: first.interval_s,
        series: series(runs, started, first.interval_s)?,
    };
    Ok(Merged {
        summary,
        warning: time.warning(),
    })
}

fn each(runs: &[Summary], f: fn(&Summary) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

type Problems = (
    BTreeMap<String, u64>,
    BTreeMap<String, String>,
    BTreeMap<String, u64>,
);

/// Errors by kind (with the first message of each) and closes by code, added up.
fn problems(runs: &[Summary]) -> Problems {
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut error_messages = BTreeMap::new();
    let mut closes: BTreeMap<String, u64> = BTreeMap::new();
    for r in runs {
        for (k, n) in &r.errors {
            let e = errors.entry(k.clone()).or_default();
            *e = e.saturating_add(*n);
        }
        for (k, m) in &r.error_messages {
            error_messages.entry(k.clone()).or_insert_with(|| m.clone());
        }
        for (k, n) in &r.closes {
            let e = closes.entry(k.clone()).or_default();
            *e = e.saturating_add(*n);
        }
    }
    (errors, error_messages, closes)
}

/// When the runs ran: the periods in which at least one ran (runs that overlap share one),
/// on the wall clock. A merge given again counts as one run over the time it covers.
struct Time {
    /// Each period's runs (their indices), and its length in seconds.
    periods: Vec<(Vec<usize>, f64)>,
    /// The seconds covered by at least one run.
    covered: f64,
    /// From the first start to the last end.
    span: f64,
}

impl Time {
    fn of(runs: &[Summary]) -> Time {
        let first = runs.iter().map(|r| r.started_unix_ms).min().unwrap_or(0);
        let mut spans: Vec<(f64, f64, usize)> = runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let from = (r.started_unix_ms - first) as f64 / 1000.0;
                let length = if r.duration_s.is_finite() {
                    r.duration_s.max(0.0)
                } else {
                    0.0
                };
                (from, from + length, i)
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut periods: Vec<(Vec<usize>, f64, f64)> = Vec::new();
        for (from, to, i) in spans {
            match periods.last_mut() {
                // Overlaps the period so far: side by side.
                Some((members, _, end)) if from < *end || (from == *end && to == from) => {
                    members.push(i);
                    *end = end.max(to);
                }
                _ => periods.push((vec![i], from, to)),
            }
        }
        let span = periods.iter().map(|p| p.2).fold(0.0, f64::max);
        let periods: Vec<(Vec<usize>, f64)> = periods
            .into_iter()
            .map(|(members, from, to)| (members, to - from))
            .collect();
        let covered = periods.iter().map(|p| p.1).sum();
        Time {
            periods,
            covered,
            span,
        }
    }

    /// A rate of the whole: the runs of a period ran side by side, so their rates add; the
    /// periods one after the other, so theirs are averaged over the time each lasted.
    fn rate(&self, each: &[f64]) -> f64 {
        let added = |members: &[usize]| members.iter().map(|&i| each[i]).sum::<f64>();
        if self.periods.len() == 1 || self.covered <= 0.0 {
            return self.periods.iter().map(|p| added(&p.0)).sum();
        }
        self.periods
            .iter()
            .map(|(members, length)| added(members) * length)
            .sum::<f64>()
            / self.covered
    }

    fn warning(&self) -> Option<String> {
        let n = self.periods.len();
        (n > 1).then(|| {
            format!(
                "the runs did not all overlap in time ({n} periods over {:.1} s, {:.1} s of it \
                 with no run): their rates are averaged over the {:.1} s they cover, not added",
                self.span,
                (self.span - self.covered).max(0.0),
                self.covered
            )
        })
    }
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
        // A run's last, shorter interval may fall in the same slot as the one before it.
        let mut last: Option<(u64, u64)> = None;
        for p in &r.series {
            // A point covers the interval before it: the slot that holds most of that.
            let t = offset + p.t_s;
            let slot = (t / interval).round().max(1.0) as u64;
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
            point.sent = point.sent.saturating_add(p.sent);
            point.received = point.received.saturating_add(p.received);
            point.bytes_in = point.bytes_in.saturating_add(p.bytes_in);
            point.errors = point.errors.saturating_add(p.errors);
            // Connections open at the end of the slot: this run's latest count only.
            let before = match last {
                Some((s, open)) if s == slot => open,
                _ => 0,
            };
            point.open = point.open.saturating_sub(before).saturating_add(p.open);
            last = Some((slot, p.open));
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
mod proptests;

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
        let m = merge(&[run(&a, 1000), run(&b, 1000)]).unwrap().summary;
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
        let m = merge(&[run(&[10], 1000), run(&[20], 3000)])
            .unwrap()
            .summary;
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
        // A damaged histogram is named, with the file.
        let mut s = run(&[10, 20], 1000);
        s.series[0].latency_ms.as_mut().unwrap().histogram = "aGVsbG8=".into();
        std::fs::write(&p, serde_json::to_string(&s).unwrap()).unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.ends_with("x.json' is not a wsprobe bench summary: the latency histogram of point 0 of its series: a histogram does not decode: not an HdrHistogram V2 encoding"),
            "{e}"
        );
    }

    #[test]
    fn runs_side_by_side_add_their_rates() {
        let (mut a, mut b) = (run(&[10; 100], 1000), run(&[20; 300], 1500));
        (a.pace, a.in_flight, a.rate, a.generator.send_rate) =
            ("open".into(), None, Some(100.0), 99.0);
        (b.pace, b.in_flight, b.rate, b.generator.send_rate) =
            ("open".into(), None, Some(300.0), 290.0);
        b.generator.fell_behind = true;
        let m = merge(&[a, b]).unwrap();
        assert!(m.warning.is_none());
        let s = m.summary;
        assert_eq!(
            (s.msgs_per_s, s.rate, s.generator.send_rate),
            (400.0, Some(400.0), 389.0)
        );
        assert!(s.generator.fell_behind);
        assert_eq!(s.pace, "open");
        // From the first start to the last end.
        assert_eq!(s.duration_s, 1.5);
    }

    #[test]
    fn runs_one_after_another_are_averaged_over_the_time_they_cover() {
        // 100 msg/s for 1 s, then (9 s later) 300 msg/s for 1 s.
        let m = merge(&[run(&[10; 100], 1000), run(&[20; 300], 11_000)]).unwrap();
        let s = m.summary;
        assert_eq!(s.msgs_per_s, 200.0);
        assert_eq!(s.duration_s, 2.0);
        assert_eq!(s.received, 400);
        let w = m.warning.unwrap();
        assert!(
            w.starts_with("the runs did not all overlap in time (2 periods over 11.0 s, 9.0 s of it with no run)"),
            "{w}"
        );
        // Three runs: two side by side, then one alone.
        let m = merge(&[
            run(&[10; 100], 1000),
            run(&[10; 100], 1000),
            run(&[20; 100], 5000),
        ])
        .unwrap();
        assert_eq!(m.summary.msgs_per_s, 150.0);
        assert!(m.warning.is_some());
    }

    #[test]
    fn runs_keep_their_match_only_when_they_all_share_it() {
        let by_id = || {
            let mut r = run(&[10], 1000);
            r.matching = Some("json:id".into());
            r
        };
        let m = merge(&[by_id(), by_id()]).unwrap().summary;
        assert_eq!(m.matching.as_deref(), Some("json:id"));
        assert!(m.human().contains(", replies matched by json:id, "));
        let m = merge(&[by_id(), run(&[10], 1000)]).unwrap().summary;
        assert_eq!(m.matching, None);
        // A summary written before the key existed reads as matched without it.
        let mut old = serde_json::to_value(by_id()).unwrap();
        old.as_object_mut().unwrap().remove("match");
        let old: Summary = serde_json::from_value(old).unwrap();
        assert_eq!(old.matching, None);
    }

    #[test]
    fn runs_paced_differently_are_mixed() {
        let mut open = run(&[10], 1000);
        (open.pace, open.in_flight, open.rate) = ("open".into(), None, Some(50.0));
        let m = merge(&[run(&[10], 1000), open]).unwrap().summary;
        assert_eq!((m.pace.as_str(), m.in_flight, m.rate), (MIXED, None, None));
        assert!(m
            .human()
            .contains(", runs paced differently (see their commands), "));
        let mut four = run(&[10], 1000);
        four.in_flight = Some(4);
        let m = merge(&[run(&[10], 1000), four]).unwrap().summary;
        assert_eq!((m.pace.as_str(), m.in_flight), ("closed", None));
        assert!(m
            .human()
            .contains("closed loop, in flight differing between runs"));
    }

    #[test]
    fn a_merge_names_the_runs_it_holds() {
        let (a, b) = (run(&[10], 1000), run(&[20], 1000));
        let m = merge(&[a.clone(), b.clone()]).unwrap().summary;
        assert_eq!(m.run_id, None);
        assert_eq!(ids(&m), [ids(&a), ids(&b)].concat());
        let paths = [PathBuf::from("m.json"), PathBuf::from("b.json")];
        let e = distinct(&paths, &[m, b]).unwrap_err().to_string();
        assert!(e.starts_with("'m.json' and 'b.json' both hold run "), "{e}");
        let e = distinct(&paths, &[a.clone(), a]).unwrap_err().to_string();
        assert!(e.starts_with("'b.json' is the same run as 'm.json'"), "{e}");
    }

    #[test]
    fn an_older_summary_is_known_by_its_start_command_and_histograms() {
        let mut a = run(&[10, 20], 1000);
        a.run_id = None;
        let id = ids(&a);
        assert!(id[0].starts_with("digest:") && id[0].len() == 39, "{id:?}");
        assert_eq!(ids(&a.clone()), id);
        let mut later = a.clone();
        later.started_unix_ms += 1;
        let mut other = a.clone();
        other.latency_ms = run(&[10, 21], 1000).latency_ms;
        assert_ne!(ids(&later), id);
        assert_ne!(ids(&other), id);
        // Summaries written before run_id still read.
        let mut json = serde_json::to_value(&a).unwrap();
        json.as_object_mut().unwrap().remove("run_id");
        let back: Summary = serde_json::from_value(json).unwrap();
        assert_eq!(ids(&back), id);
    }

    #[test]
    fn connections_open_are_counted_once_a_slot() {
        // A run whose short last interval falls in the slot of the one before.
        let mut a = run(&[10], 1300);
        let mut end = a.series[0].clone();
        end.t_s = 1.1;
        a.series.push(end);
        let m = merge(&[a, run(&[10], 1000)]).unwrap().summary;
        assert_eq!(m.series.len(), 1);
        assert_eq!(m.series[0].open, 4);
    }
}
