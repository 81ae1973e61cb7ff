//! The command line, as clap types only: no logic beyond parsing single values, and `parse`,
//! which reads `wsprobe URL …` as `wsprobe connect URL …`.
//!
//! Conventions: explicit `short`, implicit `long`, UPPERCASE `value_name`; the first doc line is
//! the short help, later paragraphs the long help. Values are checked by the parsers in
//! `config` so that a bad URL or close code is a usage error (exit 2) before anything runs.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::value::{
    parse_close_code, parse_close_reason, parse_command, parse_duration, parse_header,
    parse_interval, parse_listen_addr, parse_positive_duration, parse_size, Header, WsUrl,
};

mod bench;
mod check;
mod proto;
mod script;
mod utf8;
mod wt_client;
pub use bench::{BenchArgs, BenchCmd, BenchSub, MergeArgs, ThresholdArgs};
pub use check::CheckArgs;
pub use proto::{BenchProtoArgs, ProtoArgs, StompArgs};
pub use script::{ScriptArgs, ScriptOrder};
pub use wt_client::WtClientArgs;

/// A WebSocket client and server for testing, from the terminal and from scripts.
///
/// `wsprobe URL` is short for `wsprobe connect URL`.
#[derive(Debug, Parser)]
#[command(
    name = "wsprobe",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = crate::error::ExitCode::summary())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The id of the hidden argument that takes `wsprobe URL …`.
const SHORTHAND: &str = "shorthand";

/// The command line as parsed: `Cli`'s, plus a hidden last argument that takes everything from
/// the first word that is neither a subcommand nor a top-level flag (a known flag is still
/// parsed as one, an unknown one such as `-H` starts the shorthand). The help, man page and
/// completions are `Cli`'s alone.
fn with_shorthand(cmd: clap::Command) -> clap::Command {
    cmd.subcommand_required(false)
        .arg_required_else_help(true)
        // The subcommand is optional only for the shorthand, which `--help` explains.
        .override_usage("wsprobe [OPTIONS] <COMMAND>")
        .arg(
            clap::Arg::new(SHORTHAND)
                .value_parser(clap::value_parser!(OsString))
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .hide(true),
        )
}

/// Parses the command line, `wsprobe URL …` as `wsprobe connect URL …`. clap itself decides
/// where the shorthand begins, so global flags work before any subcommand and a new
/// subcommand needs no list kept by hand; the shorthand is then parsed again after the same
/// top-level flags and the word `connect`, so its errors are connect's.
pub fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    parse_args(&args).map_err(|e| match e.kind() {
        clap::error::ErrorKind::InvalidUtf8 => utf8::invalid_utf8(&args).unwrap_or(e),
        _ => e,
    })
}

fn parse_args(args: &[OsString]) -> Result<Cli, clap::Error> {
    let mut matches = with_shorthand(Cli::command()).try_get_matches_from(args)?;
    let shorthand: Vec<OsString> = matches
        .remove_many(SHORTHAND)
        .map(Iterator::collect)
        .unwrap_or_default();
    if shorthand.is_empty() {
        return from_matches(matches);
    }
    if let Some(word) = shorthand.first().and_then(|w| w.to_str()) {
        if is_bare_word(word) {
            return Err(not_a_subcommand(word, shorthand.len() == 1));
        }
    }
    from_matches(Cli::command().try_get_matches_from(with_connect(args, shorthand.len()))?)
}

/// The arguments with `connect` put in where the shorthand (its last `len` arguments) begins.
fn with_connect(args: &[OsString], len: usize) -> Vec<OsString> {
    // The shorthand is the tail of the arguments, as clap took it; `connect` goes before a
    // `--` that came just before it (`wsprobe -- URL`), so that it is still a subcommand.
    let mut start = args.len() - len;
    if start > 1 && args[start - 1] == "--" {
        start -= 1;
    }
    let mut again = args[..start].to_vec();
    again.push("connect".into());
    again.extend(args[start..].iter().cloned());
    again
}

