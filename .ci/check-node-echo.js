// A Node `ws` echo server on 127.0.0.1:PORT for .ci/check-compare, written the way its users
// write one: every message goes back with its type. permessage-deflate is off (ws's default
// for servers) unless `--deflate` is given, which turns it on with ws's own settings
// (`perMessageDeflate: true`: zlib's default level, context takeover, any window).
// Usage: NODE_PATH=…/node_modules node check-node-echo.js PORT [--deflate]
'use strict';

const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.argv[2]),
  perMessageDeflate: process.argv[3] === '--deflate',
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
