//! `connect` resolved: which mode (pipe, echo, scripted, interactive), what is sent, how the
//! connection is driven and closed, what is checked, and whether to reconnect.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Result;
use tokio_tungstenite::tungstenite::Message;

use super::{client, OutputConfig};
use crate::cli::{BinaryOutput, ConnectArgs, ScriptArgs};
use crate::dial::handshake::ClientSettings;
use crate::error::{ExitCode, Failure};
use crate::pipe::{BinaryFormat, StdinMode};
use crate::session::driver::DriveOpts;
use crate::value::{Close, Pattern};

/// Everything `connect` runs with.
#[derive(Debug)]
pub struct ConnectPlan {
    pub client: ClientSettings,
    pub out: OutputConfig,
    /// `--close-code` / `--close-reason`: the close at end of input, Ctrl-C and -t.
    pub close: Close,
    pub drive: DriveOpts,
    pub input: Input,
    /// Received binary messages on stdout [default: raw to a pipe, hex to a terminal].
    pub binary_output: Option<BinaryFormat>,
    /// What ends a received message on stdout (a newline, or NUL with `-0`).
    pub delim: u8,
    pub checks: Checks,
    pub reconnect: Option<Reconnect>,
    /// The interactive session, when it is the mode.
    pub session: Option<SessionPlan>,
    /// The application protocol spoken on the WebSocket (`--socketio`), if any.
    pub proto: Option<crate::proto::Protocol>,
    /// `--webtransport`: a WebTransport session instead of a WebSocket.
    pub webtransport: Option<super::wt_client::WtPlan>,
}

/// What the client sends.
#[derive(Debug)]
pub enum Input {
    /// stdin, cut into messages this way.
    Stdin(StdinMode),
    /// The -x and --execute-binary messages in stages, then nothing (`-w` says how long to
    /// stay after the last one).
    Execute {
        stages: Vec<Stage>,
        wait: Option<Duration>,
    },
    /// `--echo`: nothing of its own; every received message goes back.
    Echo,
}

/// Messages that go out together: the first stage at OPEN, a later one once `after`
/// expectations (`-e`, in order) are met — every -e written before its messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub after: usize,
    pub messages: Vec<Message>,
}

/// Whether a script ends with -x written after its last -e: such a run ends as a -x run
/// without checks does, once those are sent and every check is met (the replies awaited,
/// then the close).
pub fn ends_with_sends(stages: &[Stage], expected: usize) -> bool {
    stages
        .last()
        .is_some_and(|s| s.after > 0 && s.after == expected)
}

/// The scripted checks (`-e`, `-n`, `--expect-close`) and the run's time limit (`-t`).
#[derive(Debug, Default)]
pub struct Checks {
    pub expect: Vec<Pattern>,
    pub count: Option<u64>,
    pub expect_close: Option<u16>,
    pub timeout: Option<Duration>,
}

impl Checks {
    /// Whether anything is checked (then the answers, not the end of input, end the run).
    pub fn any(&self) -> bool {
        !self.expect.is_empty() || self.count.is_some() || self.expect_close.is_some()
    }
}

/// `--reconnect` and its delays.
#[derive(Debug, Clone, Copy)]
pub struct Reconnect {
    pub delay: Duration,
    pub max_delay: Duration,
    /// Give up after this many failed attempts in a row.
    pub max_retries: Option<u32>,
}

/// The interactive session's settings.
#[derive(Debug, Clone, Copy)]
pub struct SessionPlan {
    pub pretty_json: bool,
    pub no_history: bool,
    /// stdin is not a terminal: its lines are taken as typed.
    pub piped: bool,
}

