"""A Python `websockets` client for the interop stage (.ci/interop): drives `wsprobe listen`.
Usage: client.py URL SCENARIO [ARGS]. Prints one line saying what it observed; .ci/interop
compares that line with what it expects. Every wait is bounded (5 s).

  text                  send a text message, print `text:` + the reply
  binary                send the 256 byte values, print `binary 256 B same` when the reply is
                        the same bytes as a binary message
  large                 the same with 1 MiB
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
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

WAIT = 5


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


async def run(url, scenario, args):
    async with connect(url, open_timeout=WAIT, max_size=None) as ws:
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
    url, scenario, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        print(asyncio.run(run(url, scenario, args)), flush=True)
    except Exception as e:  # the line says what went wrong; the check then fails
        print(f"error: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
