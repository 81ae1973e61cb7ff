//! The pieces every protocol's events build their `--json` records from (`events.rs` of
//! each protocol): the record's keys, and a direction or side as the JSON names them.

use serde_json::{Map, Value};

use crate::session::{Dir, Side};

/// A record's fields, in the order given.
pub fn map(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `in` or `out`, as `Event`'s records name a direction.
pub fn dir(d: Dir) -> Value {
    Value::from(match d {
        Dir::In => "in",
        Dir::Out => "out",
    })
}

/// `local` or `remote`, as `Event`'s records name who did something.
pub fn side(s: Side) -> Value {
    Value::from(match s {
        Side::Local => "local",
        Side::Remote => "remote",
    })
}
