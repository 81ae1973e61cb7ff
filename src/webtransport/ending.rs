//! How a session ended, from what the QUIC stack says: the peer's close (a
//! CLOSE_WEBTRANSPORT_SESSION capsule, or its connection's application close) with its code
//! and reason is clean; anything else (timed out, a transport or HTTP/3 error) is lost.

use wtransport::error::ConnectionError;

use crate::output::render::sanitize;
use crate::session::webtransport::SessionCloseInfo;
use crate::session::Side;

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
