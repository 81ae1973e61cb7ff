//! The interactive session of `connect`: a rustyline prompt on its own thread, the connection
//! driven on the runtime, and every event printed above the line being typed (rustyline's
//! external printer), so arriving messages never corrupt it.
//!
//! When the connection ends — the peer closed, or the user did — the session prints the close
//! and exits with the usual status, even though the prompt thread is still waiting for a
//! line: the terminal mode saved at the start is restored first.

mod command;
mod view;

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Behavior, Editor};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::cli::ConnectArgs;
use crate::config::OutputConfig;
use crate::error::exit;
use crate::output::Printer;
use crate::render;
use crate::session::client::{self, ClientSettings};
use crate::session::driver::{self, Batch, Control, ControlTx, DriveOpts};
use crate::session::{Conn, ReadyState};
use command::Command;

/// Whether `connect` should be interactive: asked for with `-i`, or both stdin and stderr
/// are terminals and nothing asks for a pipe or a script.
pub fn wanted(args: &ConnectArgs, out: &OutputConfig) -> bool {
    let s = &args.script;
    let scripted = !s.execute.is_empty()
        || !s.execute_binary.is_empty()
        || !s.expect.is_empty()
        || s.count.is_some()
        || s.expect_close.is_some();
    if scripted || args.echo || args.binary || args.null || out.json || args.reconnect.reconnect {
        return false;
    }
    args.interactive.interactive
        || (std::io::stdin().is_terminal() && std::io::stderr().is_terminal())
}

/// What the user typed, handed from the prompt thread to the session.
enum Input {
    Line(String),
    Interrupted,
    Eof,
}

/// What `/state` and `/headers` show, filled in at OPEN.
#[derive(Default)]
struct Handshake {
    protocol: Option<String>,
    extensions: Vec<String>,
    request: Vec<String>,
    response: Vec<String>,
}

/// The state shared by the input handler and the session.
struct Shared {
    printer: Arc<Printer>,
    conn: Arc<Conn>,
    url: String,
    pretty: Arc<AtomicBool>,
    /// Bytes of data messages handed to the connection; minus the bytes sent, this is the
    /// browser's bufferedAmount.
    queued: AtomicU64,
    handshake: Mutex<Option<Handshake>>,
    /// The user asked to close and leave (before OPEN this ends the session at once).
    quit: Notify,
    interrupted: AtomicBool,
    close_code: u16,
    close_reason: String,
}

pub async fn run(args: ConnectArgs, mut out: OutputConfig) -> Result<i32> {
    out.repl = true;
    out.show_ping_pong = args.interactive.show_ping_pong;
    let printer = Arc::new(Printer::new(out));
    let settings = ClientSettings::from_args(
        args.url.clone(),
        &args.handshake,
        args.handshake.connect_timeout,
        WebSocketConfig::default()
            .max_message_size(Some(args.max_message_size))
            .max_frame_size(Some(args.max_message_size)),
    )?;
    let terminal = TerminalMode::save();

    let config = rustyline::Config::builder()
        .behavior(Behavior::PreferTerm)
        .auto_add_history(false)
        .max_history_size(1000)?
        .build();
    let mut editor: Editor<Helper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(Helper));
    let history = (!args.interactive.no_history).then(history_path).flatten();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    if let Ok(p) = editor.create_external_printer() {
        printer.set_external(Some(Box::new(p)));
    }
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("prompt".into())
        .spawn(move || read_lines(editor, history, input_tx))?;

    let conn = Arc::new(Conn::new(None, printer.clone()));
    let shared = Arc::new(Shared {
        printer: printer.clone(),
        conn: conn.clone(),
        url: args.url.as_str().to_owned(),
        pretty: Arc::new(AtomicBool::new(args.interactive.pretty_json)),
        queued: AtomicU64::new(0),
        handshake: Mutex::new(None),
        quit: Notify::new(),
        interrupted: AtomicBool::new(false),
        close_code: args.close_code,
        close_reason: args.close_reason.clone(),
    });
    let (data_tx, mut data_rx) = mpsc::channel::<Batch>(256);
    let (control_tx, mut control_rx) = crate::session::driver::control();
    tokio::spawn(handle_input(
        input_rx,
        shared.clone(),
        data_tx,
        control_tx.clone(),
    ));
    // SIGINT arrives only while the prompt is not in raw mode; treat it as the second Ctrl-C.
    let on_signal = (shared.clone(), control_tx.clone());
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            request_quit(&on_signal.0, &on_signal.1, true);
        }
    });

    let connected = tokio::select! {
        c = client::connect(&settings, &conn) => c,
        () = shared.quit.notified() => {
            leave(&printer, terminal).await;
            return Ok(if shared.interrupted.load(Ordering::SeqCst) {
                exit::INTERRUPTED
            } else {
                exit::OK
            });
        }
    };
    let connected = match connected {
        Ok(c) => c,
        Err(e) => {
            leave(&printer, terminal).await;
            return Err(e);
        }
    };
    *shared.handshake.lock().unwrap_or_else(|e| e.into_inner()) = Some(Handshake {
        protocol: client::open_info(&connected.response).protocol,
        extensions: client::open_info(&connected.response).extensions,
        request: client::request_lines(&connected.request),
        response: client::response_lines(&connected.response),
    });
    printer.line("Type a message and press Enter; /help lists the commands.");

    let opts = DriveOpts {
        close_on_eof: None,
        reply_wait: std::time::Duration::ZERO,
        close_timeout: args.close_timeout,
        max_message_size: args.max_message_size,
        heartbeat: crate::config::heartbeat(&args.heartbeat),
        keep_unsent: false,
    };
    let mut view = view::View {
        printer: printer.clone(),
        pretty: shared.pretty.clone(),
    };
    let ending = driver::drive(
        connected.ws,
        &conn,
        VecDeque::new(),
        Some(&mut data_rx),
        &mut control_rx,
        &mut view,
        &opts,
    )
    .await;
    leave(&printer, terminal).await;

    if shared.interrupted.load(Ordering::SeqCst) {
        return Ok(exit::INTERRUPTED);
    }
    if let Some(e) = ending.error {
        return Err(e);
    }
    if ending.unsent > 0 {
        return Ok(exit::RUNTIME);
    }
    Ok(if ending.close.is_failure() {
        exit::ABNORMAL
    } else {
        exit::OK
    })
}

