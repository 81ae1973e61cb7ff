//! The case table: every case of the Autobahn fuzzingclient that `check` runs, with
//! Autobahn's ids, payloads, chopping and waits, one function per family. The facts (what is
//! sent, what is expected, how long to wait) are Autobahn's (autobahntestsuite 25.10.1,
//! `autobahntestsuite/case/`).

mod closing;
mod deflate;
mod fragmentation;
mod utf8;

use super::case::step::{chopped, close_after, frame, kill_after, message, raw, repeated, synced};
use super::case::{Behavior, Case, Ev, ExpectClose, OnMessage, Rule, Step};

/// Every case, in Autobahn's order.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(framing());
    cases.extend(pings());
    cases.extend(reserved_bits());
    cases.extend(opcodes());
    cases.extend(fragmentation::cases());
    cases.extend(utf8::cases());
    cases.extend(closing::cases());
    cases.extend(limits());
    cases.extend(auto_fragmentation());
    cases.extend(deflate::payloads());
    cases.extend(deflate::parameters());
    cases
}

fn msg(payload: &[u8], binary: bool) -> Ev {
    Ev::Message {
        payload: payload.to_vec(),
        binary,
    }
}

fn pong(payload: &[u8]) -> Ev {
    Ev::Pong(payload.to_vec())
}

/// 1.x: text (1.1) and binary (1.2) messages of growing size, echoed.
fn framing() -> Vec<Case> {
    let sizes = [0, 125, 126, 127, 128, 65535, 65536, 65536];
    let mut cases = Vec::new();
    for (group, binary, fill) in [(1, false, b'*'), (2, true, 0xfe)] {
        for (i, len) in sizes.iter().enumerate() {
            let payload = vec![fill; *len];
            let opcode = if binary { 2 } else { 1 };
            let chop = (i == 7).then_some(997);
            let kind = if binary { "binary" } else { "text" };
            let mut send = frame(opcode, payload.clone());
            if let Some(n) = chop {
                send = chopped(send, n);
            }
            let sends = match chop {
                Some(n) => format!("a {kind} message of {len} bytes, written {n} bytes at a time"),
                None => format!("a {kind} message of {len} bytes"),
            };
            let wait = if *len > 128 { 10.0 } else { 1.0 };
            cases.push(
                Case::new(format!("1.{group}.{}", i + 1), sends)
                    .expect(Behavior::Ok, vec![msg(&payload, binary)])
                    .steps(vec![send, kill_after(wait)]),
            );
        }
    }
    cases
}

/// 2.x: pings and pongs.
fn pings() -> Vec<Case> {
    let fe125 = vec![0xfe; 125];
    let simple: [(&str, &[u8], &str); 4] = [
        ("2.1", b"", "a ping without payload"),
        ("2.2", b"Hello, world!", "a ping with a small text payload"),
        (
            "2.3",
            b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff",
            "a ping with a small binary payload",
        ),
        ("2.4", &fe125, "a ping with 125 bytes of payload"),
    ];
    let mut cases: Vec<Case> = simple
        .iter()
        .map(|(id, payload, sends)| {
            Case::new(*id, *sends)
                .expect(Behavior::Ok, vec![pong(payload)])
                .steps(vec![frame(9, payload.to_vec()), close_after(1.0)])
        })
        .collect();
    cases.push(
        Case::new(
            "2.5",
            "a ping with 126 bytes of payload (over the control frame limit)",
        )
        .expect(Behavior::Ok, vec![])
        .close(ExpectClose::server_fails(1002))
        .steps(vec![frame(9, vec![0xfe; 126]), kill_after(1.0)]),
    );
    cases.push(
        Case::new(
            "2.6",
            "a ping with 125 bytes of payload, written one byte at a time",
        )
        .expect(Behavior::Ok, vec![pong(&fe125)])
        .steps(vec![chopped(frame(9, fe125.clone()), 1), close_after(2.0)]),
    );
    for (id, payload) in [("2.7", &b""[..]), ("2.8", b"unsolicited pong payload")] {
        cases.push(
            Case::new(id, "an unsolicited pong, then a close")
                .expect(Behavior::Ok, vec![])
                .steps(vec![
                    frame(10, payload.to_vec()),
                    super::case::step::close(Some(1000), None),
                    close_after(1.0),
                ]),
        );
    }
    cases.push(
        Case::new("2.9", "an unsolicited pong, then a ping")
            .expect(Behavior::Ok, vec![pong(b"ping payload")])
            .steps(vec![
                frame(10, &b"unsolicited pong payload"[..]),
                frame(9, &b"ping payload"[..]),
                close_after(1.0),
            ]),
    );
    for (id, chop) in [("2.10", None), ("2.11", Some(1))] {
        let mut steps = Vec::new();
        let mut pongs = Vec::new();
        for i in 0..10 {
            let payload = format!("payload-{i}").into_bytes();
            pongs.push(pong(&payload));
            let f = frame(9, payload);
            steps.push(match chop {
                Some(n) => chopped(f, n),
                None => f,
            });
        }
        steps.push(close_after(3.0));
        let how = if chop.is_some() {
            ", written one byte at a time"
        } else {
            ""
        };
        cases.push(
            Case::new(id, format!("10 pings with payloads{how}"))
                .expect(Behavior::Ok, pongs)
                .steps(steps),
        );
    }
    cases
}

