//! What a case is, as data: the steps the prober takes, the event lists it expects (one per
//! verdict), how the connection should close, and the rule that turns what happened into
//! verdicts. The table (`table/`) fills these in from the Autobahn case definitions; the peer
//! (`peer.rs`) plays the steps; `verdict.rs` judges.

use std::time::Duration;

use serde::Serialize;

use super::frame::Out;

/// Autobahn's `behavior` verdict (and, for 7.1.6 and 7.13.x, its `behaviorClose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Behavior {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "NON-STRICT")]
    NonStrict,
    #[serde(rename = "INFORMATIONAL")]
    Informational,
    #[serde(rename = "UNIMPLEMENTED")]
    Unimplemented,
    #[serde(rename = "FAILED")]
    Failed,
}

impl Behavior {
    pub const ALL: [Behavior; 5] = [
        Behavior::Ok,
        Behavior::NonStrict,
        Behavior::Informational,
        Behavior::Unimplemented,
        Behavior::Failed,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Behavior::Ok => "OK",
            Behavior::NonStrict => "NON-STRICT",
            Behavior::Informational => "INFORMATIONAL",
            Behavior::Unimplemented => "UNIMPLEMENTED",
            Behavior::Failed => "FAILED",
        }
    }
}

/// Autobahn's `behaviorClose` verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CloseBehavior {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "WRONG CODE")]
    WrongCode,
    #[serde(rename = "UNCLEAN")]
    Unclean,
    #[serde(rename = "FAILED BY CLIENT")]
    FailedByClient,
    #[serde(rename = "FAILED")]
    Failed,
    #[serde(rename = "INFORMATIONAL")]
    Informational,
}

impl CloseBehavior {
    pub fn word(self) -> &'static str {
        match self {
            CloseBehavior::Ok => "OK",
            CloseBehavior::WrongCode => "WRONG CODE",
            CloseBehavior::Unclean => "UNCLEAN",
            CloseBehavior::FailedByClient => "FAILED BY CLIENT",
            CloseBehavior::Failed => "FAILED",
            CloseBehavior::Informational => "INFORMATIONAL",
        }
    }
}

/// One thing the prober observed, as Autobahn records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Message {
        payload: Vec<u8>,
        binary: bool,
    },
    Pong(Vec<u8>),
    /// A wait of the case ended with the connection still open.
    Timeout(&'static str),
}

/// How the case expects the connection to end.
#[derive(Debug, Clone)]
pub struct ExpectClose {
    /// The prober (not the server) starts the closing handshake.
    pub closed_by_me: bool,
    /// The close codes the server may send (the first is the one the prober sends).
    pub codes: Vec<u16>,
    pub require_clean: bool,
    /// Closing from the wrong side fails the case itself (the UTF-8 cases: the server did not
    /// notice the invalid text).
    pub wrong_side_fails: bool,
}

impl ExpectClose {
    /// The prober closes with 1000 and expects a clean close.
    pub fn normal() -> ExpectClose {
        ExpectClose {
            closed_by_me: true,
            codes: vec![1000],
            require_clean: true,
            wrong_side_fails: false,
        }
    }

    /// The server must fail the connection with `code`.
    pub fn server_fails(code: u16) -> ExpectClose {
        ExpectClose {
            closed_by_me: false,
            codes: vec![code],
            require_clean: false,
            wrong_side_fails: false,
        }
    }
}

/// One step of a case's script.
#[derive(Debug, Clone)]
pub enum Step {
    /// A frame as given, written `chop` bytes at a time (Autobahn's chopsize), or on its own
    /// write (`sync`).
    Frame {
        frame: Out,
        chop: Option<usize>,
        sync: bool,
        /// The payload is a pattern repeated to this length when sent (Autobahn's
        /// `payload_len`), so that the table holds no megabytes.
        repeat_to: Option<usize>,
    },
    /// A message (only while open), in frames of `fragment` bytes (the last one may be empty,
    /// as Autobahn's are when the size divides the payload).
    Message {
        payload: Vec<u8>,
        binary: bool,
        fragment: Option<usize>,
        /// As for `Frame`.
        repeat_to: Option<usize>,
    },
    /// A close frame with this code and reason, raw (only while open).
    Close {
        code: Option<u16>,
        reason: Option<Vec<u8>>,
    },
    /// The header of one frame of `len` bytes (its payload follows in `FrameData` steps).
    FrameBegin { opcode: u8, fin: bool, len: usize },
    /// Payload bytes of the frame begun (only while open).
    FrameData(Vec<u8>),
    /// The empty final continuation frame that ends a message (only while open).
    EndMessage,
    /// Wait, then go on. With a mark, only if the connection is still open, recording it as
    /// a `timeout` event (the fail-fast cases).
    Later {
        wait: Duration,
        mark: Option<&'static str>,
    },
    /// Fail the connection (close 1001) after this long if it is still there.
    KillAfter(Duration),
    /// Send a close (without a code) after this long if it is still there.
    CloseAfter(Duration),
}

/// What the prober does with a message it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMessage {
    /// Record it, and close once the events match every expected list.
    Record,
    /// The 9.1–9.6 cases: one message of this length and type is OK; then close.
    Size { len: usize, binary: bool },
    /// The 9.7/9.8 cases: `count` round trips of a message of `len` bytes.
    RoundTrips {
        len: usize,
        count: u32,
        binary: bool,
    },
    /// The 12.x/13.x cases: `count` round trips of compressed messages of `len` units (bytes,
    /// or characters of a text corpus) taken in turn from `corpus`, each sent in frames of
    /// `fragment` compressed bytes (0: one frame); UNIMPLEMENTED when the server declines
    /// every permessage-deflate offer.
    Echoes {
        corpus: Corpus,
        len: usize,
        count: u32,
        fragment: usize,
    },
}