/// Ends the session's hold on the terminal: lets the prompt thread print what it was given,
/// takes the printing back, restores the terminal mode and clears the prompt line.
async fn leave(printer: &Printer, terminal: TerminalMode) {
    // The prompt thread prints asynchronously; give it a moment to catch up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    printer.set_external(None);
    terminal.restore();
    let mut err = std::io::stderr().lock();
    // Clear the prompt line, and end the bracketed-paste mode the prompt had switched on.
    let _ = write!(err, "\r\x1b[2K\x1b[?2004l");
    let _ = err.flush();
}

/// The history file: `$XDG_DATA_HOME/wsprobe/history`, else `~/.local/share/wsprobe/history`.
fn history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(base.join("wsprobe").join("history"))
}

/// The prompt thread: one line at a time, into the session; history saved as it grows.
fn read_lines(
    mut editor: Editor<Helper, DefaultHistory>,
    history: Option<PathBuf>,
    tx: mpsc::UnboundedSender<Input>,
) {
    loop {
        let input = match editor.readline("> ") {
            Ok(line) => {
                if !line.trim().is_empty() && editor.add_history_entry(line.as_str()).is_ok() {
                    if let Some(h) = &history {
                        if let Some(dir) = h.parent() {
                            let _ = std::fs::create_dir_all(dir);
                        }
                        let _ = editor.append_history(h);
                    }
                }
                Input::Line(line)
            }
            Err(ReadlineError::Interrupted) => Input::Interrupted,
            Err(_) => Input::Eof,
        };
        let last = matches!(input, Input::Eof);
        if tx.send(input).is_err() || last {
            return;
        }
    }
}

/// Closes with the session's close code (Ctrl-C) or 1000 (/quit, Ctrl-D) and ends it.
fn request_quit(shared: &Shared, control: &ControlTx, interrupt: bool) {
    let (code, reason) = if interrupt {
        shared.interrupted.store(true, Ordering::SeqCst);
        (shared.close_code, shared.close_reason.clone())
    } else {
        (1000, String::new())
    };
    control.send(Control::Close(code, reason));
    shared.quit.notify_one();
}

async fn handle_input(
    mut input: mpsc::UnboundedReceiver<Input>,
    shared: Arc<Shared>,
    data: mpsc::Sender<Batch>,
    control: ControlTx,
) {
    let mut interrupts = 0;
    while let Some(i) = input.recv().await {
        let line = match i {
            Input::Line(l) => l,
            Input::Interrupted => {
                interrupts += 1;
                if interrupts >= 2 {
                    request_quit(&shared, &control, true);
                } else {
                    shared
                        .printer
                        .line("(Ctrl-C again to close and exit, or /quit)");
                }
                continue;
            }
            Input::Eof => {
                request_quit(&shared, &control, false);
                return;
            }
        };
        interrupts = 0;
        match command::parse(&line) {
            Ok(None) => {}
            Ok(Some(cmd)) => execute(cmd, &shared, &data, &control).await,
            Err(e) => error(&shared.printer, &e),
        }
    }
}

fn error(printer: &Printer, message: &str) {
    let label = if printer.config().color {
        crossterm::style::Stylize::bold(crossterm::style::Stylize::red("error:")).to_string()
    } else {
        "error:".to_owned()
    };
    printer.line(&format!("{label} {message}"));
}

