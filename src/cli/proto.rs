//! `connect`'s application-protocol flags (clap types only).

use clap::Args;
use serde_json::Value;

use crate::value::appproto::{
    parse_destination, parse_engine_path, parse_heart_beat, parse_init, parse_namespace,
};

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
    #[arg(long, group = "app_protocol",
          conflicts_with_all = ["echo", "binary", "null", "execute_binary"])]
    pub socketio: bool,

    /// The Engine.IO endpoint's path (the server's `path` option)
    #[arg(long, value_name = "PATH", default_value = "/socket.io/", value_parser = parse_engine_path,
          requires = "socketio")]
    pub socketio_path: String,

    /// The namespace to connect to [default: the URL's path, or /]
    #[arg(long, value_name = "NAMESPACE", value_parser = parse_namespace, requires = "socketio")]
    pub namespace: Option<String>,

    /// The CONNECT packet's auth payload (--socketio: what the server's middleware reads as
    /// socket.handshake.auth), connection_init's payload (--graphql: what onConnect reads as
    /// connectionParams), or more CONNECT headers (--stomp: {"login":"guest","passcode":"guest"}),
    /// a JSON object
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

/// Speaking STOMP on the WebSocket (clap types only).
#[derive(Debug, Args)]
#[command(next_help_heading = "STOMP")]
pub struct StompArgs {
    /// Speak STOMP 1.2/1.1/1.0 (offers v12.stomp, v11.stomp, v10.stomp): CONNECT at OPEN,
    /// CONNECTED shown, each MESSAGE body one stdout line; with --destination, each stdin
    /// line is SENT there
    ///
    /// CONNECT carries accept-version, host (the URL's) and heart-beat (--heart-beat), and
    /// the headers of --init. Heart-beats go both ways as negotiated; a server silent for
    /// twice its interval is dead (exit 4). An ERROR frame is shown and fails the run: exit
    /// 3 before CONNECTED (a refused login), 1 after. At the end of input: the replies are
    /// awaited (--reply-timeout), then DISCONNECT with a receipt, then the close.
    #[arg(long, group = "app_protocol",
          conflicts_with_all = ["echo", "binary", "execute_binary", "reconnect", "socketio"])]
    pub stomp: bool,

    /// Subscribe to DEST once CONNECTED (repeatable; ids sub-0, sub-1, …, ack auto)
    #[arg(long, value_name = "DEST", value_parser = parse_destination, requires = "stomp")]
    pub subscribe: Vec<String>,

    /// SEND each stdin line (or -x) to DEST
    #[arg(long, value_name = "DEST", value_parser = parse_destination, requires = "stomp")]
    pub destination: Option<String>,

    /// Ask for a RECEIPT of every SEND, SUBSCRIBE and UNSUBSCRIBE (shown with -v and --json)
    #[arg(long, requires = "stomp")]
    pub receipt: bool,

    /// The heart-beats offered in CONNECT: send every CX ms, want one every CY ms (0,0: none)
    #[arg(long, value_name = "CX,CY", default_value = "10000,10000", value_parser = parse_heart_beat,
          requires = "stomp")]
    pub heart_beat: (u64, u64),

    /// Go through a SockJS endpoint's websocket transport: URL is the endpoint as
    /// SockJS('http://HOST/PATH') takes it, and the WebSocket goes to
    /// PATH/<server>/<session>/websocket (random ids); with --stomp, STOMP travels inside
    ///
    /// SockJS frames are unwrapped: the messages of a[…] (or m) are what is received, each
    /// message sent goes as a JSON array; the open frame (o) is shown, heartbeats (h) with
    /// -v, and the SockJS close c[code,"reason"] is the CLOSING and CLOSED shown, with its
    /// code and reason. SockJS carries text only.
    #[arg(long, help_heading = "SockJS",
          conflicts_with_all = ["binary", "execute_binary", "reconnect", "socketio", "graphql"])]
    pub sockjs: bool,
}

/// `bench`'s application protocols: each request is the protocol's, and so is its reply.
#[derive(Debug, Args)]
#[command(next_help_heading = "Socket.IO")]
pub struct BenchProtoArgs {
    /// Speak Socket.IO (v5 over Engine.IO v4) with URL as socket.io-client takes it: each
    /// request emits the --payload event (a JSON array, its name first), and its reply is the
    /// next event of the same name (or, with --ack, its acknowledgement)
    ///
    /// Each connection's Engine.IO and namespace handshake counts in its connect time; a
    /// namespace that refuses the CONNECT is a connect error with the server's message. The
    /// server's pings are answered; events of other names are counted as pushes.
    #[arg(long = "socketio", requires = "payload", group = "bench_protocol",
          conflicts_with_all = ["binary", "match_by", "no_echo"])]
    pub socketio: bool,

    /// The Engine.IO endpoint's path (the server's `path` option)
    #[arg(long, value_name = "PATH", default_value = "/socket.io/", value_parser = parse_engine_path,
          requires = "socketio")]
    pub socketio_path: String,

    /// The namespace to connect to [default: the URL's path, or /]
    #[arg(long, value_name = "NAMESPACE", value_parser = parse_namespace, requires = "socketio")]
    pub namespace: Option<String>,

    /// The CONNECT packet's auth payload (--socketio: socket.handshake.auth),
    /// connection_init's payload (--graphql: connectionParams), or more CONNECT headers
    /// (--stomp: {"login":"guest","passcode":"guest"}), a JSON object
    #[arg(long, value_name = "JSON", value_parser = parse_init, requires = "bench_protocol")]
    pub init: Option<Value>,

    /// Speak STOMP: each request is a SEND of the --payload to --destination with a receipt
    /// (its id the request's {seq}), and its reply is the RECEIPT: SEND → RECEIPT latency
    ///
    /// Each connection's CONNECT and CONNECTED count in its connect time (no heart-beats);
    /// an ERROR before CONNECTED is a connect error with the server's message. MESSAGE
    /// frames are counted as pushes.
    #[arg(long, requires_all = ["payload", "bench_destination"], group = "bench_protocol",
          conflicts_with_all = ["binary", "match_by", "no_echo"], help_heading = "STOMP")]
    pub stomp: bool,

    /// Where --stomp SENDs each request
    #[arg(id = "bench_destination", long = "destination", value_name = "DEST",
          value_parser = parse_destination, requires = "stomp", help_heading = "STOMP")]
    pub destination: Option<String>,

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
    #[arg(long, requires = "payload", group = "bench_protocol", help_heading = "GraphQL",
          conflicts_with_all = ["binary", "match_by", "no_echo", "socketio"])]
    pub graphql: bool,

    /// With --graphql, a request's reply is its first result (subscribe → first result; a
    /// subscription need not end)
    #[arg(long, requires = "graphql", help_heading = "GraphQL")]
    pub first_result: bool,
}
