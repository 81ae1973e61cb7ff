//! permessage-deflate negotiation (RFC 7692 §7.1): the parameters, the client's offer, the
//! server's choice among offers, and the client's check of the server's answer.
//!
//! The `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1): a comma-separated list of
//! extensions, each a token followed by `; param[=value]` pairs, where a value is a token or
//! a quoted string. Header lines that repeat are one list.

use std::fmt;

/// The name of the extension.
pub const NAME: &str = "permessage-deflate";

/// What one side asks for or allows. `None` window bits: not asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflateParams {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// The server's compression window (8..=15).
    pub server_max_window_bits: Option<u8>,
    /// The client's compression window. In an offer, `Some(15)` is written as the bare
    /// `client_max_window_bits` (the client can use any window the server picks).
    pub client_max_window_bits: Option<u8>,
}

/// What both sides use for the connection's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: u8,
    pub client_max_window_bits: u8,
}

impl Negotiated {
    /// The compression window and context reset of the side that sends (`client` or not).
    pub fn sending(&self, client: bool) -> (u8, bool) {
        if client {
            (self.client_max_window_bits, self.client_no_context_takeover)
        } else {
            (self.server_max_window_bits, self.server_no_context_takeover)
        }
    }
}

impl fmt::Display for Negotiated {
    /// As it appears in the response header, parameters at their defaults left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NAME)?;
        if self.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if self.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if self.server_max_window_bits != 15 {
            write!(
                f,
                "; server_max_window_bits={}",
                self.server_max_window_bits
            )?;
        }
        if self.client_max_window_bits != 15 {
            write!(
                f,
                "; client_max_window_bits={}",
                self.client_max_window_bits
            )?;
        }
        Ok(())
    }
}

impl DeflateParams {
    /// What browsers offer: `permessage-deflate; client_max_window_bits`.
    pub fn browser() -> DeflateParams {
        DeflateParams {
            client_max_window_bits: Some(15),
            ..DeflateParams::default()
        }
    }

    /// The offer's header value.
    pub fn offer(&self) -> String {
        let mut s = String::from(NAME);
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if let Some(b) = self.server_max_window_bits {
            s.push_str(&format!("; server_max_window_bits={b}"));
        }
        match self.client_max_window_bits {
            Some(15) => s.push_str("; client_max_window_bits"),
            Some(b) => s.push_str(&format!("; client_max_window_bits={b}")),
            None => {}
        }
        s
    }

    /// Parses the parameters a user gives (`--deflate 'server_no_context_takeover;
    /// client_max_window_bits=10'`), in the header's own syntax without the name.
    pub fn parse_user(s: &str) -> Result<DeflateParams, String> {
        if s.trim().is_empty() {
            return Err(
                "no parameters given: write e.g. 'server_no_context_takeover; \
                        client_max_window_bits=10' (leave --deflate out for the defaults)"
                    .into(),
            );
        }
        // Parsed as the header it goes into; positions in errors count in what was given.
        let prefix = format!("{NAME}; ");
        let exts = parse_list(&format!("{prefix}{s}"), prefix.len())?;
        let [ext] = exts.as_slice() else {
            return Err("one set of parameters, separated by ';' (no ',')".into());
        };
        let p = ext.params(true)?;
        Ok(DeflateParams {
            client_max_window_bits: p.client_max_window_bits.map(|b| b.unwrap_or(15)),
            ..p.into_params()
        })
    }
}

/// One extension of a `Sec-WebSocket-Extensions` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub params: Vec<(String, Option<String>)>,
}

/// The permessage-deflate parameters as written: each at most once, known names only.
#[derive(Debug, Default)]
struct Written {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value.
    client_max_window_bits: Option<Option<u8>>,
}

impl Written {
    fn into_params(self) -> DeflateParams {
        DeflateParams {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
            server_max_window_bits: self.server_max_window_bits,
            client_max_window_bits: self.client_max_window_bits.flatten(),
        }
    }
}

