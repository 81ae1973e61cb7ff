//! How events and messages are shown: decided once, from the flags and the terminal.

use std::io::IsTerminal;

use crate::cli::{ColorChoice, OutputArgs};

/// Output decisions, made once from the flags and the environment.
#[derive(Debug, Clone, Copy)]
pub struct OutputConfig {
    pub json: bool,
    pub verbose: bool,
    pub quiet: bool,
    /// Colour the human event lines on stderr.
    pub color: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Prefix event lines with the wall-clock time.
    pub timestamps: bool,
    /// Interactive session: received messages are shown by the REPL itself, pongs that
    /// answer our pings are always shown, and ping/pong frames with `-P`.
    pub repl: bool,
    pub show_ping_pong: bool,
}

impl OutputConfig {
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
            verbose: args.verbose,
            quiet: args.quiet,
            color,
            stdout_tty,
            stderr_tty,
            timestamps: args.timestamps,
            repl: false,
            show_ping_pong: false,
        }
    }
}
