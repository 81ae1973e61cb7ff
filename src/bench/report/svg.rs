//! Charts as inline SVG, drawn here so the report needs no script, font or file besides
//! itself: line charts (a linear x axis, or HdrHistogram's percentile axis; a linear or a
//! logarithmic y axis) with labelled reference lines, and bar charts, with axes, ticks, grid
//! lines and a legend. Every number is checked to be finite, so a degenerate run (no points,
//! one point, all zeros) still draws a valid chart.

use std::fmt::Write as _;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 50.0;

/// How the x axis reads.
#[derive(Debug, Clone, Copy)]
pub enum XAxis {
    /// Seconds since the start of the run.
    Seconds,
    /// Percentiles, spaced as HdrHistogram plots them: x is −log10(1 − q).
    Percentile,
}

/// One line of a chart.
pub struct Line<'a> {
    pub name: &'a str,
    pub color: &'a str,
    /// A point that is not a number (`f64::NAN`) is a gap: the line stops and starts again.
    pub points: Vec<(f64, f64)>,
    /// Dashed, so that a line drawn over another stays visible.
    pub dashed: bool,
}

/// A horizontal line across a chart at `value`, with its label (what was asked for).
pub struct Mark<'a> {
    pub value: f64,
    pub label: String,
    pub color: &'a str,
}

/// The y axis: its label, and whether it is logarithmic.
#[derive(Debug, Clone, Copy)]
pub struct YAxis<'a> {
    pub label: &'a str,
    pub log: bool,
}

impl<'a> YAxis<'a> {
    pub fn linear(label: &'a str) -> Self {
        YAxis { label, log: false }
    }
}

/// How y values map to the chart's height.
#[derive(Debug, Clone, Copy)]
enum Scale {
    /// From 0 to the top.
    Linear { top: f64 },
    /// Powers of ten from `lo` to `hi` (their logarithms); values at or below `lo` sit on
    /// the axis.
    Log { lo: f64, hi: f64 },
}

impl Scale {
    fn of(axis: YAxis<'_>, values: impl Iterator<Item = f64> + Clone) -> Scale {
        let top = values.clone().fold(0.0, f64::max);
        let least = values.filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        if !axis.log || !least.is_finite() || top <= 0.0 {
            return Scale::Linear { top: nice_top(top) };
        }
        // Round values of the 1, 2, 5 series around them, the bottom one a little below the
        // smallest value so that it is not drawn on the axis itself.
        let lo = round_125(least / 1.25, false).log10();
        let hi = round_125(top, true).log10().max(lo + 0.3);
        Scale::Log { lo, hi }
    }

    /// The pixel row of `y`.
    fn y(self, y: f64) -> f64 {
        let part = match self {
            Scale::Linear { top } => y / top,
            Scale::Log { lo, hi } => {
                let l = if y > 0.0 { y.log10().max(lo) } else { lo };
                (l - lo) / (hi - lo)
            }
        };
        HEIGHT - BOTTOM - part * (HEIGHT - TOP - BOTTOM)
    }

    /// Round values to draw grid lines at: five or so from 0, or 1, 2 and 5 times each power
    /// of ten (the powers alone over more than three decades).
    fn ticks(self) -> Vec<f64> {
        match self {
            Scale::Linear { top } => ticks(top),
            Scale::Log { lo, hi } => {
                // 1, 2 and 5 times each power of ten over three decades or less; the powers
                // alone over more.
                let steps: &[f64] = if hi - lo <= 3.0 {
                    &[1.0, 2.0, 5.0]
                } else {
                    &[1.0]
                };
                let mut out = Vec::new();
                let mut e = lo.floor();
                while e <= hi.ceil() && out.len() < 40 {
                    for m in steps {
                        let t = m * 10f64.powf(e);
                        let l = t.log10();
                        if l >= lo - 1e-9 && l <= hi + 1e-9 {
                            out.push(t);
                        }
                    }
                    e += 1.0;
                }
                out
            }
        }
    }
}

