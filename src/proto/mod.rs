//! Application protocols spoken on the WebSocket (`connect --socketio`, `--graphql`,
//! `--stomp`, and SockJS beneath raw messages or STOMP). Above `session/`, below the commands.
//!
//! A protocol is one folder with a pure **codec** (text/bytes ⇄ its packets) and a
//! **session**: an [`Inbound`] handler that sits between the driver and the mode's handler,
//! answers the protocol itself (handshakes, heartbeats), reports the protocol's events
//! (`session::ProtoEvent`) and hands the mode what the user cares about as one text message
//! each (an event's JSON array), so stdout, `-e` and `-n` work unchanged. What the mode
//! sends goes through the protocol's **relay** on its way to the driver's data channel.
//!
//! [`Speaker`] is how a command plugs a protocol in, and with none asked for it adds nothing:
//! no task, no channel, and [`Layer::Raw`] is the mode's handler itself.

pub mod bench;
pub mod fields;
pub mod graphql;
pub mod socketio;
pub mod sockjs;
pub mod stomp;
pub mod watchdog;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::Message;

use crate::session::driver::{Batch, ControlTx, Ending, Inbound};
use crate::session::Conn;
use crate::value::SeqTemplate;

/// The protocol a run speaks on the WebSocket, resolved.
#[derive(Debug, Clone)]
pub enum Protocol {
    SocketIo(socketio::Plan),
    GraphQl(graphql::Plan),
    Stomp(stomp::Plan),
    /// `--sockjs`: SockJS's websocket transport (`session`: `<server>/<session>`) beneath
    /// `inner` (none: raw messages).
    SockJs {
        session: String,
        inner: Option<Box<Protocol>>,
    },
}

impl Protocol {
    /// The protocol's part in a `bench` run, checked against the run's `--payload`.
    pub fn bench(&self, payload: &SeqTemplate) -> anyhow::Result<Arc<dyn bench::BenchProtocol>> {
        Ok(match self {
            Protocol::SocketIo(plan) => Arc::new(socketio::bench::Run::new(plan, payload)?),
            Protocol::GraphQl(plan) => Arc::new(graphql::bench::Run::new(plan, payload)?),
            Protocol::Stomp(plan) => Arc::new(stomp::bench::Run::new(plan)?),
            Protocol::SockJs { .. } => {
                return Err(crate::error::Failure::usage("bench does not speak SockJS").into())
            }
        })
    }
}

/// A run's protocol, set up: makes the inbound layer and the relay of what is sent.
#[derive(Clone)]
pub enum Speaker {
    Raw,
    SocketIo {
        shared: Arc<socketio::Shared>,
        control: ControlTx,
    },
    GraphQl {
        shared: Arc<graphql::Shared>,
        control: ControlTx,
    },
    Stomp {
        shared: Arc<stomp::Shared>,
        control: ControlTx,
    },
    /// SockJS beneath another speaker (or none: `Raw`).
    SockJs {
        shared: Arc<sockjs::Shared>,
        inner: Box<Speaker>,
        control: ControlTx,
    },
}

impl Speaker {
    pub fn new(protocol: Option<&Protocol>, control: &ControlTx) -> Speaker {
        match protocol {
            None => Speaker::Raw,
            Some(Protocol::SocketIo(plan)) => Speaker::SocketIo {
                shared: socketio::Shared::new(plan.clone()),
                control: control.clone(),
            },
            Some(Protocol::GraphQl(plan)) => Speaker::GraphQl {
                shared: graphql::Shared::new(plan.clone()),
                control: control.clone(),
            },
            Some(Protocol::Stomp(plan)) => Speaker::Stomp {
                shared: stomp::Shared::new(plan.clone()),
                control: control.clone(),
            },
            Some(Protocol::SockJs { session, inner }) => Speaker::SockJs {
                shared: sockjs::Shared::new(session.clone(), inner.is_none()),
                inner: Box::new(Speaker::new(inner.as_deref(), control)),
                control: control.clone(),
            },
        }
    }