fn window_bits(name: &str, v: &str) -> Result<u8, String> {
    // RFC 7692 §7.1.2: 1*DIGIT without leading zeros, 8..=15.
    match v.parse::<u8>() {
        Ok(b @ 8..=15) if !v.starts_with('0') => Ok(b),
        _ => Err(format!("{name}={v}: the window bits are 8 to 15")),
    }
}

impl Extension {
    /// The permessage-deflate parameters of this extension. `in_offer`: the bare
    /// `client_max_window_bits` is allowed (only an offer may have it without a value).
    fn params(&self, in_offer: bool) -> Result<Written, String> {
        let mut w = Written::default();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in &self.params {
            if seen.contains(&name.as_str()) {
                return Err(format!("{name} is given twice"));
            }
            seen.push(name);
            match (name.as_str(), value.as_deref()) {
                ("server_no_context_takeover", None) => w.server_no_context_takeover = true,
                ("client_no_context_takeover", None) => w.client_no_context_takeover = true,
                ("server_max_window_bits", Some(v)) => {
                    w.server_max_window_bits = Some(window_bits(name, v)?)
                }
                ("client_max_window_bits", Some(v)) => {
                    w.client_max_window_bits = Some(Some(window_bits(name, v)?))
                }
                ("client_max_window_bits", None) if in_offer => {
                    w.client_max_window_bits = Some(None)
                }
                ("server_no_context_takeover" | "client_no_context_takeover", Some(v)) => {
                    return Err(format!("{name} takes no value (given {v})"))
                }
                ("server_max_window_bits" | "client_max_window_bits", None) => {
                    return Err(format!("{name} needs a value (8 to 15)"))
                }
                _ => {
                    return Err(format!(
                        "unknown parameter {name} (permessage-deflate's are \
                         server_no_context_takeover, client_no_context_takeover, \
                         server_max_window_bits, client_max_window_bits)"
                    ))
                }
            }
        }
        Ok(w)
    }
}

/// What the server is willing to do (`listen`'s settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerPolicy {
    /// Parameters the server asks for itself: its own window and context reset, and those it
    /// imposes on the client.
    pub wanted: DeflateParams,
}

/// An offer the server accepted: what both sides use, and the response header's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub negotiated: Negotiated,
    pub answer: String,
}

/// The server's choice: the first permessage-deflate offer it can accept (RFC 7692 §5.1),
/// and the response header value; `None` declines them all (the connection goes on
/// uncompressed).
pub fn accept_offer(offers: &[Extension], policy: &ServerPolicy) -> Option<Accepted> {
    let want = policy.wanted;
    offers
        .iter()
        .filter(|e| e.name.eq_ignore_ascii_case(NAME))
        .find_map(|offer| {
            let o = offer.params(true).ok()?;
            // The server's own window: at most what the client allows and what it wants.
            let server_bits = match (o.server_max_window_bits, want.server_max_window_bits) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b).unwrap_or(15),
            };
            // The client's window may be limited only if the client said it can be.
            let client_bits = match (o.client_max_window_bits, want.client_max_window_bits) {
                (None, _) => 15,
                (Some(None), b) => b.unwrap_or(15),
                (Some(Some(a)), b) => b.map_or(a, |b| a.min(b)),
            };
            let negotiated = Negotiated {
                server_no_context_takeover: o.server_no_context_takeover
                    || want.server_no_context_takeover,
                client_no_context_takeover: o.client_no_context_takeover
                    || want.client_no_context_takeover,
                server_max_window_bits: server_bits,
                client_max_window_bits: client_bits,
            };
            let mut answer = negotiated.to_string();
            // An offered server_max_window_bits is granted by answering it (RFC 7692
            // §7.1.2.1), also when it is the default 15 that the display leaves out.
            if o.server_max_window_bits.is_some() && server_bits == 15 {
                answer = answer.replacen(NAME, &format!("{NAME}; server_max_window_bits=15"), 1);
            }
            Some(Accepted { negotiated, answer })
        })
}

