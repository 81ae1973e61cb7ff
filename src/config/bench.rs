//! `bench` resolved: the connection settings every connection shares (resolved once), the
//! pace, the messages, what to write and when to fail.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use super::{client, OutputConfig};
use crate::cli::{BenchArgs, MergeArgs, ThresholdArgs};
use crate::dial::handshake::ClientSettings;
use crate::error::Failure;
use crate::output::render;
use crate::proto::bench::{BenchProtocol, Replies};
use crate::session::driver::DriveOpts;
use crate::value::{Close, JsonPath, SeqTemplate, SEQ};
use crate::wire::deflate::frames::Sending;

/// The bytes of a send stamp at the start of each generated message.
pub const STAMP_LEN: usize = 16;

/// Everything `bench URL` runs with.
#[derive(Debug)]
pub struct BenchPlan {
    pub client: ClientSettings,
    pub out: OutputConfig,
    pub drive: DriveOpts,
    pub connections: u32,
    pub stop: Stop,
    pub pace: Pace,
    /// Connections open evenly over this long before the load's duration starts.
    pub ramp: Duration,
    pub message: MessagePlan,
    /// `--socketio`: the protocol each request and reply are spoken in (`None`: raw).
    pub protocol: Option<Arc<dyn BenchProtocol>>,
    pub results: Results,
    pub thresholds: Thresholds,
    /// Worker threads of the runtime.
    pub threads: usize,
    /// The command line, as the report shows it.
    pub command_line: String,
}

/// When the load stops.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    After(Duration),
    /// This many messages in all, shared out among the connections.
    Messages(u64),
}

/// How sends are paced.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Each connection keeps this many messages awaiting their reply.
    Closed { in_flight: u32 },
    /// Messages due at this total rate a second, whatever the replies do.
    Open { rate: f64 },
    /// Nothing is sent: what arrives is counted (--no-echo without --rate).
    Silent,
}

/// What each message is.
#[derive(Debug, Clone)]
pub struct MessagePlan {
    pub binary: bool,
    pub body: Body,
    /// How replies are matched to messages.
    pub matching: Matching,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// `--size` bytes, a send stamp first when there is room.
    Generated { size: usize },
    /// `--payload`, sent as it is but for each `{seq}`, which becomes the message's number.
    Fixed(SeqTemplate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matching {
    /// By the send stamp the reply carries back.
    Stamp,
    /// The Nth reply answers the Nth message.
    Order,
    /// `--match json:PATH`: the reply whose value at PATH is a message's `{seq}` answers it.
    Json(JsonPath),
    /// A protocol's reply names its request's `{seq}` (a Socket.IO ack id).
    Id,
    /// Replies are not expected (--no-echo): counted only.
    None,
}

/// Where the results go besides the summary.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub json: bool,
    pub report: Option<PathBuf>,
    pub hdr_out: Option<PathBuf>,
}

/// `--max-p50`, `--max-p99`, `--max-p999`, `--min-rate`, `--max-lag`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Thresholds {
    pub max_p50: Option<Duration>,
    pub max_p99: Option<Duration>,
    pub max_p999: Option<Duration>,
    pub min_rate: Option<f64>,
    pub max_lag: Option<Duration>,
}

/// `bench merge`.
#[derive(Debug)]
pub struct MergePlan {
    pub files: Vec<PathBuf>,
    pub results: Results,
    pub thresholds: Thresholds,
}

fn thresholds(args: &ThresholdArgs) -> Thresholds {
    Thresholds {
        max_p50: args.max_p50,
        max_p99: args.max_p99,
        max_p999: args.max_p999,
        min_rate: args.min_rate,
        max_lag: args.max_lag,
    }
}

