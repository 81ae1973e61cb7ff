//! The frame transforms against each other, the RFC's examples, hostile input, and any
//! messages, parameters, fragment sizes and read splits (property test).
use super::*;

fn negotiated() -> Negotiated {
    Negotiated {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    }
}

fn frame(b0: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = BytesMut::new();
    put_frame(&mut out, b0, payload, mask);
    out.to_vec()
}

/// Writes `msgs` as tungstenite would (one final frame each) through a writer, then reads
/// the result back through a reader of the other role, split into `split`-byte reads.
fn round_trip(role: Role, msgs: &[(u8, Vec<u8>)], how: Sending, split: usize) -> Vec<u8> {
    round_trip_with(&negotiated(), role, msgs, how, split)
}

fn round_trip_with(
    n: &Negotiated,
    role: Role,
    msgs: &[(u8, Vec<u8>)],
    how: Sending,
    split: usize,
) -> Vec<u8> {
    let n = *n;
    let mut w = Writing::new(role, Some(&n), false);
    let peer = if role == Role::Client {
        Role::Server
    } else {
        Role::Client
    };
    let mut r = Reading::new(peer, &n, 1 << 20, false);
    let mask = (role == Role::Client).then_some([1, 2, 3, 4]);
    let mut wire = BytesMut::new();
    let mut key = 0u8;
    let mut written = Vec::new();
    for (op, m) in msgs {
        let f = frame(0x80 | op, m, mask);
        w.feed(&f, &mut wire, how, &mut |s| written.push(s), &mut || {
            key = key.wrapping_add(1);
            [key; 4]
        });
    }
    assert_eq!(written.len(), msgs.len());
    let mut plain = BytesMut::new();
    let mut sizes = Vec::new();
    for piece in wire.chunks(split) {
        r.feed(piece, &mut plain, &mut |s| sizes.push(s)).unwrap();
    }
    // Each compressed message is told once, in order, with its inflated size; what the
    // reader saw compressed is what the writer compressed.
    let compressed: Vec<Sizes> = written.into_iter().filter(|s| s.compressed).collect();
    assert_eq!(sizes, compressed);
    if !how.compress {
        assert!(sizes.is_empty());
    }
    for s in &sizes {
        assert_eq!(s.plain, msgs[s.index as usize].1.len());
    }
    plain.to_vec()
}

use proptest::prelude::*;

/// Messages that compress well, badly, or not at all, and empty ones.
fn message() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let payload = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        (proptest::collection::vec(any::<u8>(), 1..8), 0usize..5000).prop_map(|(unit, n)| unit
            .iter()
            .copied()
            .cycle()
            .take(n)
            .collect()),
        Just(Vec::new()),
    ];
    (prop_oneof![Just(1u8), Just(2u8)], payload)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_messages_survive_any_parameters_fragments_and_reads(
        msgs in proptest::collection::vec(message(), 1..6),
        client in any::<bool>(),
        resets in (any::<bool>(), any::<bool>()),
        bits in (8u8..=15, 8u8..=15),
        compress in any::<bool>(),
        fragment in proptest::option::of(1usize..300),
        split in 1usize..2000,
    ) {
        let n = Negotiated {
            server_no_context_takeover: resets.0,
            client_no_context_takeover: resets.1,
            server_max_window_bits: bits.0,
            client_max_window_bits: bits.1,
        };
        let role = if client { Role::Client } else { Role::Server };
        let how = Sending { compress, fragment };
        let plain = round_trip_with(&n, role, &msgs, how, split);
        prop_assert_eq!(messages(&plain), msgs);
    }
}

/// The messages in a plain (uncompressed, unmasked or zero-masked) frame stream.
fn messages(mut b: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
    while !b.is_empty() {
        let h = parse_header(b).unwrap();
        assert_eq!(b[0] & 0x70, 0, "RSV bits left set");
        let op = b[0] & 0x0f;
        let mut p = b[h.len..h.len + h.payload as usize].to_vec();
        if let Some(m) = h.mask {
            apply_mask(&mut p, m, 0);
        }
        if op == 0 {
            out.last_mut().unwrap().1.extend(p);
        } else {
            out.push((op, p));
        }
        b = &b[h.len + h.payload as usize..];
    }
    out
}

#[test]
fn messages_survive_compression_fragmentation_and_any_read_split() {
    let msgs = vec![
        (1, b"Hello".to_vec()),
        (2, vec![7u8; 70_000]),
        (1, Vec::new()),
        (1, "déjà vu ".repeat(500).into_bytes()),
    ];
    for role in [Role::Client, Role::Server] {
        for fragment in [None, Some(1), Some(100)] {
            for split in [1, 7, 4096] {
                let how = Sending {
                    compress: true,
                    fragment,
                };
                let plain = round_trip(role, &msgs, how, split);
                assert_eq!(messages(&plain), msgs, "{role:?} {fragment:?} {split}");
            }
        }
    }
}