    /// The handler the driver gets: `inner` itself, or the protocol's session around it.
    pub fn inbound<H: Inbound>(&self, inner: H) -> Layer<H> {
        match self {
            Speaker::Raw => Layer::Raw(inner),
            Speaker::SocketIo { shared, control } => Layer::SocketIo(
                socketio::session::Session::new(inner, shared.clone(), control.clone()),
            ),
            Speaker::GraphQl { shared, control } => Layer::GraphQl(graphql::session::Session::new(
                inner,
                shared.clone(),
                control.clone(),
            )),
            Speaker::Stomp { shared, control } => Layer::Stomp(stomp::session::Session::new(
                inner,
                shared.clone(),
                control.clone(),
            )),
            Speaker::SockJs {
                shared,
                inner: above,
                control,
            } => Layer::SockJs(Box::new(sockjs::session::Session::new(
                above.inbound(inner),
                shared.clone(),
                control.clone(),
            ))),
        }
    }

    /// Each connection of the run, as it is made (the protocol's events go through it).
    pub fn attach(&self, conn: Conn) -> Arc<Conn> {
        let conn = Arc::new(conn);
        self.attach_shared(&conn);
        conn
    }

    /// [`Speaker::attach`] for a connection made already (the interactive session's).
    pub fn attach_shared(&self, conn: &Arc<Conn>) {
        match self {
            Speaker::Raw => {}
            Speaker::SocketIo { shared, .. } => {
                conn.protocol_speaks();
                shared.attach(conn);
            }
            Speaker::GraphQl { shared, .. } => {
                conn.protocol_speaks();
                shared.attach(conn);
            }
            Speaker::Stomp { shared, .. } => {
                conn.protocol_speaks();
                shared.attach(conn);
            }
            // Raw messages in SockJS are shown as the messages they are (sockjs::Shared).
            Speaker::SockJs { shared, inner, .. } => {
                shared.attach(conn);
                inner.attach_shared(conn);
            }
        }
    }