/// Resolves `connect`'s arguments.
pub fn plan(args: ConnectArgs, mut out: OutputConfig) -> Result<ConnectPlan> {
    let script = &args.script;
    let scripted_sends = !script.execute.is_empty() || !script.execute_binary.is_empty();
    if script.wait.is_some() && !scripted_sends {
        return Err(Failure::usage(
            "-w/--wait keeps the connection open after the -x messages, and none are given",
        )
        .hint("add -x MSG; to stay connected after stdin ends, use --no-close or --reply-timeout")
        .into());
    }
    let session = session(&args, &out);
    if session.is_some() {
        out = out.for_session(args.interactive.show_ping_pong);
    }
    let checks = Checks {
        expect: script.expect.clone(),
        count: script.count,
        expect_close: script.expect_close,
        timeout: script.timeout,
    };
    let close = Close::new(args.close_code, args.close_reason.clone());
    let delim = if args.null { 0 } else { b'\n' };
    let input = if scripted_sends {
        Input::Execute {
            stages: stages(script)?,
            wait: script.wait,
        }
    } else if args.echo {
        Input::Echo
    } else if args.binary && !args.null {
        Input::Stdin(StdinMode::Chunks {
            chunk: args.chunk_size,
        })
    } else {
        Input::Stdin(StdinMode::Records {
            delim,
            binary: args.binary,
        })
    };
    let reconnect = args.reconnect.reconnect.then_some(Reconnect {
        delay: args.reconnect.reconnect_delay,
        max_delay: args.reconnect.reconnect_max_delay,
        max_retries: args.reconnect.max_retries,
    });
    let drive = DriveOpts {
        close_on_eof: match session {
            // A session closes at the end of piped input only.
            Some(s) => s.piped.then(|| close.clone()),
            // With checks, the end of input does not end the run: the answers do (unless the
            // script ends with -x, whose input ends once the checks are met); with
            // --no-close, the server (or Ctrl-C, or -t) does.
            None => {
                let trailing = matches!(&input, Input::Execute { stages, .. }
                    if ends_with_sends(stages, checks.expect.len()));
                ((!checks.any() || trailing) && !args.no_close).then(|| close.clone())
            }
        },
        // After -w's fixed wait the close goes out at once.
        reply_wait: if script.wait.is_some() && session.is_none() {
            Duration::ZERO
        } else {
            args.reply_timeout
        },
        close_timeout: args.close_timeout,
        max_message_size: args.max_message_size,
        heartbeat: client::heartbeat(&args.heartbeat),
        keep_unsent: reconnect.is_some(),
        // A protocol's handshake comes first on each connection, reconnects included.
        hold_data: args.proto.socketio,
    };
    let webtransport = super::wt_client::plan(&args)?;
    let mut proto = super::proto::protocol(&args)?;
    if let Some((p, _)) = &mut proto {
        super::proto::close_at_end(p, drive.close_on_eof.as_ref());
    }
    let url = proto.as_ref().map_or(&args.url, |(_, url)| url);
    let mut client = client::settings(url, &args.handshake, args.max_message_size)?;
    super::proto::offer(proto.as_ref().map(|(p, _)| p), &mut client.protocols);
    client.sending.fragment = args.fragment;
    client.sending.compress = !args.no_compress;
    // The REPL's /fragment and /compress change them while connected.
    client.sending_may_change = session.is_some();
    Ok(ConnectPlan {
        client,
        out,
        close,
        drive,
        input,
        binary_output: args.binary_output.map(binary_format),
        delim,
        checks,
        reconnect,
        session,
        proto: proto.map(|(p, _)| p),
        webtransport,
    })
}

/// The interactive session is the mode when asked for with `-i`, or when stdin and stderr
/// are terminals and nothing asks for a pipe or a script.
fn session(args: &ConnectArgs, out: &OutputConfig) -> Option<SessionPlan> {
    let s = &args.script;
    let scripted = !s.execute.is_empty()
        || !s.execute_binary.is_empty()
        || !s.expect.is_empty()
        || s.count.is_some()
        || s.expect_close.is_some();
    if scripted || args.echo || args.binary || args.null || out.json || args.reconnect.reconnect {
        return None;
    }
    let stdin_tty = std::io::stdin().is_terminal();
    let wanted = args.interactive.interactive || (stdin_tty && std::io::stderr().is_terminal());
    wanted.then_some(SessionPlan {
        pretty_json: args.interactive.pretty_json,
        no_history: args.interactive.no_history,
        piped: !stdin_tty,
    })
}

fn binary_format(b: BinaryOutput) -> BinaryFormat {
    match b {
        BinaryOutput::Raw => BinaryFormat::Raw,
        BinaryOutput::Hex => BinaryFormat::Hex,
        BinaryOutput::Base64 => BinaryFormat::Base64,
    }
}

/// The -x and --execute-binary messages in the order they were written, cut into stages by
/// the -e written between them; `@FILE` reads a file.
fn stages(script: &ScriptArgs) -> Result<Vec<Stage>> {
    let mut sends: Vec<(usize, Message)> = Vec::new();
    for (i, x) in script.execute.iter().enumerate() {
        let text = if let Some(literal) = x.strip_prefix("@@") {
            // `-x @@text` sends "@text".
            format!("@{literal}")
        } else if let Some(path) = x.strip_prefix('@') {
            crate::value::read_text_message(path).map_err(|e| {
                Failure::new(ExitCode::Runtime, format!("cannot read -x @{path}: {e}"))
                    .hint("@FILE sends a UTF-8 file as one text message; use @@ for a literal @")
            })?
        } else {
            x.clone()
        };
        sends.push((position(&script.order.execute, i, i), Message::text(text)));
    }
    for (i, b) in script.execute_binary.iter().enumerate() {
        let at = position(&script.order.execute_binary, i, script.execute.len() + i);
        sends.push((at, Message::Binary(b.clone().into())));
    }
    sends.sort_by_key(|(at, _)| *at);
    let mut stages: Vec<Stage> = Vec::new();
    for (at, msg) in sends {
        // How many -e stand before this message on the command line.
        let after = script.order.expect.iter().filter(|&&e| e < at).count();
        match stages.last_mut() {
            Some(stage) if stage.after == after => stage.messages.push(msg),
            _ => stages.push(Stage {
                after,
                messages: vec![msg],
            }),
        }
    }
    if stages.first().is_some_and(|s| s.after > 0) {
        // Nothing goes out at OPEN: the first stage is an empty one.
        stages.insert(
            0,
            Stage {
                after: 0,
                messages: Vec::new(),
            },
        );
    }
    Ok(stages)
}

/// Where the `i`th value of a flag stood. Without positions (arguments parsed by clap alone,
/// not by `cli::parse`) the -x come first, then the --execute-binary, before any -e.
fn position(positions: &[usize], i: usize, fallback: usize) -> usize {
    positions.get(i).copied().unwrap_or(fallback)
}