/// The runtime's threads for `bench`: `--threads`, or one per CPU this process may use.
pub fn threads(args: &BenchArgs) -> usize {
    match args.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

pub fn plan(args: BenchArgs, out: OutputConfig, command_line: String) -> Result<BenchPlan> {
    let Some(url) = args.url.as_ref() else {
        return Err(Failure::usage("bench needs a URL: wsprobe bench ws://HOST:PORT/").into());
    };
    // With a protocol, the WebSocket goes to its endpoint (Engine.IO's for Socket.IO).
    let timeout = args.handshake.connect_timeout;
    let speaking = if args.proto.graphql {
        let protocols = &args.handshake.protocols;
        Some(super::proto::bench_graphql(
            url,
            &args.proto,
            protocols,
            timeout,
        )?)
    } else {
        super::proto::bench_protocol(url, &args.proto, timeout)?
    };
    let url = speaking.as_ref().map_or(url, |(_, u)| u);
    let mut client = client::settings(url, &args.handshake, args.max_message_size)?;
    super::proto::offer(speaking.as_ref().map(|(p, _)| p), &mut client.protocols);
    // A small WebSocket read buffer, as listen's: 10,000 idle connections must fit, and
    // `wire::readahead` still reads large pieces while data flows.
    client.ws_config = client
        .ws_config
        .read_buffer_size(super::listen::READ_BUFFER);
    client.sending = Sending {
        compress: !args.no_compress,
        fragment: args.fragment,
    };
    let body = body(&args)?;
    let threads = threads(&args);
    let protocol = match (&speaking, &body) {
        (Some((p, _)), Body::Fixed(t)) => Some(p.bench(t)?),
        _ => None,
    };
    let matching = match (&body, args.no_echo) {
        _ if protocol.is_some() => match protocol.as_ref().map(|p| p.replies()) {
            Some(Replies::ById) => Matching::Id,
            _ => Matching::Order,
        },
        (_, true) => Matching::None,
        _ if args.match_by.is_some() => Matching::Json(match_by(args.match_by.as_deref(), &body)?),
        (Body::Generated { size }, false) if *size >= STAMP_LEN => Matching::Stamp,
        _ => Matching::Order,
    };
    let pace = match (args.rate, args.no_echo) {
        (Some(rate), _) => Pace::Open { rate },
        (None, true) => Pace::Silent,
        (None, false) => Pace::Closed {
            in_flight: args.in_flight,
        },
    };
    let stop = match args.messages {
        Some(n) => Stop::Messages(n),
        None => Stop::After(args.duration),
    };
    if matches!(pace, Pace::Silent) && args.payload.is_some() {
        return Err(Failure::usage(
            "--payload with --no-echo needs --rate: without it nothing is sent",
        )
        .hint("add --rate MSGS_PER_S to send the payload at that rate, or leave out --payload to count what the server sends")
        .into());
    }
    if args.thresholds.max_lag.is_some() && args.rate.is_none() {
        return Err(Failure::usage(
            "--max-lag needs --rate: only an open loop has messages due at set times",
        )
        .hint("add --rate MSGS_PER_S, or leave out --max-lag")
        .into());
    }
    if matches!((pace, stop), (Pace::Silent, Stop::Messages(_))) {
        return Err(Failure::usage(
            "--messages with --no-echo needs --rate: nothing is sent without it",
        )
        .hint("add --rate MSGS_PER_S, or count for a --duration instead")
        .into());
    }
    Ok(BenchPlan {
        client,
        out,
        drive: DriveOpts {
            close_on_eof: Some(Close::normal()),
            // Zero would close at once: the replies still due are waited for at least a moment.
            reply_wait: args.reply_timeout.max(Duration::from_millis(1)),
            close_timeout: args.close_timeout,
            max_message_size: args.max_message_size,
            heartbeat: client::heartbeat(&args.heartbeat),
            keep_unsent: false,
            hold_data: false,
        },
        connections: args.connections,
        stop,
        pace,
        ramp: args.ramp.unwrap_or_default(),
        message: MessagePlan {
            binary: args.binary,
            body,
            matching,
        },
        protocol,
        results: Results {
            json: out.json,
            report: args.report,
            hdr_out: args.hdr_out,
        },
        thresholds: thresholds(&args.thresholds),
        threads,
        command_line,
    })
}

/// `--payload` or `--size`, checked: no larger than `--max-message-size` once each `{seq}`
/// is a number, and UTF-8 unless `--binary`.
fn body(args: &BenchArgs) -> Result<Body> {
    let body = match &args.payload {
        Some(p) => Body::Fixed(SeqTemplate::new(&payload(
            p,
            args.max_message_size,
            args.binary,
        )?)),
        None => Body::Generated {
            size: message_size(args.size, args.max_message_size)?,
        },
    };
    if let Body::Fixed(t) = &body {
        // Each {seq} may become up to 20 digits.
        if t.max_len() > args.max_message_size {
            return Err(Failure::usage(format!(
                "--payload may be {} bytes once each {SEQ} is a number, larger than --max-message-size {}: the echo of such a message would be refused",
                t.max_len(),
                render::size(args.max_message_size)
            ))
            .hint("send a smaller payload, or raise --max-message-size (as far as the server accepts)")
            .into());
        }
    }
    if args.binary {
        // nothing to check: any bytes go in a binary message
    } else if let Body::Fixed(t) = &body {
        // `{seq}` is ASCII, and so are the numbers in its place.
        if std::str::from_utf8(&t.literal()).is_err() {
            return Err(Failure::usage(
                "the --payload is not UTF-8, so it cannot be a text message",
            )
            .hint("add --binary to send it as a binary message")
            .into());
        }
    }
    Ok(body)
}

pub fn merge_plan(args: MergeArgs, out: OutputConfig) -> MergePlan {
    MergePlan {
        thresholds: thresholds(&args.thresholds),
        files: args.files,
        results: Results {
            json: out.json,
            report: args.report,
            hdr_out: None,
        },
    }
}

/// `--match json:PATH`, which needs a `--payload` with `{seq}` in it.
fn match_by(given: Option<&str>, body: &Body) -> Result<JsonPath> {
    let given = given.unwrap_or_default();
    let path = given
        .strip_prefix("json:")
        .ok_or_else(|| "it is not json:PATH".to_owned())
        .and_then(JsonPath::parse)
        .map_err(|why| {
            Failure::usage(format!("invalid --match '{given}': {why}"))
                .hint("write json:PATH, the dotted path to the id in each reply, e.g. --match json:id or --match json:result.0.id")
        })?;
    match body {
        Body::Fixed(t) if t.numbered() => Ok(path),
        Body::Fixed(_) => Err(Failure::usage(format!(
            "--match needs {SEQ} in the --payload: each message's number goes there, and its reply brings it back at {path}"
        ))
        .hint(r#"put {seq} where the request's id goes, e.g. --payload '{"id":{seq},"op":"get"}'"#)
        .into()),
        Body::Generated { .. } => Err(Failure::usage(
            "--match needs a --payload: the replies are matched by the {seq} each message carries",
        )
        .hint(r#"add --payload with {seq} where the request's id goes, e.g. --payload '{"id":{seq},"op":"get"}'"#)
        .into()),
    }
}

/// `--size`, checked: no larger than `--max-message-size` (an echo of it would close the
/// connection with 1009), and memory for it can be had (a failed allocation would abort).
fn message_size(size: usize, max: usize) -> Result<usize> {
    if size > max {
        return Err(too_large("--size", size, max).into());
    }
    reserve(size, "--size")?;
    Ok(size)
}

fn too_large(what: &str, size: usize, max: usize) -> Failure {
    Failure::usage(format!(
        "{what} is {} ({size} bytes), larger than --max-message-size {}: the echo of such a message would be refused",
        render::size(size),
        render::size(max)
    ))
    .hint("send smaller messages, or raise --max-message-size (as far as the server accepts)")
}

/// The messages a run holds at once (each connection's `--in-flight`, or in open loop a
/// batch in hand, one in the channel and one being written) must fit in the memory available:
/// beyond it the run would be killed, or abort, instead of measuring anything. Checked when
/// the run starts, after the open-file limit (which speaks first of a huge `-c`).
pub fn check_memory(plan: &BenchPlan) -> Result<()> {
    let size = match &plan.message.body {
        Body::Generated { size } => *size,
        Body::Fixed(t) => t.max_len(),
    };
    held_in_memory(plan.connections, size, plan.pace, memory_available())
}

fn held_in_memory(connections: u32, size: usize, pace: Pace, available: Option<u64>) -> Result<()> {
    let Some(available) = available else {
        return Ok(());
    };
    let each = match pace {
        Pace::Closed { in_flight } => u64::from(in_flight),
        // A batch is at most 16 KiB unless one message is larger.
        Pace::Open { .. } => 3 * (16 * 1024 / size.max(1)).clamp(1, 256) as u64,
        Pace::Silent => return Ok(()),
    };
    let held = u64::from(connections)
        .saturating_mul(each)
        .saturating_mul(size as u64);
    if held <= available {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "the messages in flight would need {} (-c {connections} × {each} × {} each), more than the {} of memory available",
        render::size(usize::try_from(held).unwrap_or(usize::MAX)),
        render::size(size),
        render::size(usize::try_from(available).unwrap_or(usize::MAX)),
    ))
    .hint("use fewer connections, a lower --in-flight or smaller messages, or several machines (wsprobe bench merge adds their runs up)")
    .into())
}

/// MemAvailable from /proc/meminfo, in bytes (`None` where there is none to read).
fn memory_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// An empty buffer with room for `n` bytes, or a usage error instead of an abort.
fn reserve(n: usize, what: &str) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| cannot_hold(n, what))?;
    Ok(v)
}

