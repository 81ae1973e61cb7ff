//! `--cert-hash HEX`: the SHA-256 of a server certificate, as a page pins it with
//! `serverCertificateHashes` (64 hex digits; colons between the bytes allowed, as
//! `openssl x509 -fingerprint -sha256` prints them).

use std::fmt;

/// A certificate's SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CertHash(pub [u8; 32]);

impl CertHash {
    pub fn parse_arg(s: &str) -> Result<CertHash, String> {
        let digits: String = s.chars().filter(|c| *c != ':').collect();
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!(
                "'{bad}' is not a hex digit: give the certificate's SHA-256 as 64 hex digits \
                 (colons between bytes allowed)"
            ));
        }
        if digits.len() != 64 {
            return Err(format!(
                "a SHA-256 has 64 hex digits, this has {}: give the certificate's SHA-256 \
                 (openssl x509 -noout -fingerprint -sha256 -in CERT.pem)",
                digits.len()
            ));
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
                .map_err(|_| "not hex".to_owned())?;
        }
        Ok(CertHash(out))
    }
}

/// Lower-case hex with colons, as `listen --webtransport` prints it.
impl fmt::Display for CertHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn with_or_without_colons_any_case() {
        let plain = "AB".repeat(32);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(CertHash::parse_arg(&plain), CertHash::parse_arg(&colons));
        assert_eq!(CertHash::parse_arg(&plain).unwrap().0, [0xab; 32]);
    }

    #[test]
    fn wrong_length_and_bad_digits_say_so() {
        let e = CertHash::parse_arg("abcd").unwrap_err();
        assert!(e.contains("64 hex digits, this has 4"), "{e}");
        let e = CertHash::parse_arg(&"zz".repeat(32)).unwrap_err();
        assert!(e.contains("'z' is not a hex digit"), "{e}");
    }

    proptest! {
        #[test]
        fn any_string_gives_a_hash_or_an_error(s in "\\PC{0,80}") {
            let _ = CertHash::parse_arg(&s);
        }

        #[test]
        fn display_parses_back(bytes in proptest::array::uniform32(any::<u8>())) {
            let h = CertHash(bytes);
            prop_assert_eq!(CertHash::parse_arg(&h.to_string()), Ok(h));
        }
    }
}
