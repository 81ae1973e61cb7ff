//! The interactive session of `connect`: a rustyline prompt on its own thread, the connection
//! driven on the runtime, and every event printed above the line being typed (through the
//! [`screen::Screen`], which hands lines to rustyline's external printer only while a prompt is
//! up), so arriving messages never corrupt it and no line is lost. Without a terminal on stdin
//! (`-i` with a pipe), each line of stdin is taken as typed.
//!
//! When the connection ends — the peer closed, or the user did — the session prints the close
//! and exits with the usual status, even though the prompt thread is still waiting for a
//! line: the terminal mode saved at the start is restored first (by a guard, so an early
//! return or a panic restores it too).

mod command;
mod screen;
mod sending;
mod view;
mod webtransport;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use rustyline::completion::{Completer, Pair};
use rustyline::config::{ColorMode, CompletionType};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{
    Behavior, Cmd, ConditionalEventHandler, Editor, Event, EventContext, EventHandler, KeyEvent,
    RepeatCount,
};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::config::connect::{ConnectPlan, SessionPlan};
use crate::dial::handshake;
use crate::dial::lifecycle::{self, Client, Verdict};
use crate::error::ExitCode;
use crate::output::render;
use crate::output::Printer;
use crate::proto::Speaker;
use crate::session::driver::{Batch, Control, ControlTx};
use crate::session::{Conn, ReadyState};
use crate::value::Close;
use crate::wire::deflate::stream::Shared as DeflateShared;
use command::Command;
use screen::{Screen, Terminal};

/// What the user typed, handed from the prompt thread to the session.
enum Input {
    Line(String),
    /// A piped line that is not UTF-8.
    NotText,
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
    /// Data messages handed to the connection.
    messages: AtomicU64,
    /// The connection's frame layer (compression and fragmenting), once it is open.
    deflate: Mutex<Option<Arc<DeflateShared>>>,
    handshake: Mutex<Option<Handshake>>,
    /// The user asked to close and leave (before OPEN this ends the session at once).
    quit: Notify,
    interrupted: AtomicBool,
    /// The signal (SIGINT, SIGTERM) that ended the session, if one did.
    signal: crate::signals::Stop,
    /// The close for Ctrl-C and the end of piped input (`--close-code`, `--close-reason`).
    close: Close,
    /// Lines come from a pipe or a file: they wait for OPEN (so that /state and /headers show
    /// the connection), and their end, /close and /quit close once everything before them was
    /// sent.
    piped: bool,
    opened: tokio::sync::watch::Sender<bool>,
    /// The application protocol (`--socketio`): typed lines are its events; `/state` shows it.
    speaker: Speaker,
}

