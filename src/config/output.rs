//! How events and messages are shown: decided once, from the flags and the terminal, and for
//! the modes that show more or elsewhere (the interactive session, `ping`) by the constructors
//! here, so that nothing later changes them.

use std::io::IsTerminal;

use crate::cli::{ColorChoice, OutputArgs};

/// Output decisions, made once from the flags and the environment.
#[derive(Debug, Clone, Copy)]
pub struct OutputConfig {
    pub json: bool,
    pub verbose: bool,
    /// `-vv`: with a protocol (`--socketio`), its raw WebSocket messages are shown too.
    pub raw_frames: bool,
    pub quiet: bool,
    /// Colour the human event lines on stderr.
    pub color: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Prefix event lines with the wall-clock time.
    pub timestamps: bool,
    /// Where human lines go.
    pub target: OutputTarget,
    /// Received messages get a `<` event line with `-v`. Off where the payloads themselves are
    /// shown among the event lines (a session), so that each message appears once.
    pub received_lines: bool,
    /// Ping and pong frames are printed without `-v` (`-P` in a session; `ping` unless `-q`).
    pub show_ping_pong: bool,
    /// A pong answering one of our pings is printed even without `-v`: its round-trip time is
    /// the answer to the session's `/ping`.
    pub show_rtt: bool,
}

/// Where the human lines of events and notes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputTarget {
    /// A stream on stderr (JSON records on stdout): lines of the hot path (messages, pings,
    /// pongs) are buffered until an idle point unless the stream is a terminal.
    Stream,
    /// A screen shared with a prompt (the printer's line sink, stderr until one is set): every
    /// line, notes included, goes there at once and with the time prefix of `-t`, and the
    /// screen is told before a CLOSING or CLOSED line.
    Session,
}

impl OutputConfig {
    /// The decisions every subcommand starts from: a stream of lines.
    pub fn resolve(args: &OutputArgs) -> OutputConfig {
        let stderr_tty = std::io::stderr().is_terminal();
        let stdout_tty = std::io::stdout().is_terminal();
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stderr_tty
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        };
        OutputConfig {
            json: args.json,
            verbose: args.verbose > 0,
            raw_frames: args.verbose > 1,
            quiet: args.quiet,
            color,
            stdout_tty,
            stderr_tty,
            timestamps: args.timestamps,
            target: OutputTarget::Stream,
            received_lines: true,
            show_ping_pong: false,
            show_rtt: false,
        }
    }

    /// The interactive session (`connect` at a terminal): lines go to its screen, which shows
    /// received messages itself; the pongs that answer `/ping` are always shown, and ping and
    /// pong frames with `-P` (`show_ping_pong`).
    pub fn for_session(self, show_ping_pong: bool) -> OutputConfig {
        OutputConfig {
            target: OutputTarget::Session,
            received_lines: false,
            show_ping_pong,
            show_rtt: true,
            ..self
        }
    }

    /// `wsprobe ping`: the pong lines are the point of the command, shown unless `-q`.
    pub fn for_ping(self) -> OutputConfig {
        OutputConfig {
            show_ping_pong: !self.quiet,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(verbose: bool, quiet: bool) -> OutputConfig {
        OutputConfig::resolve(&OutputArgs {
            color: ColorChoice::Never,
            json: false,
            verbose: u8::from(verbose),
            quiet,
            timestamps: false,
        })
    }

    #[test]
    fn every_subcommand_starts_as_a_stream() {
        let out = stream(true, false);
        assert_eq!(out.target, OutputTarget::Stream);
        assert!(out.received_lines && !out.show_ping_pong && !out.show_rtt && !out.color);
    }

    #[test]
    fn session_shows_received_messages_itself_and_always_the_rtt() {
        let out = stream(true, false).for_session(false);
        assert_eq!(out.target, OutputTarget::Session);
        assert!(!out.received_lines && out.show_rtt && !out.show_ping_pong && out.verbose);
        assert!(stream(false, false).for_session(true).show_ping_pong);
    }

    #[test]
    fn ping_shows_pongs_unless_quiet() {
        assert!(stream(false, false).for_ping().show_ping_pong);
        assert!(!stream(false, true).for_ping().show_ping_pong);
        assert_eq!(stream(false, false).for_ping().target, OutputTarget::Stream);
    }
}
