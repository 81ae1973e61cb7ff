"""A python-socketio 5 server (aiohttp) for the interop stage (.ci/interop), written the way its
users write one. Listens on 127.0.0.1, port 0, and prints the bound port as its first stdout
line. WebSocket transport only, and a fast heartbeat: a ping every 0.3 s, each to be answered
within 0.2 s, so a client that does not answer one is dropped within a second. (python-engineio
announces whole seconds only: ping_interval=(0.3, 0.7) pings every 0.3 s and announces
pingInterval 1000 ms, interval and grace period added up, with pingTimeout 200 ms.)

The same events as socketio-server.js, in the main namespace and in /admin (whose connect
handler wants the auth {"token":"secret"} and refuses anything else with `not authorized`):
echo, add, file, ask, wait, bye, freeze.
"""

import asyncio
import sys
import time

import socketio
from aiohttp import web

sio = socketio.AsyncServer(
    async_mode="aiohttp", transports=["websocket"], ping_interval=(0.3, 0.7), ping_timeout=0.2
)


def handlers(namespace):
    async def echo(sid, *args):
        await sio.emit("echo", args, to=sid, namespace=namespace)
        return args

    async def add(sid, a, b):
        return a + b

    async def file(sid, *_):
        await sio.emit("file", b"\x00\x01\x02\xff", to=sid, namespace=namespace)

    async def ask(sid, *_):
        answer = await sio.call("question", to=sid, namespace=namespace, timeout=5)
        await sio.emit("answered", answer, to=sid, namespace=namespace)

    async def wait(sid, *_):
        await asyncio.sleep(1.5)
        await sio.emit("waited", to=sid, namespace=namespace)

    async def bye(sid, *_):
        await sio.disconnect(sid, namespace=namespace)

    async def freeze(sid, *_):
        time.sleep(2)  # blocks the event loop: no ping, no I/O

    for f in (echo, add, file, ask, wait, bye, freeze):
        sio.on(f.__name__, f, namespace=namespace)


handlers("/")
handlers("/admin")


@sio.on("connect", namespace="/admin")
async def admin_connect(sid, environ, auth):
    if not auth or auth.get("token") != "secret":
        raise socketio.exceptions.ConnectionRefusedError("not authorized")


async def main():
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
