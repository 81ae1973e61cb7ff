//! Autobahn's verdicts from what the prober saw: `behavior` (the events received against each
//! expected list; FAILED when none matches) and `behaviorClose` (who closed, whether cleanly,
//! with which code, who dropped TCP), then the case's own rule (7.x: a wrong code fails the
//! case; 7.1.6 and 7.13.x are informational; 10.1.1 checks the prober's own frames).

use super::case::{Behavior, Case, CloseBehavior, OnMessage, Rule};
use super::machine::Machine;

/// A case's verdicts, with the reason for each in words.
#[derive(Debug, Clone)]
pub struct Verdicts {
    pub behavior: Behavior,
    pub close: CloseBehavior,
    /// Why `close` is what it is (Autobahn's `resultClose`).
    pub close_words: String,
}

/// Judges one finished case. `was_open`: the handshake succeeded.
pub fn judge(case: &Case, m: Option<&Machine<'_>>) -> Verdicts {
    let Some(m) = m else {
        return Verdicts {
            behavior: Behavior::Failed,
            close: CloseBehavior::Failed,
            close_words: "the WebSocket opening handshake was never completed".into(),
        };
    };
    let mut behavior = match case.on_message {
        OnMessage::Record => case
            .expected
            .iter()
            .find(|(_, events)| *events == m.received)
            .map_or(Behavior::Failed, |(b, _)| *b),
        OnMessage::Echoes { .. } if m.unimplemented => Behavior::Unimplemented,
        _ if m.handler_ok => Behavior::Ok,
        _ => Behavior::Failed,
    };
    let want = &case.close;
    let (mut close, close_words) = if want.closed_by_me != m.closed_by_me {
        (
            CloseBehavior::Failed,
            "the connection was failed by the wrong endpoint".to_owned(),
        )
    } else if want.require_clean && !m.was_clean {
        (
            CloseBehavior::Unclean,
            "the spec requires the connection to be closed cleanly here".to_owned(),
        )
    } else if m
        .remote_close_code
        .is_some_and(|c| !want.codes.contains(&c))
    {
        let codes: Vec<String> = want.codes.iter().map(u16::to_string).collect();
        (
            CloseBehavior::WrongCode,
            format!(
                "the close code should have been {} or empty",
                codes.join(",")
            ),
        )
    } else if m.dropped_by_me {
        (
            CloseBehavior::FailedByClient,
            "it is preferred that the server close the TCP connection".to_owned(),
        )
    } else {
        (
            CloseBehavior::Ok,
            "the connection was properly closed".to_owned(),
        )
    };
    if want.wrong_side_fails && want.closed_by_me != m.closed_by_me {
        behavior = Behavior::Failed;
    }
    match case.rule {
        Rule::Plain => {}
        Rule::WrongCodeFails => {
            if close == CloseBehavior::WrongCode {
                behavior = Behavior::Failed;
            }
        }
        Rule::Informational => {
            behavior = Behavior::Informational;
            close = CloseBehavior::Informational;
        }
        Rule::AutoFragment { len, size } => {
            let continuations = (len / size) as u64;
            let texts = u64::from(len % size > 0);
            if m.tx_frames[0] != continuations || m.tx_frames[1] != texts {
                behavior = Behavior::Failed;
            }
        }
    }
    Verdicts {
        behavior,
        close,
        close_words,
    }
}
