//! The interactive session on a WebTransport session (`connect --webtransport` at a
//! terminal, or `-i`): the same prompt, screen, view of received data and signals as for a
//! WebSocket (`super`), with WebTransport's commands. A typed line goes on the main
//! bidirectional stream; `/datagram`, `/bidi`, `/uni`, `/finish`, `/reset` and `/close` act
//! on the session, `/streams` and `/state` show it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use wtransport::Connection;

use super::screen::Screen;
use super::{error, leave, start_input, view, Input};
use crate::config::connect::{ConnectPlan, SessionPlan};
use crate::config::wt_client::WtPlan;
use crate::error::ExitCode;
use crate::output::{render, Printer};
use crate::session::driver::{Batch, Control, ControlTx};
use crate::session::webtransport::SessionInfo;
use crate::session::{Conn, ReadyState, Side};
use crate::webtransport::dial;
use crate::webtransport::ending::exit_status;
use crate::webtransport::session::{self, Ask, Opts};

/// One line typed, understood.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    /// A line for the main stream.
    Text(String),
    Ask(AskLine),
    Streams,
    State,
    Pretty,
    Help,
    Quit,
}

/// The commands that act on the session (an [`Ask`] once parsed).
#[derive(Debug, PartialEq, Eq)]
enum AskLine {
    Datagram(String),
    Bidi(Option<String>),
    Uni(String),
    Finish(u64),
    Reset(u64, u32),
    Close(u32, String),
}

const HELP: &[(&str, &str)] = &[
    ("/datagram TEXT", "send a datagram"),
    (
        "/bidi [TEXT]",
        "open a bidirectional stream (and write TEXT on it)",
    ),
    (
        "/uni TEXT",
        "open a unidirectional stream, write TEXT and finish it",
    ),
    ("/finish ID", "finish our side of stream ID (FIN)"),
    ("/reset ID CODE", "reset our side of stream ID with CODE"),
    ("/streams", "the streams open, with who opened them"),
    (
        "/close [CODE [REASON]]",
        "close the session (default 0); CLOSING and CLOSED follow",
    ),
    (
        "/state",
        "readyState, streams, datagrams in/out, max datagram size, RTT",
    ),
    ("/pretty", "toggle pretty-printing of received JSON"),
    ("/help", "this list"),
    ("/quit", "close with 0 and exit (Ctrl-D does the same)"),
    ("//TEXT", "send a line that starts with /"),
];

fn help() -> String {
    let width = HELP.iter().map(|(u, _)| u.len()).max().unwrap_or(0);
    let mut out = String::from(
        "Type a line to send it on the main stream (a bidirectional stream opened at OPEN). \
         Commands:",
    );
    for (usage, about) in HELP {
        out.push_str(&format!("\n  {usage:<width$}  {about}"));
    }
    out.push_str("\nCtrl-C clears the line; Ctrl-C twice closes and exits (130).");
    out
}

