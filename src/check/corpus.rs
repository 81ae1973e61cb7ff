//! The payloads of the compression cases (12.x, 13.x), generated.
//!
//! Autobahn sends slices of five files it ships (a JSON report, a 512×512 grey bitmap, the
//! text of Goethe's Faust, an HTML page, a PDF). Those files are not ours to ship, and they
//! need not be: a case's verdict depends only on whether every message comes back as sent
//! (same type, same bytes) within the case's wait, never on the bytes themselves. So each set
//! is generated here, from a fixed seed, with the file's size, its kind (text or binary, as
//! Autobahn sends it) and its class of compressibility (about what zlib makes of the file:
//! JSON and HTML to ~5 %, the text to ~40 %, the bitmap and the PDF barely). The two text
//! sets are valid UTF-8 and are cut into messages by characters, as Autobahn cuts them.

use std::sync::OnceLock;

use super::case::Corpus;

/// One generated set.
#[derive(Debug)]
pub struct Data {
    pub bytes: Vec<u8>,
    /// Sent as text messages (cut by characters) rather than binary ones.
    pub text: bool,
    /// Where each character starts (text sets only), and the end.
    starts: Vec<usize>,
}

impl Data {
    fn new(bytes: Vec<u8>, text: bool) -> Data {
        let starts = if text {
            let s = std::str::from_utf8(&bytes).expect("a text set is UTF-8");
            s.char_indices()
                .map(|(i, _)| i)
                .chain([bytes.len()])
                .collect()
        } else {
            Vec::new()
        };
        Data {
            bytes,
            text,
            starts,
        }
    }

    /// How many units (characters of a text set, bytes of a binary one) the set has.
    pub fn units(&self) -> usize {
        if self.text {
            self.starts.len() - 1
        } else {
            self.bytes.len()
        }
    }

    fn offset(&self, unit: usize) -> usize {
        if self.text {
            self.starts[unit]
        } else {
            unit
        }
    }

    /// Autobahn's next message: `len` units from `*at`, wrapping round the end of the set
    /// (an empty message when `len` is 0); `*at` moves past them.
    pub fn message(&self, at: &mut usize, len: usize) -> Vec<u8> {
        if len == 0 {
            return Vec::new();
        }
        let from = *at;
        let to = (from + len) % self.units();
        *at = to;
        let (a, b) = (self.offset(from), self.offset(to));
        if to > from {
            self.bytes[a..b].to_vec()
        } else {
            [&self.bytes[a..], &self.bytes[..b]].concat()
        }
    }
}

/// The set, generated once per process.
pub fn data(c: Corpus) -> &'static Data {
    static SETS: [OnceLock<Data>; 5] = [const { OnceLock::new() }; 5];
    let (i, make): (usize, fn() -> Data) = match c {
        Corpus::Json => (0, json),
        Corpus::Picture => (1, picture),
        Corpus::Faust => (2, faust),
        Corpus::Html => (3, html),
        Corpus::Pdf => (4, pdf),
    };
    SETS[i].get_or_init(make)
}

/// What Autobahn's set is, in words (its sub-category title).
pub fn describe(c: Corpus) -> &'static str {
    match c {
        Corpus::Json => "a large JSON document (text)",
        Corpus::Picture => "a 512x512 grey bitmap picture (binary)",
        Corpus::Faust => "human-readable German text (binary)",
        Corpus::Html => "a large HTML page (text)",
        Corpus::Pdf => "a larger PDF document (binary)",
    }
}

/// A small fixed-seed generator (SplitMix64): the same sets on every machine and run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const VERDICTS: [&str; 5] = [
    "OK",
    "NON-STRICT",
    "INFORMATIONAL",
    "UNIMPLEMENTED",
    "FAILED",
];

