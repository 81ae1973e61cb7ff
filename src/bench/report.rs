//! `--report FILE.html`: one self-contained page (inline CSS and SVG; no script, font or file
//! from elsewhere) that people would rather look at than a table: the command line and the
//! headline figures, the latency percentile curve, throughput, latency and connections over
//! time, the connect-time distribution, errors and closes. Everything from the run (URL,
//! command line, error messages) is escaped.

mod svg;

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use hdrhistogram::Histogram;

use super::summary::{count, millis, rate_bytes, Stats, Summary};
use svg::{Line, Mark, XAxis, YAxis};

const BLUE: &str = "#2f6fde";
const ORANGE: &str = "#e8793a";
const RED: &str = "#c8373b";
const GREEN: &str = "#2a9d6f";
const GREY: &str = "#8a8f98";
const DARK: &str = "#4a5260";

/// The whole page.
pub fn render(s: &Summary) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let title = format!("wsprobe bench: {}", s.url);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>",
        escape(&title)
    );
    header(&mut page, s);
    percentiles(&mut page, s);
    over_time(&mut page, s);
    connections(&mut page, s);
    problems(&mut page, s);
    let _ = writeln!(
        page,
        "<footer>Made by wsprobe {} from the run's summary; its latency histograms are in \
         <code>wsprobe bench --json</code>, which <code>wsprobe bench merge</code> adds up \
         exactly.</footer></main></body></html>",
        escape(&s.wsprobe)
    );
    page
}

fn header(page: &mut String, s: &Summary) {
    // RFC 3339 ends with the year 9999 (a summary from elsewhere may say anything).
    let started = if s.started_unix_ms < 253_402_300_800_000 {
        humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(s.started_unix_ms))
            .to_string()
    } else {
        format!("{} ms after 1970", s.started_unix_ms)
    };
    let runs = if s.runs > 1 {
        format!(" · {} runs merged", s.runs)
    } else {
        String::new()
    };
    let pace = s.pace_words();
    let _ = write!(
        page,
        "<h1>wsprobe bench <span class=\"url\">{}</span></h1>\
         <p class=\"meta\">{} · {:.2} s · {} connections · {} · {}-byte {} messages{}</p>",
        escape(&s.url),
        started,
        s.duration_s,
        count(s.connections),
        escape(&pace),
        s.size,
        if s.binary { "binary" } else { "text" },
        runs
    );
    if let Some(p) = &s.protocol {
        let exchange = s.exchange.as_deref().unwrap_or("");
        let _ = write!(
            page,
            "<p class=\"meta\">protocol {}{}{}</p>",
            escape(p),
            if exchange.is_empty() { "" } else { ": " },
            escape(exchange)
        );
    }
    for c in &s.command {
        let _ = write!(page, "<pre class=\"command\">{}</pre>", escape(c));
    }
    let failed = s.connections.saturating_sub(s.connected);
    let errors = s.error_total();
    let l = s.latency_ms.as_ref();
    let ms = |v: Option<f64>| v.map_or("–".to_owned(), millis);
    let cards = [
        ("messages a second", format!("{:.0}", s.msgs_per_s), ""),
        ("received", rate_bytes(s.bytes_per_s), ""),
        ("p50 latency", ms(l.map(|l| l.p50)), ""),
        ("p99 latency", ms(l.map(|l| l.p99)), ""),
        ("p99.9 latency", ms(l.map(|l| l.p999)), ""),
        ("max latency", ms(l.map(|l| l.max)), ""),
        (
            "connections opened",
            format!("{} / {}", count(s.connected), count(s.connections)),
            if failed > 0 { "bad" } else { "" },
        ),
        (
            "errors",
            count(errors),
            if errors > 0 { "bad" } else { "good" },
        ),
    ];
    page.push_str("<section class=\"cards\">");
    for (label, value, class) in cards {
        let _ = write!(
            page,
            "<div class=\"card {class}\"><div class=\"value\">{}</div><div class=\"label\">{label}</div></div>",
            escape(&value)
        );
    }
    page.push_str("</section>");
}

