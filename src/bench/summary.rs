//! What a run measured, as `--json` prints it, `bench merge` reads it and the report draws it:
//! counts, errors and closes, and the latency and connect-time histograms themselves
//! (HdrHistogram V2, compressed, base64), from which every percentile here is computed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{anyhow, Result};
use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// One run (or several merged).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// The wsprobe version that measured it.
    pub wsprobe: String,
    /// The run's own id, 32 hex digits made at its start (absent from a merge, and from
    /// summaries older than the key), so that `bench merge` can refuse a run given twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// A merge: the ids of the runs it adds up (a run's `run_id`, or for an older summary
    /// without one, a digest of its start, command and histograms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run_ids: Vec<String>,
    /// The command line (each run's, for a merge).
    pub command: Vec<String>,
    pub url: String,
    /// When the run started, in milliseconds since the Unix epoch.
    pub started_unix_ms: u64,
    /// How the load was paced: `closed` or `open` or `silent`; a merge of runs paced
    /// differently: `mixed`.
    pub pace: String,
    /// Closed loop: messages each connection keeps awaiting their reply.
    pub in_flight: Option<u32>,
    /// Open loop: the total rate asked for, in messages a second.
    pub rate: Option<f64>,
    /// The size of each message sent, in bytes.
    pub size: usize,
    pub binary: bool,
    /// `--match json:PATH`: how replies were matched to their requests (`null`: by the stamp
    /// an echo returns, or in order); a merge of runs matched differently: `null`.
    #[serde(rename = "match", default)]
    pub matching: Option<String>,
    /// The application protocol each request and reply were spoken in (`socket.io`);
    /// absent in a raw run. A merge of runs that differ: `mixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// With a protocol: each request and its reply, in words (`emit "add" on namespace / →
    /// its ack`); a merge of runs that differ: absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<String>,
    /// How many runs this adds up (1 unless merged).
    pub runs: u64,
    pub connections: u64,
    /// Connections that reached OPEN.
    pub connected: u64,
    /// Of those, the ones that negotiated permessage-deflate.
    pub compressed: u64,
    /// From the start to the last connection's end: the time `sent` and `received` cover.
    pub duration_s: f64,
    pub sent: u64,
    pub received: u64,
    /// Received messages a second over the steady part (`steady_from_s` to `steady_to_s`).
    pub msgs_per_s: f64,
    /// Received payload bytes a second over the steady part.
    pub bytes_per_s: f64,
    /// How the load generator kept to its pace (keys of their own in the JSON).
    #[serde(flatten)]
    pub generator: Generator,
    /// Error kind → how many.
    pub errors: BTreeMap<String, u64>,
    /// Error kind → the first such error, in words.
    pub error_messages: BTreeMap<String, String>,
    /// Close code → how many connections ended with it.
    pub closes: BTreeMap<String, u64>,
    /// The time from when each message was due to its reply; `null` when none was timed.
    pub latency_ms: Option<Stats>,
    /// The time from the start of each connection to OPEN.
    pub connect_ms: Option<Stats>,
    /// The length of each interval of `series`, in seconds.
    pub interval_s: f64,
    pub series: Vec<Point>,
}

/// How the generator kept up, and over which part of the run the rates are measured. Every
/// field has a default, so summaries written before these keys existed still read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Generator {
    /// Messages sent a second over the steady part.
    #[serde(default)]
    pub send_rate: f64,
    /// Open loop: the rate asked for was not kept (see `backlog`).
    #[serde(default)]
    pub fell_behind: bool,
    /// Open loop: messages that had fallen due by the end of the load and were never sent.
    #[serde(default)]
    pub backlog: u64,
    /// Open loop: how late each message was handed to its connection's writer after it was
    /// due (a backlog delays them).
    #[serde(default)]
    pub send_lag_ms: Option<Stats>,
    /// The steady part, in seconds since the start: from the end of the `--ramp` to the end of
    /// the load (the end of `--duration`, a Ctrl-C, or the last connection's end).
    #[serde(default)]
    pub steady_from_s: f64,
    #[serde(default)]
    pub steady_to_s: f64,
    /// Messages that answered none of ours (the server's own pushes): counted, not errors.
    #[serde(default)]
    pub pushes: u64,
}

