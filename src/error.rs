//! The failures that choose an exit status, and the status table itself.
//!
//! Everything else is an `anyhow::Error` and exits 1. A `Failure` is found by downcasting at the
//! top of `main`, so a function deep down only has to return the right variant.

use crate::value::clip_words;

/// How a run ended, as the process's exit status (the discriminant). Each is described once,
/// in [`EXIT_STATUSES`], which `--help`, the man page and README's table are made from or
/// checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    Ok = 0,
    Runtime = 1,
    Usage = 2,
    Connect = 3,
    Abnormal = 4,
    Expectation = 5,
    Interrupted = 130,
    Terminated = 143,
}

/// One exit status as documented: its short name (the `--help` summary) and its description
/// (the man page's EXIT STATUS and README's table; Markdown `code` spans allowed).
pub struct ExitStatus {
    pub code: ExitCode,
    pub name: &'static str,
    pub description: &'static str,
}

/// Every exit status, in order.
pub const EXIT_STATUSES: &[ExitStatus] = &[
    ExitStatus {
        code: ExitCode::Ok,
        name: "clean close",
        description: "success: the connection closed cleanly (or `listen` was stopped with Ctrl-C)",
    },
    ExitStatus {
        code: ExitCode::Runtime,
        name: "runtime error",
        description: "runtime error: I/O or protocol error, a message over `--max-message-size`, \
            stdin that is not UTF-8 in text mode, queued messages that could not be sent, a \
            `--graphql` operation that failed or returned errors",
    },
    ExitStatus {
        code: ExitCode::Usage,
        name: "usage error",
        description: "usage error: unknown flag, malformed URL, invalid close code or reason, bad \
            size or duration",
    },
    ExitStatus {
        code: ExitCode::Connect,
        name: "could not connect",
        description: "could not connect: DNS, TCP, proxy, TLS (certificate not trusted, expired, \
            wrong name, client certificate required, not a TLS port, or TLS on a ws:// port), \
            timeout, a redirect without `-L` or too many, or the server refused the handshake \
            (its status line, headers and body are printed); for `bench`, no connection could \
            be opened",
    },
    ExitStatus {
        code: ExitCode::Abnormal,
        name: "abnormal close",
        description: "the connection ended abnormally (no close handshake: 1006) or the peer \
            closed with an error code (anything but 1000, 1001, 1005); for `bench`, a connection \
            failed or ended so, or errors occurred (messages without a reply, protocol errors)",
    },
    ExitStatus {
        code: ExitCode::Expectation,
        name: "expectation not met",
        description: "a scripted check (`-e`, `-n`, `--expect-close`) was not met before the \
            deadline (`-t`) or the close; for `ping`, some pings got no pong; for `bench`, a \
            threshold (`--max-p50`, `--max-p99`, `--max-p999`, `--min-rate`, `--max-lag`) was not met; for \
            `check`, a case FAILED (with `--strict`, also NON-STRICT or UNIMPLEMENTED)",
    },
    ExitStatus {
        code: ExitCode::Interrupted,
        name: "interrupted (Ctrl-C)",
        description:
            "interrupted by Ctrl-C (after closing politely; a second Ctrl-C exits at once)",
    },
    ExitStatus {
        code: ExitCode::Terminated,
        name: "terminated (SIGTERM)",
        description: "stopped by SIGTERM (`timeout(1)`, `docker stop`, a cancelled CI job), after \
            closing politely like Ctrl-C (`listen` closes its clients with 1001)",
    },
];

impl ExitCode {
    /// The process's exit status.
    pub fn status(self) -> i32 {
        self as i32
    }

    /// The exit code whose status this is.
    pub fn from_status(status: i32) -> Option<ExitCode> {
        EXIT_STATUSES
            .iter()
            .map(|s| s.code)
            .find(|c| c.status() == status)
    }

    /// The `--help` line: `Exit status: 0 clean close, 1 runtime error, …`.
    pub fn summary() -> String {
        let each: Vec<String> = EXIT_STATUSES
            .iter()
            .map(|s| format!("{} {}", s.code.status(), s.name))
            .collect();
        format!("Exit status: {}.", each.join(", "))
    }
}

/// What failed, as the `kind` of an `error` event (`--json`) and the word after `ERROR` on an
/// event line. The JSON values are the kebab-case names, as documented in the guide and the man
/// page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// A command-line error (exit 2).
    Usage,
    /// The connection could not be made (exit 3).
    Connect,
    /// Any other failure that ends the run (exit 1).
    Runtime,
    /// The peer broke the WebSocket protocol.
    Protocol,
    /// A message over --max-message-size.
    TooLarge,
    /// A text message that is not UTF-8.
    InvalidUtf8,
    /// Sending or receiving failed, or the connection was lost.
    Io,
    /// Queued messages that could not be sent before the close.
    Unsent,
    /// The peer did not answer our close in time.
    CloseTimeout,
    /// No pong within --ping-timeout.
    Dead,
    /// A client (listen) or an --exec program that does not keep up.
    Slow,
    /// A client's upgrade failed (listen).
    Handshake,
    /// Accepting a TCP connection failed (listen).
    Accept,
    /// A plain HTTP request that failed or was refused (listen --page/--static).
    Http,
    /// The --exec program could not be started or stopped reading.
    Exec,
    /// Reading stdin failed (listen --stdio).
    Stdin,
    /// A TLS handshake with a client failed (listen).
    Tls,
    /// An upgrade refused by the policy (listen: path, origin, protocol, limits).
    Refused,
}