fn percentiles(page: &mut String, s: &Summary) {
    page.push_str("<section><h2>Latency by percentile</h2>");
    let Some(stats) = &s.latency_ms else {
        page.push_str(
            "<p class=\"note\">No reply was timed (the server does not echo, or nothing came \
             back): there is no latency to show.</p>",
        );
        page.push_str(&svg::lines(
            "percentiles",
            XAxis::Percentile,
            YAxis::linear("latency (ms)"),
            &[],
            &[],
        ));
        page.push_str("</section>");
        return;
    };
    let curve = stats.histogram().map(|h| curve(&h)).unwrap_or_default();
    let log = spread(curve.iter().map(|p| p.1));
    page.push_str(&svg::lines(
        "percentiles",
        XAxis::Percentile,
        YAxis {
            label: "latency (ms)",
            log,
        },
        &[Line {
            name: "latency",
            color: BLUE,
            points: curve,
            dashed: false,
        }],
        &[],
    ));
    let _ = write!(
        page,
        "<p class=\"note\">From when each message was due to when its reply arrived; {} \
         replies. The percentile axis stretches the tail, as HdrHistogram plots do{}.</p>",
        count(stats.count),
        if log {
            "; the latency axis is logarithmic, as the slowest replies are over ten times \
             the fastest"
        } else {
            ""
        }
    );
    stats_table(page, "latency", stats);
    page.push_str("</section>");
}

/// Whether latencies spread over more than a factor of ten: drawn on a linear axis, the
/// smaller ones would lie flat on it, hidden by the largest.
fn spread(values: impl Iterator<Item = f64> + Clone) -> bool {
    let top = values.clone().fold(0.0, f64::max);
    let least = values.filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    least.is_finite() && top > 10.0 * least
}

/// The percentile curve of a histogram in microseconds: (−log10(1 − q), ms).
fn curve(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for v in h.iter_quantiles(2) {
        let q = v.quantile_iterated_to();
        if q >= 1.0 {
            break;
        }
        points.push((
            -(1.0 - q).log10(),
            h.highest_equivalent(v.value_iterated_to()) as f64 / 1000.0,
        ));
    }
    // The maximum, at the percentile of the last value (at least 99.999 %).
    let last = points
        .last()
        .map_or(0.0, |p| p.0)
        .max(5.0_f64.min((h.len() as f64).log10().max(1.0)));
    points.push((last, h.max() as f64 / 1000.0));
    points
}

fn stats_table(page: &mut String, what: &str, s: &Stats) {
    let _ = write!(
        page,
        "<table class=\"stats\"><tr><th>{what}</th><th>min</th><th>p50</th><th>p90</th><th>p99</th>\
         <th>p99.9</th><th>max</th><th>mean</th><th>count</th></tr><tr><td></td>\
         <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        millis(s.min),
        millis(s.p50),
        millis(s.p90),
        millis(s.p99),
        millis(s.p999),
        millis(s.max),
        millis(s.mean),
        count(s.count)
    );
}

