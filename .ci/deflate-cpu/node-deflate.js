// Node ws echo server with permessage-deflate and bufferutil. usage: node node-deflate.js PORT THRESHOLD
const path = require('path');
const WebSocket = require(path.join(process.env.NODE_BU || path.join(__dirname, '..', '..', '..', 'shared', 'bench', 'node-bu'), 'node_modules', 'ws'));
const port = +process.argv[2], threshold = +process.argv[3];
const wss = new WebSocket.WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: { threshold } });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.error(`node ws ${require(path.join(process.env.NODE_BU || path.join(__dirname, '..', '..', '..', 'shared', 'bench', 'node-bu'), 'node_modules', 'ws', 'package.json')).version} deflate echo on ${port}, threshold ${threshold}, bufferutil ${!!require(path.join(process.env.NODE_BU || path.join(__dirname, '..', '..', '..', 'shared', 'bench', 'node-bu'), 'node_modules', 'bufferutil'))}`));