impl Generator {
    /// Runs made side by side, added up: rates and counts add, the steady part is the one
    /// they all share, and the send lag histograms are added.
    pub fn merged(runs: &[Summary]) -> Result<Generator> {
        let mut lag = crate::bench::record::histogram();
        for r in runs {
            if let Some(s) = &r.generator.send_lag_ms {
                lag.add(&s.histogram()?)
                    .map_err(|e| anyhow!("a histogram cannot be added: {e:?}"))?;
            }
        }
        let g = runs.iter().map(|r| &r.generator);
        Ok(Generator {
            send_rate: g.clone().map(|g| g.send_rate).sum(),
            fell_behind: g.clone().any(|g| g.fell_behind),
            backlog: g.clone().map(|g| g.backlog).sum(),
            send_lag_ms: Stats::of(&lag),
            steady_from_s: g.clone().map(|g| g.steady_from_s).fold(0.0, f64::max),
            steady_to_s: g
                .clone()
                .map(|g| g.steady_to_s)
                .reduce(f64::min)
                .unwrap_or_default(),
            pushes: g.map(|g| g.pushes).sum(),
        })
    }
}

/// Percentiles of a histogram, in milliseconds, and the histogram itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    pub min: f64,
    /// HdrHistogram V2 (compressed), base64, of the values in microseconds.
    pub histogram: String,
}

/// One interval of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    /// The end of the interval, in seconds since the start of the run.
    pub t_s: f64,
    pub sent: u64,
    pub received: u64,
    pub bytes_in: u64,
    /// Errors in the interval.
    pub errors: u64,
    /// Connections OPEN at its end.
    pub open: u64,
    /// The latency of the replies that arrived in it.
    pub latency_ms: Option<PointLatency>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointLatency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub histogram: String,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

impl Stats {
    /// The statistics of `h` (microseconds); `None` when it is empty.
    pub fn of(h: &Histogram<u64>) -> Option<Stats> {
        if h.is_empty() {
            return None;
        }
        Some(Stats {
            count: h.len(),
            p50: ms(h.value_at_quantile(0.5)),
            p90: ms(h.value_at_quantile(0.9)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            mean: h.mean().round() / 1000.0,
            min: ms(h.min()),
            histogram: encode(h),
        })
    }

    pub fn histogram(&self) -> Result<Histogram<u64>> {
        decode(&self.histogram)
    }
}

impl PointLatency {
    pub fn of(h: &Histogram<u64>) -> Option<PointLatency> {
        (!h.is_empty()).then(|| PointLatency {
            p50: ms(h.value_at_quantile(0.5)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
            histogram: encode(h),
        })
    }
}

/// A histogram as HdrHistogram's compressed V2 encoding in base64 (what its log files hold).
pub fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    // Serializing into memory fails only for histograms too large to encode.
    let _ = V2DeflateSerializer::new().serialize(h, &mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Reads back what [`encode`] wrote. The header is checked before the library sees it, so
/// that a summary from elsewhere cannot make it allocate what its lengths claim: the
/// compressed body is inflated here (up to [`MAX_INFLATED`]), its length must be what is there,
/// and the precision at most the 3 significant digits wsprobe records with.
pub fn decode(s: &str) -> Result<Histogram<u64>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| anyhow!("a histogram is not base64: {e}"))?;
    let plain = plain_v2(&bytes)?;
    let mut h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut plain.as_slice())
        .map_err(|e| anyhow!("a histogram does not decode: {e:?}"))?;
    h.auto(true);
    Ok(h)
}

/// HdrHistogram's V2 cookies: plain, and compressed (a zlib stream of the plain encoding).
const V2: u32 = 0x1c84_9313;
const V2_COMPRESSED: u32 = 0x1c84_9314;
/// The plain V2 header: cookie, payload length, normalizing offset, significant digits,
/// lowest and highest trackable value, integer-to-double ratio.
const V2_HEADER: usize = 40;
/// A histogram of wsprobe's precision over any range fits in far less.
const MAX_INFLATED: u64 = 4 << 20;