/// The frames of a case that sends a good message, then a bad frame, then a ping: the echo
/// is OK, nothing at all NON-STRICT; the server must fail the connection with 1002.
fn bad_after_good(id: &str, sends: String, bad: Step, each: fn(Step) -> Step) -> Case {
    let hello = b"Hello, world!";
    Case::new(id, sends)
        .expect(Behavior::Ok, vec![msg(hello, false)])
        .expect(Behavior::NonStrict, vec![])
        .close(ExpectClose::server_fails(1002))
        .steps(vec![
            each(frame(1, &hello[..])),
            each(bad),
            each(frame(9, Vec::new())),
            kill_after(1.0),
        ])
}

fn alone(id: &str, sends: String, bad: Step) -> Case {
    Case::new(id, sends)
        .expect(Behavior::Ok, vec![])
        .close(ExpectClose::server_fails(1002))
        .steps(vec![bad, kill_after(1.0)])
}

fn same(s: Step) -> Step {
    s
}

fn bytewise(s: Step) -> Step {
    chopped(s, 1)
}

/// 3.x: frames with reserved bits set.
fn reserved_bits() -> Vec<Case> {
    let hello = &b"Hello, world!"[..];
    vec![
        alone(
            "3.1",
            "a text message with RSV = 1".into(),
            raw(1, true, 1, hello),
        ),
        bad_after_good(
            "3.2",
            "a text message, the same with RSV = 2, then a ping".into(),
            raw(1, true, 2, hello),
            same,
        ),
        bad_after_good(
            "3.3",
            "a text message, the same with RSV = 3, then a ping, each on its own write".into(),
            raw(1, true, 3, hello),
            synced,
        ),
        bad_after_good(
            "3.4",
            "a text message, the same with RSV = 4, then a ping, one byte at a time".into(),
            raw(1, true, 4, hello),
            bytewise,
        ),
        alone(
            "3.5",
            "a binary message with RSV = 5".into(),
            raw(2, true, 5, &b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff"[..]),
        ),
        alone(
            "3.6",
            "a binary message with RSV = 6".into(),
            raw(2, true, 6, hello),
        ),
        alone(
            "3.7",
            "a close with RSV = 7".into(),
            raw(8, true, 7, Vec::new()),
        ),
    ]
}

/// 4.x: reserved opcodes, non-control (4.1: 3–7) and control (4.2: 11–15).
fn opcodes() -> Vec<Case> {
    let mut cases = Vec::new();
    for (group, first) in [(1, 3u8), (2, 11u8)] {
        let op = |i: u8| first + i;
        let payload = &b"reserved opcode payload"[..];
        let hello = &b"Hello, world!"[..];
        cases.push(alone(
            &format!("4.{group}.1"),
            format!("a frame with reserved opcode {}", op(0)),
            frame(op(0), Vec::new()),
        ));
        cases.push(alone(
            &format!("4.{group}.2"),
            format!("a frame with reserved opcode {} and a payload", op(1)),
            frame(op(1), payload),
        ));
        cases.push(bad_after_good(
            &format!("4.{group}.3"),
            format!(
                "a text message, a frame with reserved opcode {}, a ping",
                op(2)
            ),
            frame(op(2), Vec::new()),
            same,
        ));
        cases.push(bad_after_good(
            &format!("4.{group}.4"),
            format!(
                "a text message, a frame with reserved opcode {} and a payload, a ping",
                op(3)
            ),
            frame(op(3), hello),
            same,
        ));
        cases.push(bad_after_good(
            &format!("4.{group}.5"),
            format!(
                "a text message, a frame with reserved opcode {} and a payload, a ping, one byte at a time",
                op(4)
            ),
            frame(op(4), hello),
            bytewise,
        ));
    }
    cases
}

/// 9.x: large messages, fragments and chopping, round trips.
fn limits() -> Vec<Case> {
    let mib = 1 << 20;
    let mut cases = Vec::new();
    let sizes = [64 << 10, 256 << 10, mib, 4 * mib, 8 * mib, 16 * mib];
    for (group, binary, pattern) in [
        (1, false, &b"BAsd7&jh23"[..]),
        (2, true, &b"\x00\xfe\x23\xfa\xf0"[..]),
    ] {
        for (i, len) in sizes.iter().enumerate() {
            let wait = match (binary, i) {
                (false, 0 | 1) | (true, 0..=3) => 10.0,
                _ => 100.0,
            };
            let kind = if binary { "binary" } else { "text" };
            cases.push(size_case(
                format!("9.{group}.{}", i + 1),
                format!("a {kind} message of {}", size_words(*len)),
                repeated(frame(if binary { 2 } else { 1 }, pattern), *len),
                *len,
                binary,
                wait,
            ));
        }
    }
    let frags = [
        64,
        256,
        1 << 10,
        4 << 10,
        16 << 10,
        64 << 10,
        256 << 10,
        mib,
        4 * mib,
    ];
    for (group, binary) in [(3, false), (4, true)] {
        for (i, size) in frags.iter().enumerate() {
            let fill = if binary && i == 0 { 0xfe } else { b'*' };
            let kind = if binary { "binary" } else { "text" };
            cases.push(size_case(
                format!("9.{group}.{}", i + 1),
                format!(
                    "a {kind} message of 4 MiB in frames of {}",
                    size_words(*size)
                ),
                repeated(message(vec![fill], binary, Some(*size)), 4 * mib),
                4 * mib,
                binary,
                100.0,
            ));
        }
    }
    for (group, binary, pattern) in [
        (5, false, &b"BAsd7&jh23"[..]),
        (6, true, &b"\x00\xfe\x23\xfa\xf0"[..]),
    ] {
        for (i, chop) in [64, 128, 256, 512, 1024, 2048].iter().enumerate() {
            let kind = if binary { "binary" } else { "text" };
            cases.push(size_case(
                format!("9.{group}.{}", i + 1),
                format!("a {kind} message of 1 MiB written {chop} bytes at a time"),
                chopped(
                    repeated(frame(if binary { 2 } else { 1 }, pattern), mib),
                    *chop,
                ),
                mib,
                binary,
                1000.0,
            ));
        }
    }
    let trips = [
        (0, 60.0),
        (16, 60.0),
        (64, 60.0),
        (256, 120.0),
        (1024, 240.0),
        (4096, 480.0),
    ];
    for (group, binary) in [(7, false), (8, true)] {
        for (i, (len, wait)) in trips.iter().enumerate() {
            let kind = if binary { "binary" } else { "text" };
            cases.push(
                Case::new(
                    format!("9.{group}.{}", i + 1),
                    format!("1000 {kind} messages of {len} bytes, each after the echo of the last"),
                )
                .on_message(OnMessage::RoundTrips {
                    len: *len,
                    count: 1000,
                    binary,
                })
                .steps(vec![close_after(*wait)]),
            );
        }
    }
    cases
}

fn size_words(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

fn size_case(id: String, sends: String, send: Step, len: usize, binary: bool, wait: f64) -> Case {
    Case::new(id, sends)
        .on_message(OnMessage::Size { len, binary })
        .steps(vec![send, close_after(wait)])
}

/// 10.1.1: a message the prober cuts into frames of 1300 bytes itself.
fn auto_fragmentation() -> Vec<Case> {
    let payload = vec![b'*'; 65536];
    vec![
        Case::new("10.1.1", "a text message of 64 KiB in frames of 1300 bytes")
            .expect(Behavior::Ok, vec![msg(&payload, false)])
            .rule(Rule::AutoFragment {
                len: 65536,
                size: 1300,
            })
            .steps(vec![message(payload, false, Some(1300)), kill_after(10.0)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_autobahns_and_unique() {
        let cases = all();
        let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        assert_eq!(n, 517, "Autobahn's 517 cases");
        for id in [
            "1.1.8", "2.11", "3.7", "4.2.5", "5.20", "6.23.7", "7.13.2", "9.8.6", "10.1.1",
            "12.1.1", "12.5.18", "13.7.18",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
    }
}
