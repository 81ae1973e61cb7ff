//! A check's results for people and for programs: the table (each group of cases with its
//! counts, then every case that is not OK with what was sent, what was expected and what came
//! back, in words) and the `--json` object (Autobahn's names for each case's verdicts).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use super::case::{Behavior, Case, CloseBehavior, Ev, OnMessage};
use super::machine::Machine;
use super::{Outcome, Summary};
use crate::output::render;

/// Autobahn's names of the case groups.
fn group_name(group: &str) -> &'static str {
    match group {
        "1" => "Framing",
        "2" => "Pings/Pongs",
        "3" => "Reserved Bits",
        "4" => "Opcodes",
        "5" => "Fragmentation",
        "6" => "UTF-8 Handling",
        "7" => "Close Handling",
        "9" => "Limits/Performance",
        "10" => "Auto-Fragmentation",
        "12" => "WebSocket Compression (different payloads)",
        "13" => "WebSocket Compression (different parameters)",
        _ => "Other",
    }
}

fn event_words(e: &Ev) -> String {
    match e {
        Ev::Message { payload, binary } => {
            let kind = if *binary { "binary" } else { "text" };
            let preview = match std::str::from_utf8(payload) {
                Ok(t) if !*binary => format!("\"{}\"", render::text_preview(t, 24)),
                _ => render::hex_preview(payload, 8),
            };
            if payload.is_empty() {
                format!("an empty {kind} message")
            } else {
                format!(
                    "a {kind} message of {} ({preview})",
                    render::size(payload.len())
                )
            }
        }
        Ev::Pong(p) if p.is_empty() => "a pong".to_owned(),
        Ev::Pong(p) => format!("a pong ({})", render::hex_preview(p, 8)),
        Ev::Timeout(tag) => format!("still open at wait {tag}"),
    }
}

