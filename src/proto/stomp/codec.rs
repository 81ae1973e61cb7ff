//! STOMP frames ⇄ bytes (1.0, 1.1 and 1.2): pure, no I/O. A [`Decoder`] takes the bytes of
//! WebSocket messages as they come and hands out whole frames and heart-beats, whatever the
//! split: a frame cut across messages, several frames packed in one (Spring buffers them),
//! EOLs between frames (heart-beats). Header escaping is the version's (none in 1.0; `\\`,
//! `\n`, `\c` in 1.1, and `\r` in 1.2; never in CONNECT and CONNECTED); a `content-length`
//! body may hold NULs, any other body ends at the first NUL.

use std::fmt;

/// A STOMP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V10,
    V11,
    V12,
}

impl Version {
    /// The `version` header's value, `1.0` when a server gives none.
    pub fn parse(s: &str) -> Option<Version> {
        match s.trim() {
            "1.0" => Some(Version::V10),
            "1.1" => Some(Version::V11),
            "1.2" => Some(Version::V12),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V10 => "1.0",
            Version::V11 => "1.1",
            Version::V12 => "1.2",
        }
    }
}

/// The WebSocket subprotocols a STOMP client offers, preferred first.
pub const SUBPROTOCOLS: [&str; 3] = ["v12.stomp", "v11.stomp", "v10.stomp"];

/// One frame: its command, its headers in order (repeats kept), its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub command: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Frame {
    pub fn new(command: &str) -> Frame {
        Frame {
            command: command.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Frame {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body, with its `content-length` (so that it may hold NULs).
    #[must_use]
    pub fn body(mut self, body: Vec<u8>) -> Frame {
        self.headers
            .push(("content-length".to_owned(), body.len().to_string()));
        self.body = body;
        self
    }

    /// A header's value: the first one, as STOMP 1.2 says a repeated header counts.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// CONNECT and CONNECTED headers are never escaped (1.1 and 1.2 say so).
    fn escaped(command: &str, v: Version) -> bool {
        v >= Version::V11 && command != "CONNECT" && command != "CONNECTED" && command != "STOMP"
    }

    /// The frame's bytes in version `v`, its NUL included.
    pub fn encode(&self, v: Version) -> Vec<u8> {
        let escape = Frame::escaped(&self.command, v);
        let mut out = Vec::with_capacity(self.command.len() + self.body.len() + 64);
        out.extend_from_slice(self.command.as_bytes());
        out.push(b'\n');
        for (k, val) in &self.headers {
            push_escaped(&mut out, k, escape, v);
            out.push(b':');
            push_escaped(&mut out, val, escape, v);
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out.push(0);
        out
    }
}

fn push_escaped(out: &mut Vec<u8>, s: &str, escape: bool, v: Version) {
    if !escape {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b':' => out.extend_from_slice(b"\\c"),
            b'\r' if v == Version::V12 => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// What the decoder hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Frame(Frame),
    /// One or more EOLs between frames: the peer's heart-beat.
    HeartBeat,
}

/// Bytes that are not STOMP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    BadCommand(String),
    NoColon(String),
    BadEscape(String),
    NotUtf8,
    BadLength(String),
    NoNul,
    TooLarge(usize),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::BadCommand(c) => write!(f, "{c:?} is not a STOMP command"),
            CodecError::NoColon(h) => write!(f, "the header line {h:?} has no colon"),
            CodecError::BadEscape(h) => write!(f, "the header {h:?} has an undefined escape"),
            CodecError::NotUtf8 => f.write_str("a command or header is not UTF-8"),
            CodecError::BadLength(l) => write!(f, "content-length {l:?} is not a length"),
            CodecError::NoNul => f.write_str("the body of content-length is not followed by NUL"),
            CodecError::TooLarge(n) => write!(f, "a frame is larger than {n} bytes"),
        }
    }
}

impl std::error::Error for CodecError {}

/// Cuts a byte stream into frames and heart-beats.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    version: Version,
    max: usize,
}