fn cannot_hold(n: usize, what: &str) -> Failure {
    Failure::usage(format!(
        "{what}: {} ({n} bytes) cannot be held in memory",
        render::size(n)
    ))
    .hint("send smaller messages")
}

/// `--payload TEXT` or `--payload @FILE`, at most `max` bytes. A file is read no further than
/// that, into memory reserved as it goes (a huge or endless file is an error, not an abort).
/// A text message is sent without the file's final line ending, as `-x @FILE` is; a binary
/// one is the file's bytes exactly.
fn payload(given: &str, max: usize, binary: bool) -> Result<Vec<u8>> {
    let Some(path) = given.strip_prefix('@') else {
        if given.len() > max {
            return Err(too_large("--payload", given.len(), max).into());
        }
        return Ok(given.as_bytes().to_vec());
    };
    let cannot = |e: std::io::Error| -> anyhow::Error {
        Failure::usage(format!("cannot read --payload file '{path}': {e}"))
            .hint("give @PATH to a readable file, or the message's text itself")
            .into()
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    let mut reader = std::io::Read::take(file, max as u64 + 1);
    loop {
        let n = match std::io::Read::read(&mut reader, &mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cannot(e)),
        };
        if bytes.len() + n > max {
            return Err(Failure::usage(format!(
                "--payload file '{path}' is larger than --max-message-size {}: the echo of such a message would be refused",
                render::size(max)
            ))
            .hint("send a smaller file, or raise --max-message-size (as far as the server accepts)")
            .into());
        }
        if bytes.try_reserve(n).is_err() {
            let what = format!("--payload file '{path}'");
            return Err(cannot_hold(bytes.len() + n, &what).into());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    if !binary && bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::error::ExitCode;
    use proptest::prelude::*;

    /// Parses and resolves `wsprobe bench ws://127.0.0.1:9/ ARGS`: the plan, or the exit
    /// status of the error (clap's usage errors are 2 as well).
    fn resolve(args: &[String]) -> Result<BenchPlan, ExitCode> {
        let mut argv: Vec<std::ffi::OsString> =
            vec!["wsprobe".into(), "bench".into(), "ws://127.0.0.1:9/".into()];
        argv.extend(args.iter().map(Into::into));
        let cli = crate::cli::parse(argv).map_err(|_| ExitCode::Usage)?;
        let out = OutputConfig::resolve(&cli.output);
        let Command::Bench(b) = cli.command else {
            panic!("not bench: {args:?}")
        };
        assert!(b.merge.is_none(), "{args:?}");
        plan(b.run, out, String::new()).map_err(|e| match e.downcast_ref::<Failure>() {
            Some(f) => {
                assert!(!f.message.is_empty() && !f.message.contains('\n'), "{f:?}");
                f.status
            }
            None => panic!("{args:?}: an error that is no Failure: {e:#}"),
        })
    }

    const FLAGS: &[&str] = &[
        "-c",
        "-d",
        "--messages",
        "--in-flight",
        "--rate",
        "--ramp",
        "--size",
        "--payload",
        "--match",
        "--fragment",
        "--max-message-size",
        "--reply-timeout",
        "--close-timeout",
        "--threads",
        "--max-p99",
        "--min-rate",
        "--max-lag",
    ];
    const SWITCHES: &[&str] = &[
        "--binary",
        "--no-echo",
        "--no-compress",
        "--json",
        "-v",
        "-q",
    ];
    const VALUES: &[&str] = &[
        "0",
        "1",
        "15",
        "16",
        "2.5",
        "-1",
        "1e9",
        "1e10",
        "nan",
        "inf",
        "abc",
        "",
        "1ms",
        "0s",
        "1h",
        "64KiB",
        "64MiB",
        "100GiB",
        "1000TiB",
        "2000TiB",
        "18446744073709551615",
        "hi",
        "@/dev/null",
        "@/nonexistent",
        "\u{0}\u{202e}",
        "json:id",
        "json:a.0.b",
        "json:",
        "{seq}",
        "{\"id\":{seq}}",
    ];

    fn arg() -> impl Strategy<Value = Vec<String>> {
        let value = prop_oneof![
            4 => proptest::sample::select(VALUES).prop_map(str::to_owned),
            1 => any::<String>(),
        ];
        prop_oneof![
            (proptest::sample::select(FLAGS), value).prop_map(|(f, v)| vec![f.to_owned(), v]),
            proptest::sample::select(SWITCHES).prop_map(|s| vec![s.to_owned()]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bench_arguments_give_a_plan_or_a_clean_usage_error(
            args in proptest::collection::vec(arg(), 0..6)
        ) {
            let args: Vec<String> = args.into_iter().flatten().collect();
            match resolve(&args) {
                Ok(plan) => {
                    // What the plan holds is what it can send.
                    if let Body::Generated { size } = plan.message.body {
                        prop_assert!(size <= plan.drive.max_message_size);
                    }
                    if let Pace::Open { rate } = plan.pace {
                        prop_assert!(rate.is_finite() && rate > 0.0);
                    }
                }
                Err(code) => prop_assert_eq!(code, ExitCode::Usage, "{:?}", args),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_payload_with_or_without_seq_builds_or_is_a_clean_error(
            before in ".*",
            after in ".*",
            seq in any::<bool>(),
            matched in any::<bool>(),
            binary in any::<bool>(),
        ) {
            let payload = if seq { format!("{before}{SEQ}{after}") } else { format!("{before}{after}") };
            let mut args = vec!["--payload".to_owned(), payload.clone()];
            if matched {
                args.extend(["--match".to_owned(), "json:id".to_owned()]);
            }
            if binary {
                args.push("--binary".to_owned());
            }
            match resolve(&args) {
                Ok(plan) => {
                    let Body::Fixed(t) = &plan.message.body else { panic!("no payload: {args:?}") };
                    prop_assert_eq!(t.numbered(), payload.contains(SEQ));
                    prop_assert_eq!(matches!(plan.message.matching, Matching::Json(_)), matched);
                    // The numbered message is the payload with the number in place of {seq}.
                    if !payload.starts_with('@') {
                        prop_assert_eq!(t.render(7), payload.replace(SEQ, "7").into_bytes());
                    }
                }
                Err(code) => {
                    prop_assert_eq!(code, ExitCode::Usage);
                    // Refused only for --match without {seq}, or a @FILE that cannot be read.
                    prop_assert!((matched && !payload.contains(SEQ)) || payload.starts_with('@'), "{:?}", args);
                }
            }
        }
    }

    #[test]
    fn messages_held_at_once_must_fit_in_memory() {
        let gib = 1 << 30;
        let closed = Pace::Closed { in_flight: 8 };
        assert!(held_in_memory(10, 1024, closed, Some(gib)).is_ok());
        assert!(held_in_memory(1000, 1 << 20, closed, Some(gib)).is_err());
        assert!(held_in_memory(1000, 1 << 20, closed, None).is_ok());
        // Open loop: three batches of 16 KiB (or of one message, when larger).
        let open = Pace::Open { rate: 1e9 };
        assert!(held_in_memory(10_000, 64, open, Some(gib)).is_ok());
        assert!(held_in_memory(100, 64 << 20, open, Some(gib)).is_err());
        let e = held_in_memory(u32::MAX, usize::MAX, closed, Some(gib)).unwrap_err();
        assert!(e.to_string().contains("(-c 4294967295 × 8 × "), "{e}");
    }

    #[test]
    fn a_text_payload_file_loses_its_final_line_ending_a_binary_one_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("request.json");
        std::fs::write(&file, "{\"op\":1}\r\n").unwrap();
        let at = format!("@{}", file.display());
        assert_eq!(payload(&at, 1024, false).unwrap(), b"{\"op\":1}");
        assert_eq!(payload(&at, 1024, true).unwrap(), b"{\"op\":1}\r\n");
        std::fs::write(&file, "two\n\n").unwrap();
        assert_eq!(payload(&at, 1024, false).unwrap(), b"two\n");
        assert_eq!(payload("literal\n", 1024, false).unwrap(), b"literal\n");
    }

    #[test]
    fn what_a_plan_refuses() {
        let refuse = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(resolve(&args).err(), Some(ExitCode::Usage), "{args:?}");
        };
        refuse(&["--size", "100GiB"]);
        refuse(&["--size", "1000TiB", "--max-message-size", "2000TiB"]);
        refuse(&["--payload", "@/dev/zero"]);
        refuse(&["--no-echo", "--payload", "x"]);
        refuse(&["--max-lag", "1s"]);
        refuse(&["--match", "json:id"]);
        refuse(&["--match", "json:id", "--payload", "{\"id\":1}"]);
        refuse(&["--match", "id", "--payload", "{seq}"]);
        refuse(&["--match", "json:", "--payload", "{seq}"]);
        refuse(&["--match", "json:id", "--payload", "{seq}", "--no-echo"]);
        // 5 bytes as written, up to 20 once numbered.
        refuse(&["--payload", "{seq}", "--max-message-size", "19"]);
        assert!(resolve(&[
            "--payload".into(),
            "{seq}".into(),
            "--max-message-size".into(),
            "20".into()
        ])
        .is_ok());
        let numbered = resolve(&[
            "--match".into(),
            "json:a.0.id".into(),
            "--payload".into(),
            "[{seq}]".into(),
        ])
        .unwrap();
        assert_eq!(
            numbered.message.matching,
            Matching::Json(JsonPath::parse("a.0.id").unwrap())
        );
        let ok = resolve(&[
            "--no-echo".into(),
            "--payload".into(),
            "x".into(),
            "--rate".into(),
            "5".into(),
        ]);
        assert!(ok.is_ok());
    }
}
