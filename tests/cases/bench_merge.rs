//! `bench merge` of real runs as a user makes them: side by side, one after the other, the
//! same run twice, a merge with one of its parts, runs paced differently, any file at all;
//! the report drawn from a run; and the Kubernetes example with a stand-in for kubectl.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use super::bench::{f, two_runs, u};
use crate::support::{wait_timeout, wsprobe, wsprobe_std, Listener, Printed, RUN_TIMEOUT};

fn summary_of(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

/// One run of `wsprobe bench URL ARGS --json` into `path`.
fn one_run(url: &str, args: &[&str], path: &Path) {
    let mut child = wsprobe_std()
        .args(["bench", url])
        .args(args)
        .arg("--json")
        .stdout(std::fs::File::create(path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(wait_timeout(&mut child, RUN_TIMEOUT), Some(0));
}

/// `wsprobe bench merge FILES… --json`: exit status, stdout, stderr.
fn merge(files: &[&Path]) -> (i32, String, String) {
    let out = wsprobe()
        .args(["bench", "merge"])
        .args(files)
        .arg("--json")
        .assert()
        .get_output()
        .clone();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The error line of a refused merge: exit 2, one `wsprobe: error:` line, nothing on stdout.
fn refused(files: &[&Path]) -> String {
    let out = wsprobe()
        .args(["bench", "merge"])
        .args(files)
        .assert()
        .get_output()
        .clone();
    let (code, stdout, stderr) = (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("wsprobe: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_owned()
}

#[test]
fn every_run_has_an_id_of_its_own() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(&server.url, dir.path());
    let ids: Vec<String> = [&a, &b]
        .iter()
        .map(|p| summary_of(p)["run_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids {
        assert!(
            id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }
    assert_ne!(ids[0], ids[1]);
    // A merge keeps them, and has none of its own.
    let (code, stdout, stderr) = merge(&[&a, &b]);
    assert_eq!(code, 0, "{stderr}");
    let m: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(m["run_ids"], serde_json::json!(ids));
    assert!(m.get("run_id").is_none(), "{m}");
}

#[test]
fn the_same_run_given_twice_is_refused_naming_both_files() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    one_run(&server.url, &["-c", "1", "-d", "200ms"], &a);
    let id = summary_of(&a)["run_id"].as_str().unwrap().to_owned();
    let copy = dir.path().join("copy.json");
    std::fs::copy(&a, &copy).unwrap();
    let line = refused(&[&a, &copy]);
    assert_eq!(
        line,
        format!(
            "wsprobe: error: '{}' is the same run as '{}' (run {id}): adding it up twice would count it twice",
            copy.display(),
            a.display()
        )
    );
    // The same path twice, too.
    assert!(refused(&[&a, &a]).contains("is the same run as"));
}

#[test]
fn a_merge_and_one_of_its_parts_are_refused() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(&server.url, dir.path());
    let (code, stdout, stderr) = merge(&[&a, &b]);
    assert_eq!(code, 0, "{stderr}");
    let m = dir.path().join("merged.json");
    std::fs::write(&m, stdout).unwrap();
    let line = refused(&[&m, &b]);
    let id = summary_of(&b)["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        line,
        format!(
            "wsprobe: error: '{}' and '{}' both hold run {id}: adding it up twice would count it twice",
            m.display(),
            b.display()
        )
    );
}

#[test]
fn an_older_summary_without_a_run_id_given_twice_is_refused() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(&server.url, dir.path());
    // As wsprobe wrote them before run_id.
    for p in [&a, &b] {
        let mut s = summary_of(p);
        s.as_object_mut().unwrap().remove("run_id");
        std::fs::write(p, serde_json::to_string(&s).unwrap() + "\n").unwrap();
    }
    let again = dir.path().join("again.json");
    std::fs::copy(&a, &again).unwrap();
    assert!(refused(&[&a, &b, &again]).contains("is the same run as"));
    let (code, stdout, stderr) = merge(&[&a, &b]);
    assert_eq!(code, 0, "{stderr}");
    let m: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(u(&m, "runs"), 2);
}

#[test]
fn runs_side_by_side_add_their_rates_without_a_warning() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(&server.url, dir.path());
    let (ra, rb) = (summary_of(&a), summary_of(&b));
    let (code, stdout, stderr) = merge(&[&a, &b]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let m: Value = serde_json::from_str(stdout.trim()).unwrap();
    let sum = f(&ra, &["msgs_per_s"]) + f(&rb, &["msgs_per_s"]);
    assert!((f(&m, &["msgs_per_s"]) - sum).abs() < 0.01, "{m}");
}

#[test]
fn runs_one_after_another_are_averaged_over_the_time_they_cover_with_a_warning() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    one_run(&server.url, &["-c", "2", "-d", "300ms"], &a);
    std::thread::sleep(std::time::Duration::from_millis(300));
    one_run(&server.url, &["-c", "2", "-d", "300ms"], &b);
    let (ra, rb) = (summary_of(&a), summary_of(&b));
    let (code, stdout, stderr) = merge(&[&a, &b]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr
            .starts_with("wsprobe: warning: the runs did not all overlap in time (2 periods over ")
            && stderr.trim_end().ends_with("they cover, not added"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let m: Value = serde_json::from_str(stdout.trim()).unwrap();
    let (da, db) = (f(&ra, &["duration_s"]), f(&rb, &["duration_s"]));
    assert!((f(&m, &["duration_s"]) - (da + db)).abs() < 0.002, "{m}");
    let want = (f(&ra, &["msgs_per_s"]) * da + f(&rb, &["msgs_per_s"]) * db) / (da + db);
    assert!((f(&m, &["msgs_per_s"]) - want).abs() < 0.01, "{m}");
    // An average over the time covered, not the sum of the two rates.
    let added = f(&ra, &["msgs_per_s"]) + f(&rb, &["msgs_per_s"]);
    assert!(f(&m, &["msgs_per_s"]) < added * 0.8, "{m}");
}

#[test]
fn open_and_closed_loop_runs_merge_as_mixed_pace() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    one_run(&server.url, &["-c", "1", "-d", "200ms"], &a);
    one_run(&server.url, &["-c", "1", "-d", "200ms", "--rate", "50"], &b);
    let (code, stdout, _) = merge(&[&a, &b]);
    assert_eq!(code, 0);
    let m: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(m["pace"], "mixed");
    assert_eq!((&m["in_flight"], &m["rate"]), (&Value::Null, &Value::Null));
    let human = wsprobe()
        .args(["bench", "merge"])
        .args([&a, &b])
        .assert()
        .code(0)
        .stdout_bytes();
    let human = String::from_utf8(human).unwrap();
    assert!(
        human.contains("2 connections, runs paced differently (see their commands), 64-byte"),
        "{human}"
    );
}

/// A report from a real open-loop run: the rate asked for is on the throughput chart.
#[test]
fn an_open_loop_report_draws_the_rate_asked() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.html");
    wsprobe()
        .args([
            "bench",
            &server.url,
            "-c",
            "2",
            "-d",
            "1200ms",
            "--rate",
            "200",
        ])
        .arg("--report")
        .arg(&report)
        .assert()
        .code(0);
    let page = std::fs::read_to_string(&report).unwrap();
    let from = page.find("<svg id=\"throughput\"").unwrap();
    let svg = &page[from..from + page[from..].find("</svg>").unwrap()];
    assert!(svg.contains(">asked: 200 msg/s</text>"), "{svg}");
}

mod any_file {
    use super::*;
    use proptest::prelude::*;

    fn content() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,100}",
            // A summary's shape with wrong values.
            (
                "(run_id|command|url|started_unix_ms|pace|runs|duration_s|latency_ms|series)",
                "(-1|1e400|\"\\PC{0,8}\"|null|\\[\\]|\\{\\}|18446744073709551616|\"\n\")",
            )
                .prop_map(|(k, v)| format!("{{\"{k}\": {v}}}")),
            // A summary cut short.
            (0usize..300).prop_map(|n| {
                let s = "{\"wsprobe\":\"0\",\"command\":[\"x\"],\"url\":\"ws://x/\",\"started_unix_ms\":1,\"pace\":\"closed\",\"in_flight\":1,\"rate\":null,\"size\":1,\"binary\":false,\"runs\":1,\"connections\":1,\"connected\":1,\"compressed\":0,\"duration_s\":1,\"sent\":1,\"received\":1,\"msgs_per_s\":1,\"bytes_per_s\":1,\"errors\":{},\"error_messages\":{},\"closes\":{},\"latency_ms\":{\"count\":1,\"p50\":1,\"p90\":1,\"p99\":1,\"p999\":1,\"max\":1,\"mean\":1,\"min\":1,\"histogram\":\"HISTOGRAMHISTOGRAM\"},\"connect_ms\":null,\"interval_s\":1,\"series\":[]}";
                s[..n.min(s.len())].to_owned()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever a file holds, the binary gives a summary (exit 0, or 3–5 for what it
        /// says) or one error line (exit 1 or 2), never a panic.
        #[test]
        fn any_file_gives_a_summary_or_one_error_line(text in content()) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.json");
            std::fs::write(&p, &text).unwrap();
            let report = dir.path().join("r.html");
            let out = wsprobe()
                .args(["bench", "merge"])
                .arg(&p)
                .arg("--report")
                .arg(&report)
                .arg("--json")
                .output()
                .unwrap();
            let code = out.status.code();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            match code {
                Some(1 | 2) => {
                    // With --json, the error is also an event on stdout.
                    let events: Vec<Value> = stdout
                        .lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect();
                    prop_assert!(events.len() == 1 && events[0]["event"] == "error", "{stdout}");
                    let lines: Vec<&str> = stderr.lines().collect();
                    prop_assert!(lines[0].starts_with("wsprobe: error: "), "{stderr}");
                    prop_assert!(lines[1..].iter().all(|l| l.starts_with("hint: ")), "{stderr}");
                }
                Some(0 | 3 | 4 | 5) => {
                    let last = stdout.lines().last().unwrap_or_default();
                    prop_assert!(serde_json::from_str::<Value>(last).is_ok(), "{stdout}");
                    prop_assert!(report.exists());
                }
                _ => prop_assert!(false, "exit {code:?}: {stderr}"),
            }
        }
    }
}

/// Runs `examples/kubernetes/run.sh ARGS` with a stand-in for kubectl: `create` names the
/// run's Job, `wait` answers for the condition in `ends` (the other never comes), `get pods`
/// lists the pods whose logs are in `logs/<job name>/`, `logs` prints one.
fn run_example(dir: &Path, ends: &str) -> (assert_cmd::assert::Assert, String) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let kubectl = bin.join("kubectl");
    std::fs::write(
        &kubectl,
        format!(
            r#"#!/bin/sh
echo "$*" >> '{calls}'
case "$1" in
  create) echo job.batch/wsprobe-bench-x7k2p ;;
  wait) case "$2" in --for=condition={ends}) exit 0 ;; *) exec sleep 60 ;; esac ;;
  get)
    if [ "$2" = pods ]; then
      for f in '{logs}'/"${{4#job-name=}}"/*; do echo "pod/$(basename "$f")"; done
    else
      echo 'Job has reached the specified backoff limit'
    fi ;;
  logs) cat '{logs}'/*/"${{2#pod/}}" ;;