async fn execute(cmd: Command, shared: &Shared, data: &mpsc::Sender<Batch>, control: &ControlTx) {
    let printer = &shared.printer;
    let msg = match cmd {
        Command::Text(t) => Message::text(t),
        Command::Binary(b) => Message::binary(b),
        Command::BinaryFile(path) => match std::fs::read(&path) {
            Ok(b) => Message::binary(b),
            Err(e) => return error(printer, &format!("cannot read {}: {e}", path.display())),
        },
        Command::TextFile(path) => match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(t)) => Message::text(t),
            Ok(Err(_)) => {
                return error(
                    printer,
                    &format!(
                        "{} is not UTF-8 text; send it with /binary @{}",
                        path.display(),
                        path.display()
                    ),
                )
            }
            Err(e) => return error(printer, &format!("cannot read {}: {e}", path.display())),
        },
        Command::Ping(p) => {
            control.send(Control::Ping(Bytes::from(p)));
            return;
        }
        Command::Pong(p) => {
            control.send(Control::Pong(Bytes::from(p)));
            return;
        }
        Command::Close(code, reason) => {
            control.send(Control::Close(code, reason));
            return;
        }
        Command::State => return printer.line(&state(shared)),
        Command::Headers => return printer.line(&headers(shared)),
        Command::Pretty => {
            let on = !shared.pretty.fetch_xor(true, Ordering::Relaxed);
            return printer.line(&format!(
                "pretty-printing of JSON is {}",
                if on { "on" } else { "off" }
            ));
        }
        Command::Help => return printer.line(&command::help()),
        Command::Quit => return request_quit(shared, control, false),
    };
    if shared.conn.state().ready >= ReadyState::Closing {
        return error(
            printer,
            "the connection is closing; nothing more can be sent",
        );
    }
    let len = match &msg {
        Message::Text(t) => t.len(),
        Message::Binary(b) => b.len(),
        _ => 0,
    };
    shared.queued.fetch_add(len as u64, Ordering::Relaxed);
    if data.send(vec![msg]).await.is_err() {
        error(
            printer,
            "the connection is closed; nothing more can be sent",
        );
    }
}

fn state(shared: &Shared) -> String {
    let st = shared.conn.state();
    let hs = shared.handshake.lock().unwrap_or_else(|e| e.into_inner());
    let (protocol, extensions) = match &*hs {
        Some(h) => (
            h.protocol.clone().unwrap_or_else(|| "-".into()),
            if h.extensions.is_empty() {
                "-".to_owned()
            } else {
                h.extensions.join(", ")
            },
        ),
        None => ("-".into(), "-".into()),
    };
    let buffered = shared
        .queued
        .load(Ordering::Relaxed)
        .saturating_sub(st.bytes_out);
    let uptime = st
        .opened_at
        .map(|t| render::duration(t.elapsed()))
        .unwrap_or_else(|| "-".into());
    let ready = serde_json::to_value(st.ready)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "readyState      {ready}\nurl             {}\nprotocol        {protocol}\nextensions      {extensions}\n\
         bufferedAmount  {buffered}\nmessages in     {} ({})\nmessages out    {} ({})\n\
         pings sent      {} (pongs {})\nuptime          {uptime}",
        shared.url,
        st.msgs_in,
        render::size(st.bytes_in as usize),
        st.msgs_out,
        render::size(st.bytes_out as usize),
        st.pings_sent,
        st.pongs_in,
    )
}

fn headers(shared: &Shared) -> String {
    let hs = shared.handshake.lock().unwrap_or_else(|e| e.into_inner());
    let Some(h) = &*hs else {
        return "no handshake yet".into();
    };
    let mut out: Vec<String> = h.request.iter().map(|l| format!("> {l}")).collect();
    out.extend(h.response.iter().map(|l| format!("< {l}")));
    render::sanitize(&out.join("\n"), true).into_owned()
}

/// The terminal's mode when the session started, put back when it ends (the prompt thread
/// may be in raw mode at that moment).
struct TerminalMode(Option<rustix::termios::Termios>);

impl TerminalMode {
    fn save() -> TerminalMode {
        TerminalMode(rustix::termios::tcgetattr(std::io::stdin()).ok())
    }

    fn restore(self) {
        if let Some(t) = self.0 {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                &t,
            );
        }
    }
}

/// Tab completion of the slash commands.
struct Helper;

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        if !head.starts_with('/') || head.contains(char::is_whitespace) {
            return Ok((pos, Vec::new()));
        }
        let found = command::COMMANDS
            .iter()
            .filter(|(name, _)| name.starts_with(head))
            .map(|(name, _)| Pair {
                display: (*name).to_owned(),
                replacement: format!("{name} "),
            })
            .collect();
        Ok((0, found))
    }
}

impl Hinter for Helper {
    type Hint = String;
}

impl Highlighter for Helper {}

impl Validator for Helper {}

impl rustyline::Helper for Helper {}
