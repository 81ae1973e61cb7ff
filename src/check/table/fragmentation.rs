//! 5.x: fragmentation. Fragmented control frames (5.1, 5.2), text in fragments with pings
//! between them (5.3–5.8, 5.19, 5.20), and continuation frames where none may be (5.9–5.18).

use super::super::case::step::{close_after, kill_after, later, raw, synced};
use super::super::case::{Behavior, Case, Ev, ExpectClose, Step};
use super::{bytewise, msg, pong, same};

const BOTH: &[u8] = b"fragment1fragment2";
const PING: &[u8] = b"ping payload";

fn f(opcode: u8, fin: bool, p: &str) -> Step {
    raw(opcode, fin, 0, p.as_bytes())
}

/// The server must fail the connection with 1002.
fn fails(id: &str, sends: &str, frames: Vec<Step>) -> Case {
    let mut steps = frames;
    steps.push(kill_after(1.0));
    Case::new(id, sends)
        .expect(Behavior::Ok, vec![])
        .close(ExpectClose::server_fails(1002))
        .steps(steps)
}

/// The server must answer with `events`; the prober then closes.
fn echoed(id: &str, sends: &str, frames: Vec<Step>, events: Vec<Ev>) -> Case {
    let mut steps = frames;
    steps.push(close_after(1.0));
    Case::new(id, sends)
        .expect(Behavior::Ok, events)
        .steps(steps)
}

pub fn cases() -> Vec<Case> {
    let mut cases = good();
    cases.extend(misplaced());
    cases.extend(interleaved());
    cases
}

/// 5.1–5.8.
fn good() -> Vec<Case> {
    let mut cases = vec![
        fails(
            "5.1",
            "a fragmented ping",
            vec![f(9, false, "fragment1"), f(0, true, "fragment2")],
        ),
        fails(
            "5.2",
            "a fragmented pong",
            vec![f(10, false, "fragment1"), f(0, true, "fragment2")],
        ),
    ];
    for (id, each, how) in [
        ("5.3", same as fn(Step) -> Step, ""),
        ("5.4", synced, ", each on its own write"),
        ("5.5", bytewise, ", one byte at a time"),
    ] {
        cases.push(echoed(
            id,
            &format!("a text message in 2 fragments{how}"),
            vec![
                each(f(1, false, "fragment1")),
                each(f(0, true, "fragment2")),
            ],
            vec![msg(BOTH, false)],
        ));
    }
    for (id, each, how) in [
        ("5.6", same as fn(Step) -> Step, ""),
        ("5.7", synced, ", each on its own write"),
        ("5.8", bytewise, ", one byte at a time"),
    ] {
        cases.push(echoed(
            id,
            &format!("a text message in 2 fragments with a ping between them{how}"),
            vec![
                each(f(1, false, "fragment1")),
                each(raw(9, true, 0, PING)),
                each(f(0, true, "fragment2")),
            ],
            vec![pong(PING), msg(BOTH, false)],
        ));
    }
    cases
}

/// 5.9–5.18: continuation frames with nothing to continue, a new message inside one.
fn misplaced() -> Vec<Case> {
    let mut cases = Vec::new();
    for (id, fin, each, how) in [
        ("5.9", true, same as fn(Step) -> Step, ""),
        ("5.10", true, synced, ", each on its own write"),
        ("5.11", true, bytewise, ", one byte at a time"),
        ("5.12", false, same, ""),
        ("5.13", false, synced, ", each on its own write"),
        ("5.14", false, bytewise, ", one byte at a time"),
    ] {
        let what = if fin { "final" } else { "unfinished" };
        cases.push(fails(
            id,
            &format!(
                "a {what} continuation frame with nothing to continue, then a text message{how}"
            ),
            vec![
                each(f(0, fin, "non-continuation payload")),
                each(f(1, true, "Hello, world!")),
            ],
        ));
    }
    cases.push(
        Case::new(
            "5.15",
            "a text message in 2 fragments, then a continuation and a text frame that are not a message",
        )
        .expect(Behavior::Ok, vec![msg(BOTH, false)])
        .expect(Behavior::NonStrict, vec![])
        .close(ExpectClose::server_fails(1002))
        .steps(vec![
            f(1, false, "fragment1"),
            f(0, true, "fragment2"),
            f(0, false, "fragment3"),
            f(1, true, "fragment4"),
            kill_after(1.0),
        ]),
    );
    for (id, first_fin, how) in [("5.16", false, "a"), ("5.17", true, "a final")] {
        let mut frames = Vec::new();
        for _ in 0..2 {
            frames.extend([
                f(0, first_fin, "fragment1"),
                f(1, false, "fragment2"),
                f(0, true, "fragment3"),
            ]);
        }
        cases.push(fails(
            id,
            &format!("twice: {how} continuation frame, a text frame, a final continuation"),
            frames,
        ));
    }
    cases.push(fails(
        "5.18",
        "a text frame, then another text frame instead of a continuation",
        vec![f(1, false, "fragment1"), f(1, true, "fragment2")],
    ));
    cases
}

/// 5.19, 5.20: a message in five fragments over a second, with pings between them.
fn interleaved() -> Vec<Case> {
    let text = b"fragment1fragment2fragment3fragment4fragment5";
    [
        ("5.19", same as fn(Step) -> Step, ""),
        ("5.20", synced, ", each frame on its own write"),
    ]
    .into_iter()
    .map(|(id, each, how)| {
        Case::new(
            id,
            format!("a text message in 5 fragments over 1 s, with 2 pings between them{how}"),
        )
        .expect(
            Behavior::Ok,
            vec![pong(b"pongme 1!"), pong(b"pongme 2!"), msg(text, false)],
        )
        .steps(vec![
            each(f(1, false, "fragment1")),
            each(f(0, false, "fragment2")),
            each(f(9, true, "pongme 1!")),
            later(1.0, None),
            each(f(0, false, "fragment3")),
            each(f(0, false, "fragment4")),
            each(f(9, true, "pongme 2!")),
            each(f(0, true, "fragment5")),
            close_after(1.0),
        ])
    })
    .collect()
}
