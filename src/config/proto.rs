//! `connect --socketio` resolved: the Engine.IO URL the WebSocket goes to, the namespace, the
//! CONNECT payload, and the -x events checked before anything connects. `connect --stomp`
//! resolved: the CONNECT headers and what to subscribe and send. `--sockjs`: the SockJS
//! session path in the URL, beneath either (or beneath raw messages).

use anyhow::Result;

use crate::cli::ConnectArgs;
use crate::error::Failure;
use crate::proto::socketio::{relay::check_event, Plan};
use crate::proto::Protocol;
use crate::value::WsUrl;

/// The protocol asked for, and the URL the WebSocket connects to for it.
pub fn protocol(args: &ConnectArgs) -> Result<Option<(Protocol, WsUrl)>> {
    let above = if args.stomp.stomp {
        Some(stomp(args)?)
    } else {
        socketio(args)?
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
fn socketio(args: &ConnectArgs) -> Result<Option<(Protocol, WsUrl)>> {
    let p = &args.proto;
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

/// `--stomp`: the plan, and the URL as given.
fn stomp(args: &ConnectArgs) -> Result<(Protocol, WsUrl)> {
    let s = &args.stomp;
    let mut connect_headers = Vec::new();
    if let Some(serde_json::Value::Object(init)) = &args.proto.init {
        for (k, v) in init {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if k.is_empty() || k.chars().chain(v.chars()).any(char::is_control) {
                return Err(Failure::usage(format!(
                    "--init: the CONNECT header {k:?} cannot be sent (empty, or a control character)"
                ))
                .into());
            }
            connect_headers.push((k.clone(), v));
        }
    }
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
    if let (Some(Protocol::Stomp(_)), true) = (protocol, protocols.is_empty()) {
        *protocols = crate::proto::stomp::codec::SUBPROTOCOLS
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
    }
}

/// STOMP's DISCONNECT and close at the end of input, when the mode closes then (the
/// driver's `close_on_eof`), beneath SockJS too.
pub fn close_at_end(protocol: &mut Protocol, close: Option<&crate::value::Close>) {
    match protocol {
        Protocol::Stomp(plan) => plan.close = close.cloned(),
        Protocol::SockJs {
            inner: Some(inner), ..
        } => close_at_end(inner, close),
        _ => {}
    }
}
