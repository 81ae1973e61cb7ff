//! `-e` patterns: a plain substring, `re:REGEX`, or `json:PATH=VALUE` (a dotted path into a
//! JSON message; VALUE is JSON, or a string if it does not parse as JSON).

use std::fmt;

#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Substring(String),
    Regex(regex::Regex),
    Json {
        path: JsonPath,
        value: serde_json::Value,
    },
}

/// A dotted path into a JSON document (`user.id`, `items.1.name`): a key of an object, or
/// the index of an array's element, at each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(Vec<String>);

impl JsonPath {
    /// `PATH`, or why it is none (an empty path).
    pub fn parse(path: &str) -> Result<JsonPath, String> {
        if path.is_empty() {
            return Err("the JSON path is empty".to_owned());
        }
        Ok(JsonPath(path.split('.').map(str::to_owned).collect()))
    }

    /// The value at this path in `doc`, if there is one.
    pub fn find<'a>(&self, doc: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.0.iter().try_fold(doc, |v, key| match v {
            serde_json::Value::Object(m) => m.get(key),
            serde_json::Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
    }
}

pub fn parse_pattern(s: &str) -> Result<Pattern, String> {
    let kind = if let Some(re) = s.strip_prefix("re:") {
        Kind::Regex(regex::Regex::new(re).map_err(|e| {
            // The regex crate draws a caret diagram over several lines; its last line says why.
            let text = e.to_string();
            let why = text.lines().last().unwrap_or_default();
            format!(
                "invalid regular expression '{re}': {}",
                why.trim().trim_start_matches("error: ")
            )
        })?)
    } else if let Some(spec) = s.strip_prefix("json:") {
        let (path, value) = spec.split_once('=').ok_or_else(|| {
            format!("'{s}' needs a value: write json:PATH=VALUE, e.g. json:user.id=42")
        })?;
        let path = JsonPath::parse(path).map_err(|_| format!("'{s}' has an empty JSON path"))?;
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        Kind::Json { path, value }
    } else {
        Kind::Substring(s.to_owned())
    };
    Ok(Pattern {
        source: s.to_owned(),
        kind,
    })
}

impl Pattern {
    pub fn matches(&self, text: &str) -> bool {
        match &self.kind {
            Kind::Substring(s) => text.contains(s.as_str()),
            Kind::Regex(re) => re.is_match(text),
            Kind::Json { path, value } => {
                let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
                    return false;
                };
                path.find(&doc) == Some(value)
            }
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_kinds() {
        let p = parse_pattern("hello").unwrap();
        assert!(p.matches("oh hello there") && !p.matches("bye"));
        let p = parse_pattern(r"re:^pong \d+$").unwrap();
        assert!(p.matches("pong 42") && !p.matches("pong x"));
        let p = parse_pattern("json:user.id=42").unwrap();
        assert!(p.matches(r#"{"user":{"id":42}}"#));
        assert!(!p.matches(r#"{"user":{"id":"42"}}"#));
        let p = parse_pattern("json:items.1.name=b").unwrap();
        assert!(p.matches(r#"{"items":[{"name":"a"},{"name":"b"}]}"#));
        let p = parse_pattern("json:ok=true").unwrap();
        assert!(p.matches(r#"{"ok":true}"#) && !p.matches("not json"));
        assert!(parse_pattern("re:(").is_err());
        assert!(parse_pattern("json:novalue").is_err());
    }
}