pub async fn run(plan: ConnectPlan, session: SessionPlan) -> Result<ExitCode> {
    if let Some(wt) = plan.webtransport.clone() {
        return webtransport::run(plan, session, wt).await;
    }
    let printer = Arc::new(Printer::new(plan.out));
    let screen = Screen::new();
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let piped = session.piped;
    let terminal = start_input(&session, &screen, &printer, input_tx)?;

    let conn = Arc::new(Conn::new(None, printer.clone()));
    let (control_tx, mut control_rx) = crate::session::driver::control();
    let shared = Arc::new(Shared {
        printer: printer.clone(),
        conn: conn.clone(),
        url: plan.client.url.as_str().to_owned(),
        pretty: Arc::new(AtomicBool::new(session.pretty_json)),
        queued: AtomicU64::new(0),
        messages: AtomicU64::new(0),
        deflate: Mutex::new(None),
        handshake: Mutex::new(None),
        quit: Notify::new(),
        interrupted: AtomicBool::new(false),
        signal: crate::signals::Stop::default(),
        close: plan.close.clone(),
        piped,
        opened: tokio::sync::watch::Sender::new(false),
        speaker: Speaker::new(plan.proto.as_ref(), &control_tx),
    });
    let (data_tx, mut data_rx) = mpsc::channel::<Batch>(256);
    // Lines are checked before they are sent: the relay has no failure of its own to report.
    let (data_tx, relay) = shared.speaker.relay(data_tx);
    let _ = relay.start(None);
    tokio::spawn(handle_input(
        input_rx,
        shared.clone(),
        data_tx,
        control_tx.clone(),
    ));
    // SIGINT arrives only while the prompt is not in raw mode; treat it as the second Ctrl-C.
    // SIGTERM ends the session the same way (a polite close), and the run exits 143.
    let on_signal = (shared.clone(), control_tx.clone());
    tokio::spawn(async move {
        let status = crate::signals::next().await;
        on_signal.0.signal.set(status);
        request_quit(&on_signal.0, &on_signal.1, true);
    });

    let mut view = shared.speaker.inbound(view::View {
        printer: printer.clone(),
        pretty: shared.pretty.clone(),
    });
    let client = Client {
        settings: &plan.client,
        opts: &plan.drive,
        reconnect: None,
        control: &mut control_rx,
        data: Some(&mut data_rx),
    };
    let finished = lifecycle::run(
        client,
        |_| {
            shared.speaker.attach_shared(&conn);
            conn.clone()
        },
        |_, connected| {
            let info = handshake::open_info(&connected.response);
            shared.speaker.negotiated(&connected.response);
            *shared.handshake.lock().unwrap_or_else(|e| e.into_inner()) = Some(Handshake {
                protocol: info.protocol,
                extensions: info.extensions,
                request: handshake::request_lines(&connected.request),
                response: handshake::response_lines(&connected.response),
            });
            *shared.deflate.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(connected.deflate.clone());
            if !piped {
                printer.line(shared.speaker.typing_hint());
            }
            shared.opened.send_replace(true);
        },
        || shared.interrupted.load(Ordering::SeqCst),
        &mut view,
    )
    .await;
    leave(&printer, &screen, terminal).await;
    let verdict = Verdict {
        signal: shared
            .interrupted
            .load(Ordering::SeqCst)
            .then(|| shared.signal.status().unwrap_or(ExitCode::Interrupted)),
        ..Verdict::default()
    };
    let finished = finished?;
    // The protocol's own close codes in words (GraphQL's 4400, 4401, …).
    shared
        .speaker
        .closed(&finished.conn, finished.ending.as_ref());
    if finished.ending.is_none() {
        // The user left before the connection was open.
        return Ok(verdict.signal.unwrap_or(ExitCode::Ok));
    }
    lifecycle::exit_status(finished, verdict, |_, _| None)
}

/// A terminal gets the prompt; anything else (`-i` with a pipe or a file) is read line by
/// line as if typed, and its end closes the connection once everything was sent. Returns the
/// terminal's mode to restore at the end, if there is a prompt.
fn start_input(
    session: &SessionPlan,
    screen: &Arc<Screen>,
    printer: &Printer,
    input: mpsc::UnboundedSender<Input>,
) -> Result<Option<Terminal>> {
    if session.piped {
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || read_piped(input))?;
        return Ok(None);
    }
    start_prompt(session, screen, printer, input).map(Some)
}

/// Starts the prompt on its own thread, and the printer thread that puts the session's lines
/// above it; returns the terminal's mode to restore at the end.
fn start_prompt(
    session: &SessionPlan,
    screen: &Arc<Screen>,
    printer: &Printer,
    input: mpsc::UnboundedSender<Input>,
) -> Result<Terminal> {
    let terminal = Terminal::save(screen.clone());
    let config = rustyline::Config::builder()
        .behavior(Behavior::PreferTerm)
        .auto_add_history(false)
        .max_history_size(1000)?
        // Tab lists the commands that fit (all of them after a lone `/`).
        .completion_type(CompletionType::List)
        .completion_show_all_if_ambiguous(true)
        // The highlighter is how the screen learns that the prompt was redrawn.
        .color_mode(ColorMode::Forced)
        .build();
    let mut editor: Editor<Helper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(Helper(screen.clone())));
    editor.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(Leaving(screen.clone()))),
    );
    let history = (!session.no_history).then(history_path).flatten();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    if let Ok(external) = editor.create_external_printer() {
        screen.attach();
        printer.set_sink(Some(screen.clone()));
        let s = screen.clone();
        std::thread::Builder::new()
            .name("printer".into())
            .spawn(move || s.run_printer(Box::new(external)))?;
    }
    let s = screen.clone();
    std::thread::Builder::new()
        .name("prompt".into())
        .spawn(move || read_lines(editor, history, &s, input))?;
    Ok(terminal)
}

