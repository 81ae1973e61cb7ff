//! Binary attachments in a lossless text form. On the wire a binary event's arguments hold
//! placeholders, `{"_placeholder":true,"num":N}`, and the N-th binary message that follows
//! is the data; wsprobe shows (and takes) the data in place, as `{"$binary":"<base64>"}`.
//! Pure, like the codec.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The key of the in-place form.
pub const KEY: &str = "$binary";

/// Replaces every placeholder in `value` with its attachment in the `$binary` form.
pub fn fill(value: &mut Value, attachments: &[Bytes]) -> Result<(), String> {
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(|v| fill(v, attachments)),
        Value::Object(o) if o.get("_placeholder") == Some(&Value::Bool(true)) => {
            let num = o.get("num").and_then(Value::as_u64);
            let data = num
                .and_then(|n| attachments.get(usize::try_from(n).ok()?))
                .ok_or_else(|| {
                    format!(
                        "a placeholder names attachment {} of {}",
                        num.map_or("?".to_owned(), |n| n.to_string()),
                        attachments.len()
                    )
                })?;
            *value = binary(data);
            Ok(())
        }
        Value::Object(o) => o.values_mut().try_for_each(|v| fill(v, attachments)),
        _ => Ok(()),
    }
}

/// `{"$binary":"<base64>"}`.
pub fn binary(data: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert(KEY.to_owned(), Value::String(B64.encode(data)));
    Value::Object(m)
}

/// Takes the `$binary` objects out of `value`, leaving placeholders, and returns their data
/// in order (empty: nothing binary, a plain event).
pub fn extract(value: &mut Value) -> Result<Vec<Bytes>, String> {
    let mut out = Vec::new();
    take(value, &mut out)?;
    Ok(out)
}

fn take(value: &mut Value, out: &mut Vec<Bytes>) -> Result<(), String> {
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(|v| take(v, out)),
        Value::Object(o) if o.len() == 1 && o.contains_key(KEY) => {
            let Some(Value::String(b64)) = o.get(KEY) else {
                return Err(format!("\"{KEY}\" must be a base64 string"));
            };
            let data = B64
                .decode(b64)
                .map_err(|e| format!("\"{KEY}\" is not base64: {e}"))?;
            let mut placeholder = Map::new();
            placeholder.insert("_placeholder".to_owned(), Value::Bool(true));
            placeholder.insert("num".to_owned(), Value::from(out.len()));
            out.push(Bytes::from(data));
            *value = Value::Object(placeholder);
            Ok(())
        }
        Value::Object(o) => o.values_mut().try_for_each(|v| take(v, out)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn placeholders_become_base64_in_place() {
        let mut v = json!(["file", {"name": "a", "body": {"_placeholder": true, "num": 1}},
                           {"_placeholder": true, "num": 0}]);
        fill(
            &mut v,
            &[Bytes::from_static(b"\x00\x01"), Bytes::from_static(b"hi")],
        )
        .unwrap();
        assert_eq!(
            v,
            json!(["file", {"name": "a", "body": {"$binary": "aGk="}}, {"$binary": "AAE="}])
        );
        let mut bad = json!([{"_placeholder": true, "num": 2}]);
        assert!(fill(&mut bad, &[])
            .unwrap_err()
            .contains("attachment 2 of 0"));
    }

    #[test]
    fn base64_becomes_placeholders_and_attachments() {
        let mut v = json!(["up", {"$binary": "AAE="}, [{"$binary": ""}]]);
        let data = extract(&mut v).unwrap();
        assert_eq!(data, vec![Bytes::from_static(b"\x00\x01"), Bytes::new()]);
        assert_eq!(
            v,
            json!(["up", {"_placeholder": true, "num": 0}, [{"_placeholder": true, "num": 1}]])
        );
        assert!(extract(&mut json!([{"$binary": 1}])).is_err());
        assert!(extract(&mut json!([{"$binary": "!!"}])).is_err());
    }

    proptest! {
        #[test]
        fn extract_then_fill_gives_back_the_value(
            blobs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..8), 0..4),
            text in ".{0,6}",
        ) {
            let mut args = vec![Value::String(text)];
            args.extend(blobs.iter().map(|b| binary(b)));
            let original = Value::Array(args);
            let mut v = original.clone();
            let data = extract(&mut v).unwrap();
            prop_assert_eq!(data.len(), blobs.len());
            fill(&mut v, &data).unwrap();
            prop_assert_eq!(v, original);
        }
    }
}