impl ErrorKind {
    /// Every kind, in the order the guide lists them.
    #[cfg(test)]
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::Usage,
        ErrorKind::Connect,
        ErrorKind::Runtime,
        ErrorKind::Protocol,
        ErrorKind::TooLarge,
        ErrorKind::InvalidUtf8,
        ErrorKind::Io,
        ErrorKind::Unsent,
        ErrorKind::CloseTimeout,
        ErrorKind::Dead,
        ErrorKind::Slow,
        ErrorKind::Handshake,
        ErrorKind::Accept,
        ErrorKind::Http,
        ErrorKind::Exec,
        ErrorKind::Stdin,
        ErrorKind::Tls,
        ErrorKind::Refused,
    ];

    /// The kind of the final error of a run that exits with `code`.
    pub fn of_exit(code: ExitCode) -> ErrorKind {
        match code {
            ExitCode::Usage => ErrorKind::Usage,
            ExitCode::Connect => ErrorKind::Connect,
            _ => ErrorKind::Runtime,
        }
    }

    /// The name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Connect => "connect",
            ErrorKind::Runtime => "runtime",
            ErrorKind::Protocol => "protocol",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::InvalidUtf8 => "invalid-utf8",
            ErrorKind::Io => "io",
            ErrorKind::Unsent => "unsent",
            ErrorKind::CloseTimeout => "close-timeout",
            ErrorKind::Dead => "dead",
            ErrorKind::Slow => "slow",
            ErrorKind::Handshake => "handshake",
            ErrorKind::Accept => "accept",
            ErrorKind::Http => "http",
            ErrorKind::Exec => "exec",
            ErrorKind::Stdin => "stdin",
            ErrorKind::Tls => "tls",
            ErrorKind::Refused => "refused",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with its own exit status. The message is the text after `wsprobe: error: `;
/// hints are printed on their own `hint:` lines below it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub status: ExitCode,
    pub message: String,
    pub hints: Vec<String>,
}

impl Failure {
    pub fn new(status: ExitCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }

    pub fn connect(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Connect, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

/// Turns any error into its exit status and the lines to print (a 100 KB URL in them is
/// clipped to its start and its length).
pub fn report(err: &anyhow::Error) -> (ExitCode, String, Vec<String>) {
    if let Some(f) = err.downcast_ref::<Failure>() {
        return (
            f.status,
            clip_words(&f.message),
            f.hints.iter().map(|h| clip_words(h)).collect(),
        );
    }
    // `{:#}` joins the context chain with ": ", which is the one-line form we want.
    (
        ExitCode::Runtime,
        clip_words(&format!("{err:#}")),
        Vec::new(),
    )
}

/// The handler error that ends a connection because stdout's reader went away: the
/// connection closes normally and the run exits 0.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed by its reader")]
pub struct StdoutClosed;

/// The context of a handler error by which a protocol above the WebSocket ended its session
/// for the peer's reason (a STOMP ERROR frame): the connection closes normally (1000, not
/// 1011: nothing failed on our side), and the `Failure` inside decides the exit status.
#[derive(Debug, thiserror::Error)]
#[error("the peer ended the protocol's session")]
pub struct PeerEnded;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_is_documented_once_in_order() {
        let statuses: Vec<i32> = EXIT_STATUSES.iter().map(|s| s.code.status()).collect();
        assert_eq!(statuses, [0, 1, 2, 3, 4, 5, 130, 143]);
        for s in EXIT_STATUSES {
            assert_eq!(ExitCode::from_status(s.code.status()), Some(s.code));
        }
        assert_eq!(ExitCode::from_status(7), None);
    }

    /// README's exit-status table says what the table here says, row for row.
    #[test]
    fn readme_exit_status_table_matches() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("\n## Exit status\n")
            .nth(1)
            .expect("README has an Exit status section");
        let rows: Vec<(i32, &str)> = section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                (cells[0].parse().expect("a status"), cells[1])
            })
            .collect();
        let table: Vec<(i32, &str)> = EXIT_STATUSES
            .iter()
            .map(|s| (s.code.status(), s.description))
            .collect();
        assert_eq!(rows, table);
    }

    /// The names are serde's kebab-case ones, and the guide lists exactly these, in this order.
    #[test]
    fn error_kinds_are_named_as_documented() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
        }
        let readme = include_str!("../GUIDE.md");
        let row = readme
            .lines()
            .find(|l| l.starts_with("| `kind`, `message` | error |"))
            .expect("GUIDE's JSON table has the error row");
        let listed: Vec<&str> = row
            .split(" | ")
            .nth(2)
            .unwrap()
            .split(", ")
            .map(|w| w.trim_matches(|c| c == '`' || c == ' ' || c == '|'))
            .collect();
        let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, names);
    }

    #[test]
    fn the_help_summary_is_made_from_the_table() {
        assert_eq!(
            ExitCode::summary(),
            "Exit status: 0 clean close, 1 runtime error, 2 usage error, 3 could not connect, \
             4 abnormal close, 5 expectation not met, 130 interrupted (Ctrl-C), \
             143 terminated (SIGTERM)."
        );
    }
}
