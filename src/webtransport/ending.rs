//! How a session ended, from what the QUIC stack says: the peer's close (a
//! CLOSE_WEBTRANSPORT_SESSION capsule, or its connection's application close) with its code
//! and reason is clean; anything else (timed out, a transport or HTTP/3 error) is lost.

use anyhow::Result;
use wtransport::error::ConnectionError;

use super::session::Ending;
use crate::error::ExitCode;
use crate::output::render::sanitize;
use crate::session::webtransport::SessionCloseInfo;
use crate::session::{CloseInfo, Side};

/// The close to report, and the failure when the session was lost.
pub fn of(e: &ConnectionError) -> (SessionCloseInfo, Option<anyhow::Error>) {
    let lost = |why: String| {
        (
            SessionCloseInfo {
                code: 0,
                reason: String::new(),
                was_clean: false,
                initiator: None,
            },
            Some(anyhow::anyhow!(why)),
        )
    };
    match e {
        ConnectionError::ApplicationClosed(c) => {
            let code = c.code().into_inner();
            (
                SessionCloseInfo {
                    code: u32::try_from(code).unwrap_or(u32::MAX),
                    reason: String::from_utf8_lossy(c.reason()).into_owned(),
                    was_clean: true,
                    initiator: Some(Side::Remote),
                },
                None,
            )
        }
        ConnectionError::TimedOut => lost(
            "the session was lost: nothing arrived from the peer for the idle timeout (30s)"
                .to_owned(),
        ),
        ConnectionError::LocallyClosed => lost("the session was closed here".to_owned()),
        other => lost(format!(
            "the session was lost: {}",
            sanitize(&other.to_string(), false)
        )),
    }
}

/// The exit status of a session that was open, in the order `dial::lifecycle::exit_status`
/// decides a WebSocket's: the input's failure, a failure that ended it (unless the checks
/// were met first and it was the peer's), the checks (`judge`), then the close (4 when lost
/// or closed by the peer with a code other than 0).
pub fn exit_status(
    ending: Ending,
    input_error: Option<anyhow::Error>,
    judge: impl FnOnce(&CloseInfo) -> Option<Result<ExitCode>>,
) -> Result<ExitCode> {
    if let Some(e) = input_error {
        return Err(e);
    }
    let close = &ending.close;
    let judged = judge(&as_websocket(close));
    if let Some(e) = ending.error {
        if ending.own_failure || !matches!(judged, Some(Ok(ExitCode::Ok))) {
            return Err(e);
        }
    }
    if let Some(status) = judged {
        return status;
    }
    Ok(if close.is_failure() {
        ExitCode::Abnormal
    } else {
        ExitCode::Ok
    })
}

/// The close as the checks' report reads it (they look at who closed).
fn as_websocket(c: &SessionCloseInfo) -> CloseInfo {
    CloseInfo {
        code: u16::try_from(c.code).unwrap_or(u16::MAX),
        reason: c.reason.clone(),
        was_clean: c.was_clean,
        initiator: c.initiator,
    }
}