/// The value of the 1, 2, 5, 10, 20, … series next to `v`: at or above it (`up`), or at or
/// below it.
fn round_125(v: f64, up: bool) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    let m = v / decade;
    let series = [1.0, 2.0, 5.0, 10.0];
    let pick = if up {
        series.iter().find(|s| **s >= m - 1e-9)
    } else {
        series.iter().rev().find(|s| **s <= m + 1e-9)
    };
    pick.copied().unwrap_or(1.0) * decade
}

/// A line chart; `id` names it for the page (and the tests).
pub fn lines(
    id: &str,
    x_axis: XAxis,
    y_axis: YAxis<'_>,
    lines: &[Line<'_>],
    marks: &[Mark<'_>],
) -> String {
    let pts = || {
        lines
            .iter()
            .flat_map(|l| l.points.iter())
            .filter(|p| ok(p.0) && ok(p.1))
    };
    if pts().next().is_none() {
        return empty(id, "nothing to draw: no data in this run");
    }
    let (mut x0, mut x1) = match x_axis {
        XAxis::Percentile => (0.0, (pts().map(|p| p.0).fold(2.0, f64::max) - 1e-9).ceil()),
        XAxis::Seconds => (0.0, pts().map(|p| p.0).fold(0.0, f64::max)),
    };
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if x0.is_nan() {
        x0 = 0.0;
    }
    let marked = marks.iter().map(|m| m.value).filter(|v| ok(*v));
    let scale = Scale::of(y_axis, pts().map(|p| p.1).chain(marked));
    let mut svg = open(id);
    let x_ticks: Vec<(f64, String)> = match x_axis {
        XAxis::Percentile => (0..=x1 as usize)
            .map(|i| (i as f64, percentile_label(i)))
            .collect(),
        XAxis::Seconds => ticks(x1).into_iter().map(|t| (t, trim(t))).collect(),
    };
    let y_label = if y_axis.log {
        match y_axis.label.strip_suffix(')') {
            Some(open) => format!("{open}, log scale)"),
            None => format!("{} (log scale)", y_axis.label),
        }
    } else {
        y_axis.label.to_owned()
    };
    axes(&mut svg, &x_ticks, x0, x1, scale, &y_label, x_axis);
    for m in marks.iter().filter(|m| ok(m.value)) {
        let y = scale.y(m.value);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="1.5" stroke-dasharray="2 3" class="mark"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"#,
            WIDTH - RIGHT,
            m.color,
            WIDTH - RIGHT - 4.0,
            y - 5.0,
            super::escape(&m.label)
        );
    }
    for line in lines {
        let mut d = String::new();
        // A point that is not a number breaks the line (a gap between merged runs).
        let mut pen_up = true;
        for (x, y) in &line.points {
            if !(ok(*x) && ok(*y)) {
                pen_up = true;
                continue;
            }
            let (px, py) = (sx(*x, x0, x1), scale.y(*y));
            let step = match (pen_up, d.is_empty()) {
                (true, true) => "M",
                (true, false) => " M",
                (false, _) => " L",
            };
            let _ = write!(d, "{step}{px:.1},{py:.1}");
            pen_up = false;
        }
        let _ = write!(
            svg,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round"{}/>"#,
            line.color,
            if line.dashed {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            }
        );
        if line.points.len() == 1 {
            let (x, y) = line.points[0];
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"#,
                sx(x, x0, x1),
                scale.y(y),
                line.color
            );
        }
    }
    legend(&mut svg, lines.iter().map(|l| (l.name, l.color)));
    svg.push_str("</svg>");
    svg
}

