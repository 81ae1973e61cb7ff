//! WebTransport's application error codes (u32, as `WebTransportError.streamErrorCode` and
//! `close({closeCode})` have them) and the HTTP/3 error codes that carry a stream's reset on
//! the wire (draft-ietf-webtrans-http3, "Resetting Data Streams"): code N travels as
//! `0x52e4a40fa8db + N + floor(N / 0x1e)`, skipping HTTP/3's reserved codepoints. Browsers
//! and aioquic peers use this mapping; the QUIC stack does not apply it, so it is done here.

/// The first HTTP/3 error code of WebTransport's range.
const FIRST: u64 = 0x52e4_a40f_a8db;
/// The last (the code of u32::MAX).
const LAST: u64 = 0x52e5_ac98_3162;

/// The HTTP/3 error code that carries WebTransport code `code`.
pub fn to_http3(code: u32) -> u64 {
    let n = u64::from(code);
    FIRST + n + n / 0x1e
}

/// The WebTransport code an HTTP/3 error code carries, or `None` outside the range (or on a
/// reserved codepoint, which is no WebTransport code).
pub fn from_http3(h: u64) -> Option<u32> {
    if !(FIRST..=LAST).contains(&h) || (h - 0x21).is_multiple_of(0x1f) {
        return None;
    }
    let shifted = h - FIRST;
    u32::try_from(shifted - shifted / 0x1f).ok()
}

/// What a peer's reset or stop code means to a user: the WebTransport code when it is one,
/// else the raw code (a peer that does not map its codes), as a u32 when it fits.
pub fn from_wire(h: u64) -> u32 {
    from_http3(h).unwrap_or_else(|| u32::try_from(h).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_ends_of_the_range() {
        assert_eq!(to_http3(0), FIRST);
        assert_eq!(to_http3(u32::MAX), LAST);
        assert_eq!(from_http3(FIRST), Some(0));
        assert_eq!(from_http3(LAST), Some(u32::MAX));
        // 0x1e is the first code after a reserved codepoint.
        assert_eq!(to_http3(0x1e), FIRST + 0x1f);
        assert_eq!(from_http3(FIRST + 0x1e), None);
    }

    #[test]
    fn raw_codes_outside_the_range_pass_as_they_are() {
        assert_eq!(from_wire(7), 7);
        assert_eq!(from_wire(to_http3(7)), 7);
    }

    proptest! {
        #[test]
        fn every_code_maps_back(code in any::<u32>()) {
            prop_assert_eq!(from_http3(to_http3(code)), Some(code));
        }

        #[test]
        fn any_wire_code_gives_a_code(h in any::<u64>()) {
            let _ = from_wire(h);
        }
    }
}
