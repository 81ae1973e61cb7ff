//! 12.x and 13.x: permessage-deflate. Each case is 1000 round trips of compressed messages
//! of one size taken in turn from one payload set, sent whole or in frames of a fixed size
//! (Autobahn's auto-fragmentation, of the compressed bytes), then a close; UNIMPLEMENTED
//! when the server accepts no offer. 12.x: Autobahn's default offer with each of the five
//! payload sets; 13.x: the JSON set with each of the seven offers (or lists of offers) of
//! Autobahn's 13.x. The facts are Autobahn's (`case12_x_x.py`).

use crate::check::case::step::close_after;
use crate::check::case::{Case, Corpus, Offer, OnMessage};
use crate::check::corpus;

/// (message length, round trips, the case's wait in seconds, auto-fragment size; 0: none),
/// the 18 cases of each group, in Autobahn's order.
const SIZES: [(usize, u32, u32, usize); 18] = [
    (16, 1000, 60, 0),
    (64, 1000, 60, 0),
    (256, 1000, 120, 0),
    (1024, 1000, 240, 0),
    (4096, 1000, 480, 0),
    (8192, 1000, 480, 0),
    (16384, 1000, 480, 0),
    (32768, 1000, 480, 0),
    (65536, 1000, 480, 0),
    (131072, 1000, 480, 0),
    (8192, 1000, 480, 256),
    (16384, 1000, 480, 256),
    (32768, 1000, 480, 256),
    (65536, 1000, 480, 256),
    (131072, 1000, 480, 256),
    (131072, 1000, 480, 1024),
    (131072, 1000, 480, 4096),
    (131072, 1000, 480, 32768),
];

/// The payload sets of 12.1–12.5, in Autobahn's order.
const SETS: [Corpus; 5] = [
    Corpus::Json,
    Corpus::Picture,
    Corpus::Faust,
    Corpus::Html,
    Corpus::Pdf,
];

const fn offer(no_context_takeover: bool, max_window_bits: u8) -> Offer {
    Offer {
        no_context_takeover,
        max_window_bits,
    }
}

/// The offers of 13.1–13.7 (Autobahn's server-side acceptors pair with them; a server under
/// test answers as it likes).
const OFFERS: [&[Offer]; 7] = [
    &[offer(false, 0)],
    &[offer(true, 0)],
    &[offer(false, 9)],
    &[offer(false, 15)],
    &[offer(true, 9)],
    &[offer(true, 15)],
    &[offer(true, 9), offer(true, 0), offer(false, 0)],
];

/// 12.x: the default offer, each payload set.
pub fn payloads() -> Vec<Case> {
    let mut cases = Vec::new();
    for (j, set) in SETS.iter().enumerate() {
        cases.extend(group(&format!("12.{}", j + 1), *set, OFFERS[0]));
    }
    cases
}

/// 13.x: the JSON set, each offer.
pub fn parameters() -> Vec<Case> {
    let mut cases = Vec::new();
    for (j, offers) in OFFERS.iter().enumerate() {
        cases.extend(group(&format!("13.{}", j + 1), Corpus::Json, offers));
    }
    cases
}

fn group(prefix: &str, set: Corpus, offers: &[Offer]) -> Vec<Case> {
    let offered: Vec<String> = offers
        .iter()
        .map(|o| match (o.no_context_takeover, o.max_window_bits) {
            (false, 0) => "the default offer".to_owned(),
            (true, 0) => "server_no_context_takeover".to_owned(),
            (false, b) => format!("server_max_window_bits={b}"),
            (true, b) => format!("server_no_context_takeover, server_max_window_bits={b}"),
        })
        .collect();
    SIZES
        .iter()
        .enumerate()
        .map(|(i, &(len, count, wait, fragment))| {
            let frames = if fragment == 0 {
                String::new()
            } else {
                format!(", in frames of {fragment} bytes")
            };
            let sends = format!(
                "{count} compressed messages of {len} bytes of {}{frames} (permessage-deflate: {})",
                corpus::describe(set),
                offered.join(", else ")
            );
            Case::new(format!("{prefix}.{}", i + 1), sends)
                .offers(offers.to_vec())
                .on_message(OnMessage::Echoes {
                    corpus: set,
                    len,
                    count,
                    fragment,
                })
                .steps(vec![close_after(f64::from(wait))])
        })
        .collect()
}