fn parse(line: &str) -> Result<Option<Command>, String> {
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
    let id = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("/{name}: '{s}' is not a stream id (/streams lists them)"))
    };
    let code = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| format!("/{name}: '{s}' is not a code (0 to 4294967295)"))
    };
    let ask = |a: AskLine| Ok(Some(Command::Ask(a)));
    match name {
        "datagram" | "dgram" if !args.is_empty() => ask(AskLine::Datagram(args.to_owned())),
        "datagram" | "dgram" => Err("/datagram needs the text to send".into()),
        "bidi" => ask(AskLine::Bidi((!args.is_empty()).then(|| args.to_owned()))),
        "uni" if !args.is_empty() => ask(AskLine::Uni(args.to_owned())),
        "uni" => Err("/uni needs the text to send".into()),
        "finish" => ask(AskLine::Finish(id(args)?)),
        "reset" => match args.split_once(char::is_whitespace) {
            Some((i, c)) => ask(AskLine::Reset(id(i)?, code(c.trim())?)),
            None => Err("/reset needs a stream id and a code: /reset 4 7".into()),
        },
        "close" => {
            let (c, reason) = match args.split_once(char::is_whitespace) {
                Some((c, r)) => (c, r.trim()),
                None => (args, ""),
            };
            let c = if c.is_empty() { 0 } else { code(c)? };
            ask(AskLine::Close(c, reason.to_owned()))
        }
        "streams" if args.is_empty() => Ok(Some(Command::Streams)),
        "state" if args.is_empty() => Ok(Some(Command::State)),
        "pretty" if args.is_empty() => Ok(Some(Command::Pretty)),
        "help" | "?" if args.is_empty() => Ok(Some(Command::Help)),
        "quit" | "exit" | "q" if args.is_empty() => Ok(Some(Command::Quit)),
        "streams" | "state" | "pretty" | "help" | "?" | "quit" | "exit" | "q" => {
            Err(format!("/{name} takes no arguments"))
        }
        "ping" | "pong" | "binary" | "text" | "compress" | "fragment" | "emit" | "headers" => Err(
            format!("/{name} is a WebSocket command; /help lists WebTransport's"),
        ),
        other => Err(format!(
            "unknown command /{other}; /help lists the commands (// sends a line starting with /)"
        )),
    }
}

struct Shared {
    printer: Arc<Printer>,
    conn: Arc<Conn>,
    url: String,
    piped: bool,
    pretty: Arc<AtomicBool>,
    interrupted: AtomicBool,
    signal: crate::signals::Stop,
    opened: tokio::sync::watch::Sender<bool>,
    /// The session, once open (for `/state`).
    connection: Mutex<Option<Connection>>,
}

pub async fn run(plan: ConnectPlan, session: SessionPlan, wt: WtPlan) -> Result<ExitCode> {
    let printer = Arc::new(Printer::new(plan.out));
    let screen = Screen::new();
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let terminal = start_input(&session, &screen, &printer, input_tx)?;
    let conn = Arc::new(Conn::new(None, printer.clone()));
    let (control_tx, mut control_rx) = crate::session::driver::control();
    let shared = Arc::new(Shared {
        printer: printer.clone(),
        conn: conn.clone(),
        url: wt.url.clone(),
        piped: session.piped,
        pretty: Arc::new(AtomicBool::new(session.pretty_json)),
        interrupted: AtomicBool::new(false),
        signal: crate::signals::Stop::default(),
        opened: tokio::sync::watch::Sender::new(false),
        connection: Mutex::new(None),
    });
    let (data_tx, mut data_rx) = mpsc::channel::<Batch>(256);
    let (ask_tx, mut ask_rx) = mpsc::unbounded_channel();
    tokio::spawn(handle_input(
        input_rx,
        shared.clone(),
        data_tx,
        ask_tx,
        control_tx.clone(),
    ));
    let on_signal = (shared.clone(), control_tx.clone());
    tokio::spawn(async move {
        let status = crate::signals::next().await;
        on_signal.0.signal.set(status);
        quit(&on_signal.0, &on_signal.1, true);
    });
    let mut view = view::View {
        printer: printer.clone(),
        pretty: shared.pretty.clone(),
    };
    conn.connecting(&wt.url, None);
    let dialed = tokio::select! {
        d = dial::open(&wt.url, &plan.client, &wt.cert_hashes) => Some(d),
        _ = control_rx.recv() => None,
    };
    let ending = match dialed {
        Some(Ok(d)) => {
            let c = &d.connection;
            conn.session_opened(SessionInfo {
                status: None,
                http_version: "3",
                draft: "draft-02",
                session_id: c.session_id().into_u64(),
                max_datagram_size: c.max_datagram_size(),
                handshake_ms: 0.0,
            });
            *shared.connection.lock().unwrap_or_else(|e| e.into_inner()) = Some(c.clone());
            if !session.piped {
                printer
                    .line("Type a line to send it on the main stream; /help lists the commands.");
            }
            shared.opened.send_replace(true);
            let opts = Opts {
                datagrams: false,
                binary: false,
                delim: b'\n',
                // Piped input closes at its end, once the replies are in.
                close_on_eof: session.piped.then(|| plan.close.reason.clone()),
                reply_wait: plan.drive.reply_wait,
                main_stream: true,
            };
            let end = session::drive(
                c,
                &conn,
                Some(&mut data_rx),
                &mut control_rx,
                Some(&mut ask_rx),
                &mut view,
                &opts,
            )
            .await;
            let _ = tokio::time::timeout(plan.drive.close_timeout, d.endpoint.wait_idle()).await;
            Ok(Some(end))
        }
        Some(Err(e)) => Err(e),
        None => Ok(None),
    };
    leave(&printer, &screen, terminal).await;
    if shared.interrupted.load(Ordering::SeqCst) {
        return Ok(shared.signal.status().unwrap_or(ExitCode::Interrupted));
    }
    match ending? {
        Some(end) => exit_status(end, None, |_| None),
        None => Ok(ExitCode::Ok),
    }
}

