// GraphQL over WebSocket peers for .ci/interop: graphql-ws (graphql-transport-ws) or, with
// the argument `legacy`, subscriptions-transport-ws (graphql-ws), both on Node `ws` and
// serving one small schema written the way their users write one:
//   query { hello }                  "world"
//   query { add(a: Int!, b: Int!) }  a + b
//   query { fail }                   a resolver that throws ("boom")
//   query { whoami }                 the user onConnect found in connection_init's token
//   subscription { greetings }       Hi, Bonjour, Hola, Ciao, Zdravo (one every 50 ms)
//   subscription { countdown(from: Int!) }  from … 0
// At /graphql anyone connects; at /secure connection_init must carry {"token":"secret"}
// (graphql-ws closes 4403 otherwise; subscriptions-transport-ws sends connection_error); at
// /stall onConnect never settles, so connection_ack never comes.
// Prints the port it listens on (127.0.0.1, ephemeral) first.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');
const {
  GraphQLSchema, GraphQLObjectType, GraphQLString, GraphQLInt, GraphQLNonNull,
  execute, subscribe,
} = require('graphql');

const legacy = process.argv[2] === 'legacy';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, resolve: () => 'world' },
      add: {
        type: GraphQLInt,
        args: { a: { type: new GraphQLNonNull(GraphQLInt) }, b: { type: new GraphQLNonNull(GraphQLInt) } },
        resolve: (_, { a, b }) => a + b,
      },
      fail: { type: GraphQLString, resolve: () => { throw new Error('boom'); } },
      whoami: { type: GraphQLString, resolve: (_, __, ctx) => (ctx && ctx.user) || 'anonymous' },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      greetings: {
        type: GraphQLString,
        subscribe: async function* greetings() {
          for (const hi of ['Hi', 'Bonjour', 'Hola', 'Ciao', 'Zdravo']) {
            await sleep(50);
            yield { greetings: hi };
          }
        },
      },
      countdown: {
        type: GraphQLInt,
        args: { from: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* countdown(_, { from }) {
          for (let i = from; i >= 0; i--) {
            await sleep(20);
            yield { countdown: i };
          }
        },
      },
    },
  }),
});

const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const open = new WebSocketServer({ noServer: true });
const secure = new WebSocketServer({ noServer: true });
const stall = new WebSocketServer({ noServer: true });
const paths = { '/graphql': open, '/secure': secure, '/stall': stall };
server.on('upgrade', (req, socket, head) => {
  const wss = paths[req.url];
  if (!wss) { socket.destroy(); return; }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

if (legacy) {
  const { SubscriptionServer } = require('subscriptions-transport-ws');
  const base = { schema, execute, subscribe, keepAlive: 200 };
  SubscriptionServer.create({ ...base, onConnect: () => ({ user: 'anonymous' }) }, open);
  SubscriptionServer.create({
    ...base,
    onConnect: (params) => {
      if (!params || params.token !== 'secret') throw new Error('a valid token is required');
      return { user: 'ada' };
    },
  }, secure);
  SubscriptionServer.create({ ...base, onConnect: () => new Promise(() => {}) }, stall);
} else {
  const { useServer } = require('graphql-ws/use/ws');
  useServer({ schema }, open);
  useServer({
    schema,
    onConnect: (ctx) => Boolean(ctx.connectionParams && ctx.connectionParams.token === 'secret'),
    context: () => ({ user: 'ada' }),
  }, secure);
  useServer({ schema, onConnect: () => new Promise(() => {}) }, stall);
}

server.listen(0, '127.0.0.1', () => {
  console.log(server.address().port);
});