fn plain_v2(bytes: &[u8]) -> Result<Vec<u8>> {
    let word = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let short = || anyhow!("a histogram does not decode: it is cut short");
    let plain = match word(bytes, 0) {
        Some(V2_COMPRESSED) => {
            use std::io::Read as _;
            let len = word(bytes, 4).ok_or_else(short)? as usize;
            let body = bytes.get(8..8 + len).ok_or_else(short)?;
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(body)
                .take(MAX_INFLATED + 1)
                .read_to_end(&mut out)
                .map_err(|e| anyhow!("a histogram does not decode: {e}"))?;
            if out.len() as u64 > MAX_INFLATED {
                return Err(anyhow!(
                    "a histogram does not decode: it inflates to over 4 MiB"
                ));
            }
            out
        }
        Some(V2) => bytes.to_vec(),
        _ => {
            return Err(anyhow!(
                "a histogram does not decode: not an HdrHistogram V2 encoding"
            ))
        }
    };
    if word(&plain, 0) != Some(V2) || plain.len() < V2_HEADER {
        return Err(short());
    }
    let payload = word(&plain, 4).ok_or_else(short)? as usize;
    if payload > plain.len() - V2_HEADER {
        return Err(short());
    }
    if word(&plain, 12).is_none_or(|digits| digits > u32::from(crate::bench::record::SIGFIG)) {
        return Err(anyhow!(
            "a histogram does not decode: more significant digits than wsprobe records"
        ));
    }
    Ok(plain)
}

/// A count with thousands separators: 1,234,567.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate asked for: `1,000,000`, `2.5`.
pub fn rate(r: f64) -> String {
    if r.fract() == 0.0 && r < 1e15 {
        count(r as u64)
    } else {
        format!("{r}")
    }
}

/// Milliseconds, to about three significant digits.
pub fn millis(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else if v >= 1.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.3} ms")
    }
}

