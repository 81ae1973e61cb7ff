"""A Python `websockets` server for the interop stage (.ci/interop), written the way its users
write one. Listens on 127.0.0.1, port 0; prints the bound port as its first stdout line, then
one `close PATH CODE REASON` line per connection once that connection is closed (the close
frame it received from wsprobe: 1006 when there was none).

Usage: server.py [COMPRESSION]. permessage-deflate is configured as its users do:
  deflate               the default (`compression="deflate"`: websockets' own factory, with
                        server_max_window_bits=12 and client_max_window_bits=12)
  nocontext             extensions=[ServerPerMessageDeflateFactory(server_no_context_takeover=
                        True, client_no_context_takeover=True, server_max_window_bits=10,
                        client_max_window_bits=9)]

The request path picks the behaviour:
  /echo                 async for m in ws: await ws.send(m)   (the natural echo)
  /late/MS              echo each message MS milliseconds later
  /send/N               send N text messages `msg 1`..`msg N` on open, then echo
  /sendclose/N          send N text messages on open, then close (1000)
  /fragments            send `fragmented ✓` as a text message in 2 frames and the bytes
                        00 01 fe ff as a binary message in 2 frames, then echo
  /ping                 ping the client on open, then send `pong ok` (or `pong missing` if no
                        pong came within 2 s), then echo
  /silent               read every message and never reply (a server that does not echo)
  /close/CODE/REASON    wait for one message, then close with CODE and REASON
  /closeafter/N/CODE/REASON
                        echo N messages, then close with CODE and REASON (a server that goes
                        away under load, after replies have flowed)
  /closenow/CODE/REASON close with CODE and REASON right after the handshake
  /refuse               refuse the handshake: 403 with the body `go away` (process_request)
  /zeros/N              send N zero bytes as one binary message (compressed to almost nothing
                        when deflate is on), then echo
  /swap                 answer each pair of messages in reverse order (a request/response
                        server that answers out of order)
  /login                a login flow: send `hello`; take `login` (answered `welcome` 100 ms
                        later, after a password check), then `get` (answered `data`);
                        anything before its turn closes with 1008 "MSG too early"
Anything else echoes too, so a unique path can tag a connection in the close log.
"""

import asyncio
import sys
from http import HTTPStatus

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

COMPRESSION = {
    "deflate": {},
    "nocontext": {
        "compression": None,
        "extensions": [
            ServerPerMessageDeflateFactory(
                server_no_context_takeover=True,
                client_no_context_takeover=True,
                server_max_window_bits=10,
                client_max_window_bits=9,
            )
        ],
    },
}


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def login(ws):
    await ws.send("hello")
    welcomed = asyncio.Event()

    async def check_password():
        await asyncio.sleep(0.1)
        welcomed.set()
        await ws.send("welcome")

    checking = None
    async for message in ws:
        if message == "login" and checking is None:
            checking = asyncio.create_task(check_password())
        elif message == "get" and welcomed.is_set():
            await ws.send("data")
        else:
            await ws.close(1008, f"{message} too early")


async def behave(ws, parts):
    mode = parts[0] if parts else "echo"
    if mode == "late":
        delay = int(parts[1]) / 1000
        async for message in ws:
            await asyncio.sleep(delay)
            await ws.send(message)
    elif mode == "send":
        for i in range(int(parts[1])):
            await ws.send(f"msg {i + 1}")
        await echo(ws)
    elif mode == "sendclose":
        for i in range(int(parts[1])):
            await ws.send(f"msg {i + 1}")
        await ws.close()
    elif mode == "zeros":
        await ws.send(bytes(int(parts[1])))
        await echo(ws)
    elif mode == "fragments":
        await ws.send(["frag", "mented ✓"])
        await ws.send([b"\x00\x01", b"\xfe\xff"])
        await echo(ws)
    elif mode == "ping":
        pong = await ws.ping(b"from python")
        try:
            await asyncio.wait_for(pong, 2)
            await ws.send("pong ok")
        except asyncio.TimeoutError:
            await ws.send("pong missing")
        await echo(ws)
    elif mode == "silent":
        async for _ in ws:
            pass
    elif mode == "closeafter":
        for _ in range(int(parts[1])):
            await ws.send(await ws.recv())
        await ws.close(int(parts[2]), parts[3] if len(parts) > 3 else "")
    elif mode == "login":
        await login(ws)
    elif mode == "swap":
        while True:
            first = await ws.recv()
            await ws.send(await ws.recv())
            await ws.send(first)
    elif mode in ("close", "closenow"):
        if mode == "close":
            await ws.recv()
        await ws.close(int(parts[1]), parts[2] if len(parts) > 2 else "")
    else:
        await echo(ws)


async def handler(ws):
    path = ws.request.path
    try:
        await behave(ws, [p for p in path.split("?")[0].split("/") if p])
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    print(f"close {path} {ws.close_code} {ws.close_reason or ''}".rstrip(), flush=True)


def refuse(connection, request):
    if request.path.startswith("/refuse"):
        return connection.respond(HTTPStatus.FORBIDDEN, "go away\n")
    return None


async def main(compression):
    options = COMPRESSION[compression]
    async with serve(handler, "127.0.0.1", 0, process_request=refuse, **options) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "deflate"))
    except KeyboardInterrupt:
        sys.exit(0)
