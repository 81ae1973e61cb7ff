"""A Python `websockets` client for the interop stage (.ci/interop): drives `wsprobe listen`.
Usage: client.py [--compression=NAME] URL SCENARIO [ARGS]. Prints one line saying what it
observed; .ci/interop compares that line with what it expects. Every wait is bounded (5 s).

permessage-deflate is configured as its users do (--compression):
  deflate               the default (`compression="deflate"`: offers
                        `permessage-deflate; client_max_window_bits`)
  off                   compression=None: no offer
  nocontext             extensions=[ClientPerMessageDeflateFactory(server_no_context_takeover=
                        True, client_no_context_takeover=True, server_max_window_bits=10,
                        client_max_window_bits=9)]

Scenarios:
  extensions            print `extensions:` + the Sec-WebSocket-Extensions header of the
                        server's answer (`-` when there is none), once websockets has put that
                        extension to work

  text                  send a text message, print `text:` + the reply
  binary                send the 256 byte values, print `binary 256 B same` when the reply is
                        the same bytes as a binary message
  large                 the same with 1 MiB
  random                the same with 256 KiB of random bytes
  empty                 send an empty text message, print `text:` + the reply
  largetext             send 1 MiB of text, print `text 1048576 B same` when the reply is the
                        same text
  many N                send N similar JSON messages in a row (context takeover gives each one
                        a back-reference to the one before), then read the N replies; print
                        `N messages same` when each is the message sent
  bomb                  send 8 MiB of zeros as one binary message (a few KiB once compressed),
                        print the server's close as `close` does
  fragments             send `fragmented ✓` in 2 frames and 00 01 fe ff in 2 frames; print
                        both replies (`text:fragmented ✓ binary 4 B same`)
  ping                  ping, print `pong PAYLOAD` when the pong carries the ping's payload
  close                 send `hi`, read the echo, wait for the server to close; print
                        `close CODE REASON clean|unclean`
  sendclose             send `hi` and close at once (the one-shot pattern); print what came
                        back before the close: `got:hi close 1000 clean`
  closeclient CODE REASON
                        close with CODE and REASON; print the server's answer the same way
"""

import asyncio
import hashlib
import os
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)

WAIT = 5

COMPRESSION = {
    "deflate": {},
    "off": {"compression": None},
    "nocontext": {
        "compression": None,
        "extensions": [
            ClientPerMessageDeflateFactory(
                server_no_context_takeover=True,
                client_no_context_takeover=True,
                server_max_window_bits=10,
                client_max_window_bits=9,
            )
        ],
    },
}


def describe(reply, sent):
    if isinstance(reply, str):
        return f"text:{reply}"
    same = "same" if reply == sent else f"differ sha256={hashlib.sha256(reply).hexdigest()}"
    return f"binary {len(reply)} B {same}"


def closed(ws):
    # The browser's wasClean: both close frames went through.
    p = ws.protocol
    clean = p.close_rcvd is not None and p.close_sent is not None
    words = ["close", str(ws.close_code), ws.close_reason or "", "clean" if clean else "unclean"]
    return " ".join(w for w in words if w)


def describe_text(reply, sent):
    if not isinstance(reply, str):
        return f"binary {len(reply)} B reply to a text message"
    data = reply.encode()
    same = "same" if reply == sent else f"differ sha256={hashlib.sha256(data).hexdigest()}"
    return f"text {len(data)} B {same}"


def negotiated(ws):
    header = ws.response.headers.get("Sec-WebSocket-Extensions")
    active = [e for e in ws.protocol.extensions if isinstance(e, PerMessageDeflate)]
    if (header is None) != (not active):
        return f"header {header!r} but extensions in use {ws.protocol.extensions!r}"
    return f"extensions:{header or '-'}"


