//! `wsprobe bench` and `wsprobe bench merge`: run (or add up), write the files asked for,
//! print the summary (human, or one JSON object as the last line), and pick the exit status.

use std::io::Write as _;
use std::path::Path;

use anyhow::Result;
use hdrhistogram::serialization::interval_log::IntervalLogWriterBuilder;
use hdrhistogram::serialization::V2DeflateSerializer;

use crate::bench::{self, merge, report, summary::Summary, Outcome};
use crate::config::bench::{BenchPlan, MergePlan, Results, Thresholds};
use crate::error::{ExitCode, Failure};
use crate::output;

pub async fn run(plan: BenchPlan) -> Result<ExitCode> {
    let outcome = bench::run(&plan).await?;
    if let Some(path) = &plan.results.hdr_out {
        write_hdr(path, &outcome)?;
    }
    finish(&outcome.summary, &plan.results)?;
    let status = status(&outcome.summary, &plan.thresholds, &outcome.connect_hints);
    Ok(outcome.signal.unwrap_or(status))
}

pub async fn merge(plan: MergePlan) -> Result<ExitCode> {
    let merged = merge::files(&plan.files)?;
    finish(&merged, &plan.results)?;
    Ok(status(&merged, &plan.thresholds, &[]))
}

/// Writes the report and prints the summary.
fn finish(s: &Summary, results: &Results) -> Result<()> {
    if let Some(path) = &results.report {
        write_file(path, "--report", report::render(s).as_bytes())?;
    }
    let mut text = if results.json {
        let mut line = serde_json::to_string(s)?;
        line.push('\n');
        line.into_bytes()
    } else {
        s.human().into_bytes()
    };
    output::write_stdout(&mut text);
    if let Some(output::StdoutTrouble::Failed(e)) = output::stdout_trouble() {
        return Err(anyhow::anyhow!("cannot write to stdout: {e}"));
    }
    Ok(())
}

fn write_file(path: &Path, flag: &str, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Failure::new(
            ExitCode::Runtime,
            format!("cannot write {flag} file '{}': {e}", path.display()),
        )
        .hint("give a path in a directory that exists and is writable")
        .into()
    })
}

/// `--hdr-out`: the latency of each interval as an HdrHistogram interval log (microseconds;
/// the max column in milliseconds), which HdrHistogram's own tools read.
fn write_hdr(path: &Path, outcome: &Outcome) -> Result<()> {
    let mut text = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    {
        let mut builder = IntervalLogWriterBuilder::new();
        builder
            .add_comment(&format!(
                "wsprobe {} bench: latency in microseconds: {}",
                env!("CARGO_PKG_VERSION"),
                outcome.summary.command.join(" ")
            ))
            .with_start_time(outcome.started_at)
            .with_base_time(outcome.started_at)
            .with_max_value_divisor(1000.0);
        let mut log = builder.begin_log_with(&mut text, &mut serializer)?;
        for (start, length, h) in &outcome.intervals {
            log.write_histogram(h, *start, *length, None)
                .map_err(|e| anyhow::anyhow!("cannot encode a histogram: {e}"))?;
        }
    }
    write_file(path, "--hdr-out", &text)
}

/// The exit status of a finished run, with one line on stderr for each reason it is not 0
/// (and, when nothing connected, the hints of the first failure).
fn status(s: &Summary, t: &Thresholds, connect_hints: &[String]) -> ExitCode {
    if s.connected == 0 && s.connections > 0 {
        let why = s
            .error_messages
            .get("connect")
            .or_else(|| s.error_messages.get("not-opened"))
            .cloned()
            .unwrap_or_else(|| "stopped before any connection opened".to_owned());
        fail(&format!("no connection could be opened: {why}"));
        for h in connect_hints {
            let _ = writeln!(std::io::stderr().lock(), "hint: {h}");
        }
        return ExitCode::Connect;
    }
    let abnormal: u64 = s
        .closes
        .iter()
        .filter(|(code, _)| !matches!(code.as_str(), "1000" | "1001" | "1005"))
        .map(|(_, n)| n)
        .sum();
    if s.error_total() > 0 || abnormal > 0 {
        let kinds: Vec<String> = s.errors.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
        let mut line = format!("{} error(s)", s.error_total());
        if !kinds.is_empty() {
            line.push_str(&format!(" ({})", kinds.join(", ")));
        }
        if abnormal > 0 {
            line.push_str(&format!(", {abnormal} connection(s) closed abnormally"));
        }
        fail(&line);
        return ExitCode::Abnormal;
    }
    let mut missed = Vec::new();
    let latency = s.latency_ms.as_ref();
    let checks = [
        ("p50", t.max_p50, "--max-p50", latency.map(|l| l.p50)),
        ("p99", t.max_p99, "--max-p99", latency.map(|l| l.p99)),
        ("p99.9", t.max_p999, "--max-p999", latency.map(|l| l.p999)),
    ];
    for (name, limit, flag, value) in checks {
        let Some(limit) = limit else { continue };
        let limit_ms = limit.as_secs_f64() * 1000.0;
        match value {
            Some(v) if v <= limit_ms => {}
            Some(v) => missed.push(format!(
                "{name} latency {} is above {flag} {}",
                bench::summary::millis(v),
                humantime::format_duration(limit)
            )),
            None => missed.push(format!("{flag}: no latency was measured")),
        }
    }
    if let Some(min) = t.min_rate {
        if s.msgs_per_s < min {
            missed.push(format!(
                "{:.0} msg/s received (over the steady part) is below --min-rate {min}",
                s.msgs_per_s
            ));
        }
    }
    if let Some(limit) = t.max_lag {
        missed.extend(lag_missed(s, limit));
    }
    if missed.is_empty() {
        return ExitCode::Ok;
    }
    for m in &missed {
        fail(&format!("threshold not met: {m}"));
    }
    ExitCode::Expectation
}

/// `--max-lag`: the latest a message went out after it was due, and what was never sent.
fn lag_missed(s: &Summary, limit: std::time::Duration) -> Vec<String> {
    let g = &s.generator;
    let mut missed = Vec::new();
    let limit_ms = limit.as_secs_f64() * 1000.0;
    match &g.send_lag_ms {
        Some(l) if l.max > limit_ms => missed.push(format!(
            "a message went out {} after it was due, above --max-lag {}",
            bench::summary::millis(l.max),
            humantime::format_duration(limit)
        )),
        Some(_) => {}
        None if s.rate.is_none() => {
            missed.push(
                "--max-lag: no send lag was measured (the runs were not --rate runs)".to_owned(),
            );
        }
        None if g.backlog == 0 => {
            missed.push("--max-lag: no message was sent".to_owned());
        }
        None => {}
    }
    if g.fell_behind {
        missed.push(format!(
            "the generator fell behind (--max-lag {}): {} message(s) due were never sent",
            humantime::format_duration(limit),
            bench::summary::count(g.backlog)
        ));
    }
    missed
}

fn fail(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "wsprobe: error: {line}");
}