/// The typed arguments, with what derive cannot give: where each scripted step stood on the
/// command line, so `-x` and `-e` run in the order they were written.
fn from_matches(mut matches: clap::ArgMatches) -> Result<Cli, clap::Error> {
    // Read before the typed arguments take their values out of the matches.
    let order = match matches.subcommand() {
        Some(("connect", sub)) => {
            let at = |id: &str| -> Vec<usize> {
                sub.indices_of(id)
                    .map(Iterator::collect)
                    .unwrap_or_default()
            };
            Some(ScriptOrder {
                execute: at("execute"),
                execute_binary: at("execute_binary"),
                expect: at("expect"),
            })
        }
        _ => None,
    };
    let mut cli = Cli::from_arg_matches_mut(&mut matches)?;
    if let (Command::Connect(args), Some(order)) = (&mut cli.command, order) {
        args.script.order = order;
    }
    Ok(cli)
}

/// A word that looks like a subcommand someone meant (`wsprobe bench URL`), not like a URL or
/// a `host:port` missing its scheme.
fn is_bare_word(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn not_a_subcommand(word: &str, alone: bool) -> clap::Error {
    let cmd = Cli::command();
    let names: Vec<&str> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name())
        .collect();
    with_shorthand(cmd.clone()).error(
        clap::error::ErrorKind::InvalidSubcommand,
        format!(
            "'{word}' is not a subcommand, nor a URL: it has no scheme{}\n\n\
             tip: the subcommands are {}; `wsprobe URL` is short for `wsprobe connect URL`",
            if alone {
                format!(" (try ws://{word})")
            } else {
                String::new()
            },
            names.join(", ")
        ),
    )
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect to a WebSocket server; stdin lines become messages, messages go to stdout
    #[command(visible_alias = "c")]
    Connect(Box<ConnectArgs>),
    /// Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)
    #[command(visible_alias = "l")]
    Listen(ListenArgs),
    /// Send pings and show the pong round-trip times, like ping(8)
    Ping(PingArgs),
    /// Load-test a server: many connections, messages at a set pace, latency percentiles
    Bench(Box<BenchCmd>),
    /// Check a server's RFC 6455 conformance: the Autobahn|Testsuite cases, its verdicts
    Check(Box<CheckArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell to complete for
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
}

/// How events and diagnostics are shown; valid with every subcommand.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// When to colour the event lines on stderr
    #[arg(long, value_name = "WHEN", default_value = "auto", global = true)]
    pub color: ColorChoice,

    /// Print events as JSON lines on stdout (one object per line; bench prints one, its
    /// summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and
    /// in GUIDE.md)
    #[arg(long, global = true)]
    pub json: bool,

    /// Also show every message, ping and pong as an event (bench: a line for each interval
    /// of the run); with --socketio the protocol's events stand for its messages, and -vv
    /// shows the raw WebSocket messages as well
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print no events, only errors
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)
    #[arg(long, global = true)]
    pub timestamps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

/// How received binary messages are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BinaryOutput {
    /// Raw bytes (the default when stdout is not a terminal)
    Raw,
    /// A hex dump with offsets (the default when stdout is a terminal)
    Hex,
    /// One base64 line per message
    Base64,
}

/// What the client sends and how; shared by every subcommand that connects.
#[derive(Debug, Args)]
pub struct HandshakeArgs {
    /// Add a request header to the handshake (repeatable)
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'", value_parser = parse_header, help_heading = "Handshake")]
    pub headers: Vec<Header>,

    /// Set the Origin header
    #[arg(short = 'o', long, value_name = "ORIGIN", help_heading = "Handshake")]
    pub origin: Option<String>,

    /// Offer a subprotocol (repeatable; the server picks one)
    #[arg(
        short = 's',
        long = "protocol",
        value_name = "NAME",
        help_heading = "Handshake"
    )]
    pub protocols: Vec<String>,

    /// Give up if the TCP connection and handshake take longer than this
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_positive_duration, help_heading = "Handshake")]
    pub connect_timeout: Duration,

    /// Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)
    #[arg(long, value_name = "USER:PASS", help_heading = "Handshake")]
    pub auth: Option<String>,

    /// Follow redirects (301, 302, 303, 307, 308) of the upgrade request
    #[arg(short = 'L', long, help_heading = "Handshake")]
    pub location: bool,

    /// With -L: how many redirects to follow at most
    #[arg(
        long,
        value_name = "N",
        default_value = "10",
        requires = "location",
        help_heading = "Handshake"
    )]
    pub max_redirs: u32,

    /// Do not offer permessage-deflate (browsers offer it; the server may then compress)
    #[arg(long, help_heading = "Handshake")]
    pub no_deflate: bool,

    /// The permessage-deflate parameters to offer, as in the header: e.g.
    /// 'server_no_context_takeover; client_max_window_bits=10' (client_max_window_bits is
    /// always offered, without a value unless given one) [default: client_max_window_bits]
    #[arg(long, value_name = "PARAMS", value_parser = crate::value::deflate::DeflateParams::parse_user,
          conflicts_with = "no_deflate", help_heading = "Handshake")]
    pub deflate: Option<crate::value::deflate::DeflateParams>,

    /// Open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT), as browsers do when the
    /// server allows it: wss:// asks for h2 in TLS (ALPN), ws:// speaks cleartext HTTP/2
    /// (h2c) from the first byte
    #[arg(long, help_heading = "Handshake")]
    pub http2: bool,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names
    /// resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy,
    /// all_proxy, minus no_proxy]
    #[arg(long, value_name = "URL", value_parser = crate::value::parse_proxy,
          help_heading = "Proxy")]
    pub proxy: Option<url::Url>,

    /// Ignore the proxy environment variables
    #[arg(long, conflicts_with = "proxy", help_heading = "Proxy")]
    pub noproxy: bool,
}

