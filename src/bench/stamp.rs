//! The messages a run sends, and how a reply is matched to its message: a generated message
//! starts with a send stamp (when it was due, in nanoseconds since the run started, as 16 hex
//! digits) that an echo server returns, so matching needs no state per message. A `--payload`
//! may carry each message's sequence number instead (`{seq}`), which `--match json:PATH`
//! reads back from the reply.

use tokio_tungstenite::tungstenite::{Bytes, Message, Utf8Bytes};

use crate::config::bench::{Body, MessagePlan, STAMP_LEN};
use crate::value::{JsonPath, SeqTemplate};

/// Makes each message of a run.
#[derive(Debug, Clone)]
pub struct Maker {
    binary: bool,
    stamped: bool,
    template: Bytes,
    /// A `--payload` with `{seq}` in it.
    numbered: Option<SeqTemplate>,
}

impl Maker {
    pub fn new(plan: &MessagePlan) -> Maker {
        let template = match &plan.body {
            Body::Generated { size } => Bytes::from(vec![b'x'; *size]),
            Body::Fixed(t) => Bytes::from(t.render(0)),
        };
        Maker {
            binary: plan.binary,
            stamped: plan.matching == crate::config::bench::Matching::Stamp,
            template,
            numbered: match &plan.body {
                Body::Fixed(t) if t.numbered() => Some(t.clone()),
                _ => None,
            },
        }
    }

    /// The size of each message, in bytes (with `{seq}`, of the first).
    pub fn size(&self) -> usize {
        self.template.len()
    }

    /// Whether each message carries its sequence number.
    pub fn numbered(&self) -> bool {
        self.numbered.is_some()
    }

    /// The message due `due_ns` after the start of the run, the `seq`th of its connection.
    pub fn make(&self, due_ns: u64, seq: u64) -> Message {
        if let Some(t) = &self.numbered {
            return self.wrap(Bytes::from(t.render(seq)));
        }
        if !self.stamped {
            return self.wrap(self.template.clone());
        }
        let mut bytes = self.template.to_vec();
        write_stamp(&mut bytes[..STAMP_LEN], due_ns);
        self.wrap(Bytes::from(bytes))
    }

    /// The payload of the `seq`th message, as a protocol wraps it (`--payload` only).
    pub fn body(&self, seq: u64) -> Bytes {
        match &self.numbered {
            Some(t) => Bytes::from(t.render(seq)),
            None => self.template.clone(),
        }
    }

    fn wrap(&self, bytes: Bytes) -> Message {
        if self.binary {
            return Message::Binary(bytes);
        }
        // The payload was checked to be UTF-8 (a stamp is ASCII, so it stays UTF-8).
        match Utf8Bytes::try_from(bytes) {
            Ok(text) => Message::Text(text),
            Err(e) => unreachable!("a bench payload checked as UTF-8 is not: {e}"),
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_stamp(out: &mut [u8], v: u64) {
    for (i, b) in out.iter_mut().enumerate() {
        *b = HEX[((v >> ((STAMP_LEN - 1 - i) * 4)) & 0xf) as usize];
    }
}

/// The sequence number a reply carries at `path` (`--match json:PATH`), as a JSON number or
/// a string of digits, if it does.
pub fn read_seq(path: &JsonPath, payload: &[u8]) -> Option<u64> {
    let doc: serde_json::Value = serde_json::from_slice(payload).ok()?;
    match path.find(&doc)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The send stamp at the start of `payload`, if it has one.
pub fn read_stamp(payload: &[u8]) -> Option<u64> {
    let digits = payload.get(..STAMP_LEN)?;
    let mut v: u64 = 0;
    for &d in digits {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u64::from(n);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::bench::Matching;
    use proptest::prelude::*;

    fn plan(size: usize, binary: bool) -> MessagePlan {
        MessagePlan {
            binary,
            body: Body::Generated { size },
            matching: if size >= STAMP_LEN {
                Matching::Stamp
            } else {
                Matching::Order
            },
        }
    }

    #[test]
    fn a_generated_message_carries_its_due_time_and_has_its_size() {
        let m = Maker::new(&plan(64, false)).make(1_234_567_890, 0);
        let Message::Text(t) = m else {
            panic!("not text")
        };
        assert_eq!(t.len(), 64);
        assert_eq!(&t.as_str()[..16], "00000000499602d2");
        assert_eq!(read_stamp(t.as_bytes()), Some(1_234_567_890));
        let b = Maker::new(&plan(16, true)).make(7, 0);
        assert!(matches!(&b, Message::Binary(b) if b.len() == 16));
    }

    #[test]
    fn a_small_or_fixed_message_is_sent_as_it_is() {
        let small = Maker::new(&plan(4, false)).make(99, 0);
        assert!(matches!(&small, Message::Text(t) if t.as_str() == "xxxx"));
        let fixed = Maker::new(&MessagePlan {
            binary: false,
            body: Body::Fixed(SeqTemplate::new(b"{\"op\":\"ping\"}")),
            matching: Matching::Order,
        })
        .make(5, 0);
        assert!(matches!(&fixed, Message::Text(t) if t.as_str() == "{\"op\":\"ping\"}"));
    }

    #[test]
    fn a_numbered_payload_carries_its_seq_and_the_reply_gives_it_back() {
        let maker = Maker::new(&MessagePlan {
            binary: false,
            body: Body::Fixed(SeqTemplate::new(br#"{"id":"{seq}","op":"get"}"#)),
            matching: Matching::Json(JsonPath::parse("id").unwrap()),
        });
        assert!(maker.numbered());
        let m = maker.make(5, 17);
        assert!(matches!(&m, Message::Text(t) if t.as_str() == r#"{"id":"17","op":"get"}"#));
        let id = JsonPath::parse("id").unwrap();
        assert_eq!(read_seq(&id, br#"{"id":"17"}"#), Some(17));
        assert_eq!(read_seq(&id, br#"{"id":17,"x":[]}"#), Some(17));
        let deep = JsonPath::parse("result.0.id").unwrap();
        assert_eq!(read_seq(&deep, br#"{"result":[{"id":3}]}"#), Some(3));
        for other in [
            &br#"{"id":"x"}"#[..],
            br#"{"id":-1}"#,
            br#"{"id":1.5}"#,
            b"[]",
            b"id",
        ] {
            assert_eq!(read_seq(&id, other), None);
        }
    }

    #[test]
    fn what_is_no_stamp_reads_as_none() {
        assert_eq!(read_stamp(b"short"), None);
        assert_eq!(read_stamp(b"xxxxxxxxxxxxxxxxxxxx"), None);
        assert_eq!(read_stamp(b"00000000000000FF"), None);
    }

    proptest! {
        #[test]
        fn a_stamp_reads_back(v in any::<u64>(), size in 16usize..200) {
            let m = Maker::new(&plan(size, true)).make(v, 0);
            let Message::Binary(b) = m else { panic!("not binary") };
            prop_assert_eq!(read_stamp(&b), Some(v));
        }

        #[test]
        fn any_reply_reads_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = read_stamp(&bytes);
        }
    }
}
