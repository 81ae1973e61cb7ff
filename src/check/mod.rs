//! `wsprobe check URL`: the Autobahn|Testsuite fuzzingclient's cases against a server, with
//! Autobahn's verdicts.
//!
//! The prober does not go through tungstenite: it writes the frames a case asks for itself
//! (`frame.rs`), plays Autobahn's client protocol as a state machine (`machine.rs`), one
//! connection per case (`probe.rs`), and judges by Autobahn's rules (`verdict.rs`). The cases
//! are data (`case.rs`, `table/`). Cases run several at a time where that cannot change a
//! verdict: each case is its own connection, judged only on what happens on it, and no case
//! but the 9.x ones loads the server; those (large messages, 1000 round trips, with waits of
//! 10 s and more) run one at a time, beside the others. The compression cases (12.x, 13.x:
//! 1000 compressed round trips each, some within 60 s) run `DEFLATE_LANES` at a time in a
//! line of their own, each on a task of its own so that they use every core.

pub mod case;
pub mod corpus;
pub mod echo;
pub mod frame;
pub mod machine;
pub mod page;
pub mod probe;
pub mod report;
pub mod table;
pub mod utf8;
pub mod verdict;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::stream::{self, StreamExt};

use crate::dial::handshake::ClientSettings;
use crate::error::Failure;
use crate::session::{Conn, Event, EventSink};
use case::{Behavior, Case, CloseBehavior};

/// Compression cases at a time. Each case alternates between the prober's compressing and
/// the server's, so one case keeps one core half busy; three keep a small machine's two
/// cores busy (four were no faster there) and leave every case far inside its wait (against
/// `wsprobe listen`, 1000 round trips of 16 bytes take under a second of their 60 s, of
/// 128 KiB some 10 s of 480 s).
pub const DEFLATE_LANES: usize = 3;

/// What a run needs.
#[derive(Debug)]
pub struct CheckPlan {
    pub client: ClientSettings,
    /// The cases to run, chosen by `select`.
    pub cases: Vec<Case>,
    /// Cases at a time (1: one after another, as Autobahn runs them).
    pub parallel: usize,
    /// A case still running after this long is cut off (and FAILED).
    pub case_timeout: Duration,
    /// Show a progress line on stderr.
    pub progress: bool,
}

/// One case's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub sends: String,
    pub expected: String,
    pub received: String,
    pub behavior: Behavior,
    pub close: CloseBehavior,
    pub close_words: String,
    pub duration: Duration,
    pub remote_close_code: Option<u16>,
    /// The connection opened (the case ran; else its handshake failed).
    pub opened: bool,
    /// The wire log in words (`--report`), and how many lines were left out.
    pub wire: Vec<String>,
    pub wire_left_out: usize,
}

/// A whole run.
#[derive(Debug)]
pub struct Summary {
    pub url: String,
    pub outcomes: Vec<Outcome>,
    pub elapsed: Duration,
}

/// The cases `--cases` picks, less those `--exclude` picks, in Autobahn's order. Patterns are
/// Autobahn's: `*` is any run of characters, a pattern matches from the start of an id.
pub fn select(all: Vec<Case>, cases: &[String], exclude: &[String]) -> Result<Vec<Case>> {
    // Each pattern, trimmed (`1.*, 2.*`), must match some case: a typo in --exclude would
    // otherwise run what it meant to leave out, in --cases leave out what it meant to run.
    let picks = |patterns: &[String], option: &str| -> Result<Vec<regex::Regex>> {
        let mut res = Vec::new();
        for p in patterns.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let re = format!("^{}", regex::escape(p).replace(r"\*", ".*"));
            let re = if p.contains('*') {
                re
            } else {
                format!("{re}$")
            };
            let re = regex::Regex::new(&re)
                .map_err(|e| Failure::usage(format!("bad case pattern '{p}': {e}")))?;
            if !all.iter().any(|c| re.is_match(&c.id)) {
                return Err(Failure::usage(format!("{option} '{p}' matches no case"))
                    .hint("case ids look like 1.1.1, 6.4.2, 9.7.3; patterns like 1.*,6.4.*,13.7.*")
                    .into());
            }
            res.push(re);
        }
        Ok(res)
    };
    let want = picks(cases, "--cases")?;
    let skip = picks(exclude, "--exclude")?;
    let chosen: Vec<Case> = all
        .into_iter()
        .filter(|c| want.iter().any(|r| r.is_match(&c.id)))
        .filter(|c| !skip.iter().any(|r| r.is_match(&c.id)))
        .collect();
    if chosen.is_empty() {
        return Err(Failure::usage("no case matches --cases (less --exclude)")
            .hint("case ids look like 1.1.1, 6.4.2, 9.7.3; patterns like 1.*,6.4.*,13.7.*")
            .into());
    }
    Ok(chosen)
}