/// The five payload sets of the compression cases (Autobahn's test data files, whose shape
/// `corpus.rs` generates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corpus {
    Json,
    Picture,
    Faust,
    Html,
    Pdf,
}

/// One permessage-deflate offer of Autobahn's client (its `PerMessageDeflateOffer` with the
/// defaults it keeps: the client accepts no context takeover and any window for itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// Ask for `server_no_context_takeover`.
    pub no_context_takeover: bool,
    /// Ask for `server_max_window_bits=N` (0: not asked).
    pub max_window_bits: u8,
}

impl Offer {
    /// As written in `Sec-WebSocket-Extensions`, in Autobahn's order of parameters.
    pub fn header(&self) -> String {
        let mut s =
            "permessage-deflate; client_no_context_takeover; client_max_window_bits".to_owned();
        if self.no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.max_window_bits != 0 {
            s.push_str(&format!(
                "; server_max_window_bits={}",
                self.max_window_bits
            ));
        }
        s
    }
}

/// How the verdicts are finished after Autobahn's general rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Plain,
    /// 7.x: a wrong close code fails the case.
    WrongCodeFails,
    /// 7.1.6, 7.13.x: the spec leaves the outcome open.
    Informational,
    /// 10.1.1: the prober's own frames must be 1300 bytes apart.
    AutoFragment {
        len: usize,
        size: usize,
    },
}

/// One case of the suite.
#[derive(Debug, Clone)]
pub struct Case {
    /// The id, as Autobahn numbers it ("6.4.1").
    pub id: String,
    /// What is sent, in words.
    pub sends: String,
    /// The event lists that earn a verdict (OK, NON-STRICT); none for the 9.x cases.
    pub expected: Vec<(Behavior, Vec<Ev>)>,
    pub close: ExpectClose,
    pub steps: Vec<Step>,
    pub on_message: OnMessage,
    pub rule: Rule,
    /// The prober sends no close of its own when the events match (the close cases).
    pub suppress_close: bool,
    /// The permessage-deflate offers of the opening handshake (none: no extension offered).
    pub offers: Vec<Offer>,
}

impl Case {
    /// A case with the defaults most have: record messages, Autobahn's plain rule.
    pub fn new(id: impl Into<String>, sends: impl Into<String>) -> Case {
        Case {
            id: id.into(),
            sends: sends.into(),
            expected: Vec::new(),
            close: ExpectClose::normal(),
            steps: Vec::new(),
            on_message: OnMessage::Record,
            rule: Rule::Plain,
            suppress_close: false,
            offers: Vec::new(),
        }
    }

    pub fn expect(mut self, behavior: Behavior, events: Vec<Ev>) -> Case {
        self.expected.push((behavior, events));
        self
    }

    pub fn close(mut self, close: ExpectClose) -> Case {
        self.close = close;
        self
    }

    pub fn steps(mut self, steps: Vec<Step>) -> Case {
        self.steps = steps;
        self
    }

    pub fn rule(mut self, rule: Rule) -> Case {
        self.rule = rule;
        self
    }

    pub fn suppress_close(mut self) -> Case {
        self.suppress_close = true;
        self
    }

    pub fn offers(mut self, offers: Vec<Offer>) -> Case {
        self.offers = offers;
        self
    }

    pub fn on_message(mut self, on: OnMessage) -> Case {
        self.on_message = on;
        self
    }
}

/// Shorthands the table is written with.
pub mod step {
    use super::{Duration, Out, Step};

    pub fn frame(opcode: u8, payload: impl Into<Vec<u8>>) -> Step {
        Step::Frame {
            frame: Out::new(opcode, payload),
            chop: None,
            sync: false,
            repeat_to: None,
        }
    }

    /// A frame with every field given.
    pub fn raw(opcode: u8, fin: bool, rsv: u8, payload: impl Into<Vec<u8>>) -> Step {
        Step::Frame {
            frame: Out {
                opcode,
                fin,
                rsv,
                payload: payload.into(),
            },
            chop: None,
            sync: false,
            repeat_to: None,
        }
    }

    /// The same step written `chop` bytes at a time.
    pub fn chopped(mut step: Step, n: usize) -> Step {
        if let Step::Frame { chop, .. } = &mut step {
            *chop = Some(n);
        }
        step
    }

    /// The same step on its own write.
    pub fn synced(mut step: Step) -> Step {
        if let Step::Frame { sync, .. } = &mut step {
            *sync = true;
        }
        step
    }

    /// The same step with its payload repeated to `len` bytes when sent.
    pub fn repeated(mut step: Step, len: usize) -> Step {
        if let Step::Frame { repeat_to, .. } | Step::Message { repeat_to, .. } = &mut step {
            *repeat_to = Some(len);
        }
        step
    }

    pub fn close(code: Option<u16>, reason: Option<&[u8]>) -> Step {
        Step::Close {
            code,
            reason: reason.map(<[u8]>::to_vec),
        }
    }

    pub fn kill_after(secs: f64) -> Step {
        Step::KillAfter(Duration::from_secs_f64(secs))
    }

    pub fn close_after(secs: f64) -> Step {
        Step::CloseAfter(Duration::from_secs_f64(secs))
    }

    pub fn later(secs: f64, mark: Option<&'static str>) -> Step {
        Step::Later {
            wait: Duration::from_secs_f64(secs),
            mark,
        }
    }

    pub fn message(payload: impl Into<Vec<u8>>, binary: bool, fragment: Option<usize>) -> Step {
        Step::Message {
            payload: payload.into(),
            binary,
            fragment,
            repeat_to: None,
        }
    }
}
