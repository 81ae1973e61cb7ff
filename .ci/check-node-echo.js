// A Node `ws` echo server on 127.0.0.1:PORT for .ci/check-compare, written the way its users
// write one (permessage-deflate off, ws's default for servers): every message goes back with
// its type. Usage: NODE_PATH=…/node_modules node check-node-echo.js PORT
'use strict';

const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
