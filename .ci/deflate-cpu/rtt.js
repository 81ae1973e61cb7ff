const path = require('path');
const WebSocket = require(path.join(process.env.NODE_BU || path.join(__dirname, '..', '..', '..', 'shared', 'bench', 'node-bu'), 'node_modules', 'ws'));
const [url, size, n] = [process.argv[2], +process.argv[3], +process.argv[4]];
const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
let s = ''; let i = 0; while (s.length < size) { s += `{"seq":${i},"name":"sensor-${i % 7}"}`; i++; } s = s.slice(0, size);
const rtts = []; let t0;
ws.on('open', () => { t0 = process.hrtime.bigint(); ws.send(s); });
ws.on('message', (d, bin) => { rtts.push(Number(process.hrtime.bigint() - t0) / 1000); if (rtts.length < n) { t0 = process.hrtime.bigint(); ws.send(s); } else { rtts.sort((a, b) => a - b); console.log(`p50 ${rtts[n >> 1].toFixed(0)} us p90 ${rtts[Math.floor(n * 0.9)].toFixed(0)} us p99 ${rtts[Math.floor(n * 0.99)].toFixed(0)} ext ${ws.extensions}`); ws.terminate(); } });