    /// The handshake's answer at OPEN: GraphQL speaks the subprotocol the server picked.
    pub fn negotiated(&self, response: &Response) {
        if let Speaker::GraphQl { shared, .. } = self {
            shared.negotiated(
                response
                    .headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok()),
            );
        }
    }

    /// The subprotocols the protocol offers at the handshake, if it has its own.
    pub fn offered(protocol: Option<&Protocol>) -> Option<Vec<String>> {
        match protocol {
            Some(Protocol::GraphQl(plan)) => Some(plan.offered.clone()),
            _ => None,
        }
    }

    /// The connection ended (`ending`'s close): the protocol says what its code means, if it
    /// has words for it (GraphQL's 4400, 4401, 4403, …).
    pub fn closed(&self, conn: &Conn, ending: Option<&Ending>) {
        if let (Speaker::GraphQl { shared, .. }, Some(e)) = (self, ending) {
            graphql::closes::explain(conn, e.close.code, shared);
        }
    }

    /// Whether a typed line can be sent as the protocol's message (the interactive session
    /// checks before sending, so a typo never ends the input): why not, in words.
    pub fn check(&self, line: &str) -> Result<(), String> {
        match self {
            Speaker::Raw => Ok(()),
            Speaker::SocketIo { .. } => socketio::relay::check_event(line).map_err(|why| {
                format!("not a Socket.IO event: {why}; type a JSON array, [\"chat\",\"hi\"], or /emit chat hi")
            }),
            Speaker::GraphQl { .. } => graphql::relay::check_operation(line).map_err(|why| {
                format!("not a GraphQL operation: {why}; type a document, {{ hello }}, or /subscribe {{ greetings }}")
            }),
            // A typed line is a SEND, which needs somewhere to go.
            Speaker::Stomp { shared, .. } if shared.plan.destination.is_none() => Err(
                "a typed line is SENT to --destination, and none was given: /send DEST BODY sends one"
                    .into(),
            ),
            Speaker::Stomp { .. } => Ok(()),
            Speaker::SockJs { inner, .. } => inner.check(line),
        }
    }

    /// The GraphQL session, when it is the protocol (`/complete`).
    pub fn graphql(&self) -> Option<&graphql::Shared> {
        match self {
            Speaker::GraphQl { shared, .. } => Some(shared),
            _ => None,
        }
    }

    /// Whether typed lines go out as they are (no protocol, or raw messages in SockJS).
    pub fn is_raw(&self) -> bool {
        match self {
            Speaker::SockJs { inner, .. } => inner.is_raw(),
            _ => matches!(self, Speaker::Raw),
        }
    }

    /// The interactive session's first hint: what a typed line is.
    pub fn typing_hint(&self) -> &'static str {
        match self {
            Speaker::Raw => "Type a message and press Enter; /help lists the commands.",
            Speaker::SocketIo { .. } => {
                "Type an event as a JSON array, [\"chat\",\"hi\"], or /emit chat hi; /help lists the commands."
            }
            Speaker::GraphQl { .. } => {
                "Type an operation, { hello }, or /subscribe { greetings }; /help lists the commands."
            }
            Speaker::Stomp { shared, .. } if shared.plan.destination.is_some() => {
                "Type a body to SEND it to --destination, or /send DEST BODY; /help lists the commands."
            }
            Speaker::Stomp { .. } => {
                "/send DEST BODY sends, /subscribe DEST subscribes; /help lists the commands."
            }
            Speaker::SockJs { inner, .. } => inner.typing_hint(),
        }
    }

    /// Whether STOMP is spoken (beneath SockJS too): `/subscribe` is then STOMP's.
    pub fn is_stomp(&self) -> bool {
        match self {
            Speaker::Stomp { .. } => true,
            Speaker::SockJs { inner, .. } => inner.is_stomp(),
            _ => false,
        }
    }

    pub fn is_socketio(&self) -> bool {
        matches!(self, Speaker::SocketIo { .. })
    }

    /// A STOMP command of the interactive session (`/subscribe`, `/unsubscribe`, `/send`).
    pub fn request(&self, req: stomp::Request) -> Result<(), String> {
        match self {
            Speaker::Stomp { shared, .. } => shared.request(req),
            Speaker::SockJs { inner, .. } => inner.request(req),
            _ => Err("/subscribe, /unsubscribe and /send speak STOMP: connect with --stomp".into()),
        }
    }

    /// Resolves once the protocol's own handshake is over (at once without a protocol).
    pub async fn ready(&self) {
        match self {
            Speaker::Raw => {}
            Speaker::SocketIo { shared, .. } => shared.ready().await,
            Speaker::GraphQl { shared, .. } => shared.ready().await,
            Speaker::Stomp { shared, .. } => shared.ready().await,
            Speaker::SockJs { shared, inner, .. } => {
                shared.ready().await;
                Box::pin(inner.ready()).await;
            }
        }
    }

    /// The protocol's lines for `/state` (each labelled), if one is spoken.
    pub fn state(&self) -> Option<String> {
        match self {
            Speaker::Raw => None,
            Speaker::SocketIo { shared, .. } => Some(format!("socket.io       {}", shared.state())),
            Speaker::GraphQl { shared, .. } => Some(format!("graphql         {}", shared.state())),
            Speaker::Stomp { shared, .. } => Some(format!("stomp           {}", shared.state())),
            Speaker::SockJs { shared, inner, .. } => {
                let sockjs = format!("sockjs          {}", shared.state());
                Some(match inner.state() {
                    Some(above) => format!("{sockjs}\n{above}"),
                    None => sockjs,
                })
            }
        }
    }

    /// Where the mode puts what it sends: `data` itself, or the relay's input. The relay
    /// starts with [`Relay::start`], once the mode's input is running.
    pub fn relay(&self, data: mpsc::Sender<Batch>) -> (mpsc::Sender<Batch>, Relay) {
        match self {
            Speaker::Raw => (data, Relay::Raw),
            Speaker::SocketIo { shared, .. } => {
                let (tx, rx) = mpsc::channel(data.max_capacity());
                let relay = Relay::SocketIo {
                    shared: shared.clone(),
                    input: rx,
                    out: data,
                };
                (tx, relay)
            }
            Speaker::GraphQl { shared, control } => {
                let (tx, rx) = mpsc::channel(data.max_capacity());
                let relay = Relay::GraphQl {
                    shared: shared.clone(),
                    input: rx,
                    out: data,
                    control: control.clone(),
                };
                (tx, relay)
            }
            Speaker::Stomp { shared, control } => {
                let (tx, rx) = mpsc::channel(data.max_capacity());
                let relay = Relay::Stomp {
                    shared: shared.clone(),
                    input: rx,
                    out: data,
                    control: control.clone(),
                };
                (tx, relay)
            }
            Speaker::SockJs { shared, inner, .. } => {
                // The layer above's relay feeds SockJS's, which feeds the driver.
                let (tx, rx) = mpsc::channel(data.max_capacity());
                let (top, above) = inner.relay(tx);
                let relay = Relay::SockJs {
                    shared: shared.clone(),
                    above: Box::new(above),
                    input: rx,
                    out: data,
                };
                (top, relay)
            }
        }
    }
}