/// Client TLS options.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Trust the CAs in this PEM file instead of the system's (like curl --cacert)
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub ca: Option<std::path::PathBuf>,

    /// Accept any server certificate (testing only; handshake signatures are still checked)
    #[arg(short = 'k', long, help_heading = "TLS")]
    pub insecure: bool,

    /// Present this client certificate (PEM; with --key) to servers that ask for one
    #[arg(long, value_name = "FILE", requires = "key", help_heading = "TLS")]
    pub cert: Option<std::path::PathBuf>,

    /// The private key of --cert (PEM)
    #[arg(long, value_name = "FILE", requires = "cert", help_heading = "TLS")]
    pub key: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The server's URL: ws://HOST[:PORT][/PATH], wss:// (TLS), http:// and https:// (aliases
    /// of ws:// and wss://), or ws+unix:///path/to.sock[:/request/path]
    #[arg(value_name = "URL", value_parser = WsUrl::parse_arg)]
    pub url: WsUrl,

    #[command(flatten)]
    pub handshake: HandshakeArgs,

    /// Read stdin as raw chunks and send each as a binary message
    #[arg(short = 'b', long, help_heading = "Messages")]
    pub binary: bool,

    /// Split stdin on NUL bytes instead of newlines (and end received messages with NUL)
    #[arg(short = '0', long, help_heading = "Messages")]
    pub null: bool,

    /// Largest chunk read from stdin with --binary
    #[arg(long, value_name = "SIZE", default_value = "64KiB", value_parser = parse_size,
          hide_short_help = true, help_heading = "Messages")]
    pub chunk_size: usize,

    /// Send each message in frames of at most SIZE payload bytes (continuation frames), to
    /// test how a server reassembles them (/fragment in the interactive session)
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Messages")]
    pub fragment: Option<usize>,

    /// Send messages uncompressed even when permessage-deflate was negotiated (RSV1 clear), to
    /// test that a server takes both (/compress off in the interactive session)
    #[arg(long, help_heading = "Messages")]
    pub no_compress: bool,

    /// How to write received binary messages [default: raw to a pipe, hex to a terminal]
    #[arg(long, value_name = "FORMAT", help_heading = "Messages")]
    pub binary_output: Option<BinaryOutput>,

    /// Reflect every received message back to the server (same type); stdin is not read
    #[arg(long, conflicts_with_all = ["binary", "null"], help_heading = "Messages")]
    pub echo: bool,

    /// The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)
    #[arg(long, value_name = "CODE", default_value = "1000", value_parser = parse_close_code, help_heading = "Closing")]
    pub close_code: u16,

    /// The close reason sent at end of input (UTF-8, at most 123 bytes)
    #[arg(long, value_name = "TEXT", default_value = "", value_parser = parse_close_reason, help_heading = "Closing")]
    pub close_reason: String,

    /// How long to wait for the server's close frame after sending ours
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration, help_heading = "Closing")]
    pub close_timeout: Duration,

    /// At end of input (and after -x), wait up to this long for the server's replies before
    /// closing: the close goes out as soon as as many messages were received as were sent, or
    /// when no message has arrived for DURATION (0: close at once)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, help_heading = "Closing")]
    pub reply_timeout: Duration,

    /// Stay connected when stdin ends (or after -x): keep printing what the server sends until
    /// it closes, Ctrl-C, or -t (to watch a feed from a script: wsprobe URL --no-close > feed.log)
    #[arg(long, help_heading = "Closing")]
    pub no_close: bool,

    /// Largest message accepted; a larger one closes the connection with 1009
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size, help_heading = "Messages")]
    pub max_message_size: usize,

    #[command(flatten)]
    pub heartbeat: HeartbeatArgs,

    #[command(flatten)]
    pub reconnect: ReconnectArgs,

    #[command(flatten)]
    pub interactive: InteractiveArgs,

    #[command(flatten)]
    pub script: ScriptArgs,

    #[command(flatten)]
    pub proto: ProtoArgs,

    #[command(flatten)]
    pub webtransport: WtClientArgs,

    #[command(flatten)]
    pub stomp: StompArgs,
}

