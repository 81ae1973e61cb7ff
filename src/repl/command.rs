//! The interactive session's input language: a line is a text message, unless it starts with
//! `/` (a command) — `//` sends a line that starts with `/`.

use std::path::PathBuf;

use crate::proto::stomp::command as stomp;
use crate::value::{parse_close_code, parse_close_reason, parse_hex, parse_size, Close};

/// One line typed by the user, understood.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Text(String),
    Binary(Vec<u8>),
    BinaryFile(PathBuf),
    TextFile(PathBuf),
    Ping(String),
    Pong(String),
    Close(Close),
    /// `/compress on|off`; `None`: show the setting.
    Compress(Option<bool>),
    /// `/fragment SIZE|off`; `None`: show the setting.
    Fragment(Option<Option<usize>>),
    /// `/emit EVENT [ARGS…]` (`--socketio`): the event as a JSON array.
    Emit(String),
    /// `/query DOC` (`--graphql`): an operation.
    Query(String),
    /// `/subscribe DEST` (`--stomp`) or `/subscribe DOC` (`--graphql`: an operation; a bare
    /// selection set `{ … }` is a subscription): the protocol spoken reads it.
    Subscribe(String),
    /// `/complete ID` (`--graphql`): stop an active operation.
    Complete(String),
    /// `/subscribe`, `/unsubscribe`, `/send` (`--stomp`).
    Stomp(crate::proto::stomp::Request),
    State,
    Headers,
    Pretty,
    Help,
    Quit,
}

/// One command as `/help` lists it.
pub struct Spec {
    pub name: &'static str,
    pub args: &'static str,
    pub about: &'static str,
}

const fn spec(name: &'static str, args: &'static str, about: &'static str) -> Spec {
    Spec { name, args, about }
}

