//! `connect --socketio` resolved: the Engine.IO URL the WebSocket goes to, the namespace, the
//! CONNECT payload, and the -x events checked before anything connects; `bench --socketio`
//! the same way. `connect --graphql` likewise: its `connection_init` payload and the -x
//! operations checked.

use anyhow::Result;

use serde_json::Value;

use crate::cli::{BenchProtoArgs, ConnectArgs};
use crate::error::Failure;
use crate::proto::socketio::{relay::check_event, Plan};
use crate::proto::Protocol;
use crate::value::WsUrl;

/// The protocol asked for, and the URL the WebSocket connects to for it.
pub fn protocol(args: &ConnectArgs) -> Result<Option<(Protocol, WsUrl)>> {
    let p = &args.proto;
    if p.graphql {
        return graphql(args).map(Some);
    }
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
