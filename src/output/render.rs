//! Rendering untrusted peer data and quantities for people: terminal-safe text, hex dumps,
//! human sizes and durations. Pure functions, no I/O.

use std::fmt::Write as _;
use std::time::Duration;

/// Whether a character could change what the terminal shows beyond itself: C0/C1 controls,
/// DEL, and the bidirectional overrides and isolates ("Trojan Source").
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escapes what a terminal would interpret. With `keep_lines`, newlines and tabs pass through
/// (a message shown on stdout); without, they are escaped too (a one-line event preview).
pub fn sanitize(s: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let keep = |c: char| keep_lines && (c == '\n' || c == '\t');
    if !s.chars().any(|c| is_dangerous(c) && !keep(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !is_dangerous(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A classic 16-bytes-per-row hex dump with offsets and an ASCII column.
pub fn hexdump(data: &[u8], out: &mut Vec<u8>) {
    for (row, chunk) in data.chunks(16).enumerate() {
        let mut line = String::with_capacity(80);
        let _ = write!(line, "{:08x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(line, "{b:02x} ");
                }
                None => line.push_str("   "),
            }
            if i == 7 {
                line.push(' ');
            }
        }
        line.push_str(" |");
        line.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        line.push_str("|\n");
        out.extend_from_slice(line.as_bytes());
    }
    if data.is_empty() {
        out.extend_from_slice(b"(empty binary message)\n");
    }
}

/// Hex of the first bytes, for one-line previews.
pub fn hex_preview(data: &[u8], max: usize) -> String {
    let mut s = String::with_capacity(max.min(data.len()) * 3 + 4);
    for (i, b) in data.iter().take(max).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{b:02x}");
    }
    if data.len() > max {
        s.push_str(" …");
    }
    s
}

/// A text preview cut to `max` characters, escaped for one line.
pub fn text_preview(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", sanitize(&text[..cut], false)),
        None => sanitize(text, false).into_owned(),
    }
}

/// `512 B`, `1.5 KiB`, `10.0 MiB`.
pub fn size(n: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `0.42ms`, `12ms`, `3.20s`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}ms")
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else {
        format!("{:.2}s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls_and_bidi() {
        assert_eq!(sanitize("plain", false), "plain");
        assert_eq!(sanitize("a\x1b[31mb", true), "a\\x1b[31mb");
        assert_eq!(sanitize("x\u{202e}y", true), "x\\u{202e}y");
        assert_eq!(sanitize("l1\nl2\t", true), "l1\nl2\t");
        assert_eq!(sanitize("l1\nl2\r", false), "l1\\nl2\\r");
        assert_eq!(sanitize("\u{9b}", true), "\\x9b");
    }

    #[test]
    fn hexdump_rows() {
        let mut out = Vec::new();
        hexdump(b"hello, world!\x00\x01\x02\xff", &mut out);
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "00000000  68 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 00 01 02  |hello, world!...|\n\
             00000010  ff                                                |.|\n"
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(size(5), "5 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(10 << 20), "10.0 MiB");
        assert_eq!(duration(Duration::from_micros(420)), "0.42ms");
        assert_eq!(duration(Duration::from_millis(12)), "12ms");
        assert_eq!(duration(Duration::from_millis(3200)), "3.20s");
        assert_eq!(text_preview("abcdef", 3), "abc…");
    }
}
