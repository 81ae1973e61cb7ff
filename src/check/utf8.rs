//! Incremental UTF-8 validation of the server's text messages, failing as early as
//! Autobahn's validator does: at the first byte no continuation can make valid.

/// Incremental UTF-8 validation: fails as soon as no continuation can make the bytes valid.
#[derive(Debug, Default)]
pub struct Utf8 {
    /// The bytes of an unfinished code point at the end so far.
    pending: Vec<u8>,
    failed: bool,
}

impl Utf8 {
    /// Takes more bytes; false once the text is invalid.
    pub fn feed(&mut self, data: &[u8]) -> bool {
        if self.failed {
            return false;
        }
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(data);
        match std::str::from_utf8(&bytes) {
            Ok(_) => true,
            Err(e) => match e.error_len() {
                Some(_) => {
                    self.failed = true;
                    false
                }
                None => {
                    self.pending = bytes[e.valid_up_to()..].to_vec();
                    true
                }
            },
        }
    }

    /// Whether the text so far ends on a code point boundary.
    pub fn complete(&self) -> bool {
        !self.failed && self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_fails_fast_and_across_pieces() {
        let mut v = Utf8::default();
        assert!(v.feed(b"\xce"));
        assert!(!v.complete());
        assert!(v.feed(b"\xba"));
        assert!(v.complete());
        assert!(
            !v.feed(b"\xf4\x90"),
            "past U+10FFFF fails at its second byte"
        );
        let mut v = Utf8::default();
        assert!(!v.feed(b"\xed\xa0"), "a surrogate fails at its second byte");
    }
}