esac
"#,
            calls = dir.join("calls").display(),
            logs = dir.join("logs").display(),
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&kubectl)
        .status()
        .unwrap();
    let example = dir.join("example");
    std::fs::create_dir_all(&example).unwrap();
    for f in ["run.sh", "bench-job.yaml"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/kubernetes")
                .join(f),
            example.join(f),
        )
        .unwrap();
    }
    let wsprobe_dir = assert_cmd::cargo::cargo_bin("wsprobe")
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        wsprobe_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = assert_cmd::Command::new("sh")
        .arg(example.join("run.sh"))
        .arg("--json")
        .env("PATH", path)
        .timeout(RUN_TIMEOUT)
        .assert();
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap_or_default();
    (out, calls)
}

/// Puts a run's summary as pod `pod`'s log under job `job`.
fn pod_log(dir: &Path, job: &str, pod: &str, run: &PathBuf) {
    let logs = dir.join("logs").join(job);
    std::fs::create_dir_all(&logs).unwrap();
    // What the job's command leaves in the log after the summary.
    let log = std::fs::read_to_string(run).unwrap() + "wsprobe bench exited 0\n";
    std::fs::write(logs.join(pod), log).unwrap();
}

#[test]
fn the_kubernetes_example_collects_this_runs_pods_and_merges_them() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(&server.url, dir.path());
    pod_log(
        dir.path(),
        "wsprobe-bench-x7k2p",
        "wsprobe-bench-x7k2p-0-x1",
        &a,
    );
    pod_log(
        dir.path(),
        "wsprobe-bench-x7k2p",
        "wsprobe-bench-x7k2p-1-y2",
        &b,
    );
    // A pod of an earlier run, still there: it is not this run's.
    pod_log(
        dir.path(),
        "wsprobe-bench-old01",
        "wsprobe-bench-old01-0-z3",
        &a,
    );
    let (out, calls) = run_example(dir.path(), "complete");
    let out = out.code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let m: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(u(&m, "runs"), 2);
    assert_eq!(u(&m, "connections"), 4);
    let example = dir.path().join("example");
    assert!(example.join("results/report.html").exists());
    let mut results: Vec<String> = std::fs::read_dir(example.join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    results.sort();
    assert_eq!(
        results,
        [
            "report.html",
            "wsprobe-bench-x7k2p-0-x1.json",
            "wsprobe-bench-x7k2p-1-y2.json"
        ]
    );
    assert!(
        calls.contains("create -f bench-job.yaml -o name"),
        "{calls}"
    );
    assert!(
        calls.contains("get pods -l job-name=wsprobe-bench-x7k2p -o name"),
        "{calls}"
    );
}

