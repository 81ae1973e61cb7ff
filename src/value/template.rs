//! A `--payload` with `{seq}` in it: split once into the literal pieces around each
//! placeholder, so that each message is built with one allocation, its own bytes, the
//! message's sequence number written in decimal where each `{seq}` stood.

/// What `{seq}` stands for.
pub const SEQ: &str = "{seq}";

/// The most decimal digits of a `u64`.
const DIGITS: usize = 20;

/// A message's bytes with a number in place of each `{seq}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqTemplate {
    /// The bytes between the placeholders: one more piece than there are placeholders.
    pieces: Vec<Vec<u8>>,
}

impl SeqTemplate {
    /// `bytes` cut at each `{seq}` (none: the message is `bytes` as they are).
    pub fn new(bytes: &[u8]) -> SeqTemplate {
        let mut pieces = Vec::new();
        let mut rest = bytes;
        while let Some(at) = find(rest, SEQ.as_bytes()) {
            pieces.push(rest[..at].to_vec());
            rest = &rest[at + SEQ.len()..];
        }
        pieces.push(rest.to_vec());
        SeqTemplate { pieces }
    }

    /// Whether there is a `{seq}` to fill in.
    pub fn numbered(&self) -> bool {
        self.pieces.len() > 1
    }

    /// The message when there is no `{seq}`, or the literal bytes without the placeholders.
    pub fn literal(&self) -> Vec<u8> {
        self.pieces.concat()
    }

    /// The largest message it makes, in bytes (each `{seq}` a 20-digit number).
    pub fn max_len(&self) -> usize {
        let literal: usize = self.pieces.iter().map(Vec::len).sum();
        literal.saturating_add((self.pieces.len() - 1).saturating_mul(DIGITS))
    }

    /// The message numbered `seq`: exactly as long as it needs to be.
    pub fn render(&self, seq: u64) -> Vec<u8> {
        let mut buf = [0u8; DIGITS];
        let digits = decimal(seq, &mut buf);
        let literal: usize = self.pieces.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(literal + (self.pieces.len() - 1) * digits.len());
        let (last, before) = self.pieces.split_last().unwrap_or((&self.pieces[0], &[]));
        for piece in before {
            out.extend_from_slice(piece);
            out.extend_from_slice(digits);
        }
        out.extend_from_slice(last);
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `v` in decimal, written at the end of `buf`.
fn decimal(mut v: u64, buf: &mut [u8; DIGITS]) -> &[u8] {
    let mut at = DIGITS;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seq_becomes_the_number_in_a_string_or_bare() {
        let t = SeqTemplate::new(br#"{"id":"{seq}","op":"get"}"#);
        assert!(t.numbered());
        assert_eq!(t.render(0), br#"{"id":"0","op":"get"}"#);
        assert_eq!(t.render(42), br#"{"id":"42","op":"get"}"#);
        let t = SeqTemplate::new(b"{seq}");
        assert_eq!(t.render(u64::MAX), u64::MAX.to_string().as_bytes());
        assert_eq!(t.max_len(), 20);
        let t = SeqTemplate::new(br#"{"id":{seq},"echo":"{seq}"}"#);
        assert_eq!(t.render(7), br#"{"id":7,"echo":"7"}"#);
    }

    #[test]
    fn without_seq_the_payload_is_sent_as_it_is() {
        let t = SeqTemplate::new(b"{se q} {seq");
        assert!(!t.numbered());
        assert_eq!(t.render(5), b"{se q} {seq");
        assert_eq!(t.literal(), b"{se q} {seq");
        assert!(!SeqTemplate::new(b"").numbered());
    }

    proptest! {
        #[test]
        fn any_payload_renders_with_the_number_in_each_place(
            pieces in proptest::collection::vec(".*", 1..4),
            seq in any::<u64>(),
        ) {
            // Pieces without a placeholder of their own, joined by {seq}.
            let pieces: Vec<String> = pieces
                .into_iter()
                .map(|mut p| {
                    while p.contains(SEQ) {
                        p = p.replace(SEQ, "");
                    }
                    p
                })
                .collect();
            let payload = pieces.join(SEQ);
            let t = SeqTemplate::new(payload.as_bytes());
            prop_assert_eq!(t.numbered(), pieces.len() > 1);
            let out = t.render(seq);
            prop_assert!(out.len() <= t.max_len());
            prop_assert_eq!(out, pieces.join(&seq.to_string()).into_bytes());
        }
    }
}