/// The commands with their one-line help, in the order `/help` lists them.
pub const COMMANDS: &[Spec] = &[
    spec(
        "/ping",
        "[TEXT]",
        "send a ping; its pong shows the round-trip time",
    ),
    spec("/pong", "[TEXT]", "send an unsolicited pong"),
    spec(
        "/close",
        "[CODE [REASON]]",
        "close (default 1000); CLOSING and CLOSED follow",
    ),
    spec(
        "/binary",
        "HEX… | @FILE",
        "send a binary message (hex bytes, or a file's bytes)",
    ),
    spec("/text", "@FILE", "send a file as one text message"),
    spec(
        "/compress",
        "[on|off]",
        "compress the next messages (with permessage-deflate) or not",
    ),
    spec(
        "/fragment",
        "[SIZE|off]",
        "send the next messages in frames of at most SIZE bytes",
    ),
    spec(
        "/emit",
        "EVENT [ARGS…]",
        "--socketio: emit an event (each ARG JSON, or else a string)",
    ),
    spec(
        "/query",
        "DOCUMENT",
        "--graphql: send a query or mutation ({ hello })",
    ),
    spec(
        "/subscribe",
        "DEST|DOCUMENT",
        "--stomp: subscribe to a destination; --graphql: subscribe ({ greetings } is subscription { greetings })",
    ),
    spec(
        "/complete",
        "ID",
        "--graphql: stop an active operation (/state lists them)",
    ),
    spec(
        "/unsubscribe",
        "DEST|ID",
        "--stomp: end a subscription (/state lists them)",
    ),
    spec(
        "/send",
        "DEST [-H K:V]… BODY",
        "--stomp: SEND a body to a destination, with headers",
    ),
    spec(
        "/state",
        "",
        "readyState, url, protocol, extensions, bufferedAmount, counters",
    ),
    spec(
        "/headers",
        "",
        "the handshake's request and response headers",
    ),
    spec("/pretty", "", "toggle pretty-printing of received JSON"),
    spec("/help", "", "this list"),
    spec(
        "/quit",
        "",
        "close with 1000 and exit (Ctrl-D does the same)",
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
            Ok(Some(Command::Close(Close::new(
                code,
                parse_close_reason(reason)?,
            ))))
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
        "compress" => match args {
            "" => Ok(Some(Command::Compress(None))),
            "on" => Ok(Some(Command::Compress(Some(true)))),
            "off" => Ok(Some(Command::Compress(Some(false)))),
            _ => Err(format!("/compress takes on or off, not '{args}'")),
        },
        "fragment" => match args {
            "" => Ok(Some(Command::Fragment(None))),
            "off" => Ok(Some(Command::Fragment(Some(None)))),
            size => parse_size(size)
                .map(|n| Some(Command::Fragment(Some(Some(n)))))
                .map_err(|e| format!("/fragment: {e} (or off)")),
        },
        "emit" => emit(args).map(Some),
        "query" if args.is_empty() => {
            Err("/query needs a GraphQL document: /query { hello }".into())
        }
        "subscribe" if args.is_empty() => Err(
            "/subscribe needs a destination (--stomp: /subscribe /topic/greetings) or a GraphQL document (--graphql: /subscribe { greetings })".into(),
        ),
        "query" => Ok(Some(Command::Query(args.to_owned()))),
        // STOMP's destination or GraphQL's document: the protocol spoken decides.
        "subscribe" => Ok(Some(Command::Subscribe(args.to_owned()))),
        "complete" => match args {
            "" => Err("/complete needs an operation's id (/state lists them)".into()),
            id if id.contains(char::is_whitespace) => {
                Err(format!("/complete takes one id, not '{id}'"))
            }
            id => Ok(Some(Command::Complete(id.to_owned()))),
        },
        "unsubscribe" => stomp::unsubscribe(args).map(|r| Some(Command::Stomp(r))),
        "send" => stomp::send(args).map(|r| Some(Command::Stomp(r))),
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

/// `/subscribe`'s document: a bare selection set is a subscription here (in GraphQL it would
/// be a query), unless the line is a JSON request.
pub fn subscription(args: &str) -> String {
    let (open, _) = ('{', '}');
    match args.strip_prefix(open) {
        Some(rest) if !rest.trim_start().starts_with('"') => format!("subscription {args}"),
        _ => args.to_owned(),
    }
}

/// `/emit EVENT [ARGS…]`: the event name, then each argument as JSON when it is JSON (a
/// number, `true`, `{"n":1}`, `"a b"`), else as a string (a bare word).
fn emit(args: &str) -> Result<Command, String> {
    let mut words = args.splitn(2, char::is_whitespace);
    let name = words.next().unwrap_or_default();
    if name.is_empty() {
        return Err("/emit needs the event's name: /emit chat hi {\"n\":1}".into());
    }
    let mut event = vec![serde_json::Value::from(name)];
    let mut rest = words.next().unwrap_or_default().trim_start();
    while !rest.is_empty() {
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
        let (value, used) = match values.next() {
            Some(Ok(v))
                if rest[values.byte_offset()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace) =>
            {
                (v, values.byte_offset())
            }
            _ => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (serde_json::Value::from(&rest[..end]), end)
            }
        };
        event.push(value);
        rest = rest[used..].trim_start();
    }
    Ok(Command::Emit(serde_json::Value::Array(event).to_string()))
}

/// `/help`'s text: the commands and what they do, in two aligned columns.
pub fn help() -> String {
    let mut rows: Vec<(String, &str)> = COMMANDS
        .iter()
        .map(|c| {
            (
                format!("{} {}", c.name, c.args).trim_end().to_owned(),
                c.about,
            )
        })
        .collect();
    rows.push((
        "//TEXT".to_owned(),
        "send a text message that starts with /",
    ));
    let width = rows
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    let mut out =
        String::from("Type a line to send it as a text message. Commands (Tab completes them):");
    for (usage, about) in &rows {
        out.push_str(&format!("\n  {usage:<width$}  {about}"));
    }
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
        assert_eq!(parse("/close"), Ok(Some(Command::Close(Close::normal()))));
        assert_eq!(
            parse("/close 4000 all done"),
            Ok(Some(Command::Close(Close::new(4000, "all done"))))
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
        assert_eq!(
            parse(r#"/emit chat hi {"n": 1} "a b" 2 2x"#),
            Ok(Some(Command::Emit(
                r#"["chat","hi",{"n":1},"a b",2,"2x"]"#.into()
            )))
        );
        assert!(parse("/emit").is_err());
        assert_eq!(
            parse("/query { hello }"),
            Ok(Some(Command::Query("{ hello }".into())))
        );
        assert_eq!(
            parse("/subscribe { greetings }"),
            Ok(Some(Command::Subscribe("{ greetings }".into())))
        );
        assert_eq!(subscription("{ greetings }"), "subscription { greetings }");
        assert_eq!(
            subscription("subscription S { greetings }"),
            "subscription S { greetings }"
        );
        assert_eq!(subscription(r#"{"query":"{ a }"}"#), r#"{"query":"{ a }"}"#);
        assert!(parse("/subscribe").is_err());
        assert_eq!(
            parse("/complete 2"),
            Ok(Some(Command::Complete("2".into())))
        );
        assert!(parse("/complete").is_err());
        assert!(parse("/complete 1 2").is_err());
        assert!(parse("/query").is_err());
    }

    #[test]
    fn help_lists_every_command_with_its_description_in_one_column() {
        let help = help();
        let rows: Vec<&str> = help.lines().filter(|l| l.starts_with("  /")).collect();
        assert_eq!(rows.len(), COMMANDS.len() + 1, "{help}");
        let columns: Vec<usize> = COMMANDS
            .iter()
            .map(|c| {
                let row = rows
                    .iter()
                    .find(|r| r.trim_start().starts_with(&format!("{} ", c.name)))
                    .unwrap_or_else(|| panic!("{} is not listed:\n{help}", c.name));
                row.chars().count() - c.about.chars().count()
            })
            .collect();
        assert!(
            columns.iter().all(|&c| c == columns[0]),
            "descriptions start at columns {columns:?}:\n{help}"
        );
        // The usage column never runs into the description.
        for row in &rows {
            let (usage, _) = row.split_at(row.char_indices().nth(columns[0]).unwrap().0);
            assert!(usage.ends_with("  "), "{row:?}");
        }
    }

    proptest::proptest! {
        /// Whatever is typed, the parser answers with a command, nothing, or an error line.
        #[test]
        fn any_line_gives_a_command_or_a_clean_error(line in "\\PC*") {
            check_parse(&line);
        }

        #[test]
        fn any_command_line_gives_a_command_or_a_clean_error(
            name in "(ping|pong|close|binary|text|state|headers|pretty|help|quit|exit|q|\\?|x|query|subscribe|complete|emit|)",
            sep in "[ \t\u{a0}\u{3000}]{0,2}",
            args in "\\PC{0,200}",
        ) {
            check_parse(&format!("/{name}{sep}{args}"));
        }

        #[test]
        fn any_bytes_read_as_text_give_a_command_or_a_clean_error(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        ) {
            check_parse(&String::from_utf8_lossy(&bytes));
            let mut line = b"/".to_vec();
            line.extend_from_slice(&bytes);
            check_parse(&String::from_utf8_lossy(&line));
        }
    }

    /// A parse that returns (no panic) and, for an error, one line that says something.
    fn check_parse(line: &str) {
        match parse(line) {
            Ok(_) => {}
            Err(e) => {
                assert!(!e.trim().is_empty(), "empty error for {line:?}");
                assert!(!e.contains('\n'), "multi-line error for {line:?}: {e}");
            }
        }
    }
}