/// The relay of what the mode sends, before it starts.
pub enum Relay {
    Raw,
    SocketIo {
        shared: Arc<socketio::Shared>,
        input: mpsc::Receiver<Batch>,
        out: mpsc::Sender<Batch>,
    },
    GraphQl {
        shared: Arc<graphql::Shared>,
        input: mpsc::Receiver<Batch>,
        out: mpsc::Sender<Batch>,
        control: ControlTx,
    },
    Stomp {
        shared: Arc<stomp::Shared>,
        input: mpsc::Receiver<Batch>,
        out: mpsc::Sender<Batch>,
        control: ControlTx,
    },
    SockJs {
        shared: Arc<sockjs::Shared>,
        above: Box<Relay>,
        input: mpsc::Receiver<Batch>,
        out: mpsc::Sender<Batch>,
    },
}

impl Relay {
    /// Starts relaying; returns where the input's failure will be told: stdin's
    /// (`stdin_err`) as it was, or with the protocol's own (a line that is no event).
    pub fn start(
        self,
        stdin_err: Option<oneshot::Receiver<anyhow::Error>>,
    ) -> Option<oneshot::Receiver<anyhow::Error>> {
        match self {
            Relay::Raw => stdin_err,
            Relay::SocketIo { shared, input, out } => {
                let (tx, rx) = oneshot::channel();
                tokio::spawn(socketio::relay::relay(shared, input, out, stdin_err, tx));
                Some(rx)
            }
            Relay::GraphQl {
                shared,
                input,
                out,
                control,
            } => {
                let (tx, rx) = oneshot::channel();
                shared.fail_to(tx);
                let sending = graphql::relay::Sending {
                    input,
                    out,
                    control,
                };
                tokio::spawn(graphql::relay::relay(shared, sending, stdin_err));
                Some(rx)
            }
            Relay::Stomp {
                shared,
                input,
                out,
                control,
            } => {
                let (tx, rx) = oneshot::channel();
                let ends = stomp::relay::Ends {
                    stdin_err,
                    errors: tx,
                    control,
                };
                tokio::spawn(stomp::relay::relay(shared, input, out, ends));
                Some(rx)
            }
            Relay::SockJs {
                shared,
                above,
                input,
                out,
            } => {
                tokio::spawn(sockjs::relay::relay(shared, input, out));
                above.start(stdin_err)
            }
        }
    }
}

/// The driver's handler: the mode's own, or a protocol's session around it.
pub enum Layer<H> {
    Raw(H),
    SocketIo(socketio::session::Session<H>),
    GraphQl(graphql::session::Session<H>),
    Stomp(stomp::session::Session<H>),
    SockJs(Box<sockjs::session::Session<Layer<H>>>),
}

impl<H> Layer<H> {
    pub fn inner_mut(&mut self) -> &mut H {
        match self {
            Layer::Raw(h) => h,
            Layer::SocketIo(s) => s.inner_mut(),
            Layer::GraphQl(s) => s.inner_mut(),
            Layer::Stomp(s) => s.inner_mut(),
            Layer::SockJs(s) => s.inner_mut().inner_mut(),
        }
    }

    pub fn into_inner(self) -> H {
        match self {
            Layer::Raw(h) => h,
            Layer::SocketIo(s) => s.into_inner(),
            Layer::GraphQl(s) => s.into_inner(),
            Layer::Stomp(s) => s.into_inner(),
            Layer::SockJs(s) => s.into_inner().into_inner(),
        }
    }
}

impl<H: Inbound> Inbound for Layer<H> {
    #[inline]
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match self {
            Layer::Raw(h) => h.message(msg),
            Layer::SocketIo(s) => s.message(msg),
            Layer::GraphQl(s) => s.message(msg),
            Layer::Stomp(s) => s.message(msg),
            Layer::SockJs(s) => s.message(msg),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        match self {
            Layer::Raw(h) => h.idle(),
            Layer::SocketIo(s) => s.idle(),
            Layer::GraphQl(s) => s.idle(),
            Layer::Stomp(s) => s.idle(),
            Layer::SockJs(s) => s.idle(),
        }
    }

    fn opened(&mut self) {
        match self {
            Layer::Raw(h) => h.opened(),
            Layer::SocketIo(s) => s.opened(),
            Layer::GraphQl(s) => s.opened(),
            Layer::Stomp(s) => s.opened(),
            Layer::SockJs(s) => s.opened(),
        }
    }
}
