//! Close codes and reasons as a user may ask for them (RFC 6455 §7.4), and [`Close`], the one
//! type for a close that is requested (by a flag, a REPL command, a signal, the server).

/// A close to send: a code and a reason, already valid to put in a close frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    pub fn new(code: u16, reason: impl Into<String>) -> Close {
        Close {
            code,
            reason: reason.into(),
        }
    }

    /// 1000 with no reason: the close of a run that went as planned.
    pub fn normal() -> Close {
        Close::new(1000, "")
    }
}

/// The close codes an endpoint may put in a close frame (RFC 6455 §7.4.1, §7.4.2).
pub fn close_code_sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

pub fn parse_close_code(s: &str) -> Result<u16, String> {
    let wide: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a close code: it must be a number"))?;
    let Ok(code) = u16::try_from(wide) else {
        return Err(format!(
            "close code {wide} is out of range: use 1000-1003, 1007-1014 or 3000-4999"
        ));
    };
    if close_code_sendable(code) {
        return Ok(code);
    }
    let why = match code {
        1004 => "1004 is reserved",
        1005 => "1005 (no status) is only reported, never sent",
        1006 => "1006 (abnormal closure) is only reported, never sent",
        1015 => "1015 (TLS failure) is only reported, never sent",
        1016..=2999 => "1016-2999 are reserved for future RFCs",
        _ => "it is outside the valid ranges",
    };
    Err(format!(
        "close code {code} cannot be sent: {why}; use 1000-1003, 1007-1014 or 3000-4999"
    ))
}

/// The largest close reason: a control frame's payload is at most 125 bytes, 2 of them the code.
pub const MAX_CLOSE_REASON: usize = 123;

pub fn parse_close_reason(s: &str) -> Result<String, String> {
    if s.len() > MAX_CLOSE_REASON {
        return Err(format!(
            "the close reason is {} bytes; at most {MAX_CLOSE_REASON} bytes of UTF-8 fit in a close frame",
            s.len()
        ));
    }
    Ok(s.to_owned())
}