fn over_time(page: &mut String, s: &Summary) {
    let every = if s.interval_s > 0.0 {
        s.interval_s
    } else {
        1.0
    };
    // Each point covers the interval before it (the last one may be shorter; after a gap
    // between merged runs, no longer than an interval).
    let mut before = 0.0;
    let mut sent = Vec::new();
    let mut received = Vec::new();
    let mut errors = Vec::new();
    for p in &s.series {
        let length = (p.t_s - before).min(every);
        if p.t_s - before > 1.5 * every && before > 0.0 {
            // No run between (merged runs one after another): a gap, not a line across it.
            for line in [&mut sent, &mut received, &mut errors] {
                line.push((before, f64::NAN));
            }
        }
        before = p.t_s;
        // The last interval, cut short by the end of the run, would read as a sudden drop.
        if length < every / 2.0 {
            continue;
        }
        sent.push((p.t_s, p.sent as f64 / length));
        received.push((p.t_s, p.received as f64 / length));
        errors.push((p.t_s, p.errors as f64 / length));
    }
    page.push_str("<section><h2>Throughput over time</h2>");
    let mut lines = vec![
        Line {
            name: "received a second",
            color: BLUE,
            points: received,
            dashed: false,
        },
        Line {
            name: "sent a second",
            color: ORANGE,
            points: sent,
            dashed: true,
        },
    ];
    if s.error_total() > 0 {
        lines.push(Line {
            name: "errors a second",
            color: RED,
            points: errors,
            dashed: false,
        });
    }
    // Open loop: the rate asked for, which "sent" should follow.
    let marks: Vec<Mark> = s
        .rate
        .filter(|r| r.is_finite() && *r > 0.0)
        .map(|r| Mark {
            value: r,
            label: format!("asked: {} msg/s", trim_rate(r)),
            color: DARK,
        })
        .into_iter()
        .collect();
    page.push_str(&svg::lines(
        "throughput",
        XAxis::Seconds,
        YAxis::linear("messages a second"),
        &lines,
        &marks,
    ));
    behind(page, s);
    page.push_str("</section>");
    latency_over_time(page, s, every);
}

/// p50, p99 and max of the replies of each interval.
fn latency_over_time(page: &mut String, s: &Summary, every: f64) {
    page.push_str("<section><h2>Latency over time</h2>");
    let pick = |f: fn(&super::summary::PointLatency) -> f64| -> Vec<(f64, f64)> {
        let mut before = 0.0;
        let mut out = Vec::new();
        for p in &s.series {
            if p.t_s - before > 1.5 * every && before > 0.0 {
                out.push((before, f64::NAN));
            }
            before = p.t_s;
            if let Some(l) = &p.latency_ms {
                out.push((p.t_s, f(l)));
            }
        }
        out
    };
    let lines = [
        Line {
            name: "p50",
            color: BLUE,
            points: pick(|l| l.p50),
            dashed: false,
        },
        Line {
            name: "p99",
            color: ORANGE,
            points: pick(|l| l.p99),
            dashed: false,
        },
        Line {
            name: "max",
            color: GREY,
            points: pick(|l| l.max),
            dashed: false,
        },
    ];
    let log = spread(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)));
    page.push_str(&svg::lines(
        "latency",
        XAxis::Seconds,
        YAxis {
            label: "latency (ms)",
            log,
        },
        &lines,
        &[],
    ));
    let _ = write!(
        page,
        "<p class=\"note\">Each point is the replies that arrived in that interval{}.</p></section>",
        if log {
            "; the axis is logarithmic (each grid line ten times the one below), so that p50 \
             stays readable under a max many times larger"
        } else {
            ""
        }
    );
}