/// Ends the session's hold on the terminal: every line printed, the prompt erased, the
/// terminal mode restored.
async fn leave(printer: &Printer, screen: &Arc<Screen>, terminal: Option<Terminal>) {
    let s = screen.clone();
    let _ = tokio::task::spawn_blocking(move || s.finish(Duration::from_secs(1))).await;
    printer.set_sink(None);
    drop(terminal);
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
///
/// After Ctrl-D the prompt comes back while the connection closes (so that lines still on
/// their way to it are drawn); a second end of input in a row ends the thread.
fn read_lines(
    mut editor: Editor<Helper, DefaultHistory>,
    history: Option<PathBuf>,
    screen: &Screen,
    tx: mpsc::UnboundedSender<Input>,
) {
    let mut ended = false;
    while screen.entering() {
        let read = editor.readline("> ");
        screen.left();
        let input = match read {
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
            Err(ReadlineError::Eof) if !ended => Input::Eof,
            Err(_) => break,
        };
        ended = matches!(input, Input::Eof);
        if tx.send(input).is_err() {
            break;
        }
    }
    screen.prompt_gone();
}

/// `-i` without a terminal: each line of stdin is a line typed at the prompt.
fn read_piped(tx: mpsc::UnboundedSender<Input>) {
    let mut stdin = std::io::stdin().lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match std::io::BufRead::read_until(&mut stdin, b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                }
                let input = match String::from_utf8(std::mem::take(&mut buf)) {
                    Ok(line) => Input::Line(line),
                    Err(_) => Input::NotText,
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = tx.send(Input::Eof);
}

/// Closes with the session's close code (Ctrl-C) or 1000 (/quit, Ctrl-D) and ends it.
fn request_quit(shared: &Shared, control: &ControlTx, interrupt: bool) {
    let close = if interrupt {
        shared.interrupted.store(true, Ordering::SeqCst);
        shared.close.clone()
    } else {
        Close::normal()
    };
    control.send(Control::Close(close));
    shared.quit.notify_one();
}

async fn handle_input(
    mut input: mpsc::UnboundedReceiver<Input>,
    shared: Arc<Shared>,
    data: mpsc::Sender<Batch>,
    control: ControlTx,
) {
    let mut interrupts = 0;
    if shared.piped {
        // Until then the connection can only fail, which ends the session.
        let _ = shared.opened.subscribe().wait_for(|open| *open).await;
        shared.speaker.ready().await;
    }
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
            Input::Eof if shared.piped => {
                // Dropping the data channel closes (with --close-code) once it is sent.
                return;
            }
            Input::Eof => {
                request_quit(&shared, &control, false);
                continue;
            }
            Input::NotText => {
                error(
                    &shared.printer,
                    "a line of input is not UTF-8 text; it was not sent",
                );
                continue;
            }
        };
        interrupts = 0;
        match command::parse(&line) {
            Ok(None) => {}
            // Piped, these end the input: what follows them is not read.
            Ok(Some(cmd @ (Command::Close(..) | Command::Quit))) if shared.piped => {
                return execute(cmd, &shared, &data, &control).await;
            }
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
    printer.line(&format!("{label} {}", render::sanitize(message, false)));
}

async fn execute(cmd: Command, shared: &Shared, data: &mpsc::Sender<Batch>, control: &ControlTx) {
    let printer = &shared.printer;
    let Some(cmd) = protocol(cmd, shared) else {
        return;
    };
    let msg = match cmd {
        Command::Stomp(req) => {
            if let Err(why) = shared.speaker.request(req) {
                error(printer, &why);
            }
            return;
        }
        Command::Text(t) => Message::text(t),
        // Handled by `protocol` above.
        Command::Emit(_) | Command::Query(_) | Command::Subscribe(_) | Command::Complete(_) => {
            return
        }
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
            if shared.conn.state().ready >= ReadyState::Closing {
                return error(printer, "the connection is closing; no pong can be sent");
            }
            let said = if p.is_empty() {
                "pong sent (no payload)".to_owned()
            } else {
                format!(
                    "pong sent ({}): {}",
                    render::size(p.len()),
                    render::sanitize(&p, false)
                )
            };
            control.send(Control::Pong(Bytes::from(p)));
            return printer.line(&said);
        }
        Command::Close(close) if shared.piped => {
            control.send(Control::Finish(close));
            return;
        }
        Command::Close(close) => {
            control.send(Control::Close(close));
            return;
        }
        Command::Compress(on) => return confirm(printer, sending::compress(shared, on).await),
        Command::Fragment(size) => return confirm(printer, sending::fragment(shared, size).await),
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
        Command::Quit if shared.piped => {
            control.send(Control::Finish(Close::normal()));
            return;
        }
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
    shared.messages.fetch_add(1, Ordering::Relaxed);
    if data.send(vec![msg]).await.is_err() {
        error(
            printer,
            "the connection is closed; nothing more can be sent",
        );
    }
}

/// The protocol's part of a command: a typed line (or `/emit`, `/query`, `/subscribe`)
/// checked as the protocol's message and turned into the text to send, `/complete` done.
/// `None`: nothing more to do (done, or an `error:` line printed).
fn protocol(cmd: Command, shared: &Shared) -> Option<Command> {
    let printer = &shared.printer;
    let speaker = &shared.speaker;
    match cmd {
        Command::Emit(_) if !speaker.is_socketio() => {
            error(
                printer,
                "/emit emits a Socket.IO event: connect with --socketio",
            );
            None
        }
        Command::Subscribe(dest) if speaker.is_stomp() => {
            let asked =
                crate::proto::stomp::command::subscribe(&dest).and_then(|req| speaker.request(req));
            if let Err(why) = asked {
                error(printer, &why);
            }
            None
        }
        Command::Query(_) | Command::Subscribe(_) | Command::Complete(_)
            if speaker.graphql().is_none() =>
        {
            error(
                printer,
                "/query, /subscribe and /complete speak GraphQL (and /subscribe STOMP): connect with --graphql or --stomp",
            );
            None
        }
        Command::Complete(id) => {
            if let Some(Err(e)) = speaker.graphql().map(|g| g.complete(&id)) {
                error(printer, &e);
            }
            None
        }
        Command::Subscribe(doc) => protocol(Command::Query(command::subscription(&doc)), shared),
        Command::Text(t) | Command::Emit(t) | Command::Query(t) if !speaker.is_raw() => {
            match speaker.check(&t) {
                Ok(()) => Some(Command::Text(t)),
                Err(why) => {
                    error(printer, &why);
                    None
                }
            }
        }
        cmd => Some(cmd),
    }
}

fn confirm(printer: &Printer, said: Result<String, String>) {
    match said {
        Ok(line) => printer.line(&line),
        Err(e) => error(printer, &e),
    }
}

fn state(shared: &Shared) -> String {
    let compression = sending::state_lines(
        shared
            .deflate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref(),
    );
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
    let proto = shared
        .speaker
        .state()
        .map(|l| format!("\n{l}"))
        .unwrap_or_default();
    let ready = serde_json::to_value(st.ready)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "readyState      {ready}\nurl             {}\nprotocol        {protocol}\nextensions      {extensions}\n\
         bufferedAmount  {buffered}\nmessages in     {} ({})\nmessages out    {} ({})\n\
         pings sent      {} (pongs {})\nuptime          {uptime}{compression}{proto}",
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
    // Indented under a heading, not behind `>`/`<`: those mark messages sent and received.
    let mut out = vec!["request:".to_owned()];
    out.extend(
        h.request
            .iter()
            .map(|l| format!("  {}", render::sanitize(l, false))),
    );
    out.push("response:".to_owned());
    out.extend(
        h.response
            .iter()
            .map(|l| format!("  {}", render::sanitize(l, false))),
    );
    out.join("\n")
}

/// Tab completion of the slash commands, and the hooks that tell the screen where the prompt
/// is: rustyline asks for a hint just before it draws the prompt, highlights the prompt each
/// time it draws it, and validates a line just before it accepts it.
struct Helper(Arc<Screen>);

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(completions(&line[..pos]))
    }
}

