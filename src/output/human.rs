//! Human event lines: one line per event (several for handshake dumps), coloured when asked,
//! with peer text sanitised for the terminal. Pure functions of the event and the [`Style`];
//! where the lines go is the printer's business.

use std::time::Duration;

use crossterm::style::{Color, Stylize};

mod webtransport;

use super::render::{self, sanitize};
use crate::session::{
    CloseInfo, Data, Dir, Event, HttpVersion, MsgType, OpenInfo, ProtoLine, Side, Tone,
};

/// How words are painted: colour or plain, decided once in the output config.
#[derive(Debug, Clone, Copy)]
pub(super) struct Style {
    pub color: bool,
}

impl Style {
    /// A bold coloured word (a state, a verdict).
    fn paint(self, s: &str, color: Color) -> String {
        if self.color {
            s.with(color).bold().to_string()
        } else {
            s.to_owned()
        }
    }

    /// A quiet detail (sizes, the clock).
    fn dim(self, s: &str) -> String {
        if self.color {
            s.dark_grey().to_string()
        } else {
            s.to_owned()
        }
    }

    /// `<` for what this endpoint received, `>` for what it sent.
    fn arrow(self, dir: Dir) -> String {
        match dir {
            Dir::In => self.paint("<", Color::Cyan),
            Dir::Out => self.paint(">", Color::Magenta),
        }
    }

    /// The `error:` of the final error line.
    pub(super) fn error_label(self) -> String {
        if self.color {
            "error:".red().bold().to_string()
        } else {
            "error:".to_owned()
        }
    }
}