/// Bytes a second, in the binary units `--size` takes.
pub fn rate_bytes(v: f64) -> String {
    const UNITS: [&str; 4] = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
    let mut v = v;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

impl Summary {
    /// The human summary, a few aligned lines.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let what = if self.binary { "binary" } else { "text" };
        let pace = self.pace_words();
        let runs = if self.runs > 1 {
            format!(" ({} runs merged)", self.runs)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}{runs}: {} connections, {pace}, {}-byte {what} messages",
            self.url, self.connections, self.size
        );
        if let Some(p) = &self.protocol {
            let exchange = self
                .exchange
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  protocol     {p}{exchange}");
        }
        let failed = self.connections.saturating_sub(self.connected);
        let mut line = format!(
            "  connections  {} opened, {} failed",
            count(self.connected),
            count(failed)
        );
        if self.compressed > 0 {
            let _ = write!(line, ", {} with permessage-deflate", count(self.compressed));
        }
        if let Some(c) = &self.connect_ms {
            let _ = write!(
                line,
                "; connect p50 {}, p99 {}, max {}",
                millis(c.p50),
                millis(c.p99),
                millis(c.max)
            );
        }
        let _ = writeln!(out, "{line}");
        let pushes = match self.generator.pushes {
            0 => String::new(),
            n => format!(" ({} of them pushes that answer none of ours)", count(n)),
        };
        let _ = writeln!(
            out,
            "  messages     {} sent, {} received{pushes} in {:.2} s",
            count(self.sent),
            count(self.received),
            self.duration_s,
        );
        let g = &self.generator;
        let _ = writeln!(
            out,
            "  rate         {:.0} msg/s received, {}, {:.0} msg/s sent, over the steady {:.2} s ({:.2}–{:.2} s{})",
            self.msgs_per_s,
            rate_bytes(self.bytes_per_s),
            g.send_rate,
            g.steady_to_s - g.steady_from_s,
            g.steady_from_s,
            g.steady_to_s,
            if g.steady_from_s > 0.0 { ", after the --ramp" } else { "" },
        );
        if let Some(line) = self.sending() {
            let _ = writeln!(out, "{line}");
        }
        match &self.latency_ms {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "  latency      p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}  ({} replies)",
                    millis(l.p50),
                    millis(l.p90),
                    millis(l.p99),
                    millis(l.p999),
                    millis(l.max),
                    millis(l.mean),
                    count(l.count)
                );
            }
            None => {
                let _ = writeln!(out, "  latency      none measured (no reply was timed)");
            }
        }
        let closes: Vec<String> = self
            .closes
            .iter()
            .map(|(code, n)| format!("{code} ×{}", count(*n)))
            .collect();
        if !closes.is_empty() {
            let _ = writeln!(out, "  closes       {}", closes.join(", "));
        }
        if self.errors.is_empty() {
            let _ = writeln!(out, "  errors       none");
        } else {
            for (i, (kind, n)) in self.errors.iter().enumerate() {
                let label = if i == 0 { "errors" } else { "" };
                let example = self
                    .error_messages
                    .get(kind)
                    .map(|m| format!(" (first: {m})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {label:<11}  {kind} ×{}{example}", count(*n));
            }
        }
        out
    }

    /// How the load was paced (and replies matched, with `--match`), in words.
    pub fn pace_words(&self) -> String {
        let pace = self.pace_only();
        match &self.matching {
            Some(m) => format!("{pace}, replies matched by {m}"),
            None => pace,
        }
    }

    fn pace_only(&self) -> String {
        match (self.pace.as_str(), self.in_flight, self.rate) {
            ("closed", Some(k), _) => format!("closed loop, {k} in flight per connection"),
            ("closed", None, _) => "closed loop, in flight differing between runs".to_owned(),
            ("open", _, Some(r)) => format!("open loop at {} msg/s", rate(r)),
            ("open", _, None) => "open loop".to_owned(),
            (super::merge::MIXED, ..) => "runs paced differently (see their commands)".to_owned(),
            _ => "counting what arrives (--no-echo)".to_owned(),
        }
    }

    /// Open loop: the rate asked beside the rate sent, whether the generator kept up, and how
    /// late the backlog made messages.
    fn sending(&self) -> Option<String> {
        let asked = self.rate?;
        let g = &self.generator;
        let mut line = format!(
            "  sending      {:.0} msg/s of the {} asked",
            g.send_rate,
            rate(asked)
        );
        if g.fell_behind {
            let _ = write!(
                line,
                ": the generator could not keep up, {} message(s) due were never sent",
                count(g.backlog)
            );
        }
        if let Some(l) = &g.send_lag_ms {
            let _ = write!(
                line,
                "; sent late by p50 {}, p99 {}, max {}",
                millis(l.p50),
                millis(l.p99),
                millis(l.max)
            );
        }
        Some(line)
    }

    /// The error count.
    pub fn error_total(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// A one-interval run of two connections whose replies took `values` microseconds (tests).
#[cfg(test)]
pub fn sample(values: &[u64], started_unix_ms: u64) -> Summary {
    let mut h = crate::bench::record::histogram();
    for v in values {
        crate::bench::record::put(&mut h, *v);
    }
    let n = values.len() as u64;
    Summary {
        wsprobe: "0".into(),
        run_id: Some(format!(
            "{:032x}",
            u128::from(started_unix_ms) << 64 | u128::from(values.iter().sum::<u64>())
        )),
        run_ids: Vec::new(),
        command: vec!["wsprobe bench ws://x/".into()],
        url: "ws://x/".into(),
        started_unix_ms,
        pace: "closed".into(),
        in_flight: Some(1),
        rate: None,
        size: 64,
        binary: false,
        matching: None,
        protocol: None,
        exchange: None,
        runs: 1,
        connections: 2,
        connected: 2,
        compressed: 0,
        duration_s: 1.0,
        sent: n,
        received: n,
        msgs_per_s: n as f64,
        bytes_per_s: 64.0 * n as f64,
        generator: Generator {
            send_rate: n as f64,
            steady_to_s: 1.0,
            ..Generator::default()
        },
        errors: BTreeMap::from([("io".to_owned(), 1)]),
        error_messages: BTreeMap::new(),
        closes: BTreeMap::from([("1000".to_owned(), 2)]),
        latency_ms: Stats::of(&h),
        connect_ms: Stats::of(&h),
        interval_s: 1.0,
        series: vec![Point {
            t_s: 1.0,
            sent: n,
            received: n,
            bytes_in: 64 * n,
            errors: 1,
            open: 2,
            latency_ms: PointLatency::of(&h),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_survives_its_encoding() {
        let mut h = crate::bench::record::histogram();
        for v in [1, 50, 51, 1000, 123_456, 9_999_999] {
            h.record(v).unwrap();
        }
        let back = decode(&encode(&h)).unwrap();
        assert_eq!(back, h);
        assert!(decode("not base64!").is_err());
        assert!(decode("aGVsbG8=").is_err());
    }

    #[test]
    fn stats_are_in_milliseconds() {
        let mut h = crate::bench::record::histogram();
        for v in 1..=1000 {
            h.record(v).unwrap();
        }
        let s = Stats::of(&h).unwrap();
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50, 0.5);
        assert_eq!(s.max, 1.0);
        assert_eq!(s.min, 0.001);
        assert!(Stats::of(&crate::bench::record::histogram()).is_none());
    }

    #[test]
    fn a_summary_written_before_the_generator_keys_still_reads() {
        let mut v = serde_json::to_value(sample(&[100, 200], 0)).unwrap();
        let keys = [
            "send_rate",
            "fell_behind",
            "backlog",
            "send_lag_ms",
            "steady_from_s",
            "steady_to_s",
            "pushes",
        ];
        for k in keys {
            assert!(v.as_object_mut().unwrap().remove(k).is_some(), "{k}");
        }
        let old: Summary = serde_json::from_value(v).unwrap();
        assert!(!old.generator.fell_behind && old.generator.send_lag_ms.is_none());
        assert_eq!(old.received, 2);
    }

    #[test]
    fn runs_side_by_side_add_their_generator_figures() {
        let mut lag = crate::bench::record::histogram();
        lag.record(2000).unwrap();
        let mut a = sample(&[100], 0);
        a.generator = Generator {
            send_rate: 100.0,
            fell_behind: false,
            backlog: 0,
            send_lag_ms: Stats::of(&lag),
            steady_from_s: 1.0,
            steady_to_s: 11.0,
            pushes: 3,
        };
        let mut b = a.clone();
        b.generator.fell_behind = true;
        b.generator.backlog = 7;
        b.generator.steady_from_s = 2.0;
        b.generator.steady_to_s = 10.5;
        let g = Generator::merged(&[a, b]).unwrap();
        assert_eq!(
            (g.send_rate, g.fell_behind, g.backlog, g.pushes),
            (200.0, true, 7, 6)
        );
        assert_eq!((g.steady_from_s, g.steady_to_s), (2.0, 10.5));
        assert_eq!(g.send_lag_ms.map(|l| (l.count, l.max)), Some((2, 2.0)));
    }

    #[test]
    fn counts_and_rates_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(millis(0.0412), "0.041 ms");
        assert_eq!(millis(12.345), "12.3 ms");
        assert_eq!(rate_bytes(2048.0), "2.0 KiB/s");
        assert_eq!(rate(1e9), "1,000,000,000");
        assert_eq!(rate(2.5), "2.5");
    }

    #[test]
    fn a_histogram_that_claims_more_than_it_holds_is_refused() {
        let mut h = crate::bench::record::histogram();
        h.record(42).unwrap();
        let mut plain = Vec::new();
        hdrhistogram::serialization::V2Serializer::new()
            .serialize(&h, &mut plain)
            .unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        assert_eq!(decode(&b64(&plain)).unwrap(), h);
        // A payload length of 4 GiB, which the library would allocate before reading.
        let mut huge = plain.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&b64(&huge))
            .unwrap_err()
            .to_string()
            .contains("cut short"));
        let mut digits = plain.clone();
        digits[12..16].copy_from_slice(&5u32.to_be_bytes());
        assert!(decode(&b64(&digits)).is_err());
        assert!(decode(&b64(&plain[..20])).is_err());
        // Compressed, cut short, and a zlib bomb.
        let compressed = base64::engine::general_purpose::STANDARD
            .decode(encode(&h))
            .unwrap();
        assert!(decode(&b64(&compressed[..compressed.len() - 3])).is_err());
        let mut bomb = Vec::new();
        {
            use std::io::Write as _;
            let mut z = flate2::write::ZlibEncoder::new(&mut bomb, flate2::Compression::best());
            z.write_all(&V2.to_be_bytes()).unwrap();
            z.write_all(&vec![0; 8 << 20]).unwrap();
            z.finish().unwrap();
        }
        let mut framed = V2_COMPRESSED.to_be_bytes().to_vec();
        framed.extend_from_slice(&(bomb.len() as u32).to_be_bytes());
        framed.extend_from_slice(&bomb);
        assert!(decode(&b64(&framed))
            .unwrap_err()
            .to_string()
            .contains("over 4 MiB"));
    }
}
