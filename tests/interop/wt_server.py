"""A WebTransport server on aioquic (pinned in requirements.txt), written the way aioquic's
example server (examples/http3_server.py) serves WebTransport: a QuicConnectionProtocol whose
H3Connection has enable_webtransport=True, a handler per CONNECT :protocol webtransport, and
the H3 events (WebTransportStreamDataReceived, DatagramReceived) routed to it by session id.

Paths:
  /echo   a bidirectional stream is echoed on itself (finished when the client finishes);
          a unidirectional stream is answered, when it ends, on a new unidirectional stream;
          datagrams are echoed.
  /push   echo, and the server opens a unidirectional stream ("pushed uni\\n") and a
          bidirectional one ("pushed bidi\\n"), both finished.
  /close  echo, and after the first echo the server closes the session with a
          CLOSE_WEBTRANSPORT_SESSION capsule: code 4242, reason "aioquic says bye".
  other   refused with 404.

Usage: wt_server.py CERT KEY. Prints the UDP port it listens on (127.0.0.1), then one line per
thing worth checking: `open PATH`, `reset STREAM CODE` (a stream the client reset, its
HTTP/3 code), `terminated CODE REASON` (how the client ended the QUIC connection).
"""

import asyncio
import sys
from typing import Dict, Optional

from aioquic.asyncio import QuicConnectionProtocol, serve
from aioquic.buffer import Buffer
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import (
    DatagramReceived,
    H3Event,
    HeadersReceived,
    WebTransportStreamDataReceived,
)
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import (
    ConnectionTerminated,
    ProtocolNegotiated,
    QuicEvent,
    StreamReset,
)

CLOSE_WEBTRANSPORT_SESSION = 0x2843


def say(line: str) -> None:
    print(line, flush=True)


def is_unidirectional(stream_id: int) -> bool:
    return (stream_id & 2) != 0


def is_client_initiated(stream_id: int) -> bool:
    return (stream_id & 1) == 0


class WebTransportHandler:
    """One WebTransport session (its CONNECT stream is `session_id`)."""

    def __init__(self, *, connection: H3Connection, session_id: int, path: str, transmit) -> None:
        self.connection = connection
        self.session_id = session_id
        self.path = path
        self.transmit = transmit
        self.uni_buffers: Dict[int, bytes] = {}
        self.closed = False

    def accept(self) -> None:
        self.connection.send_headers(
            stream_id=self.session_id,
            headers=[
                (b":status", b"200"),
                (b"sec-webtransport-http3-draft", b"draft02"),
            ],
        )
        if self.path == "/push":
            uni = self.connection.create_webtransport_stream(self.session_id, is_unidirectional=True)
            self.connection._quic.send_stream_data(uni, b"pushed uni\n", end_stream=True)
            bidi = self.connection.create_webtransport_stream(self.session_id)
            self.connection._quic.send_stream_data(bidi, b"pushed bidi\n", end_stream=True)
        self.transmit()

    def http_event_received(self, event: H3Event) -> None:
        if self.closed:
            return
        if isinstance(event, DatagramReceived):
            self.connection.send_datagram(stream_id=self.session_id, data=event.data)
            self.echoed()
        elif isinstance(event, WebTransportStreamDataReceived):
            self.stream_data(event)
        self.transmit()

    def stream_data(self, event: WebTransportStreamDataReceived) -> None:
        sid = event.stream_id
        if not is_client_initiated(sid):
            return  # the client's side of a stream we opened: nothing to answer
        if not is_unidirectional(sid):
            self.connection._quic.send_stream_data(sid, event.data, end_stream=event.stream_ended)
            if event.data:
                self.echoed()
            return
        self.uni_buffers[sid] = self.uni_buffers.get(sid, b"") + event.data
        if event.stream_ended:
            data = self.uni_buffers.pop(sid)
            answer = self.connection.create_webtransport_stream(
                self.session_id, is_unidirectional=True
            )
            self.connection._quic.send_stream_data(answer, data, end_stream=True)
            self.echoed()

    def echoed(self) -> None:
        if self.path == "/close" and not self.closed:
            asyncio.get_event_loop().call_later(0.1, self.close, 4242, b"aioquic says bye")

    def close(self, code: int, reason: bytes) -> None:
        if self.closed:
            return
        self.closed = True
        buf = Buffer(capacity=16 + len(reason))
        buf.push_uint_var(CLOSE_WEBTRANSPORT_SESSION)
        buf.push_uint_var(4 + len(reason))
        buf.push_uint32(code)
        buf.push_bytes(reason)
        self.connection.send_data(stream_id=self.session_id, data=buf.data, end_stream=True)
        self.transmit()


class HttpServerProtocol(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._handlers: Dict[int, WebTransportHandler] = {}
        self._http: Optional[H3Connection] = None

    def http_event_received(self, event: H3Event) -> None:
        if isinstance(event, HeadersReceived) and event.stream_id not in self._handlers:
            headers = dict(event.headers)
            method = headers.get(b":method", b"").decode()
            protocol = headers.get(b":protocol", b"").decode()
            path = headers.get(b":path", b"/").decode().split("?")[0]
            if method != "CONNECT" or protocol != "webtransport" or path not in (
                "/echo",
                "/push",
                "/close",
            ):
                self._http.send_headers(
                    stream_id=event.stream_id, headers=[(b":status", b"404")], end_stream=True
                )
                self.transmit()
                return
            handler = WebTransportHandler(
                connection=self._http,
                session_id=event.stream_id,
                path=path,
                transmit=self.transmit,
            )
            self._handlers[event.stream_id] = handler
            say(f"open {path}")
            handler.accept()
        elif isinstance(event, DatagramReceived) and event.stream_id in self._handlers:
            self._handlers[event.stream_id].http_event_received(event)
        elif isinstance(event, WebTransportStreamDataReceived) and event.session_id in self._handlers:
            self._handlers[event.session_id].http_event_received(event)

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, ProtocolNegotiated) and event.alpn_protocol in H3_ALPN:
            self._http = H3Connection(self._quic, enable_webtransport=True)
        if isinstance(event, StreamReset):
            say(f"reset {event.stream_id} {event.error_code}")
        if isinstance(event, ConnectionTerminated):
            say(f"terminated {event.error_code} {event.reason_phrase}")
        if self._http is not None:
            for http_event in self._http.handle_event(event):
                self.http_event_received(http_event)


async def main(cert: str, key: str) -> None:
    configuration = QuicConfiguration(
        alpn_protocols=H3_ALPN,
        is_client=False,
        max_datagram_frame_size=65536,
    )
    configuration.load_cert_chain(cert, key)
    server = await serve(
        "127.0.0.1", 0, configuration=configuration, create_protocol=HttpServerProtocol
    )
    say(str(server._transport.get_extra_info("sockname")[1]))
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
