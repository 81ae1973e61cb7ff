//! `wsprobe check`'s arguments (clap types only).

use std::time::Duration;

use clap::Args;

use super::HandshakeArgs;
use crate::value::{parse_positive_duration, WsUrl};

const CHECK_AFTER_HELP: &str = "\
Runs the cases of the Autobahn|Testsuite fuzzingclient (RFC 6455: 1.x framing, 2.x pings, 3.x
reserved bits, 4.x opcodes, 5.x fragmentation, 6.x UTF-8, 7.x closing, 9.x limits, 10.x
auto-fragmentation; RFC 7692: 12.x and 13.x permessage-deflate; 517 cases, Autobahn's ids,
offers, payloads and waits) against the server at URL, which should echo every message with
its type, and gives each case Autobahn's verdicts: behavior (OK, NON-STRICT, INFORMATIONAL,
UNIMPLEMENTED, FAILED) and behaviorClose (OK, WRONG CODE, UNCLEAN, FAILED BY CLIENT, FAILED).
check makes its own permessage-deflate offers (Autobahn's, per case in 12.x and 13.x; a server
that accepts none is UNIMPLEMENTED there), so --deflate is refused. The payloads of 12.x and
13.x are generated with the size and kind of Autobahn's data files; a verdict depends only on
every message coming back as sent.

Each case is its own connection, judged only on what happens on it. Cases run --parallel at
a time, except the 9.x cases (large messages and round trips, the load), which run one at a
time, and the 12.x/13.x cases (1000 compressed round trips each), which run three at a time
(fewer if --parallel is less), each kind beside the others; --parallel 1 runs every case in
order, as Autobahn does. The prober compresses messages up to 4 KiB at zlib's default level,
as Autobahn does, longer ones at the fastest level (the server inflates either alike).

Exit status: 0 no case FAILED; 5 some case FAILED (with --strict: or was NON-STRICT or
UNIMPLEMENTED); 3 the server could not be reached; 2 usage error.";

/// `check URL …`.
#[derive(Debug, Args)]
#[command(after_long_help = CHECK_AFTER_HELP)]
pub struct CheckArgs {
    /// The server's URL: ws://HOST[:PORT][/PATH], wss:// (TLS), or
    /// ws+unix:///path/to.sock[:/request/path]
    #[arg(value_name = "URL", value_parser = WsUrl::parse_arg)]
    pub url: WsUrl,

    #[command(flatten)]
    pub handshake: HandshakeArgs,

    /// Cases to run: ids or patterns, comma-separated (Autobahn's: 1.*,6.4.*,7.1.1)
    #[arg(
        long,
        value_name = "PATTERNS",
        value_delimiter = ',',
        default_value = "*",
        help_heading = "Cases"
    )]
    pub cases: Vec<String>,

    /// Cases to leave out: ids or patterns, comma-separated (9.*)
    #[arg(
        long,
        value_name = "PATTERNS",
        value_delimiter = ',',
        help_heading = "Cases"
    )]
    pub exclude: Vec<String>,

    /// Fail (exit 5) on NON-STRICT and UNIMPLEMENTED cases too
    #[arg(long, help_heading = "Cases")]
    pub strict: bool,

    /// Cases run at a time (the 9.x cases one at a time, the 12.x/13.x at most three); 1: all in order
    #[arg(short = 'j', long, value_name = "N", default_value = "8", value_parser = clap::value_parser!(u16).range(1..=256), help_heading = "Cases")]
    pub parallel: u16,

    /// Also write an HTML page with every case's verdicts, details and wire log
    #[arg(long, value_name = "FILE.html", help_heading = "Output")]
    pub report: Option<std::path::PathBuf>,

    /// A case still running after this long is cut off and FAILED (never before the case's
    /// own wait: up to 480 s in 12.x/13.x)
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_positive_duration, help_heading = "Cases")]
    pub case_timeout: Duration,
}
