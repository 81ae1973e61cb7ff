//! The values of the application-protocol flags: `--namespace` (a Socket.IO namespace),
//! `--socketio-path` (the Engine.IO endpoint) and `--init` (a JSON object: Socket.IO's
//! CONNECT auth payload).

use serde_json::Value;

/// `--namespace`: `/` or `/name`, with no comma (which would end it on the wire).
pub fn parse_namespace(s: &str) -> Result<String, String> {
    if !s.starts_with('/') {
        return Err(format!(
            "'{s}' is not a namespace: it must start with / (e.g. /admin)"
        ));
    }
    if s.contains(',') || s.chars().any(char::is_control) {
        return Err(format!(
            "'{s}' is not a namespace: it cannot hold a comma or control characters"
        ));
    }
    Ok(s.to_owned())
}

/// `--socketio-path`: an absolute path, without query or fragment.
pub fn parse_engine_path(s: &str) -> Result<String, String> {
    if !s.starts_with('/') || s.contains(['?', '#']) || s.chars().any(char::is_whitespace) {
        return Err(format!(
            "'{s}' is not a path: write it as /socket.io/ (absolute, no query)"
        ));
    }
    Ok(s.to_owned())
}

/// `--subscribe`, `--destination`: a STOMP destination (a header value: no line break).
pub fn parse_destination(s: &str) -> Result<String, String> {
    if s.is_empty() || s.chars().any(char::is_control) {
        return Err(format!(
            "'{s}' is not a destination: it must be non-empty, without control characters (e.g. /topic/greetings)"
        ));
    }
    Ok(s.to_owned())
}

/// `--heart-beat CX,CY`: two numbers of milliseconds.
pub fn parse_heart_beat(s: &str) -> Result<(u64, u64), String> {
    let bad =
        || format!("'{s}' is not CX,CY: two numbers of milliseconds, as 10000,10000 (0,0: none)");
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    Ok((
        x.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    ))
}

/// `--init`: a JSON object.
pub fn parse_init(s: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(format!(
            "'{s}' is not a JSON object (write {{\"token\":\"…\"}})"
        )),
        Err(e) => Err(format!("'{s}' is not JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn namespaces_start_with_a_slash_and_hold_no_comma() {
        assert_eq!(parse_namespace("/admin").unwrap(), "/admin");
        assert!(parse_namespace("admin")
            .unwrap_err()
            .contains("must start with /"));
        assert!(parse_namespace("/a,b").is_err());
    }

    #[test]
    fn init_is_an_object() {
        assert!(parse_init(r#"{"token":"abc"}"#).is_ok());
        assert!(parse_init("[1]").unwrap_err().contains("not a JSON object"));
        assert!(parse_init("{").unwrap_err().contains("not JSON"));
    }

    #[test]
    fn engine_paths_are_absolute() {
        assert!(parse_engine_path("/socket.io/").is_ok());
        assert!(parse_engine_path("socket.io").is_err());
        assert!(parse_engine_path("/x?y=1").is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_a_value_or_a_reason(s in "\\PC{0,30}") {
            let _ = parse_namespace(&s);
            let _ = parse_engine_path(&s);
            let _ = parse_init(&s);
        }
    }
}
