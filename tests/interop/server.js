// A Node `ws` server for the interop stage (.ci/interop), written the way its users write one.
// Listens on 127.0.0.1, port 0; prints the bound port as its first stdout line, then one
// `close PATH CODE REASON` line per connection once that connection is closed (the close frame
// it received from wsprobe: 1006 when there was none).
//
// Usage: node server.js [COMPRESSION]. ws leaves permessage-deflate off in a server unless
// asked; COMPRESSION sets `perMessageDeflate` as its users do:
//   (none)               off, ws's default for servers
//   deflate              perMessageDeflate: true (its 1024-byte threshold applies only without
//                        server context takeover: with wsprobe's offer, every message is
//                        compressed, small ones too)
//   eager                { threshold: 0 }: every message compressed, small ones too (the same
//                        as deflate while context takeover is on)
//   nocontext            { threshold: 0, serverNoContextTakeover: true,
//                        clientNoContextTakeover: true, serverMaxWindowBits: 10,
//                        clientMaxWindowBits: 9 }
//
// The request path picks the behaviour (the same paths as server.py):
//   /echo                ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary }))
//   /late/MS             echo each message MS milliseconds later
//   /send/N              send N text messages `msg 1`..`msg N` on open, then echo
//   /sendclose/N         send N text messages on open, then close (1000)
//   /fragments           send `fragmented ✓` as a text message in 2 frames and the bytes
//                        00 01 fe ff as a binary message in 2 frames, then echo
//   /ping                ping the client on open, then send `pong ok` (or `pong missing` if no
//                        pong came within 2 s), then echo
//   /silent              read every message and never reply (a server that does not echo)
//   /close/CODE/REASON   wait for one message, then close with CODE and REASON
//   /closeafter/N/CODE/REASON
//                        echo N messages, then close with CODE and REASON (a server that goes
//                        away under load, after replies have flowed)
//   /closenow/CODE/REASON close with CODE and REASON right after the handshake
//   /refuse              refuse the handshake: 403 `go away` (verifyClient)
//   /zeros/N             send N zero bytes as one binary message (compressed to almost nothing
//                        when deflate is on), then echo
//   /swap                answer each pair of messages in reverse order (out of order)
//   /login               a login flow: `hello`; `login` answered `welcome` 100 ms later, then
//                        `get` answered `data`; anything early closes with 1008 "MSG too early"
// Anything else echoes too, so a unique path can tag a connection in the close log.
'use strict';

const { WebSocketServer } = require('ws');

const COMPRESSION = {
  deflate: true,
  eager: { threshold: 0 },
  nocontext: {
    threshold: 0,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 9,
  },
};
const compression = process.argv[2];
if (compression !== undefined && !(compression in COMPRESSION)) {
  process.stderr.write(`unknown compression ${compression}\n`);
  process.exit(2);
}

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: compression === undefined ? false : COMPRESSION[compression],
  verifyClient: (info, done) => {
    if (info.req.url.startsWith('/refuse')) done(false, 403, 'go away');
    else done(true);
  },
});

wss.on('listening', () => {
  process.stdout.write(`${wss.address().port}\n`);
});

function echo(ws) {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
}

wss.on('connection', (ws, req) => {
  const path = req.url;
  const parts = path.split('?')[0].split('/').filter((p) => p !== '');
  ws.on('error', () => {});
  ws.on('close', (code, reason) => {
    process.stdout.write(`close ${path} ${code} ${reason.toString()}`.trimEnd() + '\n');
  });
  switch (parts[0]) {
    case 'late': {
      const delay = Number(parts[1]);
      ws.on('message', (data, isBinary) => {
        setTimeout(() => ws.send(data, { binary: isBinary }), delay);
      });
      break;
    }
    case 'send':
      for (let i = 1; i <= Number(parts[1]); i++) ws.send(`msg ${i}`);
      echo(ws);
      break;
    case 'sendclose':
      for (let i = 1; i <= Number(parts[1]); i++) ws.send(`msg ${i}`);
      ws.close(1000);
      break;
    case 'zeros':
      ws.send(Buffer.alloc(Number(parts[1])));
      echo(ws);
      break;
    case 'fragments':
      ws.send('frag', { fin: false });
      ws.send('mented ✓', { fin: true });
      ws.send(Buffer.from([0x00, 0x01]), { binary: true, fin: false });
      ws.send(Buffer.from([0xfe, 0xff]), { binary: true, fin: true });
      echo(ws);
      break;
    case 'ping': {
      const timer = setTimeout(() => ws.send('pong missing'), 2000);
      ws.once('pong', () => {
        clearTimeout(timer);
        ws.send('pong ok');
      });
      ws.ping('from node');
      echo(ws);
      break;
    }
    case 'silent':
      ws.on('message', () => {});
      break;
    case 'closeafter': {
      let left = Number(parts[1]);
      ws.on('message', (data, isBinary) => {
        if (left === 0) return;
        ws.send(data, { binary: isBinary });
        left -= 1;
        if (left === 0) ws.close(Number(parts[2]), parts[3] || '');
      });
      break;
    }
    case 'close':
      ws.once('message', () => ws.close(Number(parts[1]), parts[2] || ''));
      break;
    case 'closenow':
      ws.close(Number(parts[1]), parts[2] || '');
      break;
    case 'swap': {
      let held = null;
      ws.on('message', (data, isBinary) => {
        if (held === null) {
          held = { data, isBinary };
          return;
        }
        ws.send(data, { binary: isBinary });
        ws.send(held.data, { binary: held.isBinary });
        held = null;
      });
      break;
    }
    case 'login': {
      ws.send('hello');
      let checking = false;
      let welcomed = false;
      ws.on('message', (data) => {
        const m = data.toString();
        if (m === 'login' && !checking) {
          checking = true;
          setTimeout(() => {
            welcomed = true;
            ws.send('welcome');
          }, 100);
        } else if (m === 'get' && welcomed) ws.send('data');
        else ws.close(1008, `${m} too early`);
      });
      break;
    }
    default:
      echo(ws);
  }
});

process.on('SIGTERM', () => process.exit(0));
