//! `connect`'s application-protocol flags (clap types only).

use clap::Args;
use serde_json::Value;

use crate::value::appproto::{parse_engine_path, parse_init, parse_namespace};

/// Speaking an application protocol on the WebSocket.
#[derive(Debug, Args)]
#[command(next_help_heading = "Socket.IO")]
#[command(group = clap::ArgGroup::new("app_protocol").args(["socketio", "graphql"]))]
pub struct ProtoArgs {
    /// Speak Socket.IO (v5 over Engine.IO v4) with URL as socket.io-client takes it
    /// (http://HOST:PORT, https://, ws://, wss://; a path in it is the namespace): each stdin
    /// line is an event as a JSON array, ["chat message","hi"], and each received event (or
    /// ack) is one stdout line, its JSON array
    ///
    /// The open packet's sid, pingInterval, pingTimeout and maxPayload are shown at OPEN;
    /// every Engine.IO ping is answered, and a server that sends none for pingInterval +
    /// pingTimeout is dead (exit 4). A namespace that refuses the CONNECT fails the run with
    /// the server's message (exit 3); a server's DISCONNECT is reported and the connection
    /// closed. Binary attachments are shown, and sent, in place as {"$binary":"<base64>"}.
    /// With --reconnect, each new connection does the Engine.IO and namespace handshake
    /// again, and what is typed meanwhile is held until the namespace answers.
    #[arg(long, conflicts_with_all = ["echo", "binary", "null", "execute_binary"])]
    pub socketio: bool,

    /// The Engine.IO endpoint's path (the server's `path` option)
    #[arg(long, value_name = "PATH", default_value = "/socket.io/", value_parser = parse_engine_path,
          requires = "socketio")]
    pub socketio_path: String,

    /// The namespace to connect to [default: the URL's path, or /]
    #[arg(long, value_name = "NAMESPACE", value_parser = parse_namespace, requires = "socketio")]
    pub namespace: Option<String>,

    /// The CONNECT packet's auth payload (--socketio: what the server's middleware reads as
    /// socket.handshake.auth) or connection_init's payload (--graphql: what onConnect reads
    /// as connectionParams), a JSON object
    #[arg(long, value_name = "JSON", value_parser = parse_init, requires = "app_protocol")]
    pub init: Option<Value>,

    /// Ask for an acknowledgement of every emitted event (ids 0, 1, …); each ack is one
    /// stdout line, the JSON array of its arguments (-v and --json say which emit it answers)
    #[arg(long, requires = "socketio")]
    pub ack: bool,

    /// Speak GraphQL over WebSocket: offer graphql-transport-ws (graphql-ws) and graphql-ws
    /// (subscriptions-transport-ws) and speak the one the server picks; each stdin line (or
    /// -x) is an operation, { hello } or subscription { greetings } or
    /// {"query":…,"variables":{…}}, and each result is one stdout line, its JSON
    ///
    /// connection_init goes first (its payload from --init) and connection_ack is shown;
    /// pings are answered, and the legacy keep-alive (ka) is watched. When the input has ended
    /// and every operation has completed, the connection closes with 1000. An operation that
    /// fails, or a result with errors, shows the errors and exits 1; the protocol's close
    /// codes (4400, 4401, 4403, 4408, 4409, 4429) are explained in words. A stock
    /// subscriptions-transport-ws server takes the first subprotocol offered and closes with
    /// 1002 when it is graphql-transport-ws: -s graphql-ws offers only the legacy one.
    #[arg(long, help_heading = "GraphQL",
          conflicts_with_all = ["echo", "binary", "null", "execute_binary", "reconnect", "socketio"])]
    pub graphql: bool,
}

/// `bench`'s application protocols: each request is the protocol's, and so is its reply.
#[derive(Debug, Args)]
#[command(next_help_heading = "Socket.IO")]
#[command(group = clap::ArgGroup::new("bench_app_protocol").args(["socketio", "graphql"]))]
pub struct BenchProtoArgs {
    /// Speak Socket.IO (v5 over Engine.IO v4) with URL as socket.io-client takes it: each
    /// request emits the --payload event (a JSON array, its name first), and its reply is the
    /// next event of the same name (or, with --ack, its acknowledgement)
    ///
    /// Each connection's Engine.IO and namespace handshake counts in its connect time; a
    /// namespace that refuses the CONNECT is a connect error with the server's message. The
    /// server's pings are answered; events of other names are counted as pushes.
    #[arg(long = "socketio", requires = "payload",
          conflicts_with_all = ["binary", "match_by", "no_echo"])]
    pub socketio: bool,

    /// The Engine.IO endpoint's path (the server's `path` option)
    #[arg(long, value_name = "PATH", default_value = "/socket.io/", value_parser = parse_engine_path,
          requires = "socketio")]
    pub socketio_path: String,

    /// The namespace to connect to [default: the URL's path, or /]
    #[arg(long, value_name = "NAMESPACE", value_parser = parse_namespace, requires = "socketio")]
    pub namespace: Option<String>,

    /// The CONNECT packet's auth payload (--socketio: socket.handshake.auth) or
    /// connection_init's payload (--graphql: connectionParams), a JSON object
    #[arg(long, value_name = "JSON", value_parser = parse_init, requires = "bench_app_protocol")]
    pub init: Option<Value>,

    /// Each emit asks for an acknowledgement (its id the request's {seq}), and the ack is its
    /// reply: emit → ack latency
    #[arg(long, requires = "socketio")]
    pub ack: bool,

    /// Speak GraphQL over WebSocket: each request subscribes to the --payload operation (a
    /// document or a JSON request, {seq} in place) with its {seq} as the operation's id, and
    /// its reply is the operation's completion: subscribe → complete latency
    ///
    /// Each connection's connection_init and connection_ack count in its connect time (--init
    /// is connection_init's payload); graphql-transport-ws is offered (-s graphql-ws: the
    /// legacy protocol instead). An operation that ends in an error message ends its
    /// connection with the server's errors.
    #[arg(long, requires = "payload", help_heading = "GraphQL",
          conflicts_with_all = ["binary", "match_by", "no_echo", "socketio"])]
    pub graphql: bool,

    /// With --graphql, a request's reply is its first result (subscribe → first result; a
    /// subscription need not end)
    #[arg(long, requires = "graphql", help_heading = "GraphQL")]
    pub first_result: bool,
}
