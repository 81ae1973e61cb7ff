//! `connect --socketio` resolved: the Engine.IO URL the WebSocket goes to, the namespace, the
//! CONNECT payload, and the -x events checked before anything connects; `bench --socketio`
//! the same way. `connect --graphql` likewise: its `connection_init` payload and the -x
//! operations checked. `connect --stomp` resolved: the CONNECT headers and what to subscribe
//! and send. `--sockjs`: the SockJS session path in the URL, beneath either (or raw messages).

use anyhow::Result;

use serde_json::Value;

use crate::cli::{BenchProtoArgs, ConnectArgs};
use crate::error::Failure;
use crate::proto::socketio::{relay::check_event, Plan};
use crate::proto::Protocol;
use crate::value::WsUrl;

/// The protocol asked for, and the URL the WebSocket connects to for it.
pub fn protocol(args: &ConnectArgs) -> Result<Option<(Protocol, WsUrl)>> {
    let above = if args.stomp.stomp {
        Some(stomp(args)?)
    } else if args.proto.graphql {
        Some(graphql(args)?)
    } else {
        connect_socketio(args)?
    };
    if !args.stomp.sockjs {
        return Ok(above);
    }
    if args.url.unix_socket().is_some() {
        return Err(Failure::usage(
            "--sockjs takes the SockJS endpoint's URL as SockJS() does: http://HOST/PATH (or https, ws, wss)",
        )
        .into());
    }
    // sockjs-client's websocket transport: <endpoint>/<server>/<session>/websocket.
    let session = crate::proto::sockjs::codec::session_path();
    let (path, query) = args.url.path_and_query();
    let target = format!("{}/{session}/websocket", path.trim_end_matches('/'));
    let url = args.url.with_target(&target, query);
    let inner = above.map(|(p, _)| Box::new(p));
    Ok(Some((Protocol::SockJs { session, inner }, url)))
}

/// `--socketio`, if asked for.
fn connect_socketio(args: &ConnectArgs) -> Result<Option<(Protocol, WsUrl)>> {
    let p = &args.proto;
    if !p.socketio {
        return Ok(None);
    }
    let (plan, url) = socketio(
        &args.url,
        &SocketIoArgs {
            path: &p.socketio_path,
            namespace: p.namespace.as_ref(),
            init: p.init.as_ref(),
            ack: p.ack,
        },
        args.handshake.connect_timeout,
    )?;
    for (i, x) in args.script.execute.iter().enumerate() {
        if let Err(why) = check_event(x) {
            return Err(Failure::usage(format!(
                "-x {} is not a Socket.IO event: {why}",
                i + 1
            ))
            .hint("with --socketio each -x is an event as a JSON array, its name first: -x '[\"echo\",\"hi\"]'")
            .into());
        }
    }
    Ok(Some((Protocol::SocketIo(plan), url)))
}

/// `bench`'s protocol flags: the protocol, and the URL each connection goes to for it.
pub fn bench_protocol(
    url: &WsUrl,
    p: &BenchProtoArgs,
    timeout: std::time::Duration,
) -> Result<Option<(Protocol, WsUrl)>> {
    if p.stomp {
        let plan = crate::proto::stomp::Plan {
            host: url.host().to_owned(),
            connect_headers: connect_headers(p.init.as_ref())?,
            heart_beat: (0, 0),
            subscribe: Vec::new(),
            destination: p.destination.clone(),
            receipt: true,
            handshake_timeout: timeout,
            reply_wait: std::time::Duration::ZERO,
            close_timeout: timeout,
            close: None,
            max_frame: 64 << 20,
        };
        return Ok(Some((Protocol::Stomp(plan), url.clone())));
    }
    if !p.socketio {
        return Ok(None);
    }
    let args = SocketIoArgs {
        path: &p.socketio_path,
        namespace: p.namespace.as_ref(),
        init: p.init.as_ref(),
        ack: p.ack,
    };
    let (plan, url) = socketio(url, &args, timeout)?;
    Ok(Some((Protocol::SocketIo(plan), url)))
}

