//! `--json`: one event as one JSON line, with the keys documented under JSON OUTPUT.

use std::time::Duration;

use serde::Serialize;

#[cfg(test)]
use crate::session::{webtransport::StreamKind, Side, WtEvent};
use crate::session::{Event, ProtoEvent};

#[derive(Serialize)]
struct Record<'a, E: Serialize> {
    /// Seconds since the connection (or the server) started.
    t: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    conn: Option<u64>,
    #[serde(flatten)]
    event: &'a E,
}

/// Appends the record of one event, newline included, to `out`.
pub(super) fn record(out: &mut Vec<u8>, conn: Option<u64>, elapsed: Duration, event: &Event<'_>) {
    if let Event::Proto(p) = event {
        return proto(out, conn, elapsed, *p);
    }
    if let Event::Wt(w) = event {
        let rec = Record {
            t: seconds(elapsed),
            conn,
            event: w,
        };
        let _ = serde_json::to_writer(&mut *out, &rec);
        out.push(b'\n');
        return;
    }
    let rec = Record {
        t: seconds(elapsed),
        conn,
        event,
    };
    // Serialising plain data into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &rec);
    out.push(b'\n');
}

/// A protocol's event: the same `t`, `conn` and `event` keys, then the protocol's own.
fn proto(out: &mut Vec<u8>, conn: Option<u64>, elapsed: Duration, event: &dyn ProtoEvent) {
    let mut rec = serde_json::Map::new();
    rec.insert("t".into(), seconds(elapsed).into());
    if let Some(c) = conn {
        rec.insert("conn".into(), c.into());
    }
    rec.insert("event".into(), event.name().into());
    rec.extend(event.fields());
    let _ = serde_json::to_writer(&mut *out, &rec);
    out.push(b'\n');
}

fn seconds(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_has_time_connection_and_event_keys() {
        let mut out = Vec::new();
        let event = Event::Error {
            kind: crate::error::ErrorKind::Protocol,
            message: "bad frame",
        };
        record(&mut out, Some(3), Duration::from_micros(1_500_250), &event);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"t\":1.50025,\"conn\":3,\"event\":\"error\",\"kind\":\"protocol\",\"message\":\"bad frame\"}\n"
        );
    }

    #[test]
    fn record_without_connection_has_no_conn_key() {
        let mut out = Vec::new();
        let event = Event::Listening {
            url: "ws://127.0.0.1:1/",
            cert_sha256: None,
        };
        record(&mut out, None, Duration::ZERO, &event);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"t\":0.0,\"event\":\"listening\",\"url\":\"ws://127.0.0.1:1/\"}\n"
        );
    }

    #[test]
    fn webtransport_record_has_the_same_time_and_connection_keys() {
        let mut out = Vec::new();
        let event = Event::Wt(WtEvent::StreamOpen {
            stream: 4,
            kind: StreamKind::Bidi,
            opened_by: Side::Remote,
        });
        record(&mut out, Some(2), Duration::from_millis(5), &event);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"t\":0.005,\"conn\":2,\"event\":\"stream_open\",\"stream\":4,\"kind\":\"bidi\",\"opened_by\":\"remote\"}\n"
        );
    }
}
