// The STOMP and SockJS peers of .ci/interop-stomp, one per process (the first argument):
//   ws      stomp-broker-js over `ws` at /stomp
//   sockjs  stomp-broker-js over `sockjs` at /stomp (SockJS's websocket transport beneath)
//   echo    a plain `sockjs` echo server at /echo (a heartbeat frame every 200 ms; the
//           message "close" is answered with conn.close(4000, "bye"): c[4000,"bye"])
// The brokers speak as the Spring getting-started guide's app does: a SEND to /app/hello with
// the body NAME is answered on /topic/greetings with "Hello, NAME!". A CONNECT whose login is
// not guest/guest is refused (ERROR), a SUBSCRIBE to /forbidden is refused (ERROR after
// CONNECTED), a SEND to /app/freeze blocks the event loop for 2 s (a silent server), and the
// broker sends heart-beats every 200 ms when asked ([200, 200]).
// Prints the port it listens on (127.0.0.1, an ephemeral port) as its first line.
const http = require("http");

const mode = process.argv[2] || "ws";
const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});

if (mode === "echo") {
  const sockjs = require("sockjs");
  const echo = sockjs.createServer({ log: () => {}, heartbeat_delay: 200 });
  echo.on("connection", (conn) => {
    conn.on("data", (m) => {
      if (m === "close") conn.close(4000, "bye");
      else conn.write(m);
    });
  });
  echo.installHandlers(server, { prefix: "/echo" });
} else {
  const StompServer = require("stomp-broker-js");
  // sockjs announces itself on stdout as it is installed; the port must be the first line.
  const log = console.log;
  console.log = () => {};
  const broker = new StompServer({
    server,
    path: "/stomp",
    protocol: mode,
    heartbeat: [200, 200],
    serverName: "stomp-broker-js/" + require("stomp-broker-js/package.json").version,
  });
  console.log = log;
  broker.addMiddleware("connect", (socket, args, next) => {
    const h = args.headers;
    if (h.login !== undefined && (h.login !== "guest" || h.passcode !== "guest")) return false;
    return next();
  });
  broker.addMiddleware("subscribe", (socket, args, next) =>
    args.dest === "/forbidden" ? false : next()
  );
  broker.subscribe("/app/hello", (body) => {
    broker.send("/topic/greetings", {}, "Hello, " + body + "!");
  });
  broker.subscribe("/app/freeze", () => {
    const until = Date.now() + 2000;
    while (Date.now() < until) {}
  });
}

server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