/// A test report as JSON, as Autobahn's own data1.json is: 194,056 bytes of ASCII.
fn json() -> Data {
    let mut r = Rng(0x4a53_4f4e);
    // The braces of the document's objects, written so that every brace of the code pairs.
    const OPEN: char = '\x7b';
    const CLOSE: char = '\x7d';
    let mut s = format!("{OPEN}\n");
    let mut agent = 0;
    'outer: loop {
        agent += 1;
        s.push_str(&format!("   \"Agent/0.{agent}.{}\": {OPEN}\n", r.below(10)));
        for a in 1..=13 {
            for b in 1..=9 {
                for c in 1..=6 {
                    let v = r.pick(&VERDICTS);
                    let vc = r.pick(&VERDICTS[..1]);
                    s.push_str(&format!(
                        "      \"{a}.{b}.{c}\": {{\n         \"behavior\": \"{v}\",\n         \"behaviorClose\": \"{vc}\",\n         \"duration\": {},\n         \"remoteCloseCode\": {},\n         \"reportfile\": \"agent_0_{agent}_case_{a}_{b}_{c}.json\"\n      }},\n",
                        r.below(300),
                        [1000, 1002, 1007][r.below(3)],
                    ));
                    if s.len() > 194_056 {
                        break 'outer;
                    }
                }
            }
        }
        s.push_str(&format!("   {CLOSE},\n"));
    }
    let mut bytes = s.into_bytes();
    bytes.truncate(194_056);
    Data::new(bytes, true)
}

/// An 8-bit grey bitmap of 512×512 (a BMP header, its palette, then the pixels): smooth
/// shapes with grain, which zlib hardly shrinks, as with Autobahn's photograph.
fn picture() -> Data {
    let mut r = Rng(0x4c45_4e41);
    let mut b = Vec::with_capacity(263_222);
    b.extend_from_slice(b"BM");
    b.extend_from_slice(&263_222u32.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&1078u32.to_le_bytes());
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&512u32.to_le_bytes());
    b.extend_from_slice(&512u32.to_le_bytes());
    b.extend_from_slice(&[1, 0, 8, 0]);
    b.extend_from_slice(&[0; 24]);
    for g in 0..=255u8 {
        b.extend_from_slice(&[g, g, g, 0]);
    }
    for y in 0..512i64 {
        for x in 0..512i64 {
            let shape = ((x * x + y * y / 2) / 700 + (x - y).abs() / 5) % 200;
            let grain = r.below(8) as i64;
            b.push((shape + grain).clamp(0, 255) as u8);
        }
    }
    Data::new(b, false)
}

const SYLLABLES: [&str; 40] = [
    "ge", "ist", "ein", "der", "die", "und", "mir", "nicht", "sch", "ich", "ver", "en", "er", "zu",
    "ganz", "wohl", "ach", "mein", "herz", "welt", "geist", "nacht", "lie", "be", "hab", "stu",
    "diert", "ü", "ä", "ö", "ß", "hei", "ßen", "kunst", "wis", "sen", "tod", "leben", "gott",
    "zeit",
];

/// Verse in German-like words with umlauts: 222,218 bytes of UTF-8 that zlib takes to about
/// two fifths, sent as binary messages (as Autobahn sends Faust).
fn faust() -> Data {
    let mut r = Rng(0x4641_5553);
    let speakers = ["FAUST", "MEPHISTOPHELES", "GRETCHEN", "WAGNER", "MARTHE"];
    let mut s = String::new();
    while s.len() < 222_218 {
        s.push_str(speakers[r.below(speakers.len())]);
        s.push_str(":\n");
        for _ in 0..1 + r.below(6) {
            for w in 0..3 + r.below(6) {
                if w > 0 {
                    s.push(' ');
                }
                for _ in 0..1 + r.below(3) {
                    s.push_str(r.pick(&SYLLABLES));
                }
            }
            s.push_str([",\n", ".\n", "!\n", ";\n"][r.below(4)]);
        }
        s.push('\n');
    }
    let mut bytes = s.into_bytes();
    bytes.truncate(222_218);
    Data::new(bytes, false)
}

