//! The interactive session's STOMP commands, parsed: `/subscribe DEST`, `/unsubscribe
//! DEST|ID`, `/send DEST [-H NAME:VALUE]… BODY`. Pure; any text gives a request or a clean
//! error (property-tested).

use super::Request;

/// A destination: not empty, no whitespace or control characters (a header value cannot end
/// a line).
fn destination(word: Option<&str>, usage: &str) -> Result<String, String> {
    match word {
        Some(d) if !d.chars().any(char::is_control) => Ok(d.to_owned()),
        Some(d) => Err(format!("{d:?} is not a destination: {usage}")),
        None => Err(usage.to_owned()),
    }
}

/// `/subscribe`'s argument.
pub fn subscribe(args: &str) -> Result<Request, String> {
    let usage = "usage: /subscribe DESTINATION (e.g. /subscribe /topic/greetings)";
    let mut words = args.split_whitespace();
    let d = destination(words.next(), usage)?;
    if words.next().is_some() {
        return Err(usage.to_owned());
    }
    Ok(Request::Subscribe(d))
}

/// `/unsubscribe`'s argument: a destination or a subscription id.
pub fn unsubscribe(args: &str) -> Result<Request, String> {
    let usage = "usage: /unsubscribe DESTINATION|ID (/state lists the subscriptions)";
    let mut words = args.split_whitespace();
    let d = destination(words.next(), usage)?;
    if words.next().is_some() {
        return Err(usage.to_owned());
    }
    Ok(Request::Unsubscribe(d))
}

/// `/send`'s arguments: the destination, `-H NAME:VALUE` headers, then the body (the rest of
/// the line, as typed).
pub fn send(args: &str) -> Result<Request, String> {
    let usage =
        "usage: /send DESTINATION [-H NAME:VALUE]… BODY (e.g. /send /app/hello -H priority:9 Ada)";
    let rest = args.trim_start();
    let (dest, mut rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let destination = destination((!dest.is_empty()).then_some(dest), usage)?;
    let mut headers = Vec::new();
    loop {
        let trimmed = rest.trim_start();
        let Some(after) = trimmed.strip_prefix("-H ") else {
            rest = trimmed;
            break;
        };
        let after = after.trim_start();
        let (h, next) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        let Some((name, value)) = h.split_once(':') else {
            return Err(format!("-H {h}: a header is NAME:VALUE; {usage}"));
        };
        if name.is_empty() || h.chars().any(char::is_control) {
            return Err(format!("-H {h}: a header is NAME:VALUE; {usage}"));
        }
        headers.push((name.to_owned(), value.to_owned()));
        rest = next;
    }
    Ok(Request::Send {
        destination,
        headers,
        body: rest.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn send_takes_headers_then_the_body_as_typed() {
        assert_eq!(
            send("/app/hello -H priority:9 -H x-a:b:c Ada  Lovelace").unwrap(),
            Request::Send {
                destination: "/app/hello".into(),
                headers: vec![
                    ("priority".into(), "9".into()),
                    ("x-a".into(), "b:c".into())
                ],
                body: "Ada  Lovelace".into(),
            }
        );
        assert!(send("").unwrap_err().starts_with("usage"));
        assert!(send("/q -H nocolon body")
            .unwrap_err()
            .contains("NAME:VALUE"));
    }

    #[test]
    fn subscribe_takes_one_destination() {
        assert_eq!(
            subscribe(" /topic/a ").unwrap(),
            Request::Subscribe("/topic/a".into())
        );
        assert!(subscribe("/a /b").is_err());
        assert!(unsubscribe("").is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_a_request_or_a_clean_error(s in "\\PC{0,40}|[ -~\\t]{0,40}") {
            let _ = send(&s);
            let _ = subscribe(&s);
            let _ = unsubscribe(&s);
        }
    }
}
