//! 6.x: UTF-8 handling. Empty fragments (6.1), valid text cut on and inside code points
//! (6.2), invalid text (6.3), fail-fast on invalid text sent in parts with waits between
//! (6.4), and Markus Kuhn's UTF-8 decoder test sequences, one case per sequence (6.5–6.23),
//! each valid one echoed, each invalid one failing the connection with 1007.

use super::super::case::step::{close_after, kill_after, later, message, raw};
use super::super::case::{Behavior, Case, Ev, ExpectClose, Step};
use super::msg;

/// The 1007 close every invalid-text case expects, from the server.
fn invalid() -> ExpectClose {
    ExpectClose {
        wrong_side_fails: true,
        ..ExpectClose::server_fails(1007)
    }
}

const KOSME: &[u8] = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";

pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let echo = |id: &str, sends: &str, expect: &[u8], steps: Vec<Step>| {
        let mut steps = steps;
        steps.push(close_after(1.0));
        Case::new(id, sends)
            .expect(Behavior::Ok, vec![msg(expect, false)])
            .steps(steps)
    };
    cases.push(echo(
        "6.1.1",
        "an empty text message",
        b"",
        vec![raw(1, true, 0, Vec::new())],
    ));
    cases.push(echo(
        "6.1.2",
        "an empty text message in 3 empty fragments",
        b"",
        vec![
            raw(1, false, 0, Vec::new()),
            raw(0, false, 0, Vec::new()),
            raw(0, true, 0, Vec::new()),
        ],
    ));
    cases.push(echo(
        "6.1.3",
        "a text message in 3 fragments, the first and last empty",
        b"middle frame payload",
        vec![
            raw(1, false, 0, Vec::new()),
            raw(0, false, 0, &b"middle frame payload"[..]),
            raw(0, true, 0, Vec::new()),
        ],
    ));
    let hello = "Hello-µ@ßöäüàá-UTF-8!!".as_bytes();
    cases.push(echo(
        "6.2.1",
        "valid UTF-8 text in one frame",
        hello,
        vec![message(hello, false, None)],
    ));
    let (p1, p2) = ("Hello-µ@ßöä".as_bytes(), "üàá-UTF-8!!".as_bytes());
    cases.push(echo(
        "6.2.2",
        "valid UTF-8 text in 2 fragments cut on a code point",
        hello,
        vec![raw(1, false, 0, p1), raw(0, true, 0, p2)],
    ));
    cases.push(echo(
        "6.2.3",
        "valid UTF-8 text in 1-byte fragments",
        hello,
        vec![message(hello, false, Some(1))],
    ));
    cases.push(echo(
        "6.2.4",
        "valid UTF-8 text (κόσμε) in 1-byte fragments",
        KOSME,
        vec![message(KOSME, false, Some(1))],
    ));
    let bad = [KOSME, b"\xed\xa0\x80", b"\x65\x64\x69\x74\x65\x64"].concat();
    for (id, fragment, how) in [
        ("6.3.1", None, "in one frame"),
        ("6.3.2", Some(1), "in 1-byte fragments"),
    ] {
        cases.push(
            Case::new(id, format!("invalid UTF-8 text (a surrogate) {how}"))
                .expect(Behavior::Ok, vec![])
                .close(invalid())
                .steps(vec![message(bad.clone(), false, fragment), kill_after(1.0)]),
        );
    }
    cases.extend(fail_fast());
    cases.extend(sequence_cases());
    cases
}

/// 6.4.x: text sent in three parts, 1 s apart; the part in the middle makes it invalid, so a
/// server that fails fast closes before the third.
fn fail_fast() -> Vec<Case> {
    let tail = &b"\x65\x64\x69\x74\x65\x64"[..];
    let whole = [KOSME, b"\xf4\x90\x80\x80", tail].concat();
    let split_code_point = [&whole[..12], &whole[12..13], &whole[13..]];
    let split_frames = [KOSME, &b"\xf4\x90\x80\x80"[..], tail];
    let mut cases = Vec::new();
    for (i, parts, frames) in [
        (1, split_frames, true),
        (2, split_code_point, true),
        (3, split_frames, false),
        (4, split_code_point, false),
    ] {
        let steps = if frames {
            vec![
                raw(1, false, 0, parts[0]),
                later(1.0, Some("A")),
                raw(0, false, 0, parts[1]),
                later(1.0, Some("B")),
                raw(0, true, 0, parts[2]),
                kill_after(1.0),
            ]
        } else {
            vec![
                Step::FrameBegin {
                    opcode: 1,
                    fin: false,
                    len: whole.len(),
                },
                Step::FrameData(parts[0].to_vec()),
                later(1.0, Some("A")),
                Step::FrameData(parts[1].to_vec()),
                later(1.0, Some("B")),
                Step::FrameData(parts[2].to_vec()),
                Step::EndMessage,
                kill_after(1.0),
            ]
        };
        let unit = if frames {
            "3 frames"
        } else {
            "3 parts of one frame"
        };
        let cut = if parts[1].len() == 1 {
            "the invalid byte alone in the middle"
        } else {
            "the invalid code point in the middle"
        };
        cases.push(
            Case::new(
                format!("6.4.{i}"),
                format!("invalid UTF-8 text in {unit}, 1 s apart, {cut}"),
            )
            .expect(Behavior::Ok, vec![Ev::Timeout("A")])
            .expect(
                Behavior::NonStrict,
                vec![Ev::Timeout("A"), Ev::Timeout("B")],
            )
            .close(invalid())
            .steps(steps),
        );
    }
    cases
}