/// A report page in HTML: 263,647 bytes, 263,620 characters (27 of them two bytes long, as
/// in Autobahn's page), very repetitive.
fn html() -> Data {
    let mut r = Rng(0x4854_4d4c);
    let ascii = 263_620 - 27;
    let mut s = String::from(
        "<!DOCTYPE html>\n<html>\n   <head>\n      <meta charset=\"utf-8\" />\n   </head>\n   <body>\n      <table>\n",
    );
    let mut n = 0;
    while s.len() < ascii {
        n += 1;
        let v = r.pick(&VERDICTS);
        s.push_str(&format!(
            "         <tr>\n            <td class=\"case_{}\"><a href=\"#case_{n}\">Case {}.{}.{}</a></td>\n            <td class=\"case_ok\">{v}</td>\n            <td>{} ms</td>\n         </tr>\n",
            v.to_ascii_lowercase(),
            n / 100,
            n / 10 % 10,
            n % 10,
            r.below(500),
        ));
    }
    s.truncate(ascii);
    let mut chars: Vec<char> = s.chars().collect();
    for i in 0..27 {
        let at = (i * 9_731 + r.below(9_000)) % chars.len();
        chars.insert(at, 'ä');
    }
    Data::new(chars.into_iter().collect::<String>().into_bytes(), true)
}

/// A PDF's shape: objects with short text dictionaries and long compressed (here: random)
/// streams, 1,042,328 bytes that zlib takes to about three quarters.
fn pdf() -> Data {
    let mut r = Rng(0x0050_4446);
    let mut b = b"%PDF-1.4\n".to_vec();
    let mut obj = 0;
    while b.len() < 1_042_328 {
        obj += 1;
        let len = 1_000 + r.below(12_000);
        b.extend_from_slice(
            format!("{obj} 0 obj\n<< /Length {len} /Filter /FlateDecode >>\nstream\n").as_bytes(),
        );
        for _ in 0..len / 8 {
            b.extend_from_slice(&r.next().to_le_bytes());
        }
        b.extend_from_slice(b"\nendstream\nendobj\n");
        for _ in 0..r.below(60) {
            b.extend_from_slice(
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /FirstChar {} >>\n",
                    r.below(64)
                )
                .as_bytes(),
            );
        }
    }
    b.truncate(1_042_328);
    Data::new(b, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(b: &[u8]) -> f64 {
        let mut out = Vec::new();
        crate::wire::deflate::codec::Deflater::new(15, true).message(b, &mut out);
        out.len() as f64 / b.len() as f64
    }

    #[test]
    fn the_sets_have_autobahns_sizes_kinds_and_compressibility() {
        // (set, bytes, units, text, zlib ratio range)
        let want = [
            (Corpus::Json, 194_056, 194_056, true, (0.02, 0.10)),
            (Corpus::Picture, 263_222, 263_222, false, (0.75, 0.95)),
            (Corpus::Faust, 222_218, 222_218, false, (0.30, 0.50)),
            (Corpus::Html, 263_647, 263_620, true, (0.02, 0.10)),
            (Corpus::Pdf, 1_042_328, 1_042_328, false, (0.65, 0.90)),
        ];
        for (c, bytes, units, text, (lo, hi)) in want {
            let d = data(c);
            assert_eq!(
                (d.bytes.len(), d.units(), d.text),
                (bytes, units, text),
                "{c:?}"
            );
            let q = ratio(&d.bytes);
            assert!(lo <= q && q <= hi, "{c:?}: ratio {q:.3}");
        }
    }

    #[test]
    fn messages_wrap_round_and_cut_text_by_characters() {
        let d = data(Corpus::Html);
        let mut at = d.units() - 3;
        let m = d.message(&mut at, 10);
        assert_eq!(at, 7);
        assert_eq!(
            std::str::from_utf8(&m).unwrap().chars().count(),
            10,
            "ten characters, whatever their bytes"
        );
        let mut at = 0;
        assert!(d.message(&mut at, 0).is_empty());
        assert_eq!(at, 0);
    }
}
