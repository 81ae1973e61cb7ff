//! `connect --socketio` resolved: the Engine.IO URL the WebSocket goes to, the namespace, the
//! CONNECT payload, and the -x events checked before anything connects. `connect --graphql`
//! likewise: its `connection_init` payload and the -x operations checked.

use anyhow::Result;

use crate::cli::ConnectArgs;
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
    if args.url.unix_socket().is_some() {
        return Err(Failure::usage(
            "--socketio takes the server's URL as socket.io-client does: http://, https://, ws:// or wss://",
        )
        .into());
    }
    let (path, query) = args.url.path_and_query();
    // As socket.io-client's io("http://host/admin"): the URL's path is the namespace.
    let from_url = (path != "/").then(|| crate::value::percent_decode(path));
    let namespace = match (&p.namespace, from_url) {
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
    let url = args.url.with_target(&p.socketio_path, Some(&engine_query));
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
    let plan = Plan {
        namespace,
        auth: p.init.clone(),
        ack: p.ack,
        handshake_timeout: args.handshake.connect_timeout,
    };
    Ok(Some((Protocol::SocketIo(plan), url)))
}

/// `--graphql`: the URL as given (ws://, wss://; http:// and https:// as graphql-ws's
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
    use crate::proto::graphql::codec::Flavor;
    if let Some(p) = args
        .handshake
        .protocols
        .iter()
        .find(|p| Flavor::from_subprotocol(p).is_none())
    {
        return Err(Failure::usage(format!(
            "--graphql speaks graphql-transport-ws and graphql-ws, not the subprotocol {p}"
        ))
        .hint("-s graphql-ws offers only the legacy protocol (subscriptions-transport-ws); without -s both are offered")
        .into());
    }
    let plan = crate::proto::graphql::Plan {
        init: args.proto.init.clone(),
        handshake_timeout: args.handshake.connect_timeout,
        // Set from the drive options once they are decided (`config::connect`).
        close_at_end: None,
    };
    Ok((Protocol::GraphQl(plan), args.url.clone()))
}
