//! 7.x: the closing handshake. Frames after a close (7.1), close payload lengths (7.3), a
//! close reason that is not UTF-8 (7.5), valid (7.7) and invalid (7.9) close codes, and codes
//! the spec leaves open (7.13). A wrong close code fails these cases.

use super::super::case::step::{close, frame, kill_after, raw, repeated};
use super::super::case::{Behavior, Case, ExpectClose, Rule, Step};
use super::msg;

const KOSME_SURROGATE: &[u8] =
    b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64";

/// Autobahn's `sendCloseFrame`: a close with any code and reason, valid or not, that starts
/// the closing handshake.
fn close_frame(code: Option<u16>, reason: &[u8]) -> Step {
    close(code, (!reason.is_empty()).then_some(reason))
}

/// A case whose close the prober starts itself, judged on its close code too.
fn closing(id: &str, sends: &str, codes: Vec<u16>, clean: bool, steps: Vec<Step>) -> Case {
    let mut steps = steps;
    steps.push(kill_after(1.0));
    Case::new(id, sends)
        .expect(Behavior::Ok, vec![])
        .close(ExpectClose {
            closed_by_me: true,
            codes,
            require_clean: clean,
            wrong_side_fails: false,
        })
        .rule(Rule::WrongCodeFails)
        .suppress_close()
        .steps(steps)
}

pub fn cases() -> Vec<Case> {
    let hello = &b"Hello World!"[..];
    let normal = Some(1000);
    let mut cases = vec![
        Case::new("7.1.1", "a text message, then a close once it is echoed")
            .expect(Behavior::Ok, vec![msg(hello, false)])
            .rule(Rule::WrongCodeFails)
            .steps(vec![frame(1, hello), kill_after(1.0)]),
        closing(
            "7.1.2",
            "a close, then another close",
            vec![1000],
            true,
            vec![close(normal, None), frame(8, Vec::new())],
        ),
        closing(
            "7.1.3",
            "a close, then a ping",
            vec![1000],
            true,
            vec![close(normal, None), frame(9, Vec::new())],
        ),
        closing(
            "7.1.4",
            "a close, then a text message",
            vec![1000],
            true,
            vec![close(normal, None), frame(1, hello)],
        ),
        closing(
            "7.1.5",
            "the first fragment of a text message, a close, then the last fragment",
            vec![1000],
            true,
            vec![
                raw(1, false, 0, &b"fragment1"[..]),
                close(normal, None),
                raw(0, true, 0, &b"fragment2"[..]),
            ],
        ),
    ];
    cases.push(
        Case::new(
            "7.1.6",
            "a text message of 256 KiB, a small text message, a close, then a ping",
        )
        .expect(Behavior::Ok, vec![msg(hello, false)])
        .expect(Behavior::NonStrict, vec![])
        .rule(Rule::Informational)
        .suppress_close()
        .steps(vec![
            repeated(frame(1, &b"BAsd7&jh23"[..]), 256 << 10),
            frame(1, hello),
            close(normal, None),
            frame(9, Vec::new()),
            kill_after(1.0),
        ]),
    );
    cases.extend(payloads());
    cases.extend(codes());
    cases
}

/// 7.3, 7.5: close payloads of each length, and a reason that is not UTF-8.
fn payloads() -> Vec<Case> {
    let normal = Some(1000);
    vec![
        closing(
            "7.3.1",
            "a close without payload",
            vec![1000],
            true,
            vec![close_frame(None, b"")],
        ),
        closing(
            "7.3.2",
            "a close with a payload of 1 byte",
            vec![1002],
            false,
            vec![close_frame(None, b"a")],
        ),
        closing(
            "7.3.3",
            "a close with code 1000 and no reason",
            vec![1000],
            true,
            vec![close(normal, None)],
        ),
        closing(
            "7.3.4",
            "a close with code 1000 and a short reason",
            vec![1000],
            true,
            vec![close(normal, Some(b"Hello World!"))],
        ),
        closing(
            "7.3.5",
            "a close with code 1000 and a reason of 123 bytes",
            vec![1000],
            true,
            vec![close(normal, Some(&[b'*'; 123]))],
        ),
        closing(
            "7.3.6",
            "a close with code 1000 and a reason of 124 bytes (a payload over 125)",
            vec![1002],
            false,
            vec![close_frame(normal, &[b'*'; 124])],
        ),
        closing(
            "7.5.1",
            "a close with a reason that is not UTF-8",
            vec![1002, 1007],
            false,
            vec![close_frame(normal, KOSME_SURROGATE)],
        ),
    ]
}

/// 7.7, 7.9, 7.13: valid, invalid and undefined close codes.
fn codes() -> Vec<Case> {
    let mut cases = Vec::new();
    let valid = [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
    ];
    for (i, code) in valid.iter().enumerate() {
        cases.push(closing(
            &format!("7.7.{}", i + 1),
            &format!("a close with the valid code {code}"),
            vec![1000, *code],
            true,
            vec![close_frame(Some(*code), b"")],
        ));
    }
    let invalid = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];
    for (i, code) in invalid.iter().enumerate() {
        cases.push(closing(
            &format!("7.9.{}", i + 1),
            &format!("a close with the invalid code {code}"),
            vec![1002],
            false,
            vec![close_frame(Some(*code), b"")],
        ));
    }
    for (i, code) in [5000u16, 65535].iter().enumerate() {
        cases.push(
            closing(
                &format!("7.13.{}", i + 1),
                &format!("a close with the code {code} (outside every range)"),
                vec![1000, *code, 1002],
                false,
                vec![close_frame(Some(*code), b"")],
            )
            .rule(Rule::Informational),
        );
    }
    cases
}