/// A rate as asked (`--rate 2000`, or a sum of them): no needless decimals.
fn trim_rate(r: f64) -> String {
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Open loop: what the generator sent against what was asked, when it could not keep up.
fn behind(page: &mut String, s: &Summary) {
    if !s.generator.fell_behind {
        return;
    }
    let asked = s
        .rate
        .map_or("the rate".to_owned(), |r| format!("{} msg/s", trim_rate(r)));
    let lag = s.generator.send_lag_ms.as_ref().map_or(String::new(), |l| {
        format!(
            "; messages went out up to {} after they were due (p99 {})",
            millis(l.max),
            millis(l.p99)
        )
    });
    let _ = write!(
        page,
        "<p class=\"bad\">The generator fell behind: it sent {:.0} msg/s of the {} asked{}. \
         Latency still counts from when each message was due, so it includes that wait; more \
         generators side by side (bench merge) give the rate asked.</p>",
        s.generator.send_rate,
        escape(&asked),
        escape(&lag)
    );
}

fn connections(page: &mut String, s: &Summary) {
    page.push_str("<section><h2>Connections open over time</h2>");
    let every = if s.interval_s > 0.0 {
        s.interval_s
    } else {
        1.0
    };
    // From none open at the start, and again after a gap between merged runs.
    let mut open = vec![(0.0, 0.0)];
    let mut before = 0.0;
    for p in &s.series {
        if p.t_s - before > 1.5 * every && before > 0.0 {
            open.extend([(before, f64::NAN), (p.t_s - every, 0.0)]);
        }
        before = p.t_s;
        open.push((p.t_s, p.open as f64));
    }
    page.push_str(&svg::lines(
        "open",
        XAxis::Seconds,
        YAxis::linear("connections"),
        &[Line {
            name: "open",
            color: GREEN,
            points: if s.series.is_empty() {
                Vec::new()
            } else {
                open
            },
            dashed: false,
        }],
        &[],
    ));
    page.push_str("</section><section><h2>Connect time</h2>");
    let bars = s
        .connect_ms
        .as_ref()
        .and_then(|c| c.histogram().ok())
        .map(|h| distribution(&h))
        .unwrap_or_default();
    page.push_str(&svg::bars("connect", "connect time (ms)", &bars, GREEN));
    if let Some(c) = &s.connect_ms {
        let _ = write!(
            page,
            "<p class=\"note\">From the start of each connection (TCP, TLS, the upgrade) to \
             OPEN; {} connections.</p>",
            count(c.count)
        );
        stats_table(page, "connect", c);
    }
    page.push_str("</section>");
}

/// Up to 30 bars of equal width from the fastest to the slowest (milliseconds).
fn distribution(h: &Histogram<u64>) -> Vec<(f64, f64, u64)> {
    if h.is_empty() {
        return Vec::new();
    }
    let (lo, hi) = (h.min(), h.max().max(h.min().saturating_add(1)));
    let width = (hi - lo).div_ceil(30).max(1);
    let mut out = Vec::new();
    let mut from = lo;
    while from <= hi && out.len() < 31 {
        let to = from.saturating_add(width);
        let n = h.count_between(from, to - 1);
        out.push((from as f64 / 1000.0, to as f64 / 1000.0, n));
        from = to;
    }
    out
}

fn problems(page: &mut String, s: &Summary) {
    page.push_str("<section class=\"split\"><div><h2>Errors</h2>");
    if s.errors.is_empty() {
        page.push_str("<p class=\"good\">None.</p>");
    } else {
        page.push_str("<table><tr><th>kind</th><th>count</th><th>the first, in words</th></tr>");
        for (kind, n) in &s.errors {
            let first = s.error_messages.get(kind).map_or("", String::as_str);
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(kind),
                count(*n),
                escape(first)
            );
        }
        page.push_str("</table>");
    }
    page.push_str("</div><div><h2>Closes</h2>");
    if s.closes.is_empty() {
        page.push_str("<p>No connection closed (none opened).</p>");
    } else {
        page.push_str("<table><tr><th>code</th><th>meaning</th><th>connections</th></tr>");
        for (code, n) in &s.closes {
            let class = if matches!(code.as_str(), "1000" | "1001" | "1005") {
                ""
            } else {
                " class=\"bad\""
            };
            let _ = write!(
                page,
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(code),
                close_meaning(code),
                count(*n)
            );
        }
        page.push_str("</table>");
    }
    page.push_str("</div></section>");
}

fn close_meaning(code: &str) -> &'static str {
    match code {
        "1000" => "normal closure",
        "1001" => "going away",
        "1002" => "protocol error",
        "1003" => "unsupported data",
        "1005" => "no status code",
        "1006" => "abnormal: no close frame",
        "1007" => "invalid payload data",
        "1008" => "policy violation",
        "1009" => "message too big",
        "1010" => "mandatory extension",
        "1011" => "internal server error",
        "1012" => "service restart",
        "1013" => "try again later",
        "1014" => "bad gateway",
        c if c.starts_with('3') => "registered (3000–3999)",
        c if c.starts_with('4') => "private (4000–4999)",
        _ => "",
    }
}