/// The interactive session (REPL), used when stdin and stderr are terminals.
#[derive(Debug, Args)]
#[command(next_help_heading = "Interactive")]
pub struct InteractiveArgs {
    /// Use the interactive session even without a terminal (piped lines are read as typed)
    ///
    /// Without a terminal on stdin, each line of stdin is taken as typed at the prompt: a text
    /// message, or a command such as /ping, /state or /close. The end of input (closing with
    /// --close-code), /close or /quit closes the connection once everything before it was
    /// sent; nothing after /close or /quit is read. The session's lines go to stderr, without
    /// terminal escapes when it is not a terminal.
    #[arg(short = 'i', long)]
    pub interactive: bool,

    /// Pretty-print received JSON text (toggle with /pretty)
    #[arg(long)]
    pub pretty_json: bool,

    /// Show ping and pong frames from the peer (pongs are sent either way)
    #[arg(short = 'P', long)]
    pub show_ping_pong: bool,

    /// Do not read or write the history file
    #[arg(long)]
    pub no_history: bool,
}

/// Reconnecting after a drop or a failed handshake.
#[derive(Debug, Args)]
#[command(next_help_heading = "Reconnecting")]
pub struct ReconnectArgs {
    /// Reconnect when the connection drops, the server closes it, or the handshake fails,
    /// with exponential backoff and jitter; stdin keeps being read, and what could not be
    /// sent is sent on the next connection
    #[arg(long)]
    pub reconnect: bool,

    /// The first delay before reconnecting (doubled after each failed attempt)
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_positive_duration,
          requires = "reconnect")]
    pub reconnect_delay: Duration,

    /// The longest delay between attempts
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_positive_duration,
          requires = "reconnect")]
    pub reconnect_max_delay: Duration,

    /// Give up after N failed attempts in a row (exit 3) [default: never]
    #[arg(long, value_name = "N", requires = "reconnect",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_retries: Option<u32>,
}

/// Heartbeats; shared by `connect` and `listen`.
#[derive(Debug, Args)]
pub struct HeartbeatArgs {
    /// Send a ping this often (pong round-trip times show with -v and in --json)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, help_heading = "Heartbeat")]
    pub ping_interval: Option<Duration>,

