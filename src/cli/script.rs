//! The scripted checks' flags (`-x`, `-e`, `-n`, `-w`, `-t`, `--expect-close`) and where each
//! step stood on the command line, which `cli::parse` fills in.

use std::time::Duration;

use clap::Args;

use crate::value::{parse_duration, parse_hex, parse_pattern, parse_positive_duration, Pattern};

/// Send/expect for smoke tests and CI.
#[derive(Debug, Args)]
#[command(next_help_heading = "Scripted checks")]
pub struct ScriptArgs {
    /// Send this text message after OPEN, or once every -e written before it is met
    /// (repeatable; @FILE sends a file's content without its final line ending); stdin is not
    /// read
    #[arg(short = 'x', long = "execute", value_name = "MSG")]
    pub execute: Vec<String>,

    /// Send a binary message given in hex, in command-line order with -x and -e (repeatable)
    #[arg(long = "execute-binary", value_name = "HEX", value_parser = parse_hex)]
    pub execute_binary: Vec<Vec<u8>>,

    /// Keep the connection open this long after the last -x send, then close
    /// [default: until the replies are in (--reply-timeout), the expectations are met or the
    /// peer closes; 0 closes at once]
    #[arg(short = 'w', long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,

    /// Expect a received text message matching PATTERN (repeatable, matched in order):
    /// a substring, re:REGEX, or json:PATH=VALUE
    #[arg(short = 'e', long = "expect", value_name = "PATTERN", value_parser = parse_pattern)]
    pub expect: Vec<Pattern>,

    /// Expect the peer to close the connection with this code
    #[arg(long, value_name = "CODE")]
    pub expect_close: Option<u16>,

    /// Bound the whole run: unmet expectations at the deadline exit 5, a handshake not done by
    /// then exits 3
    #[arg(short = 't', long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub timeout: Option<Duration>,

    /// Expect at least N received messages, then close (fewer by -t or the close: exit 5;
    /// 0 closes right after the -x sends)
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,

    /// Where each -x, --execute-binary and -e stood on the command line (`cli::parse` fills
    /// it in): a message is sent once every -e written before it has been met.
    #[arg(skip)]
    pub order: ScriptOrder,
}

/// The command-line positions of the scripted steps, one list per flag, in the flag's order.
#[derive(Debug, Default, Clone)]
pub struct ScriptOrder {
    pub execute: Vec<usize>,
    pub execute_binary: Vec<usize>,
    pub expect: Vec<usize>,
}