/// The human form of an event of connection `conn` (`#n ` before each line), or `None` for
/// events that have none.
pub(super) fn event(
    s: Style,
    conn: Option<u64>,
    elapsed: Duration,
    event: &Event<'_>,
) -> Option<String> {
    let line = match event {
        Event::Message { .. } | Event::Ping { .. } | Event::Pong { .. } => frame(s, event)?,
        Event::Tls { .. } | Event::Request { .. } | Event::Response { .. } => handshake(s, event)?,
        Event::Listening { .. }
        | Event::Http { .. }
        | Event::Stderr { .. }
        | Event::Exit { .. } => server(s, event)?,
        Event::Connecting { .. }
        | Event::Open { .. }
        | Event::Error { .. }
        | Event::Closing { .. }
        | Event::Close { .. }
        | Event::Redirect { .. }
        | Event::Reconnect { .. }
        | Event::Result { .. } => lifecycle(s, elapsed, event)?,
        // Several lines: `ping` prints its summary on stdout itself.
        Event::PingSummary { .. } => return None,
        Event::Proto(p) => proto(s, &p.line()),
        Event::Wt(w) => webtransport::event(s, elapsed, w),
    };
    let prefix = conn.map(|id| format!("#{id} ")).unwrap_or_default();
    if line.contains('\n') {
        // Several lines (handshake dumps): each gets the connection prefix.
        return Some(
            line.lines()
                .map(|l| format!("{prefix}{l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    Some(format!("{prefix}{line}"))
}

/// The wall-clock time of `-t` before each line of `text`.
pub(super) fn stamp(s: Style, text: &str) -> String {
    let now = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    // 2026-11-21T21:00:58.123Z → 21:00:58.123
    let clock = now.get(11..23).unwrap_or(&now);
    stamp_with(s, clock, text)
}

fn stamp_with(s: Style, clock: &str, text: &str) -> String {
    let clock = s.dim(clock);
    text.lines()
        .map(|l| format!("{clock} {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A connection's states and what ends or repeats it.
fn lifecycle(s: Style, elapsed: Duration, event: &Event<'_>) -> Option<String> {
    Some(match event {
        Event::Connecting { url, peer, .. } => connecting(s, url, *peer),
        Event::Open { info, .. } => open(s, info),
        Event::Error { kind, message } => {
            format!("{} {kind}: {message}", s.paint("ERROR", Color::Red))
        }
        Event::Closing {
            initiator,
            code,
            reason,
            ..
        } => closing(s, *initiator, *code, reason, elapsed),
        Event::Close { info, .. } => close(s, info, elapsed),
        Event::Redirect { status, location } => format!(
            "{} {status} -> {}",
            s.paint("REDIRECT", Color::Yellow),
            sanitize(location, false)
        ),
        Event::Reconnect {
            attempt,
            delay_ms,
            reason,
        } => format!(
            "{} in {} (attempt {attempt}): {}",
            s.paint("RECONNECT", Color::Yellow),
            render::duration(Duration::from_secs_f64(delay_ms / 1000.0)),
            sanitize(reason, false)
        ),
        Event::Result { .. } => result(s, event)?,
        _ => return None,
    })
}

/// A protocol's event: `< label text` (traffic) or `LABEL text`.
fn proto(s: Style, line: &ProtoLine) -> String {
    let color = match line.tone {
        Tone::Good => Color::Green,
        Tone::Bad => Color::Red,
        Tone::Ending => Color::Yellow,
        Tone::Traffic => Color::Blue,
    };
    let label = s.paint(line.label, color);
    let text = sanitize(&line.text, false);
    match line.dir {
        Some(dir) => format!("{} {label} {text}", s.arrow(dir)),
        None => format!("{label} {text}"),
    }
}

fn connecting(s: Style, url: &str, peer: Option<&str>) -> String {
    let from = peer.map(|p| format!(" from {p}")).unwrap_or_default();
    format!("{} {url}{from}", s.paint("CONNECTING", Color::Yellow))
}

fn open(s: Style, info: &OpenInfo) -> String {
    let exts = if info.extensions.is_empty() {
        "-".to_owned()
    } else {
        info.extensions.join(", ")
    };
    // Over HTTP/2 the line says so; the usual upgrade needs no word.
    let over = match info.http_version {
        HttpVersion::Http11 => "",
        HttpVersion::Http2 => " over HTTP/2",
        HttpVersion::Http3 => " over HTTP/3",
    };
    format!(
        "{} {} protocol={} extensions={exts}{over}",
        s.paint("OPEN", Color::Green),
        render::duration(Duration::from_secs_f64(info.handshake_ms / 1000.0)),
        info.protocol.as_deref().unwrap_or("-"),
    )
}

fn closing(s: Style, initiator: Side, code: u16, reason: &str, elapsed: Duration) -> String {
    format!(
        "{} ({}) {code} \"{}\" {}",
        s.paint("CLOSING", Color::Yellow),
        side(initiator),
        sanitize(reason, false),
        render::duration(elapsed)
    )
}

fn close(s: Style, info: &CloseInfo, elapsed: Duration) -> String {
    let (word, color) = if info.was_clean {
        ("clean", Color::Green)
    } else {
        ("unclean", Color::Red)
    };
    let by = info
        .initiator
        .map(|i| format!(" ({})", side(i)))
        .unwrap_or_default();
    format!(
        "{} {} \"{}\" {word}{by} {}",
        s.paint("CLOSED", color),
        info.code,
        sanitize(&info.reason, false),
        render::duration(elapsed)
    )
}

/// The verdict of scripted checks.
fn result(s: Style, event: &Event<'_>) -> Option<String> {
    let Event::Result {
        ok,
        met,
        expected,
        received,
        failed,
    } = event
    else {
        return None;
    };
    let (word, color) = if *ok {
        ("PASS", Color::Green)
    } else {
        ("FAIL", Color::Red)
    };
    let why = failed.map(|f| format!(": {f}")).unwrap_or_default();
    Some(format!(
        "{} {met}/{expected} expectations met, {received} message(s) received{why}",
        s.paint(word, color)
    ))
}

fn side(s: Side) -> &'static str {
    match s {
        Side::Local => "local",
        Side::Remote => "remote",
    }
}

/// Messages, pings and pongs: the arrow, the kind, the size and a preview.
fn frame(s: Style, event: &Event<'_>) -> Option<String> {
    Some(match event {
        Event::Message {
            dir,
            kind,
            len,
            compressed_len,
            data,
        } => message(s, *dir, *kind, (*len, *compressed_len), data.as_ref()),
        Event::Ping { dir, len, data } => format!(
            "{} {} {}{}",
            s.arrow(*dir),
            s.paint("ping", Color::Blue),
            s.dim(&render::size(*len)),
            control_preview(data)
        ),
        Event::Pong {
            dir,
            len,
            data,
            rtt_ms,
        } => pong(s, *dir, *len, data, *rtt_ms),
        _ => return None,
    })
}

/// `sizes`: the payload's, and on the wire when it was compressed.
fn message(
    s: Style,
    dir: Dir,
    kind: MsgType,
    sizes: (usize, Option<usize>),
    data: Option<&Data<'_>>,
) -> String {
    let preview = match data {
        Some(Data::Text(t)) => format!(" {}", render::text_preview(t, 80)),
        Some(Data::Bytes(b)) => format!(" {}", render::hex_preview(b, 16)),
        None => String::new(),
    };
    let kind = match kind {
        MsgType::Text => "text",
        MsgType::Binary => "binary",
    };
    let size = match sizes {
        (len, Some(wire)) => format!("{} ({} compressed)", render::size(len), render::size(wire)),
        (len, None) => render::size(len),
    };
    format!("{} {kind} {}{preview}", s.arrow(dir), s.dim(&size))
}

fn pong(s: Style, dir: Dir, len: usize, data: &Data<'_>, rtt_ms: Option<f64>) -> String {
    let rtt = rtt_ms
        .map(|ms| {
            format!(
                " rtt={}",
                render::duration(Duration::from_secs_f64(ms / 1000.0))
            )
        })
        .unwrap_or_default();
    format!(
        "{} {} {}{}{rtt}",
        s.arrow(dir),
        s.paint("pong", Color::Blue),
        s.dim(&render::size(len)),
        control_preview(data)
    )
}

fn control_preview(data: &Data<'_>) -> String {
    match data {
        Data::Text("") | Data::Bytes([]) => String::new(),
        Data::Text(t) => format!(" {}", render::text_preview(t, 40)),
        Data::Bytes(b) => format!(" {}", render::hex_preview(b, 16)),
    }
}

/// The handshake of `-v`: the TLS session, the request and the response, headers included.
fn handshake(s: Style, event: &Event<'_>) -> Option<String> {
    Some(match event {
        Event::Tls {
            version,
            cipher,
            alpn,
        } => format!(
            "{} {version} {cipher} alpn={}",
            s.paint("TLS", Color::Blue),
            alpn.unwrap_or("-")
        ),
        Event::Request {
            dir,
            http_version,
            method,
            target,
            headers,
        } => {
            let arrow = s.arrow(*dir);
            let first = format!(
                "{arrow} {method} {} {}",
                sanitize(target, false),
                http_version.as_str()
            );
            with_headers(first, &arrow, headers)
        }
        Event::Response {
            dir,
            http_version,
            status,
            reason,
            headers,
            body,
        } => response(s, *dir, (*http_version, *status), reason, headers, *body),
        _ => return None,
    })
}

fn response(
    s: Style,
    dir: Dir,
    (version, status): (HttpVersion, u16),
    reason: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let arrow = s.arrow(dir);
    let accepted = match version {
        HttpVersion::Http11 => 101,
        HttpVersion::Http2 | HttpVersion::Http3 => 200,
    };
    let color = if status == accepted {
        Color::Green
    } else {
        Color::Red
    };
    let first = format!(
        "{arrow} {} {} {reason}",
        version.as_str(),
        s.paint(&status.to_string(), color)
    );
    let mut out = with_headers(first, &arrow, headers);
    if let Some(body) = body {
        out.push_str(&format!("\n{arrow}"));
        for line in body.lines() {
            out.push_str(&format!("\n{arrow} {}", sanitize(line, false)));
        }
    }
    out
}

/// A request or status line followed by one line per header.
fn with_headers(mut out: String, arrow: &str, headers: &[(String, String)]) -> String {
    for (n, v) in headers {
        out.push_str(&format!("\n{arrow} {n}: {}", sanitize(v, false)));
    }
    out
}

/// What `listen` reports besides its connections: its address, plain HTTP requests, and the
/// `--exec` program's stderr and exit.
fn server(s: Style, event: &Event<'_>) -> Option<String> {
    Some(match event {
        Event::Listening { url, cert_sha256 } => match cert_sha256 {
            Some(hash) => format!("listening on {url} (certificate SHA-256 {hash})"),
            None => format!("listening on {url}"),
        },
        Event::Http {
            method,
            path,
            status,
            len,
        } => {
            let color = if *status < 400 {
                Color::Green
            } else {
                Color::Red
            };
            format!(
                "{} {} {} {} {}",
                s.paint("HTTP", Color::Blue),
                sanitize(method, false),
                sanitize(path, false),
                s.paint(&status.to_string(), color),
                s.dim(&render::size(*len as usize))
            )
        }
        Event::Stderr { text } => format!("{} {}", s.dim("stderr:"), sanitize(text, false)),
        Event::Exit { status, signal } => exit(s, *status, *signal),
        _ => return None,
    })
}

fn exit(s: Style, status: Option<i32>, signal: Option<i32>) -> String {
    match (status, signal) {
        (Some(0), _) => format!("{} 0", s.paint("EXIT", Color::Green)),
        (Some(c), _) => format!("{} {c}", s.paint("EXIT", Color::Red)),
        (_, Some(sig)) => format!("{} signal {sig}", s.paint("EXIT", Color::Red)),
        _ => format!("{} ?", s.paint("EXIT", Color::Red)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Style = Style { color: false };

    fn line(conn: Option<u64>, elapsed: Duration, event: &Event<'_>) -> String {
        super::event(PLAIN, conn, elapsed, event).expect("a human line")
    }

    #[test]
    fn close_line_says_code_reason_cleanliness_side_and_time() {
        let info = CloseInfo {
            code: 1000,
            reason: "bye".into(),
            was_clean: true,
            initiator: Some(Side::Local),
        };
        let event = Event::Close {
            state: crate::session::ReadyState::Closed,
            info: &info,
        };
        assert_eq!(
            line(Some(3), Duration::from_millis(12), &event),
            "#3 CLOSED 1000 \"bye\" clean (local) 12ms"
        );
    }

    #[test]
    fn close_line_of_a_connection_that_never_opened_names_no_side() {
        let info = CloseInfo {
            code: CloseInfo::ABNORMAL,
            reason: String::new(),
            was_clean: false,
            initiator: None,
        };
        let event = Event::Close {
            state: crate::session::ReadyState::Closed,
            info: &info,
        };
        assert_eq!(
            line(None, Duration::from_millis(3200), &event),
            "CLOSED 1006 \"\" unclean 3.20s"
        );
    }

    #[test]
    fn closing_reason_from_the_peer_is_sanitised() {
        let event = Event::Closing {
            state: crate::session::ReadyState::Closing,
            initiator: Side::Remote,
            code: 1001,
            reason: "going\n\x1b[2Jaway",
        };
        assert_eq!(
            line(None, Duration::from_micros(420), &event),
            "CLOSING (remote) 1001 \"going\\n\\x1b[2Jaway\" 0.42ms"
        );
    }

    #[test]
    fn message_preview_escapes_control_and_bidi_characters() {
        let event = Event::Message {
            dir: Dir::In,
            kind: MsgType::Text,
            len: 11,
            compressed_len: None,
            data: Some(Data::Text("a\x1b[31mb\u{202e}c")),
        };
        assert_eq!(
            line(None, Duration::ZERO, &event),
            "< text 11 B a\\x1b[31mb\\u{202e}c"
        );
    }

    #[test]
    fn binary_message_preview_is_hex_and_sent_has_the_out_arrow() {
        let event = Event::Message {
            dir: Dir::Out,
            kind: MsgType::Binary,
            len: 3,
            compressed_len: None,
            data: Some(Data::Bytes(&[0, 1, 0xff])),
        };
        assert_eq!(line(None, Duration::ZERO, &event), "> binary 3 B 00 01 ff");
    }

    #[test]
    fn pong_shows_its_round_trip_time() {
        let event = Event::Pong {
            dir: Dir::In,
            len: 4,
            data: Data::Text("abcd"),
            rtt_ms: Some(12.0),
        };
        assert_eq!(
            line(None, Duration::ZERO, &event),
            "< pong 4 B abcd rtt=12ms"
        );
        let empty = Event::Ping {
            dir: Dir::Out,
            len: 0,
            data: Data::Bytes(&[]),
        };
        assert_eq!(line(None, Duration::ZERO, &empty), "> ping 0 B");
    }

    #[test]
    fn every_line_of_a_handshake_dump_gets_the_connection_prefix() {
        let headers = [("Server".to_owned(), "x\x07y".to_owned())];
        let event = Event::Response {
            dir: Dir::In,
            http_version: HttpVersion::Http11,
            status: 403,
            reason: "Forbidden",
            headers: &headers,
            body: Some("no\nway"),
        };
        assert_eq!(
            line(Some(7), Duration::ZERO, &event),
            "#7 < HTTP/1.1 403 Forbidden\n#7 < Server: x\\x07y\n#7 <\n#7 < no\n#7 < way"
        );
    }

    #[test]
    fn exit_line_names_the_status_or_the_signal() {
        let exit = |status, signal| Event::Exit { status, signal };
        assert_eq!(line(None, Duration::ZERO, &exit(Some(0), None)), "EXIT 0");
        assert_eq!(line(None, Duration::ZERO, &exit(Some(2), None)), "EXIT 2");
        assert_eq!(
            line(None, Duration::ZERO, &exit(None, Some(9))),
            "EXIT signal 9"
        );
    }

    #[test]
    fn ping_summary_has_no_human_line() {
        let event = Event::PingSummary {
            url: "ws://127.0.0.1:1/",
            sent: 1,
            received: 1,
            loss_pct: 0.0,
            rtt: None,
            dns_ms: 0.0,
            tcp_ms: 0.0,
            tls_ms: None,
            upgrade_ms: 0.0,
        };
        assert_eq!(super::event(PLAIN, None, Duration::ZERO, &event), None);
    }

    #[test]
    fn colour_only_when_asked() {
        let event = Event::Error {
            kind: crate::error::ErrorKind::Io,
            message: "reset",
        };
        let coloured = super::event(Style { color: true }, None, Duration::ZERO, &event).unwrap();
        assert!(coloured.contains('\x1b') && coloured.ends_with(" io: reset"));
        assert_eq!(line(None, Duration::ZERO, &event), "ERROR io: reset");
        assert_eq!(PLAIN.error_label(), "error:");
    }

    #[test]
    fn stamp_prefixes_each_line_with_the_clock() {
        assert_eq!(
            stamp_with(PLAIN, "21:00:58.123", "#1 < a\n#1 < b"),
            "21:00:58.123 #1 < a\n21:00:58.123 #1 < b"
        );
    }
}