/// A bar chart of counts over value ranges (`(from, to, count)`), x in `x_label` units.
pub fn bars(id: &str, x_label: &str, bars: &[(f64, f64, u64)], color: &str) -> String {
    let bars: Vec<_> = bars
        .iter()
        .filter(|b| ok(b.0) && ok(b.1) && b.1 >= b.0)
        .collect();
    if bars.is_empty() {
        return empty(id, "nothing to draw: no connection opened");
    }
    let x0 = bars.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
    let mut x1 = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let scale = Scale::Linear {
        top: nice_top(bars.iter().map(|b| b.2 as f64).fold(0.0, f64::max)),
    };
    let mut svg = open(id);
    let x_ticks: Vec<(f64, String)> = ticks_between(x0, x1)
        .into_iter()
        .map(|t| (t, trim(t)))
        .collect();
    axes(
        &mut svg,
        &x_ticks,
        x0,
        x1,
        scale,
        "connections",
        XAxis::Seconds,
    );
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="label">{}</text>"#,
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        HEIGHT - 8.0,
        super::escape(x_label)
    );
    for (from, to, n) in bars {
        let (a, b) = (sx(*from, x0, x1), sx(*to, x0, x1));
        let y = scale.y(*n as f64);
        let _ = write!(
            svg,
            r#"<rect x="{a:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{} – {} ms: {n}</title></rect>"#,
            (b - a - 1.0).max(1.0),
            (HEIGHT - BOTTOM - y).max(0.0),
            trim(*from),
            trim(*to)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn ok(v: f64) -> bool {
    v.is_finite()
}

fn open(id: &str) -> String {
    format!(
        r#"<svg id="{id}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img">"#
    )
}

fn empty(id: &str, why: &str) -> String {
    format!(
        r#"{}<text x="{}" y="{}" text-anchor="middle" class="label">{}</text></svg>"#,
        open(id),
        WIDTH / 2.0,
        HEIGHT / 2.0,
        super::escape(why)
    )
}

fn sx(x: f64, x0: f64, x1: f64) -> f64 {
    LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)
}

fn axes(
    svg: &mut String,
    x_ticks: &[(f64, String)],
    x0: f64,
    x1: f64,
    scale: Scale,
    y_label: &str,
    x_axis: XAxis,
) {
    for t in scale.ticks() {
        let y = scale.y(t);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            trim(t)
        );
    }
    for (i, (t, label)) in x_ticks.iter().enumerate() {
        let x = sx(*t, x0, x1);
        // The last label ends at its tick, inside the chart.
        let anchor = if i + 1 == x_ticks.len() && x > WIDTH - RIGHT - 30.0 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" class="grid"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" class="tick">{}</text>"#,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 16.0,
            super::escape(label)
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" class="axis"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" class="axis"/>"#,
        b = HEIGHT - BOTTOM,
        r = WIDTH - RIGHT
    );
    let _ = write!(
        svg,
        r#"<text x="16" y="{:.1}" transform="rotate(-90 16 {:.1})" text-anchor="middle" class="label">{}</text>"#,
        TOP + (HEIGHT - TOP - BOTTOM) / 2.0,
        TOP + (HEIGHT - TOP - BOTTOM) / 2.0,
        super::escape(y_label)
    );
    if let XAxis::Seconds = x_axis {
        if y_label != "connections" {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="label">seconds since the start</text>"#,
                LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
                HEIGHT - 8.0
            );
        }
    } else {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="label">percentile</text>"#,
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
            HEIGHT - 8.0
        );
    }
}

fn legend<'a>(svg: &mut String, items: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut x = LEFT + 10.0;
    for (name, color) in items {
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="8" width="14" height="4" fill="{color}"/><text x="{:.1}" y="14" class="tick">{}</text>"#,
            x + 18.0,
            super::escape(name)
        );
        x += 30.0 + 7.0 * name.chars().count() as f64;
    }
}

/// `0%`, `90%`, `99%`, `99.9%`, … for x = 0, 1, 2, 3, …
fn percentile_label(i: usize) -> String {
    match i {
        0 => "0%".to_owned(),
        1 => "90%".to_owned(),
        n => format!("99.{}%", "9".repeat(n - 2)).replace("99.%", "99%"),
    }
}

/// A round value at or above `v` for the top of an axis (1 for nothing).
fn nice_top(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let step = step_for(v);
    (v / step).ceil() * step
}