/// Ctrl-C twice, a signal, /quit or Ctrl-D: close (with 0) and leave.
fn quit(shared: &Shared, control: &ControlTx, interrupt: bool) {
    if interrupt {
        shared.interrupted.store(true, Ordering::SeqCst);
    }
    control.send(Control::Close(crate::value::Close::new(1000, "")));
}

async fn handle_input(
    mut input: mpsc::UnboundedReceiver<Input>,
    shared: Arc<Shared>,
    data: mpsc::Sender<Batch>,
    asks: mpsc::UnboundedSender<Ask>,
    control: ControlTx,
) {
    let mut interrupts = 0;
    if shared.piped {
        let _ = shared.opened.subscribe().wait_for(|open| *open).await;
    }
    while let Some(i) = input.recv().await {
        let line = match i {
            Input::Line(l) => l,
            Input::Interrupted => {
                interrupts += 1;
                if interrupts >= 2 {
                    quit(&shared, &control, true);
                } else {
                    shared
                        .printer
                        .line("(Ctrl-C again to close and exit, or /quit)");
                }
                continue;
            }
            // Piped: the end of the data channel finishes the main stream, then closes.
            Input::Eof if shared.piped => return,
            Input::Eof => {
                quit(&shared, &control, false);
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
        match parse(&line) {
            Ok(None) => {}
            Ok(Some(cmd)) => {
                let leaving = matches!(cmd, Command::Ask(AskLine::Close(..)) | Command::Quit);
                execute(cmd, &shared, &data, &asks, &control).await;
                // Piped, nothing after /close or /quit is read.
                if leaving && shared.piped {
                    return;
                }
            }
            Err(e) => error(&shared.printer, &e),
        }
    }
}

async fn execute(
    cmd: Command,
    shared: &Shared,
    data: &mpsc::Sender<Batch>,
    asks: &mpsc::UnboundedSender<Ask>,
    control: &ControlTx,
) {
    let printer = &shared.printer;
    match cmd {
        Command::Streams | Command::State => {
            // After what was asked before it (a /datagram, a /uni) has been done: the
            // session takes asks in order. Bounded: a session that is gone answers at once.
            let (tx, rx) = tokio::sync::oneshot::channel();
            if asks.send(Ask::Barrier(tx)).is_ok() {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), rx).await;
            }
            let shown = match cmd {
                Command::Streams => streams(shared),
                _ => state(shared),
            };
            return printer.line(&shown);
        }
        Command::Pretty => {
            let on = !shared.pretty.fetch_xor(true, Ordering::Relaxed);
            let word = if on { "on" } else { "off" };
            return printer.line(&format!("pretty-printing of JSON is {word}"));
        }
        Command::Help => return printer.line(&help()),
        Command::Quit => return quit(shared, control, false),
        Command::Text(_) | Command::Ask(_) => {}
    }
    if shared.conn.state().ready >= ReadyState::Closing {
        return error(printer, "the session is closing; nothing more can be sent");
    }
    let sent = match cmd {
        Command::Text(t) => data.send(vec![Message::text(t)]).await.is_ok(),
        Command::Ask(a) => {
            // Sent after what was typed before it (the driver takes asks once the lines
            // before them are on their way).
            while data.capacity() < data.max_capacity() && !data.is_closed() {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            asks.send(match a {
                AskLine::Datagram(t) => Ask::Datagram(t.into_bytes()),
                AskLine::Bidi(t) => Ask::Bidi(t.map(|t| format!("{t}\n").into_bytes())),
                AskLine::Uni(t) => Ask::Uni(format!("{t}\n").into_bytes()),
                AskLine::Finish(id) => Ask::Finish(id),
                AskLine::Reset(id, code) => Ask::Reset(id, code),
                AskLine::Close(code, reason) => Ask::Close(code, reason),
            })
            .is_ok()
        }
        _ => true,
    };
    if !sent {
        error(printer, "the session is closed; nothing more can be sent");
    }
}

fn streams(shared: &Shared) -> String {
    let c = shared.conn.wt_counters();
    if c.open.is_empty() {
        return "no stream open".to_owned();
    }
    c.open
        .iter()
        .map(|(id, kind, by)| {
            let by = match by {
                Side::Local => "opened here",
                Side::Remote => "opened by the peer",
            };
            format!("stream {id:<6} {:<4}  {by}", kind.as_str())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn state(shared: &Shared) -> String {
    let c = shared.conn.wt_counters();
    let st = shared.conn.state();
    let ready = serde_json::to_value(st.ready)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let connection = shared.connection.lock().unwrap_or_else(|e| e.into_inner());
    let (max, rtt) = match &*connection {
        Some(c) => (
            c.max_datagram_size()
                .map_or_else(|| "-".to_owned(), |m| format!("{m} bytes")),
            render::duration(c.rtt()),
        ),
        None => ("-".to_owned(), "-".to_owned()),
    };
    let uptime = st
        .opened_at
        .map(|t| render::duration(t.elapsed()))
        .unwrap_or_else(|| "-".into());
    format!(
        "readyState      {ready}\nurl             {}\nstreams open    {} ({} opened in all)\n\
         datagrams in    {}\ndatagrams out   {}\nmax datagram    {max}\nrtt             {rtt}\n\
         data in         {}\ndata out        {}\nuptime          {uptime}",
        shared.url,
        c.open.len(),
        c.streams_opened,
        c.datagrams_in,
        c.datagrams_out,
        render::size(st.bytes_in as usize),
        render::size(st.bytes_out as usize),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments() {
        let p = |l: &str| parse(l).unwrap().unwrap();
        assert_eq!(p("hi"), Command::Text("hi".into()));
        assert_eq!(p("//x"), Command::Text("/x".into()));
        assert_eq!(
            p("/datagram a b"),
            Command::Ask(AskLine::Datagram("a b".into()))
        );
        assert_eq!(p("/bidi"), Command::Ask(AskLine::Bidi(None)));
        assert_eq!(p("/reset 4 7"), Command::Ask(AskLine::Reset(4, 7)));
        assert_eq!(
            p("/close 4000000000 bye now"),
            Command::Ask(AskLine::Close(4_000_000_000, "bye now".into()))
        );
        assert_eq!(p("/close"), Command::Ask(AskLine::Close(0, String::new())));
    }

    #[test]
    fn bad_arguments_and_websocket_commands_say_why() {
        assert!(parse("/reset 4")
            .unwrap_err()
            .contains("a stream id and a code"));
        assert!(parse("/finish x").unwrap_err().contains("not a stream id"));
        assert!(parse("/ping").unwrap_err().contains("WebSocket command"));
        assert!(parse("/close -1").unwrap_err().contains("not a code"));
    }

    proptest::proptest! {
        #[test]
        fn any_line_parses_or_says_why(line in "\\PC{0,40}") {
            let _ = parse(&line);
        }
    }
}