fn events_words(events: &[Ev]) -> String {
    if events.is_empty() {
        return "nothing".to_owned();
    }
    events
        .iter()
        .map(event_words)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the case expects, in words.
pub fn what_was_expected(case: &Case) -> String {
    let events = match case.on_message {
        OnMessage::Record => {
            let lists: Vec<String> = case
                .expected
                .iter()
                .map(|(b, events)| format!("{} ({})", events_words(events), b.word()))
                .collect();
            lists.join(" or ")
        }
        OnMessage::Size { len, binary } => {
            let kind = if binary { "binary" } else { "text" };
            format!("the {kind} message echoed ({})", render::size(len))
        }
        OnMessage::RoundTrips { count, .. } => format!("all {count} messages echoed in time"),
        OnMessage::Echoes { count, .. } => format!(
            "permessage-deflate accepted, then all {count} messages echoed as sent, in time"
        ),
    };
    let codes: Vec<String> = case.close.codes.iter().map(u16::to_string).collect();
    let close = if case.close.closed_by_me {
        format!(
            "then a close from the prober, answered with {}",
            codes.join(" or ")
        )
    } else {
        format!(
            "the server fails the connection with {}",
            codes.join(" or ")
        )
    };
    format!("{events}; {close}")
}

/// What came back, in words: events, the frames the prober objected to, how it closed.
pub fn what_happened(m: &Machine<'_>, cut_off: bool) -> String {
    let mut s = match m.received.is_empty() && m.handler_ok {
        _ if m.unimplemented => "the server accepted no permessage-deflate offer".to_owned(),
        true => "the echo".to_owned(),
        false => events_words(&m.received),
    };
    if !m.objections.is_empty() {
        let _ = write!(s, "; the prober objected: {}", m.objections.join("; "));
    }
    let who = if m.closed_by_me {
        "the prober"
    } else {
        "the server"
    };
    let _ = match m.remote_close_code {
        Some(c) => write!(s, "; {who} started the close, the server's code {c}"),
        None if m.was_clean || m.closed_by_me => {
            write!(s, "; {who} started the close, the server sent no code")
        }
        None => write!(s, "; the server sent no close"),
    };
    if !m.was_clean {
        s.push_str(", not cleanly");
    }
    if m.dropped_by_me {
        s.push_str(", the prober dropped TCP");
    }
    if cut_off {
        s.push_str(" (cut off by --case-timeout)");
    }
    s
}

/// The counts of each verdict, in Autobahn's order.
fn counts<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> BTreeMap<Behavior, usize> {
    let mut m = BTreeMap::new();
    for o in outcomes {
        *m.entry(o.behavior).or_insert(0) += 1;
    }
    m
}

fn counts_words(c: &BTreeMap<Behavior, usize>) -> String {
    c.iter()
        .map(|(b, n)| format!("{} {n}", b.word()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1 case", "247 cases".
fn cases(n: usize) -> String {
    if n == 1 {
        "1 case".to_owned()
    } else {
        format!("{n} cases")
    }
}

/// The human table.
pub fn human(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wsprobe check {}: {} in {}",
        s.url,
        cases(s.outcomes.len()),
        render::duration(s.elapsed)
    );
    let mut groups: Vec<&str> = Vec::new();
    for o in &s.outcomes {
        let g = o.id.split('.').next().unwrap_or("");
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let width = groups
        .iter()
        .map(|g| group_name(g).len())
        .max()
        .unwrap_or(0);
    for g in groups {
        let of_group = || {
            s.outcomes
                .iter()
                .filter(move |o| o.id.split('.').next() == Some(g))
        };
        let n = of_group().count();
        let _ = writeln!(
            out,
            "  {g:>2} {:<width$} {:>9}  {}",
            group_name(g),
            cases(n),
            counts_words(&counts(of_group()))
        );
    }
    let odd: Vec<&Outcome> = s
        .outcomes
        .iter()
        .filter(|o| o.behavior != Behavior::Ok || o.close != CloseBehavior::Ok)
        .collect();
    if !odd.is_empty() {
        let _ = writeln!(out, "\nnot OK:");
    }
    for run in unimplemented_runs(&odd) {
        match run {
            [o] => not_ok(&mut out, o),
            [first, .., last] => {
                let _ = writeln!(
                    out,
                    "  {} … {} {} ({}; close: {}, {})",
                    first.id,
                    last.id,
                    first.behavior.word(),
                    cases(run.len()),
                    first.close.word(),
                    close_code(first)
                );
                let _ = writeln!(out, "      got:      {}", first.received);
            }
            [] => {}
        }
    }
    let all = counts(s.outcomes.iter());
    let totals: Vec<String> = Behavior::ALL
        .iter()
        .map(|b| format!("{}={}", b.word(), all.get(b).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(out, "\ntotal: {}", totals.join(" "));
    out
}

/// The not-OK cases in runs: consecutive UNIMPLEMENTED cases that came back alike (a server
/// without permessage-deflate: all 216 of 12.x/13.x) make one run, shown as one entry; every
/// other case is a run of its own.
fn unimplemented_runs<'a>(odd: &'a [&'a Outcome]) -> Vec<&'a [&'a Outcome]> {
    let alike = |a: &Outcome, b: &Outcome| {
        a.behavior == Behavior::Unimplemented
            && b.behavior == Behavior::Unimplemented
            && (a.close, a.remote_close_code, &a.received)
                == (b.close, b.remote_close_code, &b.received)
    };
    odd.chunk_by(|a, b| alike(a, b)).collect()
}

fn close_code(o: &Outcome) -> String {
    o.remote_close_code
        .map_or("no close code".to_owned(), |c| format!("close code {c}"))
}

/// One case that is not OK: its verdicts, then what was sent, expected and received.
fn not_ok(out: &mut String, o: &Outcome) {
    let _ = writeln!(
        out,
        "  {} {} (close: {}, {}, {})",
        o.id,
        o.behavior.word(),
        o.close.word(),
        close_code(o),
        render::duration(o.duration)
    );
    let _ = writeln!(out, "      sent:     {}", o.sends);
    let _ = writeln!(out, "      expected: {}", o.expected);
    let _ = writeln!(out, "      got:      {}", o.received);
    if o.close != CloseBehavior::Ok && o.close != CloseBehavior::Informational {
        let _ = writeln!(out, "      close:    {}", o.close_words);
    }
}

/// The `--json` object: `cases` maps each id to Autobahn's four fields.
pub fn json(s: &Summary) -> Value {
    let mut cases = serde_json::Map::new();
    for o in &s.outcomes {
        cases.insert(
            o.id.clone(),
            json!({
                "behavior": o.behavior,
                "behaviorClose": o.close,
                "duration_ms": o.duration.as_millis() as u64,
                "remoteCloseCode": o.remote_close_code,
            }),
        );
    }
    let all = counts(s.outcomes.iter());
    let mut totals = serde_json::Map::new();
    for b in Behavior::ALL {
        totals.insert(
            b.word().to_owned(),
            json!(all.get(&b).copied().unwrap_or(0)),
        );
    }
    json!({
        "url": s.url,
        "cases": cases,
        "totals": totals,
        "count": s.outcomes.len(),
        "duration_ms": s.elapsed.as_millis() as u64,
    })
}
