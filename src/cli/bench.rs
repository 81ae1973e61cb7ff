//! `wsprobe bench`'s arguments (clap types only).

use std::time::Duration;

use clap::{Args, Subcommand};

use super::{BenchProtoArgs, HandshakeArgs, HeartbeatArgs};
use crate::value::{parse_duration, parse_positive_duration, parse_size, WsUrl};

/// `bench URL …`, or `bench merge FILE…`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_long_help = BENCH_AFTER_HELP
)]
pub struct BenchCmd {
    #[command(subcommand)]
    pub merge: Option<BenchSub>,

    #[command(flatten)]
    pub run: BenchArgs,
}

const BENCH_AFTER_HELP: &str = "\
Latency is the time from when a message was due to be sent to when its reply arrived. Closed loop
(the default): each connection keeps --in-flight messages outstanding and sends the next when a
reply arrives. Open loop (--rate): messages are due at a fixed total rate whether or not replies
keep up, and a message that goes out late is still timed from when it was due, so a server that
stalls shows in the percentiles (no coordinated omission).

Replies are matched to messages by a send stamp in the first 16 bytes of each generated message
(an echo server returns it); with --payload, or a --size under 16, the Nth reply answers the Nth
message. A message that answers none of ours (the server's own push) is counted apart (pushes,
not an error) and frees no slot. For a server that does not echo (a feed, a broadcast), --no-echo
only counts what arrives and its rate (it sends only with --rate). With --messages, a connection
that hears nothing for --reply-timeout ends, and what it still awaited counts as no-reply.

Rates are measured over the steady part: from the end of the --ramp to the end of the load. In
open loop the summary shows the rate sent beside the rate asked; when the generator cannot keep
up, messages go out late (send lag, also in the latency) and what is still due at the end is
counted, never queued without bound (--max-lag makes that a failure). A connection still opening
when the load ends is a not-opened error. -v prints a line for each interval of the run.

Exit status: 0 the run completed without errors; 3 no connection could be opened; 4 some
connections failed or ended abnormally, or errors occurred (messages without a reply, protocol
errors); 5 a threshold (--max-p50, --max-p99, --max-p999, --min-rate, --max-lag) was not met.";

#[derive(Debug, Subcommand)]
pub enum BenchSub {
    /// Add up the --json summaries of runs made side by side (exact merged percentiles)
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The summaries: files holding `wsprobe bench --json` output (its last line is used)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,