/// The client's check of the server's answer to `offered` (RFC 7692 §5.1, §7.1): `Ok(None)`
/// when the server declined, an error naming what is wrong when the answer breaks the rules
/// (the connection must then fail).
pub fn check_response(
    response: &[Extension],
    offered: &DeflateParams,
) -> Result<Option<Negotiated>, String> {
    let ext = match response {
        [] => return Ok(None),
        [one] => one,
        _ => return Err("the server accepted more than one extension".into()),
    };
    if !ext.name.eq_ignore_ascii_case(NAME) {
        return Err(format!(
            "the server accepted '{}', which was not offered",
            ext.name
        ));
    }
    let r = ext.params(false)?;
    if offered.server_no_context_takeover && !r.server_no_context_takeover {
        return Err("server_no_context_takeover was asked for and not granted".into());
    }
    let server_bits = match (offered.server_max_window_bits, r.server_max_window_bits) {
        (Some(asked), Some(b)) if b > asked => {
            return Err(format!(
                "server_max_window_bits={b} is more than the {asked} asked for"
            ))
        }
        (Some(_), None) => {
            return Err("server_max_window_bits was asked for and not granted".into())
        }
        (_, b) => b.unwrap_or(15),
    };
    let client_bits = match (
        offered.client_max_window_bits,
        r.client_max_window_bits.flatten(),
    ) {
        (None, Some(_)) => {
            return Err("client_max_window_bits was not offered, so it cannot be answered".into())
        }
        (Some(asked), Some(b)) if b > asked => {
            return Err(format!(
                "client_max_window_bits={b} is more than the {asked} offered"
            ))
        }
        (_, b) => b.unwrap_or(15),
    };
    Ok(Some(Negotiated {
        server_no_context_takeover: r.server_no_context_takeover,
        client_no_context_takeover: r.client_no_context_takeover,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    }))
}

/// Parses a `Sec-WebSocket-Extensions` value (or several header lines joined with ", ").
pub fn parse_header(s: &str) -> Result<Vec<Extension>, String> {
    parse_list(s, 0)
}

/// [`parse_header`], with error positions counted from byte `shift` on.
fn parse_list(s: &str, shift: usize) -> Result<Vec<Extension>, String> {
    let mut out = Vec::new();
    let mut p = Parser {
        s: s.as_bytes(),
        i: 0,
        shift,
    };
    loop {
        p.skip_ws();
        if p.eof() {
            break;
        }
        if p.eat(b',') {
            // Empty list elements are allowed (RFC 7230 §7).
            continue;
        }
        let name = p.token().ok_or_else(|| p.error("an extension name"))?;
        let mut params = Vec::new();
        loop {
            p.skip_ws();
            if !p.eat(b';') {
                break;
            }
            p.skip_ws();
            let key = p.token().ok_or_else(|| p.error("a parameter name"))?;
            p.skip_ws();
            let value = if p.eat(b'=') {
                p.skip_ws();
                Some(p.value().ok_or_else(|| p.error("a parameter value"))?)
            } else {
                None
            };
            params.push((key.to_ascii_lowercase(), value));
        }
        out.push(Extension { name, params });
        p.skip_ws();
        if !p.eof() && !p.eat(b',') {
            return Err(p.error("',' or ';'"));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Bytes before what the user wrote (not counted in error positions).
    shift: usize,
}

impl Parser<'_> {
    fn eof(&self) -> bool {
        self.i >= self.s.len()
    }

    fn skip_ws(&mut self) {
        while self
            .s
            .get(self.i)
            .is_some_and(|c| *c == b' ' || *c == b'\t')
        {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let yes = self.s.get(self.i) == Some(&c);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.s.get(self.i).is_some_and(|c| is_tchar(*c)) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// A token or a quoted string (whose content must be a token, RFC 6455 §9.1).
    fn value(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return self.token();
        }
        let mut v = Vec::new();
        loop {
            match *self.s.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    v.push(*self.s.get(self.i + 1)?);
                    self.i += 2;
                }
                c => {
                    v.push(c);
                    self.i += 1;
                }
            }
        }
        (!v.is_empty() && v.iter().all(|c| is_tchar(*c)))
            .then(|| String::from_utf8_lossy(&v).into_owned())
    }

    fn error(&self, wanted: &str) -> String {
        format!(
            "expected {wanted} at byte {}",
            (self.i + 1).saturating_sub(self.shift).max(1)
        )
    }
}