impl Decoder {
    /// `max`: the largest frame accepted (the connection's `--max-message-size`).
    pub fn new(version: Version, max: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            version,
            max,
        }
    }

    pub fn set_version(&mut self, v: Version) {
        self.version = v;
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The next whole item, `None` while more bytes are needed.
    pub fn next(&mut self) -> Result<Option<Item>, CodecError> {
        let eols = self
            .buf
            .iter()
            .take_while(|b| **b == b'\n' || **b == b'\r')
            .count();
        if eols > 0 {
            self.buf.drain(..eols);
            return Ok(Some(Item::HeartBeat));
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        match parse(&self.buf, self.version)? {
            Some((frame, used)) => {
                self.buf.drain(..used);
                Ok(Some(Item::Frame(frame)))
            }
            None if self.buf.len() > self.max => Err(CodecError::TooLarge(self.max)),
            None => Ok(None),
        }
    }
}

/// One line from `at` (its `\n` or `\r\n` left out), and where the next starts.
fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let end = at + buf.get(at..)?.iter().position(|b| *b == b'\n')?;
    let l = &buf[at..end];
    Some((l.strip_suffix(b"\r").unwrap_or(l), end + 1))
}

/// A whole frame at the start of `buf` and its length, or `None` if incomplete.
fn parse(buf: &[u8], v: Version) -> Result<Option<(Frame, usize)>, CodecError> {
    let Some((cmd, mut at)) = line(buf, 0) else {
        return check_command_prefix(buf).map(|()| None);
    };
    let command = std::str::from_utf8(cmd).map_err(|_| CodecError::NotUtf8)?;
    check_command(command)?;
    let escape = Frame::escaped(command, v);
    let mut headers = Vec::new();
    loop {
        let Some((l, next)) = line(buf, at) else {
            return Ok(None);
        };
        at = next;
        if l.is_empty() {
            break;
        }
        let text = std::str::from_utf8(l).map_err(|_| CodecError::NotUtf8)?;
        let (k, val) = text
            .split_once(':')
            .ok_or_else(|| CodecError::NoColon(text.to_owned()))?;
        let bad = || CodecError::BadEscape(text.to_owned());
        let (k, val) = if escape {
            (
                unescape(k, v).ok_or_else(bad)?,
                unescape(val, v).ok_or_else(bad)?,
            )
        } else {
            (k.to_owned(), val.to_owned())
        };
        headers.push((k, val));
    }
    let length = headers.iter().find(|(k, _)| k == "content-length");
    let end = match length {
        Some((_, l)) => {
            let n: usize = l
                .trim()
                .parse()
                .map_err(|_| CodecError::BadLength(l.clone()))?;
            let end = at.checked_add(n).ok_or(CodecError::BadLength(l.clone()))?;
            match buf.get(end) {
                None => return Ok(None),
                Some(0) => end,
                Some(_) => return Err(CodecError::NoNul),
            }
        }
        None => match buf[at..].iter().position(|b| *b == 0) {
            Some(p) => at + p,
            None => return Ok(None),
        },
    };
    let frame = Frame {
        command: command.to_owned(),
        headers,
        body: buf[at..end].to_vec(),
    };
    Ok(Some((frame, end + 1)))
}

fn check_command(c: &str) -> Result<(), CodecError> {
    if c.is_empty() || c.len() > 20 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(CodecError::BadCommand(c.chars().take(40).collect()));
    }
    Ok(())
}

/// An unfinished first line can already be wrong (garbage fails at once, not at its EOL).
fn check_command_prefix(buf: &[u8]) -> Result<(), CodecError> {
    let head = buf.strip_suffix(b"\r").unwrap_or(buf);
    if head.len() > 20 || !head.iter().all(u8::is_ascii_uppercase) {
        let shown = String::from_utf8_lossy(&head[..head.len().min(40)]).into_owned();
        return Err(CodecError::BadCommand(shown));
    }
    Ok(())
}

