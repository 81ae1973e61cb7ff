//! The human lines of a WebTransport session's events: its open and close as the WebSocket's
//! (the same words, a u32 code), streams by id with an arrow for who acted, datagrams as
//! messages are shown.

use std::time::Duration;

use crossterm::style::Color;

use super::super::render::{self, sanitize};
use super::{side, Style};
use crate::session::webtransport::{SessionCloseInfo, SessionInfo};
use crate::session::{Data, Dir, Side, WtEvent};

pub(super) fn event(s: Style, elapsed: Duration, event: &WtEvent<'_>) -> String {
    match event {
        WtEvent::SessionOpen { info, .. } => open(s, info),
        WtEvent::StreamOpen {
            stream,
            kind,
            opened_by,
        } => {
            let dir = match opened_by {
                Side::Local => Dir::Out,
                Side::Remote => Dir::In,
            };
            format!(
                "{} {} {stream} {} opened ({})",
                s.arrow(dir),
                s.paint("stream", Color::Blue),
                kind.as_str(),
                side(*opened_by)
            )
        }
        WtEvent::StreamData {
            stream,
            dir,
            len,
            data,
        } => format!(
            "{} {} {stream} {}{}",
            s.arrow(*dir),
            s.paint("stream", Color::Blue),
            s.dim(&render::size(*len)),
            preview(data.as_ref())
        ),
        WtEvent::StreamFinish { stream, dir } => format!(
            "{} {} {stream} finished",
            s.arrow(*dir),
            s.paint("stream", Color::Blue)
        ),
        WtEvent::StreamReset { stream, dir, code } => format!(
            "{} {} {stream} {} code={code}",
            s.arrow(*dir),
            s.paint("stream", Color::Blue),
            s.paint("reset", Color::Red)
        ),
        WtEvent::Datagram { dir, len, data } => format!(
            "{} {} {}{}",
            s.arrow(*dir),
            s.paint("datagram", Color::Blue),
            s.dim(&render::size(*len)),
            preview(data.as_ref())
        ),
        WtEvent::SessionClosing {
            initiator,
            code,
            reason,
            ..
        } => format!(
            "{} ({}) {code} \"{}\" {}",
            s.paint("CLOSING", Color::Yellow),
            side(*initiator),
            sanitize(reason, false),
            render::duration(elapsed)
        ),
        WtEvent::SessionClose { info, .. } => close(s, info, elapsed),
    }
}

fn preview(data: Option<&Data<'_>>) -> String {
    match data {
        Some(Data::Text(t)) => format!(" {}", render::text_preview(t, 80)),
        Some(Data::Bytes(b)) => format!(" {}", render::hex_preview(b, 16)),
        None => String::new(),
    }
}

fn open(s: Style, info: &SessionInfo) -> String {
    let max = info
        .max_datagram_size
        .map(|m| format!(" max-datagram={m} bytes"))
        .unwrap_or_default();
    format!(
        "{} {} webtransport over HTTP/3 ({}) session={}{max}",
        s.paint("OPEN", Color::Green),
        render::duration(Duration::from_secs_f64(info.handshake_ms / 1000.0)),
        info.draft,
        info.session_id
    )
}

fn close(s: Style, info: &SessionCloseInfo, elapsed: Duration) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::webtransport::StreamKind;
    use crate::session::ReadyState;

    fn line(event: &WtEvent<'_>) -> String {
        super::event(Style { color: false }, Duration::from_millis(1500), event)
    }

    #[test]
    fn open_line_names_http3_the_draft_and_the_datagram_limit() {
        let info = SessionInfo {
            status: None,
            http_version: "3",
            draft: "draft-02",
            session_id: 0,
            max_datagram_size: Some(1200),
            handshake_ms: 12.0,
        };
        let l = line(&WtEvent::SessionOpen {
            state: ReadyState::Open,
            info: &info,
        });
        assert_eq!(
            l,
            "OPEN 12ms webtransport over HTTP/3 (draft-02) session=0 max-datagram=1200 bytes"
        );
    }

    #[test]
    fn stream_lines_say_who_and_which() {
        let l = line(&WtEvent::StreamOpen {
            stream: 3,
            kind: StreamKind::Uni,
            opened_by: Side::Remote,
        });
        assert_eq!(l, "< stream 3 uni opened (remote)");
        let l = line(&WtEvent::StreamReset {
            stream: 4,
            dir: Dir::Out,
            code: 7,
        });
        assert_eq!(l, "> stream 4 reset code=7");
    }

    #[test]
    fn close_line_has_the_u32_code_and_sanitised_reason() {
        let info = SessionCloseInfo {
            code: 4_000_000_000,
            reason: "bye\u{1b}[2J".into(),
            was_clean: true,
            initiator: Some(Side::Remote),
        };
        let l = line(&WtEvent::SessionClose {
            state: ReadyState::Closed,
            info: &info,
        });
        assert!(l.starts_with("CLOSED 4000000000 \"bye"), "{l}");
        assert!(!l.contains('\u{1b}'), "{l}");
        assert!(l.ends_with("clean (remote) 1.50s"), "{l}");
    }
}
