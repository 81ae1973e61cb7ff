//! `/compress` and `/fragment`: how the next messages go out, and the compression lines of
//! `/state`.
//!
//! A change applies from the next message typed on: it waits until every message typed
//! before it went through the frame layer (which compresses and cuts them as they are
//! written), so `hello` then `/fragment 2` never fragments `hello`.

use std::sync::Arc;
use std::time::Duration;

use crate::output::render;
use crate::session::ReadyState;
use crate::wire::deflate::frames::Sending;
use crate::wire::deflate::stream::{Decision, Shared as DeflateShared, Totals};

use super::Shared;

/// `/compress on|off` (`None`: show the setting).
pub async fn compress(shared: &Shared, on: Option<bool>) -> Result<String, String> {
    let deflate = connection(shared)?;
    let negotiated = matches!(deflate.decision(), Decision::On(_));
    let Some(on) = on else {
        return Ok(describe(&deflate));
    };
    if on && !negotiated {
        return Err("permessage-deflate was not negotiated on this connection: \
                    messages go uncompressed"
            .into());
    }
    change(shared, &deflate, |s| s.compress = on).await;
    Ok(describe(&deflate))
}

/// `/fragment SIZE|off` (`None`: show the setting).
pub async fn fragment(shared: &Shared, size: Option<Option<usize>>) -> Result<String, String> {
    let deflate = connection(shared)?;
    if let Some(size) = size {
        change(shared, &deflate, |s| s.fragment = size).await;
    }
    Ok(describe(&deflate))
}

fn connection(shared: &Shared) -> Result<Arc<DeflateShared>, String> {
    shared
        .deflate
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| "not connected yet".to_owned())
}

/// Applies `f` once the messages typed so far went through the frame layer.
async fn change(shared: &Shared, deflate: &DeflateShared, f: impl FnOnce(&mut Sending)) {
    let typed = shared.messages.load(std::sync::atomic::Ordering::Relaxed);
    while deflate.messages_written() < typed && shared.conn.state().ready == ReadyState::Open {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut s = deflate.sending();
    f(&mut s);
    deflate.set_sending(s);
}

/// The setting, as `/compress` and `/fragment` confirm it.
fn describe(deflate: &DeflateShared) -> String {
    let s = deflate.sending();
    let compress = match (deflate.decision(), s.compress) {
        (Decision::On(_), true) => "compressed (permessage-deflate)",
        (Decision::On(_), false) => "uncompressed (permessage-deflate negotiated, RSV1 clear)",
        _ => "uncompressed (no permessage-deflate)",
    };
    let frames = match s.fragment {
        Some(n) => format!("in frames of at most {}", render::size(n)),
        None => "each in one frame".to_owned(),
    };
    format!("messages are sent {compress}, {frames}")
}

/// `/state`'s lines about compression, when it was negotiated.
pub fn state_lines(deflate: Option<&DeflateShared>) -> String {
    let Some(deflate) = deflate else {
        return String::new();
    };
    if !matches!(deflate.decision(), Decision::On(_)) {
        return String::new();
    }
    let (received, sent) = deflate.totals();
    format!(
        "\ncompressed in   {}\ncompressed out  {}",
        totals(received),
        totals(sent)
    )
}

fn totals(t: Totals) -> String {
    if t.messages == 0 {
        return "0 messages".to_owned();
    }
    let ratio = if t.wire == 0 {
        "-".to_owned()
    } else {
        format!("{:.1}:1", t.plain as f64 / t.wire as f64)
    };
    format!(
        "{} message(s), {} → {} on the wire (ratio {ratio})",
        t.messages,
        render::size(t.plain as usize),
        render::size(t.wire as usize),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_show_the_ratio() {
        assert_eq!(totals(Totals::default()), "0 messages");
        let t = Totals {
            messages: 3,
            wire: 100,
            plain: 1450,
        };
        assert_eq!(
            totals(t),
            "3 message(s), 1.4 KiB → 100 B on the wire (ratio 14.5:1)"
        );
    }
}