/// The Socket.IO flags every command shares.
struct SocketIoArgs<'a> {
    path: &'a str,
    namespace: Option<&'a String>,
    init: Option<&'a Value>,
    ack: bool,
}

/// Socket.IO's plan, and its Engine.IO URL, from the URL as socket.io-client takes it.
fn socketio(
    url: &WsUrl,
    p: &SocketIoArgs<'_>,
    handshake_timeout: std::time::Duration,
) -> Result<(Plan, WsUrl)> {
    if url.unix_socket().is_some() {
        return Err(Failure::usage(
            "--socketio takes the server's URL as socket.io-client does: http://, https://, ws:// or wss://",
        )
        .into());
    }
    let (path, query) = url.path_and_query();
    // As socket.io-client's io("http://host/admin"): the URL's path is the namespace.
    let from_url = (path != "/").then(|| crate::value::percent_decode(path));
    let namespace = match (p.namespace, from_url) {
        (Some(ns), Some(url_ns)) if *ns != url_ns => {
            return Err(Failure::usage(format!(
                "the URL names the namespace {url_ns} and --namespace says {ns}"
            ))
            .hint("give the namespace once: in the URL's path or with --namespace")
            .into())
        }
        (Some(ns), _) => ns.clone(),
        (None, Some(url_ns)) => crate::value::appproto::parse_namespace(&url_ns)
            .map_err(|e| Failure::usage(format!("the URL's path as a namespace: {e}")))?,
        (None, None) => "/".to_owned(),
    };
    // The URL's query goes to the Engine.IO handshake, as socket.io-client's `query`.
    let engine_query = match query {
        Some(q) if !q.is_empty() => format!("{q}&EIO=4&transport=websocket"),
        _ => "EIO=4&transport=websocket".to_owned(),
    };
    let url = url.with_target(p.path, Some(&engine_query));
    let plan = Plan {
        namespace,
        auth: p.init.cloned(),
        ack: p.ack,
        handshake_timeout,
    };
    Ok((plan, url))
}

/// `connect --graphql`: the URL as given (ws://, wss://; http:// and https:// as graphql-ws's
/// clients take them), connection_init's payload, and every -x an operation.
fn graphql(args: &ConnectArgs) -> Result<(Protocol, WsUrl)> {
    for (i, x) in args.script.execute.iter().enumerate() {
        if let Err(why) = crate::proto::graphql::relay::check_operation(x) {
            return Err(Failure::usage(format!(
                "-x {} is not a GraphQL operation: {why}",
                i + 1
            ))
            .hint("with --graphql each -x is an operation: -x '{ hello }', -x 'subscription { greetings }' or -x '{\"query\":…,\"variables\":{…}}'")
            .into());
        }
    }
    let plan = crate::proto::graphql::Plan {
        init: args.proto.init.clone(),
        handshake_timeout: args.handshake.connect_timeout,
        // Set from the drive options once they are decided (`config::connect`).
        close_at_end: None,
        offered: graphql_offer(&args.handshake.protocols, false)?,
        first_result: false,
    };
    Ok((Protocol::GraphQl(plan), args.url.clone()))
}

/// `bench --graphql`: one subprotocol offered (`graphql-transport-ws`, or what `-s` names),
/// so that every request is written in it before the server answers.
pub fn bench_graphql(
    url: &WsUrl,
    p: &BenchProtoArgs,
    protocols: &[String],
    timeout: std::time::Duration,
) -> Result<(Protocol, WsUrl)> {
    let plan = crate::proto::graphql::Plan {
        init: p.init.clone(),
        handshake_timeout: timeout,
        close_at_end: None,
        offered: graphql_offer(protocols, true)?,
        first_result: p.first_result,
    };
    Ok((Protocol::GraphQl(plan), url.clone()))
}

