// A Node `ws` client for the interop stage (.ci/interop): drives `wsprobe listen`.
// Usage: node client.js URL SCENARIO [ARGS]. Prints one line saying what it observed (the same
// scenarios and lines as client.py); .ci/interop compares that line with what it expects.
// The whole run is bounded (5 s).
'use strict';

const crypto = require('crypto');
const WebSocket = require('ws');

const [url, scenario, ...args] = process.argv.slice(2);

function finish(line, status = 0) {
  process.stdout.write(`${line}\n`);
  process.exit(status);
}

setTimeout(() => finish(`error: timed out in scenario ${scenario}`, 1), 5000);

// Report after closing politely (1000), so wsprobe listen sees a clean close.
function report(line) {
  ws.once('close', () => finish(line));
  ws.close(1000);
}

function describe(data, isBinary, sent) {
  if (!isBinary) return `text:${data.toString()}`;
  const same = sent && data.equals(sent)
    ? 'same'
    : `differ sha256=${crypto.createHash('sha256').update(data).digest('hex')}`;
  return `binary ${data.length} B ${same}`;
}

// The browser's CloseEvent, which ws also gives to addEventListener('close').
function closed(ev) {
  return `close ${ev.code} ${ev.reason} ${ev.wasClean ? 'clean' : 'unclean'}`.replace(/ +/g, ' ');
}

const ws = new WebSocket(url);
ws.on('error', (err) => finish(`error: ${err.message}`, 1));

ws.on('open', () => {
  switch (scenario) {
    case 'text':
      ws.once('message', (data, isBinary) => report(describe(data, isBinary)));
      ws.send('héllo ✓ from node');
      break;
    case 'binary':
    case 'large': {
      const one = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const sent = scenario === 'large' ? Buffer.concat(Array(4096).fill(one)) : one;
      ws.once('message', (data, isBinary) => report(describe(data, isBinary, sent)));
      ws.send(sent);
      break;
    }
    case 'fragments': {
      const sent = Buffer.from([0x00, 0x01, 0xfe, 0xff]);
      ws.once('message', (data, isBinary) => {
        const first = describe(data, isBinary);
        ws.once('message', (d, b) => report(`${first} ${describe(d, b, sent)}`));
        ws.send(sent.subarray(0, 2), { binary: true, fin: false });
        ws.send(sent.subarray(2), { binary: true, fin: true });
      });
      ws.send('frag', { fin: false });
      ws.send('mented ✓', { fin: true });
      break;
    }
    case 'ping':
      ws.once('pong', (data) => report(`pong ${data.toString()}`));
      ws.ping('node ping');
      break;
    case 'close': {
      let first = null;
      ws.on('message', (data, isBinary) => {
        if (first !== null) finish('no close: a second message came', 1);
        first = describe(data, isBinary).replace(/^text:/, 'echo:');
      });
      ws.addEventListener('close', (ev) => finish(`${first} ${closed(ev)}`));
      ws.send('hi');
      break;
    }
    case 'sendclose': {
      // The one-shot pattern: send and close at once; what came back before the close counts.
      const got = [];
      ws.on('message', (data) => got.push(data.toString()));
      ws.addEventListener('close', (ev) => finish(`got:${got.join(',')} ${closed(ev)}`));
      ws.send('hi');
      ws.close(1000);
      break;
    }
    case 'closeclient':
      ws.addEventListener('close', (ev) => finish(closed(ev)));
      ws.close(Number(args[0]), args[1]);
      break;
    default:
      finish(`unknown scenario ${scenario}`, 1);
  }
});
