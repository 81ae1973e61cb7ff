//! The interactive session's input language: a line is a text message, unless it starts with
//! `/` (a command) — `//` sends a line that starts with `/`.

use std::path::PathBuf;

use crate::config::{parse_close_code, parse_close_reason, parse_hex};

/// One line typed by the user, understood.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Text(String),
    Binary(Vec<u8>),
    BinaryFile(PathBuf),
    TextFile(PathBuf),
    Ping(String),
    Pong(String),
    Close(u16, String),
    State,
    Headers,
    Pretty,
    Help,
    Quit,
}

/// The commands with their one-line help, in the order `/help` lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "/ping",
        "[TEXT]        send a ping; its pong shows the round-trip time",
    ),
    ("/pong", "[TEXT]        send an unsolicited pong"),
    (
        "/close",
        "[CODE [REASON]] close (default 1000); CLOSING and CLOSED follow",
    ),
    (
        "/binary",
        "HEX… | @FILE   send a binary message (hex bytes, or a file's bytes)",
    ),
    ("/text", "@FILE         send a file as one text message"),
    (
        "/state",
        "              readyState, url, protocol, extensions, bufferedAmount, counters",
    ),
    (
        "/headers",
        "            the handshake's request and response headers",
    ),
    (
        "/pretty",
        "             toggle pretty-printing of received JSON",
    ),
    ("/help", "               this list"),
    (
        "/quit",
        "               close with 1000 and exit (Ctrl-D does the same)",
    ),
];

/// The largest control frame payload (RFC 6455 §5.5).
const MAX_CONTROL: usize = 125;

/// Parses a line; `Ok(None)` for an empty line (nothing to do).
pub fn parse(line: &str) -> Result<Option<Command>, String> {
    if line.is_empty() {
        return Ok(None);
    }
    if let Some(literal) = line.strip_prefix("//") {
        return Ok(Some(Command::Text(format!("/{literal}"))));
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Ok(Some(Command::Text(line.to_owned())));
    };
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (rest, ""),
    };
    let no_args = |cmd: Command| {
        if args.is_empty() {
            Ok(Some(cmd))
        } else {
            Err(format!("/{name} takes no arguments"))
        }
    };
    match name {
        "ping" | "pong" => {
            if args.len() > MAX_CONTROL {
                return Err(format!(
                    "a {name} payload is at most {MAX_CONTROL} bytes; this one is {}",
                    args.len()
                ));
            }
            Ok(Some(if name == "ping" {
                Command::Ping(args.to_owned())
            } else {
                Command::Pong(args.to_owned())
            }))
        }
        "close" => {
            let (code, reason) = match args.split_once(char::is_whitespace) {
                Some((c, r)) => (c, r.trim()),
                None => (args, ""),
            };
            let code = if code.is_empty() {
                1000
            } else {
                parse_close_code(code)?
            };
            Ok(Some(Command::Close(code, parse_close_reason(reason)?)))
        }
        "binary" => match args.strip_prefix('@') {
            Some(path) if !path.is_empty() => Ok(Some(Command::BinaryFile(path.into()))),
            _ if args.is_empty() => Err("/binary needs hex bytes (00 ff 10) or @FILE".into()),
            _ => Ok(Some(Command::Binary(parse_hex(args)?))),
        },
        "text" => match args.strip_prefix('@') {
            Some(path) if !path.is_empty() => Ok(Some(Command::TextFile(path.into()))),
            _ => Err("/text needs @FILE (type the text itself as a plain line)".into()),
        },
        "state" => no_args(Command::State),
        "headers" => no_args(Command::Headers),
        "pretty" => no_args(Command::Pretty),
        "help" | "?" => no_args(Command::Help),
        "quit" | "exit" | "q" => no_args(Command::Quit),
        other => Err(format!(
            "unknown command /{other}; /help lists the commands (// sends a line starting with /)"
        )),
    }
}

/// `/help`'s text.
pub fn help() -> String {
    let mut out =
        String::from("Type a line to send it as a text message. Commands (Tab completes them):");
    for (name, text) in COMMANDS {
        out.push_str(&format!("\n  {name:<8} {text}"));
    }
    out.push_str("\n  //TEXT   send a text message that starts with /");
    out.push_str("\nCtrl-C clears the line; Ctrl-C twice closes and exits (130).");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_commands() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("hi"), Ok(Some(Command::Text("hi".into()))));
        assert_eq!(parse("//x y"), Ok(Some(Command::Text("/x y".into()))));
        assert_eq!(parse("/ping"), Ok(Some(Command::Ping(String::new()))));
        assert_eq!(parse("/ping abc"), Ok(Some(Command::Ping("abc".into()))));
        assert_eq!(
            parse("/close"),
            Ok(Some(Command::Close(1000, String::new())))
        );
        assert_eq!(
            parse("/close 4000 all done"),
            Ok(Some(Command::Close(4000, "all done".into())))
        );
        assert!(parse("/close 1005").unwrap_err().contains("1005"));
        assert!(parse("/close abc").is_err());
        assert_eq!(
            parse("/binary 00 ff"),
            Ok(Some(Command::Binary(vec![0, 0xff])))
        );
        assert_eq!(
            parse("/binary @f.bin"),
            Ok(Some(Command::BinaryFile("f.bin".into())))
        );
        assert!(parse("/binary zz").is_err());
        assert!(parse("/text hello").is_err());
        assert!(parse("/state now").is_err());
        assert!(parse("/nope")
            .unwrap_err()
            .contains("unknown command /nope"));
        assert!(parse(&format!("/ping {}", "x".repeat(126))).is_err());
        assert_eq!(parse("/quit"), Ok(Some(Command::Quit)));
    }
}