/// Runs the plan's cases against its server.
pub async fn run(plan: &CheckPlan) -> Result<Summary> {
    let cases = &plan.cases;
    let started = Instant::now();
    let conn = Arc::new(Conn::new(None, Arc::new(Quiet::default())));
    let done = AtomicUsize::new(0);
    let total = cases.len();
    let show = |id: &str| {
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        progress(plan, &format!("checking: {n}/{total} cases ({id})"));
    };
    // The first case alone: a server that cannot be reached is a connect failure (exit 3),
    // not 301 failed cases.
    let (first, rest) = cases
        .split_first()
        .expect("select() keeps at least one case");
    let first_run = probe::run(first, &plan.client, &conn, plan.case_timeout).await;
    if let Some(e) = first_run.handshake_error {
        let url = plan.client.url.as_str();
        return Err(match e.downcast::<Failure>() {
            // The connect failure's own words and hints, naming what was being checked.
            Ok(f) => Failure {
                message: format!("cannot check {url}: {}", f.message),
                ..f
            }
            .into(),
            Err(e) => Failure::connect(format!("cannot check {url}: {e:#}"))
                .hint("is the server running? check the URL")
                .into(),
        });
    }
    let mut outcomes = vec![outcome(first, first_run)];
    show(&first.id);
    let (load, others): (Vec<&Case>, Vec<&Case>) =
        rest.iter().partition(|c| c.id.starts_with("9."));
    let (mut deflate, others): (Vec<&Case>, Vec<&Case>) = others
        .into_iter()
        .partition(|c| c.id.starts_with("12.") || c.id.starts_with("13."));
    // The longest first (in Autobahn's order among equals): three long cases keep both cores
    // busy, and the short ones, which mostly wait, fill the end (all 517 against `wsprobe
    // listen` in 89 s, 102 s in Autobahn's order).
    deflate.sort_by_key(|c| std::cmp::Reverse(echoed_bytes(c)));
    let parallel = plan.parallel.max(1);
    let run_one = |case| one(case, plan, &conn, &show);
    let mut results = if parallel == 1 {
        let mut results = Vec::new();
        for case in rest {
            results.push(run_one(case).await);
        }
        results
    } else {
        // Three lines side by side: the others `parallel` at a time (they mostly wait), the
        // load cases one after another (their waits measure the server alone), the
        // compression cases a few at a time (they are compressing more than waiting).
        let others = stream::iter(others)
            .map(run_one)
            .buffer_unordered(parallel)
            .collect::<Vec<_>>();
        let load = stream::iter(load)
            .map(run_one)
            .buffered(1)
            .collect::<Vec<_>>();
        let deflate = stream::iter(deflate)
            .map(run_one)
            .buffer_unordered(parallel.min(DEFLATE_LANES))
            .collect::<Vec<_>>();
        let (mut a, b, c) = tokio::join!(others, load, deflate);
        a.extend(b);
        a.extend(c);
        a
    };
    outcomes.append(&mut results);
    if parallel > 1 {
        again_alone(&mut outcomes, rest, plan, &conn).await;
    }
    outcomes.sort_by_key(|o| id_key(&o.id));
    progress(plan, "");
    Ok(Summary {
        url: plan.client.url.as_str().to_owned(),
        outcomes,
        elapsed: started.elapsed(),
    })
}