    /// With --ping-interval: a peer that answers no ping within this is dead (the client exits
    /// 4, the server drops it)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_positive_duration,
          requires = "ping_interval", help_heading = "Heartbeat")]
    pub ping_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct PingArgs {
    /// The server's URL: ws://HOST[:PORT][/PATH], wss:// (TLS), http:// and https:// (aliases
    /// of ws:// and wss://), or ws+unix:///path/to.sock[:/request/path]
    #[arg(value_name = "URL", value_parser = WsUrl::parse_arg)]
    pub url: WsUrl,

    #[command(flatten)]
    pub handshake: HandshakeArgs,

    /// How many pings to send (0: until Ctrl-C)
    #[arg(
        short = 'c',
        long,
        value_name = "COUNT",
        default_value = "5",
        help_heading = "Pings"
    )]
    pub count: u64,

    /// Time between pings
    #[arg(short = 'i', long, value_name = "DURATION", default_value = "1s", value_parser = parse_interval, help_heading = "Pings")]
    pub interval: Duration,

    /// A ping whose pong takes longer than this is counted as lost
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration, help_heading = "Pings")]
    pub ping_timeout: Duration,

    /// How long to wait for the server's close frame at the end
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration, help_heading = "Pings")]
    pub close_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Where to listen: PORT (on 127.0.0.1), ADDR:PORT or [IPV6]:PORT; port 0 picks a free one
    #[arg(value_name = "[ADDR:]PORT", value_parser = parse_listen_addr)]
    pub addr: SocketAddr,

    /// Largest message accepted; a larger one closes that connection with 1009
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_message_size: usize,

    /// Decline permessage-deflate offers (accepted by default, as Python websockets does)
    #[arg(long)]
    pub no_deflate: bool,

    /// permessage-deflate parameters the server asks for itself, as in the header: e.g.
    /// 'server_no_context_takeover; server_max_window_bits=10' (what each client offers is
    /// honoured as well)
    #[arg(long, value_name = "PARAMS", value_parser = crate::value::deflate::DeflateParams::parse_user,
          conflicts_with = "no_deflate")]
    pub deflate: Option<crate::value::deflate::DeflateParams>,

    /// Send each message in frames of at most SIZE payload bytes (continuation frames), to
    /// test how a client reassembles them
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub fragment: Option<usize>,

    /// Send messages uncompressed even when permessage-deflate was negotiated (RSV1 clear), to
    /// test that a client takes both
    #[arg(long)]
    pub no_compress: bool,

    /// Echo every message back to its sender (the default mode)
    #[arg(long, group = "mode", help_heading = "Modes")]
    pub echo: bool,

    /// Send every message to all other connected clients
    #[arg(long, group = "mode", help_heading = "Modes")]
    pub broadcast: bool,

    /// Bridge one client at a time to this terminal: stdin lines become messages to it, its
    /// messages go to stdout (what `wscat -l` does); end of stdin closes it and exits
    #[arg(
        long,
        group = "mode",
        conflicts_with = "send_interval",
        help_heading = "Modes"
    )]
    pub stdio: bool,

    /// Run CMD (with `sh -c`) for each connection: each message becomes a line on its stdin,
    /// each line it prints becomes a message; its exit closes the connection (1000, or 1011
    /// when it fails). The request reaches it as CGI-style environment variables.
    #[arg(long, value_name = "CMD", group = "mode", value_parser = parse_command,
          help_heading = "Modes")]
    pub exec: Option<String>,

    /// With --exec: pass raw bytes both ways instead of lines (its output is sent as binary
    /// messages of whatever size it writes)
    #[arg(long, requires = "exec", help_heading = "Modes")]
    pub binary: bool,

    /// Answer plain HTTP GET requests on the same port with a built-in browser test page
    #[arg(long, help_heading = "HTTP")]
    pub page: bool,

    /// Answer plain HTTP GET requests with the files under DIR (index.html for directories)
    #[arg(
        long = "static",
        value_name = "DIR",
        conflicts_with = "page",
        help_heading = "HTTP"
    )]
    pub static_dir: Option<std::path::PathBuf>,

    /// Speak HTTP/1.1 only: offer no h2 in TLS (ALPN) and treat no cleartext connection as
    /// HTTP/2 (by default WebSockets over HTTP/2, RFC 8441, are accepted as well)
    #[arg(long, help_heading = "HTTP")]
    pub no_http2: bool,

    /// Serve WebTransport sessions too: HTTP/3 over QUIC on UDP, on the same port number as
    /// the TCP listener
    ///
    /// Bidirectional streams are echoed on themselves, unidirectional streams answered on a
    /// new one, datagrams echoed (--broadcast: fanned out, --exec: a program per
    /// bidirectional stream). Without --tls-cert a certificate is generated (ECDSA P-256,
    /// valid 13 days, as serverCertificateHashes requires) and its SHA-256 printed at start.
    #[arg(long, conflicts_with = "stdio", help_heading = "HTTP")]
    pub webtransport: bool,

    /// With --broadcast: the sender receives its own messages too
    #[arg(long, requires = "broadcast", help_heading = "Modes")]
    pub all: bool,

    /// Push --send TEXT to every client this often
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, requires = "send",
          help_heading = "Modes")]
    pub send_interval: Option<Duration>,

    /// The text pushed every --send-interval
    #[arg(
        long,
        value_name = "TEXT",
        requires = "send_interval",
        help_heading = "Modes"
    )]
    pub send: Option<String>,

    /// Close each connection after it has sent N messages (0: right after OPEN)
    #[arg(long, value_name = "N", help_heading = "Modes")]
    pub close_after: Option<u64>,

    /// The close code used by --close-after
    #[arg(long, value_name = "CODE", default_value = "1000", value_parser = parse_close_code,
          requires = "close_after", help_heading = "Modes")]
    pub close_code: u16,

    /// The close reason used by --close-after
    #[arg(long, value_name = "TEXT", default_value = "", value_parser = parse_close_reason,
          requires = "close_after", help_heading = "Modes")]
    pub close_reason: String,

    #[command(flatten)]
    pub heartbeat: HeartbeatArgs,

    /// Serve wss:// with this certificate chain (PEM; with --tls-key)
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        help_heading = "Access"
    )]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The private key of --tls-cert (PEM)
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_cert",
        help_heading = "Access"
    )]
    pub tls_key: Option<std::path::PathBuf>,

    /// Demand a client certificate signed by a CA in FILE (PEM) during the TLS handshake;
    /// clients without one, or with one signed by another CA, are refused (mutual TLS)
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_cert",
        help_heading = "Access"
    )]
    pub tls_client_ca: Option<std::path::PathBuf>,

    /// Accept upgrades only from this Origin (repeatable); others get 403. Requests without an
    /// Origin header (non-browser clients) are accepted
    #[arg(long, value_name = "ORIGIN", help_heading = "Access")]
    pub origin_allow: Vec<String>,

    /// Accept upgrades only on this path (repeatable); others get 404
    #[arg(long = "path", value_name = "PATH", help_heading = "Access")]
    pub paths: Vec<String>,

    /// Support this subprotocol (repeatable): the first the client offers that is listed is
    /// selected; a client offering none of them is refused with 400. Without --protocol, the
    /// client's first offer is selected (as Node's ws does)
    #[arg(
        short = 's',
        long = "protocol",
        value_name = "NAME",
        help_heading = "Access"
    )]
    pub protocols: Vec<String>,

    /// With --protocol: accept a client that offers none of them, without a subprotocol
    #[arg(long, requires = "protocols", help_heading = "Access")]
    pub protocol_optional: bool,

    /// At most N connections at once; further upgrades get 503
    #[arg(long, value_name = "N", help_heading = "Access")]
    pub max_connections: Option<usize>,

    /// How long to wait for a client to answer a close (Ctrl-C's 1001, --close-after, 1013),
    /// and how long an --exec program may go on printing after the client's close
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_positive_duration)]
    pub close_timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
        with_shorthand(Cli::command()).debug_assert();
    }

    fn parsed(args: &[&str]) -> Result<Cli, clap::Error> {
        parse(
            std::iter::once("wsprobe")
                .chain(args.iter().copied())
                .map(OsString::from)
                .collect(),
        )
    }

    fn subcommand(args: &[&str]) -> &'static str {
        match parsed(args)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
        {
            Command::Connect(_) => "connect",
            Command::Listen(_) => "listen",
            Command::Ping(_) => "ping",
            Command::Bench(_) => "bench",
            Command::Check(_) => "check",
            Command::Completions { .. } => "completions",
            Command::Man => "man",
        }
    }

    #[test]
    fn url_first_means_connect() {
        assert_eq!(subcommand(&["ws://h/"]), "connect");
        assert_eq!(subcommand(&["-v", "ws://h/"]), "connect");
        assert_eq!(
            subcommand(&["-H", "A: b", "ws://h/", "-x", "hi"]),
            "connect"
        );
        assert_eq!(subcommand(&["-v", "listen", "0"]), "listen");
        assert_eq!(
            subcommand(&["--color", "never", "connect", "ws://h"]),
            "connect"
        );
        assert_eq!(subcommand(&["--timestamps", "listen", "0"]), "listen");
        assert_eq!(
            subcommand(&["--color=never", "-q", "ping", "ws://h"]),
            "ping"
        );
        let quiet = parsed(&["ws://h/", "-q", "--timestamps"]).unwrap();
        assert!(quiet.output.quiet && quiet.output.timestamps);
        let json = parsed(&["--json", "ws://h/"]).unwrap();
        assert!(json.output.json);
    }

    #[test]
    fn a_word_that_is_no_subcommand_is_not_taken_for_a_url() {
        let err = parsed(&["bemch", "ws://h/"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidSubcommand);
        assert!(
            err.to_string().contains("'bemch' is not a subcommand"),
            "{err}"
        );
        assert!(parsed(&["ws://h/", "listen"]).is_err());
        assert_eq!(subcommand(&["-q", "--", "ws://h/"]), "connect");
    }
}
