"""An echo server that takes one connection at a time, for .ci/check-compare: a blocking
accept loop (accept, echo until the connection is over, accept the next) around Python
`websockets`' sync connection, permessage-deflate on — the shape of many small hand-rolled
servers. Clients beyond the first wait in the listen backlog for their handshake.
usage: python check-one-at-a-time.py PORT"""
import os
import socket
import sys
import threading
import types

# As the harness's echo server: Autobahn 9.3/9.4 send 4 MiB in up to 65536 frames.
os.environ.setdefault("WEBSOCKETS_MAX_FRAGMENTS", "1000000")
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol
from websockets.sync.server import ServerConnection

# ServerConnection asks its server only whether the listening socket was closed.
SERVER = types.SimpleNamespace(socket_closed=threading.Event())

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(128)
while True:
    sock, _ = listener.accept()
    protocol = ServerProtocol(max_size=2**25, extensions=[ServerPerMessageDeflateFactory()])
    conn = ServerConnection(sock, protocol, SERVER)
    try:
        conn.handshake(timeout=10)
        for message in conn:
            conn.send(message)
    except Exception:  # a case that breaks the protocol ends its connection, not the server
        pass
    finally:
        try:
            conn.close()
        except Exception:
            pass