fn unescape(s: &str, v: Version) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            'n' => '\n',
            'c' => ':',
            'r' if v == Version::V12 => '\r',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(d: &mut Decoder) -> Result<Vec<Item>, CodecError> {
        let mut items = Vec::new();
        while let Some(i) = d.next()? {
            items.push(i);
        }
        Ok(items)
    }

    #[test]
    fn frames_packed_in_one_message_and_heart_beats_between_them() {
        let mut d = Decoder::new(Version::V12, 1 << 20);
        d.push(b"MESSAGE\ndestination:/topic/a\n\nhi\0\nMESSAGE\ndestination:/topic/b\n\nho\0\r\n");
        let items = all(&mut d).unwrap();
        assert_eq!(items.len(), 4);
        let Item::Frame(f) = &items[2] else { panic!() };
        assert_eq!(f.get("destination"), Some("/topic/b"));
        assert_eq!(f.body, b"ho");
        assert_eq!(items[3], Item::HeartBeat);
    }

    #[test]
    fn a_frame_split_across_messages() {
        let bytes = Frame::new("MESSAGE")
            .header("destination", "/q")
            .body(b"a\0b".to_vec())
            .encode(Version::V12);
        let mut d = Decoder::new(Version::V12, 1 << 20);
        for b in &bytes[..bytes.len() - 1] {
            d.push(&[*b]);
            assert_eq!(d.next().unwrap(), None);
        }
        d.push(&bytes[bytes.len() - 1..]);
        let Some(Item::Frame(f)) = d.next().unwrap() else {
            panic!()
        };
        assert_eq!(f.body, b"a\0b");
    }

    #[test]
    fn escaping_is_the_versions() {
        let f = Frame::new("SEND").header("a:b", "c\nd\\e\rf");
        let v12 = f.encode(Version::V12);
        assert!(v12.starts_with(b"SEND\na\\cb:c\\nd\\\\e\\rf\n"));
        let v11 = f.encode(Version::V11);
        assert!(v11.starts_with(b"SEND\na\\cb:c\\nd\\\\e\rf\n"));
        // CONNECTED is never escaped.
        let mut d = Decoder::new(Version::V12, 1 << 20);
        d.push(b"CONNECTED\nserver:a\\b\n\n\0");
        let Some(Item::Frame(f)) = d.next().unwrap() else {
            panic!()
        };
        assert_eq!(f.get("server"), Some("a\\b"));
        let mut d = Decoder::new(Version::V12, 1 << 20);
        d.push(b"MESSAGE\nx:a\\tb\n\n\0");
        assert!(matches!(d.next(), Err(CodecError::BadEscape(_))));
    }

    #[test]
    fn garbage_is_refused_before_its_end_of_line() {
        let mut d = Decoder::new(Version::V12, 1 << 20);
        d.push(b"{\"hello\":");
        assert!(matches!(d.next(), Err(CodecError::BadCommand(_))));
    }

    #[test]
    fn a_frame_larger_than_the_limit_fails() {
        let mut d = Decoder::new(Version::V12, 16);
        d.push(b"MESSAGE\n\n0123456789abcdef");
        assert_eq!(d.next(), Err(CodecError::TooLarge(16)));
    }

    proptest! {
        #[test]
        fn any_bytes_give_frames_or_a_clean_error(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..6)) {
            let mut d = Decoder::new(Version::V12, 256);
            for c in chunks {
                d.push(&c);
                if all(&mut d).is_err() {
                    break;
                }
            }
        }

        #[test]
        fn what_is_encoded_decodes_to_itself(
            cmd in prop::sample::select(vec!["SEND", "MESSAGE", "SUBSCRIBE", "RECEIPT", "ERROR"]),
            headers in prop::collection::vec(("[a-z:\\\\\n\r-]{1,8}", "\\PC{0,12}"), 0..4),
            body in prop::collection::vec(any::<u8>(), 0..64),
            v12 in any::<bool>(),
            split in 0usize..200,
        ) {
            let v = if v12 { Version::V12 } else { Version::V11 };
            let mut f = Frame::new(cmd);
            for (k, val) in &headers {
                // 1.1 has no escape for CR; such a header cannot be written in it.
                let val = if v12 { val.clone() } else { val.replace('\r', "") };
                let k = if v12 { k.clone() } else { k.replace('\r', "") };
                f = f.header(&k, &val);
            }
            let f = f.body(body);
            let bytes = f.encode(v);
            let cut = split.min(bytes.len());
            let mut d = Decoder::new(v, 1 << 20);
            d.push(&bytes[..cut]);
            let mut got = all(&mut d).unwrap();
            d.push(&bytes[cut..]);
            got.extend(all(&mut d).unwrap());
            prop_assert_eq!(got, vec![Item::Frame(f)]);
        }
    }
}