/// Text for HTML content and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{margin:0;background:#f6f7f9;color:#1d2129;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h1 .url{font-weight:normal;color:#4a5260}
h2{font-size:17px;margin:0 0 10px}
.meta{color:#4a5260;margin:0 0 10px}
pre.command{background:#1d2129;color:#e8eaed;padding:10px 12px;border-radius:6px;white-space:pre-wrap;word-break:break-all;margin:6px 0}
section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:16px;margin:16px 0}
section.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;background:none;border:none;padding:0}
.card{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:12px}
.card .value{font-size:22px;font-weight:600}.card .label{color:#4a5260;font-size:13px}
.card.bad .value,.bad td,p.bad{color:#c8373b}.card.good .value,p.good{color:#2a9d6f}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#eceef1}svg .axis{stroke:#8a8f98}
svg .tick{font-size:11px;fill:#4a5260}svg .label{font-size:12px;fill:#4a5260}
table{border-collapse:collapse;margin-top:8px}th,td{text-align:left;padding:4px 12px 4px 0;border-bottom:1px solid #eceef1}
th{color:#4a5260;font-weight:600;font-size:13px}
.note{color:#4a5260;font-size:13px}
section.split{display:grid;grid-template-columns:1fr 1fr;gap:24px}
footer{color:#8a8f98;font-size:12px;margin-top:24px}
@media print{body{background:#fff}section{break-inside:avoid;border-color:#ccc}}
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::record::histogram;
    use std::collections::BTreeMap;

    /// A run with hostile text in it, with or without latency.
    fn summary(latency: bool) -> Summary {
        let values: Vec<u64> = (100..5000).collect();
        let mut s = crate::bench::summary::sample(&values, 1_795_000_000_000);
        s.command = vec!["wsprobe bench 'ws://x/<script>alert(1)</script>'".into()];
        s.url = "ws://x/<script>".into();
        s.error_messages =
            BTreeMap::from([("io".to_owned(), "<img src=x onerror=alert(1)>".to_owned())]);
        s.closes = BTreeMap::from([("1000".to_owned(), 1), ("1006".to_owned(), 1)]);
        if !latency {
            s.latency_ms = None;
            s.series[0].latency_ms = None;
        }
        s
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_what_the_run_said() {
        for latency in [true, false] {
            let page = render(&summary(latency));
            assert!(!page.contains("<script"), "unescaped text from the run");
            assert!(!page.contains("<img"), "unescaped text from the run");
            assert!(page.contains("&lt;script&gt;"));
            assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
            assert!(!page.contains("@import") && !page.contains("url("));
            assert!(!page.contains("NaN") && !page.contains("inf\""));
            for id in ["percentiles", "throughput", "latency", "open", "connect"] {
                assert!(page.contains(&format!("<svg id=\"{id}\"")), "{id}");
            }
        }
    }

    #[test]
    fn a_run_with_nothing_in_it_still_renders() {
        let mut s = summary(false);
        s.series.clear();
        s.connect_ms = None;
        s.connected = 0;
        s.closes.clear();
        let page = render(&s);
        assert!(page.contains("nothing to draw"));
        assert!(!page.contains("NaN"));
    }

    #[test]
    fn the_curve_climbs_to_the_maximum() {
        let mut h = histogram();
        for v in 1..=100_000 {
            h.record(v).unwrap();
        }
        let c = curve(&h);
        assert!(c.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert_eq!(c.last().unwrap().1, h.max() as f64 / 1000.0);
        assert!(c.last().unwrap().0 >= 4.0);
    }

    /// The chart `id` of a page.
    fn chart<'a>(page: &'a str, id: &str) -> &'a str {
        let from = page.find(&format!("<svg id=\"{id}\"")).unwrap();
        let to = from + page[from..].find("</svg>").unwrap();
        &page[from..to]
    }

    /// The pixel rows of each line of a chart, in the order drawn.
    fn rows(svg: &str) -> Vec<Vec<f64>> {
        svg.split("<path d=\"")
            .skip(1)
            .map(|rest| {
                rest[..rest.find('"').unwrap()]
                    .split(['M', 'L'])
                    .filter_map(|xy| xy.trim().split_once(','))
                    .map(|(_, y)| y.parse::<f64>().unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn p50_stays_readable_when_the_max_is_thousands_of_times_larger() {
        let mut s = summary(true);
        let mut points = Vec::new();
        for i in 1..=5 {
            let mut h = histogram();
            h.record_n(1000 + i * 10, 950).unwrap();
            h.record_n(3000, 50).unwrap();
            h.record(5_000_000).unwrap();
            let mut p = s.series[0].clone();
            p.t_s = i as f64;
            p.latency_ms = crate::bench::summary::PointLatency::of(&h);
            points.push(p);
        }
        s.series = points;
        let page = render(&s);
        let svg = chart(&page, "latency");
        assert!(svg.contains("latency (ms, log scale)"), "{svg}");
        let lines = rows(svg);
        let mean = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
        let (p50, p99, max) = (mean(&lines[0]), mean(&lines[1]), mean(&lines[2]));
        let axis = 300.0 - 50.0;
        // p50 is off the axis, and far from the max: each has its own part of the height.
        assert!(axis - p50 > 10.0, "p50 at row {p50}, the axis at {axis}");
        assert!(p50 - max > 100.0, "p50 at {p50}, max at {max}");
        assert!(p50 - p99 > 3.0, "p50 at {p50}, p99 at {p99}");
        // Readable values on the axis: 1 ms and 1000 ms have grid lines.
        assert!(svg.contains("class=\"tick\">1</text>"), "{svg}");
        assert!(svg.contains("class=\"tick\">1000</text>"), "{svg}");
    }

    #[test]
    fn a_tight_run_keeps_a_linear_axis() {
        let page = render(&summary(true));
        assert!(!chart(&page, "latency").contains("log scale"));
    }

    #[test]
    fn the_rate_asked_is_drawn_on_the_throughput_chart() {
        let mut s = summary(true);
        (s.pace, s.in_flight, s.rate) = ("open".into(), None, Some(2000.0));
        let page = render(&s);
        let svg = chart(&page, "throughput");
        assert!(svg.contains(">asked: 2000 msg/s</text>"), "{svg}");
        assert!(svg.contains("class=\"mark\""), "{svg}");
        assert!(!page.contains("fell behind"));
        // Closed loop: nothing was asked.
        assert!(!chart(&render(&summary(true)), "throughput").contains("asked"));
        s.generator.fell_behind = true;
        s.generator.send_rate = 1500.0;
        let page = render(&s);
        assert!(
            page.contains("The generator fell behind: it sent 1500 msg/s of the 2000 msg/s asked"),
            "{page}"
        );
    }

    #[test]
    fn runs_merged_one_after_another_leave_a_gap_in_the_lines() {
        let mut s = summary(true);
        let point = s.series[0].clone();
        s.series = [1.0, 2.0, 8.0, 9.0]
            .into_iter()
            .map(|t_s| {
                let mut p = point.clone();
                p.t_s = t_s;
                p
            })
            .collect();
        let page = render(&s);
        for id in ["throughput", "latency", "open"] {
            let svg = chart(&page, id);
            let first = &svg[svg.find("<path d=\"").unwrap()..];
            let d = &first[..first.find("\" ").unwrap()];
            assert_eq!(d.matches('M').count(), 2, "{id}: {d}");
        }
    }
}