/// 6.5–6.23: one case per test sequence.
fn sequence_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (g, (group, seqs)) in sequences().into_iter().enumerate() {
        for (j, (valid, payload)) in seqs.into_iter().enumerate() {
            let id = format!("6.{}.{}", g + 5, j + 1);
            let what = if valid { "valid" } else { "invalid" };
            let case = Case::new(id, format!("{what} UTF-8 text in one frame ({group})"));
            let steps = vec![message(payload.clone(), false, None), kill_after(0.5)];
            cases.push(if valid {
                case.expect(Behavior::Ok, vec![msg(&payload, false)])
                    .steps(steps)
            } else {
                case.expect(Behavior::Ok, vec![])
                    .close(invalid())
                    .steps(steps)
            });
        }
    }
    cases
}

/// A group of test sequences: its name, and each sequence with whether it is valid UTF-8.
type Group = (&'static str, Vec<(bool, Vec<u8>)>);

/// Markus Kuhn's UTF-8 decoder test, as Autobahn groups it.
pub fn sequences() -> Vec<Group> {
    let v = |s: &[u8]| (true, s.to_vec());
    let x = |s: &[u8]| (false, s.to_vec());
    let mut groups = vec![(
        "some valid UTF-8 sequences",
        vec![
            v(b"hello\x24world"),
            v(b"hello\xC2\xA2world"),
            v(b"hello\xE2\x82\xACworld"),
            v(b"hello\xF0\xA4\xAD\xA2world"),
            v(KOSME),
        ],
    )];
    let prefixes = (1..=KOSME.len())
        .map(|i| {
            (
                std::str::from_utf8(&KOSME[..i]).is_ok(),
                KOSME[..i].to_vec(),
            )
        })
        .collect();
    groups.push(("all prefixes of a valid UTF-8 string", prefixes));
    groups.push((
        "first possible sequence of a certain length",
        vec![
            v(b"\x00"),
            v(b"\xc2\x80"),
            v(b"\xe0\xa0\x80"),
            v(b"\xf0\x90\x80\x80"),
        ],
    ));
    groups.push((
        "first possible sequence of length 5/6",
        vec![x(b"\xf8\x88\x80\x80\x80"), x(b"\xfc\x84\x80\x80\x80\x80")],
    ));
    groups.push((
        "last possible sequence of a certain length",
        vec![
            v(b"\x7f"),
            v(b"\xdf\xbf"),
            v(b"\xef\xbf\xbf"),
            v(b"\xf4\x8f\xbf\xbf"),
        ],
    ));
    groups.push((
        "last possible sequence of length 4/5/6",
        vec![
            x(b"\xf7\xbf\xbf\xbf"),
            x(b"\xfb\xbf\xbf\xbf\xbf"),
            x(b"\xfd\xbf\xbf\xbf\xbf\xbf"),
        ],
    ));
    groups.push((
        "other boundary conditions",
        vec![
            v(b"\xed\x9f\xbf"),
            v(b"\xee\x80\x80"),
            v(b"\xef\xbf\xbd"),
            v(b"\xf4\x8f\xbf\xbf"),
            x(b"\xf4\x90\x80\x80"),
        ],
    ));
    let all_continuations: Vec<u8> = (0x80..0xbf).collect();
    groups.push((
        "unexpected continuation bytes",
        vec![
            x(b"\x80"),
            x(b"\xbf"),
            x(b"\x80\xbf"),
            x(b"\x80\xbf\x80"),
            x(b"\x80\xbf\x80\xbf"),
            x(b"\x80\xbf\x80\xbf\x80"),
            x(b"\x80\xbf\x80\xbf\x80\xbf"),
            x(&all_continuations),
        ],
    ));
    let lonely = [
        (0xc0u8, 0xdfu8),
        (0xe0, 0xef),
        (0xf0, 0xf7),
        (0xf8, 0xfb),
        (0xfc, 0xfd),
    ]
    .iter()
    .map(|(a, b)| x(&(*a..*b).flat_map(|c| [c, 0x20]).collect::<Vec<u8>>()))
    .collect();
    groups.push(("lonely start characters", lonely));
    let cut: [&[u8]; 10] = [
        b"\xc0",
        b"\xe0\x80",
        b"\xf0\x80\x80",
        b"\xf8\x80\x80\x80",
        b"\xfc\x80\x80\x80\x80",
        b"\xdf",
        b"\xef\xbf",
        b"\xf7\xbf\xbf",
        b"\xfb\xbf\xbf\xbf",
        b"\xfd\xbf\xbf\xbf\xbf",
    ];
    groups.push((
        "sequences with the last continuation byte missing",
        cut.iter().map(|s| x(s)).collect(),
    ));
    groups.push((
        "concatenation of incomplete sequences",
        vec![x(&cut.concat())],
    ));
    groups.push((
        "impossible bytes",
        vec![x(b"\xfe"), x(b"\xff"), x(b"\xfe\xfe\xff\xff")],
    ));
    groups.extend(malformed());
    groups
}

/// The sequences from "overlong ASCII characters" on.
fn malformed() -> Vec<Group> {
    let v = |s: &[u8]| (true, s.to_vec());
    let x = |s: &[u8]| (false, s.to_vec());
    let mut groups = vec![(
        "overlong ASCII characters",
        vec![
            x(b"\xc0\xaf"),
            x(b"\xe0\x80\xaf"),
            x(b"\xf0\x80\x80\xaf"),
            x(b"\xf8\x80\x80\x80\xaf"),
            x(b"\xfc\x80\x80\x80\x80\xaf"),
        ],
    )];
    groups.push((
        "maximum overlong sequences",
        vec![
            x(b"\xc1\xbf"),
            x(b"\xe0\x9f\xbf"),
            x(b"\xf0\x8f\xbf\xbf"),
            x(b"\xf8\x87\xbf\xbf\xbf"),
            x(b"\xfc\x83\xbf\xbf\xbf\xbf"),
        ],
    ));
    groups.push((
        "overlong NUL characters",
        vec![
            x(b"\xc0\x80"),
            x(b"\xe0\x80\x80"),
            x(b"\xf0\x80\x80\x80"),
            x(b"\xf8\x80\x80\x80\x80"),
            x(b"\xfc\x80\x80\x80\x80\x80"),
        ],
    ));
    groups.push((
        "single UTF-16 surrogates",
        [
            b"\xed\xa0\x80",
            b"\xed\xad\xbf",
            b"\xed\xae\x80",
            b"\xed\xaf\xbf",
            b"\xed\xb0\x80",
            b"\xed\xbe\x80",
            b"\xed\xbf\xbf",
        ]
        .iter()
        .map(|s| x(*s))
        .collect(),
    ));
    let highs: [&[u8]; 4] = [
        b"\xed\xa0\x80",
        b"\xed\xad\xbf",
        b"\xed\xae\x80",
        b"\xed\xaf\xbf",
    ];
    let lows: [&[u8]; 2] = [b"\xed\xb0\x80", b"\xed\xbf\xbf"];
    groups.push((
        "paired UTF-16 surrogates",
        highs
            .iter()
            .flat_map(|h| lows.iter().map(move |l| x(&[*h, *l].concat())))
            .collect(),
    ));
    groups.push(("non-character code points (valid UTF-8)", noncharacters()));
    groups.push((
        "Unicode specials",
        (0xb9..=0xbfu8).map(|b| v(&[0xef, 0xbf, b])).collect(),
    ));
    groups
}

/// U+FFFE, U+FFFF and the non-characters at the end of planes 1–16.
fn noncharacters() -> Vec<(bool, Vec<u8>)> {
    let mut out = vec![
        (true, b"\xef\xbf\xbe".to_vec()),
        (true, b"\xef\xbf\xbf".to_vec()),
    ];
    for z1 in [0xf0u8, 0xf1, 0xf2, 0xf3, 0xf4] {
        for z2 in [0x8fu8, 0x9f, 0xaf, 0xbf] {
            if z1 == 0xf4 && z2 != 0x8f {
                continue;
            }
            for z3 in [0xbeu8, 0xbf] {
                if z1 == 0xf0 && z2 == 0x8f {
                    continue;
                }
                out.push((true, vec![z1, z2, 0xbf, z3]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sequence_is_as_valid_as_rust_says() {
        for (group, seqs) in sequences() {
            for (valid, bytes) in seqs {
                assert_eq!(
                    std::str::from_utf8(&bytes).is_ok(),
                    valid,
                    "{group}: {bytes:x?}"
                );
            }
        }
    }
}