/// The commands that start with `head` (a `/` and no space yet), replacing it from column 0.
fn completions(head: &str) -> (usize, Vec<Pair>) {
    if !head.starts_with('/') || head.contains(char::is_whitespace) {
        return (head.len(), Vec::new());
    }
    let found = command::COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(head))
        .map(|c| Pair {
            display: c.name.to_owned(),
            replacement: format!("{} ", c.name),
        })
        .collect();
    (0, found)
}

impl Hinter for Helper {
    type Hint = String;

    fn hint(&self, _line: &str, _pos: usize, _ctx: &rustyline::Context<'_>) -> Option<String> {
        self.0.prompt_drawn();
        None
    }
}

impl Highlighter for Helper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> std::borrow::Cow<'b, str> {
        if self.0.redrawn() {
            return std::borrow::Cow::Borrowed("");
        }
        std::borrow::Cow::Borrowed(prompt)
    }

    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> std::borrow::Cow<'l, str> {
        if self.0.blank() {
            return std::borrow::Cow::Borrowed("");
        }
        std::borrow::Cow::Borrowed(line)
    }
}

impl Validator for Helper {
    fn validate(&self, _ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        self.0.leaving();
        Ok(ValidationResult::Valid(None))
    }
}

impl rustyline::Helper for Helper {}

/// Ctrl-C ends the prompt (rustyline's own action follows).
struct Leaving(Arc<Screen>);

impl ConditionalEventHandler for Leaving {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, _: &EventContext) -> Option<Cmd> {
        self.0.leaving();
        None
    }
}
