//! The two facts wsprobe reads from a certificate by itself: its validity period and its
//! extended key usage. Only needed to check a server certificate that is trusted *as itself*
//! (a self-signed CA:TRUE certificate given with `--ca`), where webpki stops before reaching
//! these checks. Everything else about certificates is left to rustls/webpki.
//!
//! A minimal DER reader: definite lengths only, no allocation beyond the EKU list, and any
//! input that is not the expected shape gives `None`, never a panic (the bytes come from the
//! peer).

use rustls::pki_types::UnixTime;

/// What [`read`] found in a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    /// The key purpose OIDs (content bytes) of the extended key usage extension, if present.
    pub eku: Option<Vec<Vec<u8>>>,
}

/// id-kp-serverAuth, 1.3.6.1.5.5.7.3.1.
pub const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// id-ce-extKeyUsage, 2.5.29.37.
const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VERSION: u8 = 0xa0;
const EXTENSIONS: u8 = 0xa3;

/// Reads the validity period and extended key usage of a DER certificate.
pub fn read(der: &[u8]) -> Option<Facts> {
    let (cert, rest) = expect(der, SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut tbs = tbs;
    if tbs.first() == Some(&VERSION) {
        tbs = tlv(tbs)?.2;
    }
    // serialNumber, signature, issuer.
    for _ in 0..3 {
        tbs = tlv(tbs)?.2;
    }
    let (validity, mut tbs) = expect(tbs, SEQUENCE)?;
    let (not_before, validity) = time(validity)?;
    let (not_after, validity) = time(validity)?;
    if !validity.is_empty() {
        return None;
    }
    let mut eku = None;
    // subject, subjectPublicKeyInfo, then optional issuerUniqueID, subjectUniqueID, extensions.
    tbs = tlv(tbs)?.2;
    tbs = tlv(tbs)?.2;
    while !tbs.is_empty() {
        let (tag, value, rest) = tlv(tbs)?;
        tbs = rest;
        if tag == EXTENSIONS {
            eku = extended_key_usage(value)?;
        }
    }
    Some(Facts {
        not_before,
        not_after,
        eku,
    })
}

/// The EKU purposes in `[3] { SEQUENCE OF Extension }`; `Some(None)` when there is no EKU.
fn extended_key_usage(explicit: &[u8]) -> Option<Option<Vec<Vec<u8>>>> {
    let (mut exts, _) = expect(explicit, SEQUENCE)?;
    while !exts.is_empty() {
        let (ext, rest) = expect(exts, SEQUENCE)?;
        exts = rest;
        let (id, mut ext) = expect(ext, OID)?;
        if ext.first() == Some(&BOOLEAN) {
            ext = tlv(ext)?.2;
        }
        let (value, _) = expect(ext, OCTET_STRING)?;
        if id != EXT_KEY_USAGE {
            continue;
        }
        let (mut purposes, _) = expect(value, SEQUENCE)?;
        let mut found = Vec::new();
        while !purposes.is_empty() {
            let (oid, rest) = expect(purposes, OID)?;
            found.push(oid.to_vec());
            purposes = rest;
        }
        return Some(Some(found));
    }
    Some(None)
}

/// One tag-length-value: (tag, value, what follows).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || input.len() < n {
            return None;
        }
        let (bytes, rest) = input.split_at(n);
        input = rest;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if input.len() < len {
        return None;
    }
    let (value, rest) = input.split_at(len);
    Some((tag, value, rest))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, value, rest) = tlv(input)?;
    (t == tag).then_some((value, rest))
}

/// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), as DER requires them.
fn time(input: &[u8]) -> Option<(UnixTime, &[u8])> {
    let (tag, value, rest) = tlv(input)?;
    let digits = value.strip_suffix(b"Z")?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |s: &[u8]| s.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    let (year, rest_digits) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy = num(&digits[..2]);
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (num(&digits[..4]), &digits[4..]),
        _ => return None,
    };
    let [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map(|i| num(&rest_digits[i..i + 2]));
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
        || year < 1970
    {
        return None;
    }
    let days = days_since_epoch(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some((
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)),
        rest,
    ))
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the date (year ≥ 1970).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let years: u64 = (1970..year)
        .map(|y| if is_leap(y) { 366 } else { 365 })
        .sum();
    let months: u64 = (1..month).map(|m| days_in_month(year, m)).sum();
    years + months + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(t: UnixTime) -> u64 {
        t.as_secs()
    }

    #[test]
    fn times_of_both_kinds_are_read() {
        let (t, _) = time(b"\x17\x0d000101000000Z").unwrap();
        assert_eq!(secs(t), 946_684_800);
        let (t, _) = time(b"\x18\x0f20240229235959Z").unwrap();
        assert_eq!(secs(t), 1_709_251_199);
        let (t, _) = time(b"\x17\x0d991231235959Z").unwrap();
        assert_eq!(secs(t), 946_684_799);
        assert!(time(b"\x17\x0d000230000000Z").is_none(), "no 30 February");
        assert!(time(b"\x18\x0d0001010000000").is_none());
    }

    #[test]
    fn a_certificate_made_by_rcgen_gives_its_dates_and_purposes() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2060, 6, 15);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.self_signed(&key).unwrap();
        let facts = read(cert.der()).unwrap();
        assert_eq!(secs(facts.not_before), 946_684_800);
        assert_eq!(secs(facts.not_after), 2_854_483_200);
        assert_eq!(facts.eku, Some(vec![SERVER_AUTH.to_vec()]));

        params.extended_key_usages = vec![];
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(read(cert.der()).unwrap().eku, None);
    }

    #[test]
    fn every_truncation_of_a_certificate_gives_none() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["a.test".to_owned()]).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        assert!(read(&der).is_some());
        for cut in 0..der.len() {
            assert!(read(&der[..cut]).is_none(), "cut at {cut}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_give_facts_or_none(bytes in proptest::collection::vec(0u8..=255, 0..512)) {
            let _ = read(&bytes);
        }

    }
}
