//! Property tests of what `bench merge` reads: whatever a file holds, reading, merging and
//! drawing it give a summary or an error of one line, never a panic (or an allocation the
//! file's numbers ask for).

use proptest::prelude::*;
use serde_json::Value;

use super::{merge, read};
use crate::bench::summary::sample;

/// A real summary as JSON, with a latency histogram in each of its points.
fn template() -> Value {
    let mut s = sample(&(1..500).collect::<Vec<u64>>(), 1_795_000_000_000);
    s.series.push(s.series[0].clone());
    s.series[1].t_s = 2.0;
    serde_json::to_value(&s).unwrap()
}

/// The places a mutation may hit.
const PATHS: &[&str] = &[
    "run_id",
    "run_ids",
    "command",
    "url",
    "started_unix_ms",
    "pace",
    "in_flight",
    "rate",
    "size",
    "runs",
    "connections",
    "connected",
    "duration_s",
    "sent",
    "received",
    "msgs_per_s",
    "errors",
    "closes",
    "latency_ms",
    "latency_ms/histogram",
    "latency_ms/p50",
    "connect_ms/histogram",
    "send_lag_ms",
    "interval_s",
    "series",
    "series/0/t_s",
    "series/1/t_s",
    "series/0/open",
    "series/0/latency_ms/histogram",
    "series/1/latency_ms",
    "send_rate",
    "fell_behind",
];

/// A V2 histogram header with any fields, plain or as the compressed cookie, in base64.
fn header() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(0x1c84_9313u32), Just(0x1c84_9314u32), any::<u32>()],
        any::<u32>(),
        0u32..8,
        any::<u64>(),
        any::<u64>(),
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(cookie, len, digits, low, high, rest)| {
            let mut b = cookie.to_be_bytes().to_vec();
            b.extend(len.to_be_bytes());
            b.extend(0u32.to_be_bytes());
            b.extend(digits.to_be_bytes());
            b.extend(low.to_be_bytes());
            b.extend(high.to_be_bytes());
            b.extend(1f64.to_be_bytes());
            b.extend(rest);
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(b)
        })
}

fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![
            Just(1e300),
            Just(-1.0),
            Just(0.0),
            Just(1e-300),
            any::<f64>()
        ]
        .prop_filter_map("JSON has no NaN", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        "\\PC{0,20}".prop_map(Value::from),
        "[A-Za-z0-9+/]{0,40}={0,2}".prop_map(Value::from),
        header().prop_map(Value::from),
        Just(Value::Array(vec![])),
        Just(serde_json::json!({"a": 1})),
        Just(serde_json::json!(["\n\u{1b}[2J", "x"])),
        Just(Value::from("\n\u{1b}[2J")),
    ]
}

/// Sets (or removes) the value at `path`, where the path exists.
fn mutate(v: &mut Value, path: &str, to: Option<Value>) {
    let mut parts: Vec<&str> = path.split('/').collect();
    let last = parts.pop().unwrap();
    let mut at = v;
    for p in parts {
        at = match p.parse::<usize>() {
            Ok(i) => match at.get_mut(i) {
                Some(x) => x,
                None => return,
            },
            Err(_) => match at.get_mut(p) {
                Some(x) => x,
                None => return,
            },
        };
    }
    if let Some(map) = at.as_object_mut() {
        match to {
            Some(to) => {
                map.insert(last.to_owned(), to);
            }
            None => {
                map.remove(last);
            }
        }
    } else if let (Ok(i), Some(list)) = (last.parse::<usize>(), at.as_array_mut()) {
        if let (Some(slot), Some(to)) = (list.get_mut(i), to) {
            *slot = to;
        }
    }
}

/// What one file may hold.
fn content() -> impl Strategy<Value = String> {
    let mutated = proptest::collection::vec(
        (
            proptest::sample::select(PATHS),
            proptest::option::weighted(0.9, json_value()),
        ),
        1..4,
    )
    .prop_map(|changes| {
        let mut v = template();
        for (path, to) in changes {
            mutate(&mut v, path, to);
        }
        serde_json::to_string(&v).unwrap()
    });
    let cut = (0usize..4000).prop_map(|at| {
        let text = serde_json::to_string(&template()).unwrap();
        text[..at.min(text.len())].to_owned()
    });
    prop_oneof![
        4 => mutated,
        1 => cut,
        1 => "\\PC{0,200}",
        1 => "(\\{[^\n]{0,60}\n?){1,3}",
    ]
}

fn one_line(e: &anyhow::Error) -> Result<(), TestCaseError> {
    let text = e.to_string();
    prop_assert!(!text.trim().is_empty());
    prop_assert!(!text.contains('\n'), "{text:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Read, merged with itself changed a little (so that the run is not the same), and
    /// drawn: a summary or a one-line error.
    #[test]
    fn any_file_gives_a_summary_or_a_one_line_error(a in content(), b in content()) {
        let dir = tempfile::tempdir().unwrap();
        let mut runs = Vec::new();
        for (name, text) in [("a.json", &a), ("b.json", &b)] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            match read(&path) {
                Ok(s) => runs.push(s),
                Err(e) => one_line(&e)?,
            }
        }
        if runs.len() == 2 {
            let paths = [dir.path().join("a.json"), dir.path().join("b.json")];
            if let Err(e) = super::distinct(&paths, &runs) {
                one_line(&e)?;
            }
        }
        for part in [&runs[..], &runs[..runs.len().min(1)]] {
            if part.is_empty() {
                continue;
            }
            match merge(part) {
                Ok(m) => {
                    let page = crate::bench::report::render(&m.summary);
                    prop_assert!(!page.contains("NaN"));
                    let _ = m.summary.human();
                    let _ = serde_json::to_string(&m.summary).unwrap();
                }
                Err(e) => one_line(&e)?,
            }
        }
    }
}