/// A round step that cuts `span` into about five.
fn step_for(span: f64) -> f64 {
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let m = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Round ticks from 0 to `top`.
fn ticks(top: f64) -> Vec<f64> {
    ticks_between(0.0, top)
}

fn ticks_between(from: f64, to: f64) -> Vec<f64> {
    if !(from.is_finite() && to.is_finite()) || to <= from {
        return vec![from];
    }
    let step = step_for(to - from);
    let mut t = (from / step).ceil() * step;
    let mut out = Vec::new();
    while t <= to + step * 1e-9 && out.len() < 20 {
        out.push(t);
        t += step;
    }
    out
}

/// A tick value without needless digits: 0.25, 2, 1500.
fn trim(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_get_round_ticks() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(7.3), 8.0);
        assert_eq!(nice_top(0.412), 0.5);
        assert_eq!(
            ticks(1.0),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(trim(0.6000000000000001), "0.6");
        assert_eq!(percentile_label(0), "0%");
        assert_eq!(percentile_label(2), "99%");
        assert_eq!(percentile_label(4), "99.99%");
    }

    #[test]
    fn degenerate_data_draws_a_valid_chart() {
        for points in [vec![], vec![(1.0, 0.0)], vec![(0.0, f64::NAN), (1.0, 2.0)]] {
            let svg = lines(
                "c",
                XAxis::Seconds,
                YAxis {
                    label: "ms",
                    log: points.len() == 2,
                },
                &[Line {
                    name: "p50",
                    color: "#000",
                    points,
                    dashed: false,
                }],
                &[],
            );
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
        let svg = bars("b", "ms", &[(1.0, 1.0, 3)], "#000");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(bars("b", "ms", &[], "#000").contains("no connection opened"));
    }

    #[test]
    fn a_log_axis_has_decades_and_keeps_small_values_off_the_axis() {
        let scale = Scale::of(
            YAxis {
                label: "ms",
                log: true,
            },
            [1.0, 2.0, 5000.0].into_iter(),
        );
        let Scale::Log { lo, hi } = scale else {
            panic!("{scale:?}")
        };
        // From 0.5 (below 1 / 1.25) to 5000.
        assert_eq!((10f64.powf(lo), 10f64.powf(hi).round()), (0.5, 5000.0));
        let ticks: Vec<String> = scale.ticks().into_iter().map(trim).collect();
        assert_eq!(ticks, ["1", "10", "100", "1000"]);
        assert!(scale.y(1.0) < HEIGHT - BOTTOM - 15.0);
        assert_eq!(scale.y(0.0), HEIGHT - BOTTOM);
        assert!((scale.y(5000.0) - TOP).abs() < 1e-9);
        // Three decades or less: 1, 2 and 5 of each.
        let near = Scale::Log { lo: 0.0, hi: 2.0 };
        let ticks: Vec<String> = near.ticks().into_iter().map(trim).collect();
        assert_eq!(ticks, ["1", "2", "5", "10", "20", "50", "100"]);
        assert_eq!(round_125(3.0, true), 5.0);
        assert_eq!(round_125(3.0, false), 2.0);
        assert_eq!(round_125(0.8, false), 0.5);
        assert_eq!(round_125(10.0, true), 10.0);
        assert_eq!(round_125(1000.0, false), 1000.0);
        // Nothing above zero: linear.
        let flat = Scale::of(
            YAxis {
                label: "ms",
                log: true,
            },
            [0.0].into_iter(),
        );
        assert!(matches!(flat, Scale::Linear { .. }), "{flat:?}");
    }

    #[test]
    fn a_mark_is_drawn_with_its_label_within_the_axis() {
        let svg = lines(
            "t",
            XAxis::Seconds,
            YAxis::linear("msg/s"),
            &[Line {
                name: "received",
                color: "#000",
                points: vec![(1.0, 50.0), (2.0, 60.0)],
                dashed: false,
            }],
            &[Mark {
                value: 200.0,
                label: "asked: 200 msg/s".into(),
                color: "#111",
            }],
        );
        assert!(svg.contains(">asked: 200 msg/s</text>"), "{svg}");
        // The axis reaches the mark: its row is inside the chart.
        let row = format!(
            r##"y1="{TOP:.1}" x2="{:.1}" y2="{TOP:.1}" stroke="#111""##,
            WIDTH - RIGHT
        );
        assert!(svg.contains(&row), "{svg}");
    }
}