def similar(i):
    # JSON-ish messages much alike, as a feed sends them: compressed with context takeover,
    # each is mostly back-references to the ones before.
    value = f'{{"price":{i * 37 % 1000},"ok":true,"note":"{"ab" * (i % 50)}"}}'
    return f'{{"seq":{i},"op":"update","path":"/items/{i % 7}","value":{value}}}'


async def run(url, scenario, args, options):
    async with connect(url, open_timeout=WAIT, max_size=None, **options) as ws:
        if scenario == "extensions":
            return negotiated(ws)
        if scenario == "empty":
            await ws.send("")
            return describe(await asyncio.wait_for(ws.recv(), WAIT), None)
        if scenario == "largetext":
            sent = "abcdefghijklmnopqrstuvwxyz012345" * 32768
            await ws.send(sent)
            return describe_text(await asyncio.wait_for(ws.recv(), WAIT), sent)
        if scenario == "random":
            sent = os.urandom(256 * 1024)
            await ws.send(sent)
            return describe(await asyncio.wait_for(ws.recv(), WAIT), sent)
        if scenario == "many":
            n = int(args[0])
            for i in range(n):
                await ws.send(similar(i))
            for i in range(n):
                reply = await asyncio.wait_for(ws.recv(), WAIT)
                if reply != similar(i):
                    return f"message {i + 1} of {n}: {describe_text(reply, similar(i))}"
            return f"{n} messages same"
        if scenario == "bomb":
            try:  # the server may close before the whole message has gone out
                await ws.send(bytes(8 * 1024 * 1024))
                while True:
                    await asyncio.wait_for(ws.recv(), WAIT)
            except ConnectionClosed:
                pass
            await asyncio.wait_for(ws.wait_closed(), WAIT)
            return closed(ws)
        if scenario == "text":
            await ws.send("héllo ✓ from python")
            return describe(await asyncio.wait_for(ws.recv(), WAIT), None)
        if scenario in ("binary", "large"):
            sent = bytes(range(256)) * (4096 if scenario == "large" else 1)
            await ws.send(sent)
            return describe(await asyncio.wait_for(ws.recv(), WAIT), sent)
        if scenario == "fragments":
            await ws.send(["frag", "mented ✓"])
            first = describe(await asyncio.wait_for(ws.recv(), WAIT), None)
            await ws.send([b"\x00\x01", b"\xfe\xff"])
            second = describe(await asyncio.wait_for(ws.recv(), WAIT), b"\x00\x01\xfe\xff")
            return f"{first} {second}"
        if scenario == "ping":
            pong = await ws.ping(b"python ping")
            await asyncio.wait_for(pong, WAIT)
            return "pong python ping"
        if scenario == "close":
            await ws.send("hi")
            first = await asyncio.wait_for(ws.recv(), WAIT)
            try:
                await asyncio.wait_for(ws.recv(), WAIT)
                return "no close: a second message came"
            except ConnectionClosed:
                pass
            await asyncio.wait_for(ws.wait_closed(), WAIT)
            return f"echo:{first} {closed(ws)}"
        if scenario == "sendclose":
            await ws.send("hi")
            await asyncio.wait_for(ws.close(), WAIT)
            got = []
            try:
                while True:  # messages that arrived before the close are still queued
                    got.append(await ws.recv())
            except ConnectionClosed:
                pass
            return f"got:{','.join(map(str, got))} {closed(ws)}"
        if scenario == "closeclient":
            await asyncio.wait_for(ws.close(int(args[0]), args[1]), WAIT)
            return closed(ws)
        return f"unknown scenario {scenario}"


def main():
    argv = sys.argv[1:]
    compression = "deflate"
    if argv and argv[0].startswith("--compression="):
        compression = argv.pop(0).split("=", 1)[1]
    url, scenario, args = argv[0], argv[1], argv[2:]
    try:
        print(asyncio.run(run(url, scenario, args, COMPRESSION[compression])), flush=True)
    except Exception as e:  # the line says what went wrong; the check then fails
        print(f"error: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