#[test]
fn what_compression_would_grow_goes_uncompressed_and_the_history_restarts() {
    // xorshift: bytes that do not compress.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let text = b"the same words again and again, the same words".repeat(40);
    let msgs = vec![
        (1, text.clone()),
        (2, random.clone()),
        (1, text.clone()),
        (2, random[..100].to_vec()),
    ];
    let n = negotiated();
    let mut w = Writing::new(Role::Server, Some(&n), false);
    let mut wire = BytesMut::new();
    let mut written = Vec::new();
    for (op, m) in &msgs {
        w.feed(
            &frame(0x80 | op, m, None),
            &mut wire,
            Sending::default(),
            &mut |s| written.push(s),
            &mut || [0; 4],
        );
    }
    let flags: Vec<bool> = written.iter().map(|s| s.compressed).collect();
    // The random 4 KiB would grow: sent as it is. 100 random bytes stay compressed.
    assert_eq!(flags, [true, false, true, true]);
    assert_eq!(written[1].wire, random.len());
    // The text after it inflates although the writer forgot what came before.
    let mut r = Reading::new(Role::Client, &n, 1 << 20, false);
    let mut plain = BytesMut::new();
    r.feed(&wire, &mut plain, &mut |_| {}).unwrap();
    assert_eq!(messages(&plain), msgs);
}

#[test]
fn uncompressed_sending_still_fragments() {
    let msgs = vec![(1, b"abcdefgh".to_vec())];
    let how = Sending {
        compress: false,
        fragment: Some(3),
    };
    let n = negotiated();
    let mut w = Writing::new(Role::Server, Some(&n), false);
    let mut wire = BytesMut::new();
    w.feed(
        &frame(0x81, b"abcdefgh", None),
        &mut wire,
        how,
        &mut |_| {},
        &mut || [0; 4],
    );
    assert_eq!(
        wire.to_vec(),
        [
            frame(0x01, b"abc", None),
            frame(0x00, b"def", None),
            frame(0x80, b"gh", None)
        ]
        .concat()
    );
    assert_eq!(messages(&round_trip(Role::Server, &msgs, how, 2)), msgs);
}

#[test]
fn the_rfc_examples_read() {
    // RFC 7692 §7.2.3.1 and .2: "Hello", unfragmented and in two fragments.
    let n = negotiated();
    for wire in [
        vec![0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
        vec![
            0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
        ],
    ] {
        let mut r = Reading::new(Role::Client, &n, 100, false);
        let mut plain = BytesMut::new();
        r.feed(&wire, &mut plain, &mut |_| {}).unwrap();
        assert_eq!(messages(&plain), vec![(1, b"Hello".to_vec())]);
    }
}

#[test]
fn control_frames_and_uncompressed_messages_pass_byte_for_byte() {
    let n = negotiated();
    let mut r = Reading::new(Role::Server, &n, 100, true);
    let wire = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        frame(0x89, b"ping", Some([9, 9, 9, 9])),
        frame(0x81, b"plain", Some([1, 2, 3, 4])),
        // RSV1 on a control frame and on a continuation: tungstenite's to refuse.
        frame(0xc9, b"", Some([0; 4])),
        frame(0xc0, b"x", Some([0; 4])),
    ]
    .concat();
    let mut plain = BytesMut::new();
    r.feed(&wire, &mut plain, &mut |_| {}).unwrap();
    assert_eq!(plain.to_vec(), wire);
}

#[test]
fn bombs_and_garbage_stop_reading() {
    let n = negotiated();
    let mut big = BytesMut::new();
    let mut w = Writing::new(Role::Server, Some(&n), false);
    w.feed(
        &frame(0x82, &vec![0; 1 << 20], None),
        &mut big,
        Sending::default(),
        &mut |_| {},
        &mut || [0; 4],
    );
    let mut r = Reading::new(Role::Client, &n, 1000, false);
    let mut plain = BytesMut::new();
    assert_eq!(
        r.feed(&big, &mut plain, &mut |_| {}),
        Err(ReadError::TooLarge { limit: 1000 })
    );
    assert!(plain.is_empty());
    let mut r = Reading::new(Role::Client, &n, 1000, false);
    let good = frame(0x81, b"ok", None);
    let bad = frame(0xc1, &[0xff, 0xff, 0xff], None);
    let mut plain = BytesMut::new();
    assert!(matches!(
        r.feed(&[good.clone(), bad].concat(), &mut plain, &mut |_| {}),
        Err(ReadError::Invalid(_))
    ));
    // What came before the bad frame is kept.
    assert_eq!(plain.to_vec(), good);
}
