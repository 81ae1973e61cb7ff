//! The codec's examples and properties.

use super::*;
use proptest::prelude::*;
use serde_json::json;

const BOTH: [Flavor; 2] = [Flavor::TransportWs, Flavor::Legacy];

#[test]
fn messages_are_read_in_their_flavor() {
    let t = Flavor::TransportWs;
    let l = Flavor::Legacy;
    assert_eq!(
        Msg::decode(t, r#"{"type":"connection_ack"}"#),
        Ok(Msg::ConnectionAck(None))
    );
    assert_eq!(
        Msg::decode(
            t,
            r#"{"id":"1","type":"next","payload":{"data":{"hello":"world"}}}"#
        ),
        Ok(Msg::Next {
            id: "1".into(),
            payload: json!({"data":{"hello":"world"}})
        })
    );
    assert_eq!(
        Msg::decode(l, r#"{"id":"1","type":"data","payload":{"data":null}}"#),
        Ok(Msg::Next {
            id: "1".into(),
            payload: json!({"data":null})
        })
    );
    assert_eq!(Msg::decode(l, r#"{"type":"ka"}"#), Ok(Msg::KeepAlive));
    // Each protocol's own words only.
    assert!(matches!(
        Msg::decode(t, r#"{"type":"ka"}"#),
        Err(CodecError::Type(..))
    ));
    assert!(matches!(
        Msg::decode(l, r#"{"type":"ping"}"#),
        Err(CodecError::Type(..))
    ));
    assert!(matches!(
        Msg::decode(t, r#"{"id":"1","type":"data","payload":{}}"#),
        Err(CodecError::Type(..))
    ));
    assert_eq!(
        Msg::decode(t, r#"{"type":"next","payload":{}}"#),
        Err(CodecError::Id("next"))
    );
    assert_eq!(
        Msg::decode(t, r#"{"id":"1","type":"next","payload":[1]}"#),
        Err(CodecError::Payload("next", "object"))
    );
    assert_eq!(Msg::decode(t, "[1]"), Err(CodecError::NotObject));
    assert_eq!(Msg::decode(t, "{}"), Err(CodecError::NoType));
    assert!(matches!(Msg::decode(t, "hi"), Err(CodecError::Json(_))));
}

#[test]
fn messages_are_written_with_their_flavors_words() {
    let sub = Msg::Subscribe {
        id: "1".into(),
        payload: json!({"query":"{ hello }"}),
    };
    assert_eq!(
        sub.encode(Flavor::TransportWs),
        r#"{"id":"1","type":"subscribe","payload":{"query":"{ hello }"}}"#
    );
    assert_eq!(
        sub.encode(Flavor::Legacy),
        r#"{"id":"1","type":"start","payload":{"query":"{ hello }"}}"#
    );
    assert_eq!(
        Msg::cancel(Flavor::Legacy, "2".into()).encode(Flavor::Legacy),
        r#"{"id":"2","type":"stop"}"#
    );
    assert_eq!(
        Msg::ConnectionInit(Some(json!({"token":"t"}))).encode(Flavor::TransportWs),
        r#"{"type":"connection_init","payload":{"token":"t"}}"#
    );
}

#[test]
fn operations_are_documents_or_requests() {
    assert_eq!(operation("{ hello }"), Ok(json!({"query":"{ hello }"})));
    assert_eq!(
        operation("  subscription { greetings }\n"),
        Ok(json!({"query":"subscription { greetings }"}))
    );
    assert_eq!(
        operation(r#"query Q($n: Int) { count(n: $n, s: "}") }"#),
        Ok(json!({"query":r#"query Q($n: Int) { count(n: $n, s: "}") }"#}))
    );
    let req = r#"{"query":"query($n:Int){ add(n:$n) }","variables":{"n":2},"operationName":null}"#;
    assert_eq!(
        operation(req),
        Ok(serde_json::from_str::<Value>(req).unwrap())
    );
    for (bad, why) in [
        ("hello", "must start with"),
        ("", "empty"),
        ("{ hello", "never closed"),
        ("{ hello }}", "unmatched"),
        ("query Q", "no selection set"),
        (r#"{"query":1}"#, "must be a string"),
        (r#"{"variables":{}}"#, "needs \"query\""),
        (r#"{"query":"{ a }","variables":[1]}"#, "must be an object"),
        (r#"{"query":"{ a }","x":1}"#, "not a key"),
        (r#"{"query":"{ a }""#, "not JSON"),
        (r#"{ a(s: "x) }"#, "string is never closed"),
        ("queryx { a }", "must start with"),
        ("[1,2]", "must start with"),
    ] {
        let got = operation(bad).unwrap_err();
        assert!(got.contains(why), "{bad}: {got}");
    }
}

#[test]
fn errors_are_one_line() {
    assert_eq!(
        error_messages(&json!([{"message":"a"},{"message":"b"}])),
        "a; b"
    );
    assert_eq!(error_messages(&json!({"message":"c"})), "c");
    assert!(result_errors(&json!({"data":{},"errors":[]})).is_none());
    assert!(result_errors(&json!({"data":null,"errors":[{"message":"x"}]})).is_some());
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,4}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec(("[a-z]{1,4}", json_value()), 0..4)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

fn payload() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(json_value().prop_filter("null is no payload", |v| !v.is_null()))
}

fn message() -> impl Strategy<Value = (Flavor, Msg)> {
    let id = "\\PC{1,6}";
    prop_oneof![
        payload().prop_map(|p| (Flavor::TransportWs, Msg::ConnectionInit(p))),
        payload().prop_map(|p| (Flavor::Legacy, Msg::ConnectionAck(p))),
        payload().prop_map(|p| (Flavor::Legacy, Msg::ConnectionError(p))),
        Just((Flavor::Legacy, Msg::ConnectionTerminate)),
        Just((Flavor::Legacy, Msg::KeepAlive)),
        payload().prop_map(|p| (Flavor::TransportWs, Msg::Ping(p))),
        payload().prop_map(|p| (Flavor::TransportWs, Msg::Pong(p))),
        (id, object(), any::<bool>()).prop_map(|(id, payload, l)| (
            if l {
                Flavor::Legacy
            } else {
                Flavor::TransportWs
            },
            Msg::Subscribe { id, payload }
        )),
        (id, object(), any::<bool>()).prop_map(|(id, payload, l)| (
            if l {
                Flavor::Legacy
            } else {
                Flavor::TransportWs
            },
            Msg::Next { id, payload }
        )),
        (
            id,
            json_value().prop_filter("null is no payload", |v| !v.is_null())
        )
            .prop_map(|(id, payload)| (Flavor::TransportWs, Msg::Error { id, payload })),
        id.prop_map(|id| (Flavor::TransportWs, Msg::Complete { id })),
        id.prop_map(|id| (Flavor::Legacy, Msg::Stop { id })),
    ]
}

proptest! {
    #[test]
    fn what_is_encoded_decodes_to_itself((flavor, msg) in message()) {
        prop_assert_eq!(Msg::decode(flavor, &msg.encode(flavor)), Ok(msg));
    }

    #[test]
    fn any_text_is_a_message_or_a_reason(s in "\\PC{0,60}") {
        for f in BOTH {
            let _ = Msg::decode(f, &s);
        }
        let _ = operation(&s);
    }

    #[test]
    fn any_json_object_is_a_message_or_a_reason(v in object(), kind in "[a-z_]{0,12}") {
        let mut v = v;
        v.as_object_mut().unwrap().insert("type".into(), Value::from(kind));
        for f in BOTH {
            let _ = Msg::decode(f, &v.to_string());
        }
        let _ = operation(&v.to_string());
    }

    #[test]
    fn a_document_with_balanced_braces_is_an_operation(field in "[a-z]{1,8}", arg in "\\PC{0,8}") {
        let doc = format!("{{ {field}(s: {}) }}", Value::from(arg));
        prop_assert!(operation(&doc).is_ok(), "{}", doc);
    }
}
