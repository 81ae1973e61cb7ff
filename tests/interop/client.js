// A Node `ws` client for the interop stage (.ci/interop): drives `wsprobe listen`.
// Usage: node client.js [--compression=NAME] URL SCENARIO [ARGS]. Prints one line saying what it
// observed (the same scenarios and lines as client.py); .ci/interop compares that line with what
// it expects. The whole run is bounded (5 s).
//
// permessage-deflate is configured as its users do (--compression sets `perMessageDeflate`):
//   deflate              true, ws's default for clients (offers
//                        `permessage-deflate; client_max_window_bits`); its 1024-byte threshold
//                        applies only without client context takeover, so every message is
//                        compressed here, small ones too
//   eager                { threshold: 0 }: every message compressed, small ones too (the same
//                        as deflate while context takeover is on)
//   nocontext            { threshold: 0, clientNoContextTakeover: true,
//                        serverNoContextTakeover: true, clientMaxWindowBits: 9,
//                        serverMaxWindowBits: 10 }
//   off                  false: no offer
// The `extensions` scenario prints `extensions:` + the Sec-WebSocket-Extensions header of the
// server's answer (`-` when there is none), once ws has put that extension to work
// (`ws.extensions`).
'use strict';

const crypto = require('crypto');
const WebSocket = require('ws');

const argv = process.argv.slice(2);
let compression = 'deflate';
if (argv.length > 0 && argv[0].startsWith('--compression=')) {
  compression = argv.shift().slice('--compression='.length);
}
const [url, scenario, ...args] = argv;
const COMPRESSION = {
  deflate: true,
  eager: { threshold: 0 },
  nocontext: {
    threshold: 0,
    clientNoContextTakeover: true,
    serverNoContextTakeover: true,
    clientMaxWindowBits: 9,
    serverMaxWindowBits: 10,
  },
  off: false,
};
if (!(compression in COMPRESSION)) {
  process.stdout.write(`error: unknown compression ${compression}\n`);
  process.exit(2);
}

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

function describeText(data, isBinary, sent) {
  if (isBinary) return `binary ${data.length} B reply to a text message`;
  const same = data.toString() === sent
    ? 'same'
    : `differ sha256=${crypto.createHash('sha256').update(data).digest('hex')}`;
  return `text ${data.length} B ${same}`;
}

// JSON-ish messages much alike, as a feed sends them (the same as client.py's): compressed
// with context takeover, each is mostly back-references to the ones before.
function similar(i) {
  const value = `{"price":${(i * 37) % 1000},"ok":true,"note":"${'ab'.repeat(i % 50)}"}`;
  return `{"seq":${i},"op":"update","path":"/items/${i % 7}","value":${value}}`;
}

// The browser's CloseEvent, which ws also gives to addEventListener('close').
function closed(ev) {
  return `close ${ev.code} ${ev.reason} ${ev.wasClean ? 'clean' : 'unclean'}`.replace(/ +/g, ' ');
}

const ws = new WebSocket(url, { perMessageDeflate: COMPRESSION[compression], maxPayload: 0 });
ws.on('error', (err) => finish(`error: ${err.message}`, 1));
let answered = null; // the server's Sec-WebSocket-Extensions
ws.on('upgrade', (res) => {
  answered = res.headers['sec-websocket-extensions'];
});

ws.on('open', () => {
  switch (scenario) {
    case 'extensions': {
      const inUse = ws.extensions.split(',').includes('permessage-deflate');
      if ((answered === undefined) === inUse) {
        finish(`header ${answered} but extensions in use ${ws.extensions}`, 1);
      }
      report(`extensions:${answered || '-'}`);
      break;
    }
    case 'empty':
      ws.once('message', (data, isBinary) => report(describe(data, isBinary)));
      ws.send('');
      break;
    case 'largetext': {
      const sent = 'abcdefghijklmnopqrstuvwxyz012345'.repeat(32768);
      ws.once('message', (data, isBinary) => report(describeText(data, isBinary, sent)));
      ws.send(sent);
      break;
    }
    case 'random': {
      const sent = crypto.randomBytes(256 * 1024);
      ws.once('message', (data, isBinary) => report(describe(data, isBinary, sent)));
      ws.send(sent);
      break;
    }
    case 'many': {
      const n = Number(args[0]);
      let i = 0;
      ws.on('message', (data, isBinary) => {
        const want = similar(i);
        i += 1;
        if (isBinary || data.toString() !== want) {
          report(`message ${i} of ${n}: ${describeText(data, isBinary, want)}`);
        } else if (i === n) {
          report(`${n} messages same`);
        }
      });
      for (let k = 0; k < n; k++) ws.send(similar(k));
      break;
    }
    case 'bomb':
      ws.on('message', () => {});
      ws.addEventListener('close', (ev) => finish(closed(ev)));
      ws.send(Buffer.alloc(8 * 1024 * 1024));
      break;
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
