// A load generator that offers permessage-deflate (Node ws, perMessageDeflate, threshold 0 so
// every message is compressed). usage: node gen.js URL CONNS INFLIGHT SIZE SECONDS
// Prints "start N" once every connection is open and warmed up, then "end N" after SECONDS,
// N = echoes received so far; the caller samples the server's CPU at both lines.
const path = require('path');
const WebSocket = require(path.join(process.env.NODE_BU || path.join(__dirname, '..', '..', '..', 'shared', 'bench', 'node-bu'), 'node_modules', 'ws'));
const [url, conns, inflight, size, seconds] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5], +process.argv[6]];
let recv = 0, running = true, open = 0, ext = '';
function payload(seq) {
  let s = '', i = seq;
  while (s.length < size) { s += `{"seq":${i},"name":"sensor-${i % 7}","value":${(i * 7919) % 1000}}`; i++; }
  return s.slice(0, size);
}
let seq = 0;
const all = [];
for (let c = 0; c < conns; c++) {
  const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
  all.push(ws);
  ws.on('open', () => {
    ext = ws.extensions;
    for (let k = 0; k < inflight; k++) ws.send(payload(seq++));
    if (++open === conns) setTimeout(() => {
      globalThis.cpu0 = process.cpuUsage(); console.log(`start ${recv} ${ext}`);
      setTimeout(() => { const c = process.cpuUsage(globalThis.cpu0); console.error(`gen cpu ${(c.user + c.system) / 1000} ms`); console.log(`end ${recv}`); running = false; all.forEach(w => w.terminate()); process.exit(0); }, seconds * 1000);
    }, 500);
  });
  ws.on('message', () => { recv++; if (running) ws.send(payload(seq++)); });
  ws.on('error', (e) => { console.error(`error ${e.message}`); process.exit(1); });
}