/// The subprotocols `--graphql` offers: both, or those `-s` names (of the two; bench: one).
fn graphql_offer(protocols: &[String], one: bool) -> Result<Vec<String>> {
    use crate::proto::graphql::codec::Flavor;
    if let Some(p) = protocols
        .iter()
        .find(|p| Flavor::from_subprotocol(p).is_none())
    {
        return Err(Failure::usage(format!(
            "--graphql speaks graphql-transport-ws and graphql-ws, not the subprotocol {p}"
        ))
        .hint("-s graphql-ws offers only the legacy protocol (subscriptions-transport-ws); without -s both are offered")
        .into());
    }
    Ok(match protocols {
        [] if one => vec![Flavor::TransportWs.subprotocol().to_owned()],
        [] => Flavor::OFFERED.iter().map(|p| (*p).to_owned()).collect(),
        [_, _, ..] if one => {
            return Err(Failure::usage(
                "bench --graphql offers one subprotocol: -s graphql-transport-ws or -s graphql-ws",
            )
            .into())
        }
        given => given.to_vec(),
    })
}

/// `--init` as STOMP CONNECT headers (values that are not strings as their JSON).
fn connect_headers(init: Option<&Value>) -> Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    if let Some(Value::Object(init)) = init {
        for (k, v) in init {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if k.is_empty() || k.chars().chain(v.chars()).any(char::is_control) {
                return Err(Failure::usage(format!(
                    "--init: the CONNECT header {k:?} cannot be sent (empty, or a control character)"
                ))
                .into());
            }
            headers.push((k.clone(), v));
        }
    }
    Ok(headers)
}

/// `--stomp`: the plan, and the URL as given.
fn stomp(args: &ConnectArgs) -> Result<(Protocol, WsUrl)> {
    let s = &args.stomp;
    let connect_headers = connect_headers(args.proto.init.as_ref())?;
    if s.destination.is_none() && !args.script.execute.is_empty() {
        return Err(Failure::usage(
            "with --stomp, -x messages are SENT to --destination, and none is given",
        )
        .hint("add --destination DEST (e.g. --destination /app/hello)")
        .into());
    }
    let plan = crate::proto::stomp::Plan {
        host: args.url.host().to_owned(),
        connect_headers,
        heart_beat: s.heart_beat,
        subscribe: s.subscribe.clone(),
        destination: s.destination.clone(),
        receipt: s.receipt,
        handshake_timeout: args.handshake.connect_timeout,
        reply_wait: args.reply_timeout,
        close_timeout: args.close_timeout,
        // The mode's close at the end of input (`config::connect` sets it).
        close: None,
        max_frame: args.max_message_size,
    };
    Ok((Protocol::Stomp(plan), args.url.clone()))
}

/// The subprotocols the protocol offers when the user named none (-s).
pub fn offer(protocol: Option<&Protocol>, protocols: &mut Vec<String>) {
    match protocol {
        Some(Protocol::Stomp(_)) if protocols.is_empty() => {
            *protocols = crate::proto::stomp::codec::SUBPROTOCOLS
                .iter()
                .map(|p| (*p).to_owned())
                .collect();
        }
        // GraphQL's two (or those of -s), checked when its plan was made.
        _ => {
            if let Some(offered) = crate::proto::Speaker::offered(protocol) {
                *protocols = offered;
            }
        }
    }
}

/// STOMP's DISCONNECT and close at the end of input, when the mode closes then (the
/// driver's `close_on_eof`), beneath SockJS too.
pub fn close_at_end(protocol: &mut Protocol, close: Option<&crate::value::Close>) {
    match protocol {
        Protocol::Stomp(plan) => plan.close = close.cloned(),
        // GraphQL knows when every answer is in: it closes then, without the reply wait.
        Protocol::GraphQl(plan) => plan.close_at_end = close.cloned(),
        Protocol::SockJs {
            inner: Some(inner), ..
        } => close_at_end(inner, close),
        _ => {}
    }
}