#[test]
fn the_kubernetes_example_stops_when_the_job_fails() {
    let dir = tempfile::tempdir().unwrap();
    // The wait for completion never returns (a failed Job never completes): the script must
    // see the failure instead (the test's timeout would end it otherwise).
    let (out, calls) = run_example(dir.path(), "failed");
    let out = out.code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "run.sh: job.batch/wsprobe-bench-x7k2p failed: Job has reached the specified backoff limit"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: kubectl describe job.batch/wsprobe-bench-x7k2p"),
        "{stderr}"
    );
    assert!(
        calls.contains("wait --for=condition=failed job.batch/wsprobe-bench-x7k2p"),
        "{calls}"
    );
    assert!(!calls.contains("logs"), "{calls}");
    assert!(!dir.path().join("example/results").exists());
}

/// The image's build context is the repository: `.dockerignore` leaves out what is large and
/// not needed (target/ above all), and nothing the build reads.
#[test]
fn the_docker_build_context_leaves_out_target_and_keeps_the_sources() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(".dockerignore")).unwrap();
    let patterns: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches('/').trim_end_matches('/'))
        .collect();
    // Only plain paths here, so that this check reads them as Docker does.
    for p in &patterns {
        assert!(
            !p.contains(['*', '?', '[', '!']),
            "{p}: teach this test the pattern"
        );
    }
    let excluded = |path: &str| {
        patterns
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
    };
    for big in ["target", "target/debug/wsprobe", ".git"] {
        assert!(excluded(big), "{big} is in the build context");
    }
    let mut needed = vec![
        "Cargo.toml".to_owned(),
        "Cargo.lock".to_owned(),
        "README.md".to_owned(),
        "GUIDE.md".to_owned(),
    ];
    let mut dirs = vec![root.join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                needed.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    for n in &needed {
        assert!(!excluded(n), "{n} is left out of the build context");
    }
}