    /// Write the merged run as a self-contained HTML page
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// When a run (or the runs merged) fails with exit 5.
#[derive(Debug, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct ThresholdArgs {
    /// Exit 5 when the median latency is above this
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, help_heading = "Thresholds")]
    pub max_p50: Option<Duration>,

    /// Exit 5 when the 99th percentile latency is above this
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, help_heading = "Thresholds")]
    pub max_p99: Option<Duration>,

    /// Exit 5 when the 99.9th percentile latency is above this
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, help_heading = "Thresholds")]
    pub max_p999: Option<Duration>,

    /// Exit 5 when fewer messages a second were received than this (over the steady part,
    /// after the --ramp)
    #[arg(long, value_name = "MSGS_PER_S", value_parser = parse_rate, allow_negative_numbers = true,
          help_heading = "Thresholds")]
    pub min_rate: Option<f64>,

    /// With --rate: exit 5 when a message went out later than this after it was due, or
    /// messages due were never sent (the generator fell behind)
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, help_heading = "Thresholds")]
    pub max_lag: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The server's URL: ws://HOST[:PORT][/PATH], wss:// (TLS), http:// and https:// (aliases
    /// of ws:// and wss://), or ws+unix:///path/to.sock[:/request/path]
    #[arg(value_name = "URL", value_parser = WsUrl::parse_arg, required = true)]
    pub url: Option<WsUrl>,

    #[command(flatten)]
    pub handshake: HandshakeArgs,

    #[command(flatten)]
    pub heartbeat: HeartbeatArgs,

    /// How many connections to open
    #[arg(short = 'c', long, value_name = "N", default_value = "10",
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Load")]
    pub connections: u32,

    /// How long to send, after the --ramp
    #[arg(short = 'd', long, value_name = "DURATION", default_value = "10s",
          value_parser = parse_positive_duration, help_heading = "Load")]
    pub duration: Duration,

    /// Send N messages in all (shared out among the connections) instead of for --duration
    #[arg(long, value_name = "N", conflicts_with = "duration",
          value_parser = clap::value_parser!(u64).range(1..), help_heading = "Load")]
    pub messages: Option<u64>,

    /// Each connection keeps K messages awaiting their reply (closed loop)
    #[arg(long, value_name = "K", default_value = "1",
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Load")]
    pub in_flight: u32,

    /// Send MSGS_PER_S messages a second in all, whatever the replies do (open loop; latency
    /// counts from when each message was due)
    #[arg(long, value_name = "MSGS_PER_S", conflicts_with = "in_flight",
          value_parser = parse_rate, allow_negative_numbers = true, help_heading = "Load")]
    pub rate: Option<f64>,

    /// Open the connections evenly over this long before the --duration starts
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Load")]
    pub ramp: Option<Duration>,

    /// Size of each generated message
    #[arg(long, value_name = "SIZE", default_value = "64", value_parser = parse_size,
          help_heading = "Messages")]
    pub size: usize,

    /// Send binary messages instead of text
    #[arg(long, help_heading = "Messages")]
    pub binary: bool,

    /// Send this message instead of generated ones: TEXT, or @FILE for a file's content
    /// (as text without its final line ending; with --binary, its bytes exactly); each
    /// {seq} in it becomes the message's sequence number on its connection (0, 1, 2, …)
    #[arg(
        long,
        value_name = "@FILE|TEXT",
        conflicts_with = "size",
        // A message may start with '-' ("-1", "- item").
        allow_hyphen_values = true,
        help_heading = "Messages"
    )]
    pub payload: Option<String>,

    /// Match each reply to its request by the value at this JSON path (dotted, array indexes
    /// allowed), which must be the {seq} the --payload sent, as a number or a string; without
    /// it the Nth reply answers the Nth message
    #[arg(
        long = "match",
        value_name = "json:PATH",
        conflicts_with = "no_echo",
        help_heading = "Messages"
    )]
    pub match_by: Option<String>,

    /// The server does not echo: count what arrives and its rate, no latency (sends only
    /// with --rate)
    #[arg(long, conflicts_with = "in_flight", help_heading = "Messages")]
    pub no_echo: bool,

    /// Send each message in frames of at most SIZE payload bytes (continuation frames)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Messages")]
    pub fragment: Option<usize>,

    /// Send messages uncompressed even when permessage-deflate was negotiated
    #[arg(long, help_heading = "Messages")]
    pub no_compress: bool,

    /// Largest message accepted; a larger one closes its connection with 1009
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size,
          help_heading = "Messages")]
    pub max_message_size: usize,

    /// At the end, wait up to this long for replies still due before closing
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration,
          help_heading = "Closing")]
    pub reply_timeout: Duration,

    /// How long to wait for the server's close frame after sending ours
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration,
          help_heading = "Closing")]
    pub close_timeout: Duration,

    /// Write the run as a self-contained HTML page (percentile curve, throughput and latency
    /// over time, connect times, errors, closes)
    #[arg(long, value_name = "FILE.html", help_heading = "Results")]
    pub report: Option<std::path::PathBuf>,

    /// Write the latency histograms as an HdrHistogram interval log (one per interval)
    #[arg(long, value_name = "FILE", help_heading = "Results")]
    pub hdr_out: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    #[command(flatten)]
    pub proto: BenchProtoArgs,

    /// Worker threads [default: one per CPU this process may use]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..),
          help_heading = "Load")]
    pub threads: Option<u16>,
}

/// A rate above zero: `1000`, `2.5`.
fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 && r <= 1e9 => Ok(r),
        _ => Err(format!(
            "'{s}' is not a rate: write messages a second above zero, e.g. 1000 or 2.5"
        )),
    }
}
