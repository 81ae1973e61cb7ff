// A socket.io 4 server for the interop stage (.ci/interop), written the way its users write
// one. Listens on 127.0.0.1, port 0, and prints the bound port as its first stdout line.
// WebSocket transport only, and a fast heartbeat (pingInterval 300 ms, pingTimeout 200 ms):
// a client that does not answer a ping is dropped within a second.
//
// Events, in the main namespace and in /admin (whose middleware wants the auth
// {"token":"secret"} and refuses anything else with `not authorized`):
//   echo ARGS…       emitted back as they came (binary attachments too); acked with ARGS
//   add A B          acked with A + B
//   file             emits file <Buffer 00 01 02 ff> (a binary attachment)
//   ask              emits question with an ack callback, then answered ARGS with its answer
//   wait             emits waited 1.5 s later (pings must be answered meanwhile)
//   bye              socket.disconnect(true): the server's DISCONNECT
//   freeze           blocks the event loop for 2 s (a server that has gone silent)
'use strict';

const http = require('http');
const { Server } = require('socket.io');

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  pingInterval: 300,
  pingTimeout: 200,
});

function handlers(socket) {
  socket.on('echo', (...args) => {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    socket.emit('echo', ...args);
    if (cb) cb(...args);
  });
  socket.on('add', (a, b, cb) => {
    if (typeof cb === 'function') cb(a + b);
  });
  socket.on('file', () => socket.emit('file', Buffer.from([0, 1, 2, 255])));
  socket.on('ask', () => {
    socket.emit('question', (...answer) => socket.emit('answered', ...answer));
  });
  socket.on('wait', () => setTimeout(() => socket.emit('waited'), 1500));
  socket.on('bye', () => socket.disconnect(true));
  socket.on('freeze', () => {
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      // busy: no timer, no ping, no I/O
    }
  });
}

io.on('connection', handlers);
const admin = io.of('/admin');
admin.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === 'secret') next();
  else next(new Error('not authorized'));
});
admin.on('connection', handlers);

httpServer.listen(0, '127.0.0.1', () => {
  console.log(httpServer.address().port);
});