/// Runs again, one at a time, the cases whose connection did not open while other cases
/// ran: Autobahn runs every case alone, and a server that takes one connection at a time
/// (it answers the next handshake only when the last connection is over) keeps a case
/// queued behind others past `--connect-timeout`. A case that cannot connect alone either
/// keeps its FAILED.
async fn again_alone(outcomes: &mut [Outcome], cases: &[Case], plan: &CheckPlan, conn: &Arc<Conn>) {
    let unopened: Vec<usize> = (0..outcomes.len())
        .filter(|&i| !outcomes[i].opened)
        .collect();
    if unopened.is_empty() {
        return;
    }
    progress(plan, "");
    eprintln!(
        "wsprobe: warning: {} of the cases could not connect while others ran; running them \
         again one at a time",
        unopened.len()
    );
    let total = unopened.len();
    for (n, &i) in unopened.iter().enumerate() {
        let Some(case) = cases.iter().find(|c| c.id == outcomes[i].id) else {
            continue;
        };
        let show = |id: &str| {
            progress(
                plan,
                &format!("checking again: {}/{total} cases ({id})", n + 1),
            )
        };
        outcomes[i] = one(case, plan, conn, &show).await;
    }
    progress(plan, "");
    let still: Vec<usize> = unopened
        .into_iter()
        .filter(|&i| !outcomes[i].opened)
        .collect();
    match still.iter().min_by_key(|&&i| id_key(&outcomes[i].id)) {
        None => eprintln!(
            "wsprobe: warning: each of them connected alone: the server seems to take one \
             connection at a time (-j 1 checks it sooner)"
        ),
        Some(&i) => eprintln!(
            "wsprobe: warning: {} of them could not connect alone either (FAILED), the first \
             {}: {}; did the server stop?",
            still.len(),
            outcomes[i].id,
            outcomes[i].received.trim_start_matches("no connection: ")
        ),
    }
}

/// The progress line on a terminal (stderr), in place of the last one; "" clears it.
fn progress(plan: &CheckPlan, line: &str) {
    if plan.progress {
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

/// Runs one case on a task of its own (so that cases at a time use every core: a compression
/// case is as much compressing as waiting) and shows it done.
async fn one(case: &Case, plan: &CheckPlan, conn: &Arc<Conn>, show: &dyn Fn(&str)) -> Outcome {
    let (owned, client, conn) = (case.clone(), plan.client.clone(), Arc::clone(conn));
    let cap = plan.case_timeout;
    let mut task = AbortOnDrop(tokio::spawn(async move {
        let r = probe::run(&owned, &client, &conn, cap).await;
        outcome(&owned, r)
    }));
    let outcome = match (&mut task.0).await {
        Ok(o) => o,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    show(&case.id);
    outcome
}

/// A case's task, ended with the run (Ctrl-C drops the run, and so the cases under way).
struct AbortOnDrop(tokio::task::JoinHandle<Outcome>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How many bytes a compression case sends (0 for the others).
fn echoed_bytes(case: &Case) -> u64 {
    match case.on_message {
        case::OnMessage::Echoes { len, count, .. } => len as u64 * u64::from(count),
        _ => 0,
    }
}

/// An id as numbers, for Autobahn's order (9.8.6 before 10.1.1).
fn id_key(id: &str) -> Vec<u32> {
    id.split('.').filter_map(|p| p.parse().ok()).collect()
}

fn outcome(case: &Case, run: probe::Run<'_>) -> Outcome {
    let v = verdict::judge(case, run.machine.as_ref());
    let (received, remote_close_code) = match &run.machine {
        Some(m) => (report::what_happened(m, run.cut_off), m.remote_close_code),
        None => (
            format!(
                "no connection: {}",
                run.handshake_error
                    .as_ref()
                    .map_or("?".to_owned(), |e| format!("{e:#}"))
            ),
            None,
        ),
    };
    Outcome {
        id: case.id.clone(),
        sends: case.sends.clone(),
        expected: report::what_was_expected(case),
        received,
        behavior: v.behavior,
        close: v.close,
        close_words: v.close_words,
        duration: run.duration,
        remote_close_code,
        opened: run.machine.is_some(),
        wire: run
            .machine
            .as_ref()
            .map(|m| m.wire.iter().map(page::wire_line).collect())
            .unwrap_or_default(),
        wire_left_out: run.machine.as_ref().map_or(0, |m| m.wire_left_out),
    }
}

/// The connection's events are not printed: a check reports per case. A note (`-k`'s
/// warning) is shown once, not once per case.
#[derive(Debug, Default)]
struct Quiet(std::sync::atomic::AtomicBool);

impl EventSink for Quiet {
    fn event(&self, _: Option<u64>, _: Duration, _: &Event<'_>) {}
    fn note(&self, line: &str) {
        if !self.0.swap(true, Ordering::SeqCst) {
            eprintln!("{line}");
        }
    }
    fn flush(&self) {}
}
