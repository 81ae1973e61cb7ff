"""A Hypercorn server with a small ASGI echo app, for the HTTP/2 interop checks
(.ci/interop-http2): Hypercorn accepts WebSockets over HTTP/2 (RFC 8441) as browsers open
them, over TLS (h2 chosen in ALPN) and cleartext (h2c with prior knowledge).

Listens on 127.0.0.1, port 0 (a socket bound here, handed to Hypercorn); prints the bound port
as its first stdout line, then `open PATH HTTP_VERSION` when it accepts a WebSocket and
`close PATH HTTP_VERSION CODE` once it is closed (the code as Hypercorn tells the app: 1006
when the client closed first, whatever its code; the code itself comes back in Hypercorn's
close reply, which wsprobe shows).

Usage: h2app.py [CERT KEY]: with a certificate and key, TLS (ALPN h2 and http/1.1).

The request path picks the behaviour:
  /close/CODE/REASON    echo one message, then close with CODE and REASON
  /closenow/CODE/REASON close with CODE and REASON right after the handshake
  /refuse               refuse the handshake (403)
Anything else echoes each message back as it came (text as text, bytes as bytes), so a unique
path can tag a connection in the close log. A plain request gets `hello over HTTP/VERSION`.
"""

import asyncio
import socket
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config


def log(line):
    print(line, flush=True)


async def websocket(scope, receive, send):
    path = scope["path"]
    version = scope.get("http_version", "?")
    await receive()  # websocket.connect
    if path == "/refuse":
        await send({"type": "websocket.close", "code": 1000})
        return
    offered = scope.get("subprotocols") or []
    await send(
        {"type": "websocket.accept", "subprotocol": offered[0] if offered else None}
    )
    log(f"open {path} {version}")
    parts = path.split("/")
    if parts[1:2] == ["closenow"]:
        await send({"type": "websocket.close", "code": int(parts[2]), "reason": parts[3]})
    echoed = 0
    while True:
        event = await receive()
        if event["type"] == "websocket.disconnect":
            log(f"close {path} {version} {event.get('code', 1006)}")
            return
        reply = {"type": "websocket.send"}
        if event.get("text") is not None:
            reply["text"] = event["text"]
        else:
            reply["bytes"] = event.get("bytes") or b""
        await send(reply)
        echoed += 1
        if parts[1:2] == ["close"] and echoed == 1:
            await send({"type": "websocket.close", "code": int(parts[2]), "reason": parts[3]})


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            event = await receive()
            kind = event["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    elif scope["type"] == "websocket":
        await websocket(scope, receive, send)
    else:
        body = f"hello over HTTP/{scope.get('http_version', '?')}\n".encode()
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.accesslog = None
    if len(sys.argv) == 3:
        config.certfile, config.keyfile = sys.argv[1], sys.argv[2]
    log(sock.getsockname()[1])
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