/// RFC 7230 §3.2.6 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offers(s: &str) -> Vec<Extension> {
        parse_header(s).unwrap()
    }

    #[test]
    fn headers_parse_with_quotes_spaces_and_several_extensions() {
        let e = offers(
            "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\", x-foo ,",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[0].params[1],
            ("server_max_window_bits".into(), Some("10".into()))
        );
        assert_eq!(e[1].name, "x-foo");
        assert!(parse_header("permessage-deflate; =1").is_err());
        assert!(parse_header("a b").is_err());
    }

    #[test]
    fn the_browser_offer_is_accepted_with_defaults() {
        let n = accept_offer(
            &offers(&DeflateParams::browser().offer()),
            &ServerPolicy::default(),
        )
        .unwrap()
        .negotiated;
        assert_eq!(n.to_string(), "permessage-deflate");
        assert_eq!(
            (n.server_max_window_bits, n.client_max_window_bits),
            (15, 15)
        );
    }

    #[test]
    fn the_server_honours_what_the_client_asks_for() {
        let n = accept_offer(
            &offers("permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12"),
            &ServerPolicy::default(),
        )
        .unwrap()
        .negotiated;
        assert!(n.server_no_context_takeover && !n.client_no_context_takeover);
        assert_eq!(
            (n.server_max_window_bits, n.client_max_window_bits),
            (9, 12)
        );
        assert_eq!(
            n.to_string(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12"
        );
    }

    #[test]
    fn an_offered_default_window_is_answered() {
        let a = accept_offer(
            &offers("permessage-deflate; server_max_window_bits=15"),
            &ServerPolicy::default(),
        )
        .unwrap();
        assert_eq!(a.answer, "permessage-deflate; server_max_window_bits=15");
    }

    #[test]
    fn the_server_limits_the_client_window_only_when_offered() {
        let policy = ServerPolicy {
            wanted: DeflateParams {
                client_max_window_bits: Some(10),
                ..DeflateParams::default()
            },
        };
        let n = accept_offer(&offers("permessage-deflate"), &policy)
            .unwrap()
            .negotiated;
        assert_eq!(n.client_max_window_bits, 15);
        let n = accept_offer(
            &offers("permessage-deflate; client_max_window_bits"),
            &policy,
        )
        .unwrap()
        .negotiated;
        assert_eq!(n.client_max_window_bits, 10);
    }

    #[test]
    fn bad_offers_are_declined_and_the_next_one_is_taken() {
        let policy = ServerPolicy::default();
        for bad in [
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_no_context_takeover=1",
        ] {
            assert_eq!(accept_offer(&offers(bad), &policy), None, "{bad}");
        }
        let n = accept_offer(
            &offers("permessage-deflate; foo, permessage-deflate; client_no_context_takeover"),
            &policy,
        )
        .unwrap()
        .negotiated;
        assert!(n.client_no_context_takeover);
        assert_eq!(
            accept_offer(&offers("x-webkit-deflate-frame"), &policy),
            None
        );
    }

    #[test]
    fn the_client_checks_the_answer_against_its_offer() {
        let offer = DeflateParams::browser();
        let ok = |s: &str| check_response(&offers(s), &offer);
        assert_eq!(ok("").unwrap(), None);
        let n = ok("permessage-deflate; client_max_window_bits=9; server_no_context_takeover")
            .unwrap()
            .unwrap();
        assert_eq!(n.client_max_window_bits, 9);
        assert!(n.server_no_context_takeover);
        assert!(ok("permessage-deflate; client_max_window_bits").is_err());
        assert!(ok("x-foo").is_err());
        assert!(ok("permessage-deflate, permessage-deflate").is_err());
        assert!(ok("permessage-deflate; bar").is_err());
        let no_client_bits = DeflateParams::default();
        assert!(check_response(
            &offers("permessage-deflate; client_max_window_bits=10"),
            &no_client_bits
        )
        .is_err());
        let asked = DeflateParams {
            server_max_window_bits: Some(10),
            server_no_context_takeover: true,
            ..DeflateParams::default()
        };
        assert!(check_response(
            &offers("permessage-deflate; server_no_context_takeover"),
            &asked
        )
        .is_err());
        assert!(check_response(
            &offers("permessage-deflate; server_no_context_takeover; server_max_window_bits=11"),
            &asked
        )
        .is_err());
        assert!(check_response(
            &offers("permessage-deflate; server_no_context_takeover; server_max_window_bits=9"),
            &asked
        )
        .is_ok());
    }

    #[test]
    fn user_parameters_use_the_header_syntax() {
        let p = DeflateParams::parse_user("server_no_context_takeover; client_max_window_bits=10")
            .unwrap();
        assert!(p.server_no_context_takeover);
        assert_eq!(p.client_max_window_bits, Some(10));
        assert_eq!(
            p.offer(),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10"
        );
        assert_eq!(
            DeflateParams::parse_user("server_max_window_bits=20"),
            Err("server_max_window_bits=20: the window bits are 8 to 15".into())
        );
        let typo = DeflateParams::parse_user("server_max_window_bit=10").unwrap_err();
        assert!(
            typo.starts_with("unknown parameter server_max_window_bit ("),
            "{typo}"
        );
        assert!(typo.contains("server_max_window_bits"), "{typo}");
        assert!(DeflateParams::parse_user("")
            .unwrap_err()
            .starts_with("no parameters given"));
        assert_eq!(
            DeflateParams::parse_user("server_no_context_takeover; =1"),
            Err("expected a parameter name at byte 29".into())
        );
    }

    use proptest::prelude::*;

    fn negotiated() -> impl Strategy<Value = Negotiated> {
        (any::<bool>(), any::<bool>(), 8u8..=15, 8u8..=15).prop_map(|(s, c, sb, cb)| Negotiated {
            server_no_context_takeover: s,
            client_no_context_takeover: c,
            server_max_window_bits: sb,
            client_max_window_bits: cb,
        })
    }

    fn params() -> impl Strategy<Value = DeflateParams> {
        (
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(8u8..=15),
            proptest::option::of(8u8..=15),
        )
            .prop_map(|(s, c, sb, cb)| DeflateParams {
                server_no_context_takeover: s,
                client_no_context_takeover: c,
                server_max_window_bits: sb,
                client_max_window_bits: cb,
            })
    }

    proptest! {
        #[test]
        fn a_browser_offer_takes_any_answer_as_written(n in negotiated()) {
            // The browser's offer lets the server choose everything: what it answers is what
            // the client uses.
            let answer = parse_header(&n.to_string()).unwrap();
            prop_assert_eq!(check_response(&answer, &DeflateParams::browser()), Ok(Some(n)));
        }

        #[test]
        fn the_server_honours_an_offer_and_the_client_accepts_the_answer(
            offer in params(),
            wanted in params(),
        ) {
            let offers = parse_header(&offer.offer()).unwrap();
            if let Some(Accepted { negotiated: n, answer }) =
                accept_offer(&offers, &ServerPolicy { wanted })
            {
                // What the client asked for is granted.
                prop_assert!(n.server_no_context_takeover || !offer.server_no_context_takeover);
                prop_assert!(n.client_no_context_takeover || !offer.client_no_context_takeover);
                if let Some(b) = offer.server_max_window_bits {
                    prop_assert!(n.server_max_window_bits <= b);
                }
                if let Some(b) = offer.client_max_window_bits {
                    prop_assert!(n.client_max_window_bits <= b);
                }
                let answer = parse_header(&answer).unwrap();
                prop_assert_eq!(check_response(&answer, &offer), Ok(Some(n)));
            }
        }
    }
}
