# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wsprobe_global_optspecs
    string join \n color= json v/verbose q/quiet timestamps h/help V/version
end

function __fish_wsprobe_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wsprobe_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wsprobe_using_subcommand
    set -l cmd (__fish_wsprobe_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wsprobe -n "__fish_wsprobe_needs_command" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_needs_command" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "connect" -d 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "c" -d 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "listen" -d 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "l" -d 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "ping" -d 'Send pings and show the pong round-trip times, like ping(8)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "bench" -d 'Load-test a server: many connections, messages at a set pace, latency percentiles'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "check" -d 'Check a server\'s RFC 6455 conformance: the Autobahn|Testsuite cases, its verdicts'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c wsprobe -n "__fish_wsprobe_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s H -l header -d 'Add a request header to the handshake (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s o -l origin -d 'Set the Origin header' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s s -l protocol -d 'Offer a subprotocol (repeatable; the server picks one)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l connect-timeout -d 'Give up if the TCP connection and handshake take longer than this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l auth -d 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l max-redirs -d 'With -L: how many redirects to follow at most' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l deflate -d 'The permessage-deflate parameters to offer, as in the header: e.g. \'server_no_context_takeover; client_max_window_bits=10\' (client_max_window_bits is always offered, without a value unless given one) [default: client_max_window_bits]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l ca -d 'Trust the CAs in this PEM file instead of the system\'s (like curl --cacert)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l cert -d 'Present this client certificate (PEM; with --key) to servers that ask for one' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l key -d 'The private key of --cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l proxy -d 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l chunk-size -d 'Largest chunk read from stdin with --binary' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l fragment -d 'Send each message in frames of at most SIZE payload bytes (continuation frames), to test how a server reassembles them (/fragment in the interactive session)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l binary-output -d 'How to write received binary messages [default: raw to a pipe, hex to a terminal]' -r -f -a "raw\t'Raw bytes (the default when stdout is not a terminal)'
hex\t'A hex dump with offsets (the default when stdout is a terminal)'
base64\t'One base64 line per message'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l close-code -d 'The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l close-reason -d 'The close reason sent at end of input (UTF-8, at most 123 bytes)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l close-timeout -d 'How long to wait for the server\'s close frame after sending ours' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l reply-timeout -d 'At end of input (and after -x), wait up to this long for the server\'s replies before closing: the close goes out as soon as as many messages were received as were sent, or when no message has arrived for DURATION (0: close at once)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l max-message-size -d 'Largest message accepted; a larger one closes the connection with 1009' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l ping-interval -d 'Send a ping this often (pong round-trip times show with -v and in --json)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l ping-timeout -d 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l reconnect-delay -d 'The first delay before reconnecting (doubled after each failed attempt)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l reconnect-max-delay -d 'The longest delay between attempts' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l max-retries -d 'Give up after N failed attempts in a row (exit 3) [default: never]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s x -l execute -d 'Send this text message after OPEN, or once every -e written before it is met (repeatable; @FILE sends a file\'s content without its final line ending); stdin is not read' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l execute-binary -d 'Send a binary message given in hex, in command-line order with -x and -e (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s w -l wait -d 'Keep the connection open this long after the last -x send, then close [default: until the replies are in (--reply-timeout), the expectations are met or the peer closes; 0 closes at once]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s e -l expect -d 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l expect-close -d 'Expect the peer to close the connection with this code' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s t -l timeout -d 'Bound the whole run: unmet expectations at the deadline exit 5, a handshake not done by then exits 3' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s n -l count -d 'Expect at least N received messages, then close (fewer by -t or the close: exit 5; 0 closes right after the -x sends)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l socketio-path -d 'The Engine.IO endpoint\'s path (the server\'s `path` option)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l namespace -d 'The namespace to connect to [default: the URL\'s path, or /]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l init -d 'The CONNECT packet\'s auth payload (--socketio: what the server\'s middleware reads as socket.handshake.auth), connection_init\'s payload (--graphql: what onConnect reads as connectionParams), or more CONNECT headers (--stomp: {"login":"guest","passcode":"guest"}), a JSON object' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l cert-hash -d 'With --webtransport: trust the server certificate with this SHA-256 (64 hex digits, colons allowed), as a page\'s serverCertificateHashes does; repeatable' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l subscribe -d 'Subscribe to DEST once CONNECTED (repeatable; ids sub-0, sub-1, …, ack auto)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l destination -d 'SEND each stdin line (or -x) to DEST' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l heart-beat -d 'The heart-beats offered in CONNECT: send every CX ms, want one every CY ms (0,0: none)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s L -l location -d 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l no-deflate -d 'Do not offer permessage-deflate (browsers offer it; the server may then compress)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l http2 -d 'Open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT), as browsers do when the server allows it: wss:// asks for h2 in TLS (ALPN), ws:// speaks cleartext HTTP/2 (h2c) from the first byte'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s k -l insecure -d 'Accept any server certificate (testing only; handshake signatures are still checked)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l noproxy -d 'Ignore the proxy environment variables'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s b -l binary -d 'Read stdin as raw chunks and send each as a binary message'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s 0 -l null -d 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l no-compress -d 'Send messages uncompressed even when permessage-deflate was negotiated (RSV1 clear), to test that a server takes both (/compress off in the interactive session)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l echo -d 'Reflect every received message back to the server (same type); stdin is not read'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l no-close -d 'Stay connected when stdin ends (or after -x): keep printing what the server sends until it closes, Ctrl-C, or -t (to watch a feed from a script: wsprobe URL --no-close > feed.log)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l reconnect -d 'Reconnect when the connection drops, the server closes it, or the handshake fails, with exponential backoff and jitter; stdin keeps being read, and what could not be sent is sent on the next connection'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s i -l interactive -d 'Use the interactive session even without a terminal (piped lines are read as typed)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l pretty-json -d 'Pretty-print received JSON text (toggle with /pretty)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s P -l show-ping-pong -d 'Show ping and pong frames from the peer (pongs are sent either way)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l no-history -d 'Do not read or write the history file'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l socketio -d 'Speak Socket.IO (v5 over Engine.IO v4) with URL as socket.io-client takes it (http://HOST:PORT, https://, ws://, wss://; a path in it is the namespace): each stdin line is an event as a JSON array, ["chat message","hi"], and each received event (or ack) is one stdout line, its JSON array'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l ack -d 'Ask for an acknowledgement of every emitted event (ids 0, 1, …); each ack is one stdout line, the JSON array of its arguments (-v and --json say which emit it answers)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l graphql -d 'Speak GraphQL over WebSocket: offer graphql-transport-ws (graphql-ws) and graphql-ws (subscriptions-transport-ws) and speak the one the server picks; each stdin line (or -x) is an operation, { hello } or subscription { greetings } or {"query":…,"variables":{…}}, and each result is one stdout line, its JSON'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l webtransport -l wt -d 'Open a WebTransport session (HTTP/3 over QUIC) to an https:// URL instead of a WebSocket'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l datagrams -d 'With --webtransport: each stdin line is a datagram, each received datagram a line'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l stomp -d 'Speak STOMP 1.2/1.1/1.0 (offers v12.stomp, v11.stomp, v10.stomp): CONNECT at OPEN, CONNECTED shown, each MESSAGE body one stdout line; with --destination, each stdin line is SENT there'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l receipt -d 'Ask for a RECEIPT of every SEND, SUBSCRIBE and UNSUBSCRIBE (shown with -v and --json)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l sockjs -d 'Go through a SockJS endpoint\'s websocket transport: URL is the endpoint as SockJS(\'http://HOST/PATH\') takes it, and the WebSocket goes to PATH/<server>/<session>/websocket (random ids); with --stomp, STOMP travels inside'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand connect" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s H -l header -d 'Add a request header to the handshake (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s o -l origin -d 'Set the Origin header' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s s -l protocol -d 'Offer a subprotocol (repeatable; the server picks one)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l connect-timeout -d 'Give up if the TCP connection and handshake take longer than this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l auth -d 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l max-redirs -d 'With -L: how many redirects to follow at most' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l deflate -d 'The permessage-deflate parameters to offer, as in the header: e.g. \'server_no_context_takeover; client_max_window_bits=10\' (client_max_window_bits is always offered, without a value unless given one) [default: client_max_window_bits]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l ca -d 'Trust the CAs in this PEM file instead of the system\'s (like curl --cacert)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l cert -d 'Present this client certificate (PEM; with --key) to servers that ask for one' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l key -d 'The private key of --cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l proxy -d 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l chunk-size -d 'Largest chunk read from stdin with --binary' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l fragment -d 'Send each message in frames of at most SIZE payload bytes (continuation frames), to test how a server reassembles them (/fragment in the interactive session)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l binary-output -d 'How to write received binary messages [default: raw to a pipe, hex to a terminal]' -r -f -a "raw\t'Raw bytes (the default when stdout is not a terminal)'
hex\t'A hex dump with offsets (the default when stdout is a terminal)'
base64\t'One base64 line per message'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l close-code -d 'The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l close-reason -d 'The close reason sent at end of input (UTF-8, at most 123 bytes)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l close-timeout -d 'How long to wait for the server\'s close frame after sending ours' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l reply-timeout -d 'At end of input (and after -x), wait up to this long for the server\'s replies before closing: the close goes out as soon as as many messages were received as were sent, or when no message has arrived for DURATION (0: close at once)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l max-message-size -d 'Largest message accepted; a larger one closes the connection with 1009' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l ping-interval -d 'Send a ping this often (pong round-trip times show with -v and in --json)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l ping-timeout -d 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l reconnect-delay -d 'The first delay before reconnecting (doubled after each failed attempt)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l reconnect-max-delay -d 'The longest delay between attempts' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l max-retries -d 'Give up after N failed attempts in a row (exit 3) [default: never]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s x -l execute -d 'Send this text message after OPEN, or once every -e written before it is met (repeatable; @FILE sends a file\'s content without its final line ending); stdin is not read' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l execute-binary -d 'Send a binary message given in hex, in command-line order with -x and -e (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s w -l wait -d 'Keep the connection open this long after the last -x send, then close [default: until the replies are in (--reply-timeout), the expectations are met or the peer closes; 0 closes at once]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s e -l expect -d 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l expect-close -d 'Expect the peer to close the connection with this code' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s t -l timeout -d 'Bound the whole run: unmet expectations at the deadline exit 5, a handshake not done by then exits 3' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s n -l count -d 'Expect at least N received messages, then close (fewer by -t or the close: exit 5; 0 closes right after the -x sends)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l socketio-path -d 'The Engine.IO endpoint\'s path (the server\'s `path` option)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l namespace -d 'The namespace to connect to [default: the URL\'s path, or /]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l init -d 'The CONNECT packet\'s auth payload (--socketio: what the server\'s middleware reads as socket.handshake.auth), connection_init\'s payload (--graphql: what onConnect reads as connectionParams), or more CONNECT headers (--stomp: {"login":"guest","passcode":"guest"}), a JSON object' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l cert-hash -d 'With --webtransport: trust the server certificate with this SHA-256 (64 hex digits, colons allowed), as a page\'s serverCertificateHashes does; repeatable' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l subscribe -d 'Subscribe to DEST once CONNECTED (repeatable; ids sub-0, sub-1, …, ack auto)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l destination -d 'SEND each stdin line (or -x) to DEST' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l heart-beat -d 'The heart-beats offered in CONNECT: send every CX ms, want one every CY ms (0,0: none)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s L -l location -d 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l no-deflate -d 'Do not offer permessage-deflate (browsers offer it; the server may then compress)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l http2 -d 'Open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT), as browsers do when the server allows it: wss:// asks for h2 in TLS (ALPN), ws:// speaks cleartext HTTP/2 (h2c) from the first byte'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s k -l insecure -d 'Accept any server certificate (testing only; handshake signatures are still checked)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l noproxy -d 'Ignore the proxy environment variables'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s b -l binary -d 'Read stdin as raw chunks and send each as a binary message'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s 0 -l null -d 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l no-compress -d 'Send messages uncompressed even when permessage-deflate was negotiated (RSV1 clear), to test that a server takes both (/compress off in the interactive session)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l echo -d 'Reflect every received message back to the server (same type); stdin is not read'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l no-close -d 'Stay connected when stdin ends (or after -x): keep printing what the server sends until it closes, Ctrl-C, or -t (to watch a feed from a script: wsprobe URL --no-close > feed.log)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l reconnect -d 'Reconnect when the connection drops, the server closes it, or the handshake fails, with exponential backoff and jitter; stdin keeps being read, and what could not be sent is sent on the next connection'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s i -l interactive -d 'Use the interactive session even without a terminal (piped lines are read as typed)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l pretty-json -d 'Pretty-print received JSON text (toggle with /pretty)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s P -l show-ping-pong -d 'Show ping and pong frames from the peer (pongs are sent either way)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l no-history -d 'Do not read or write the history file'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l socketio -d 'Speak Socket.IO (v5 over Engine.IO v4) with URL as socket.io-client takes it (http://HOST:PORT, https://, ws://, wss://; a path in it is the namespace): each stdin line is an event as a JSON array, ["chat message","hi"], and each received event (or ack) is one stdout line, its JSON array'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l ack -d 'Ask for an acknowledgement of every emitted event (ids 0, 1, …); each ack is one stdout line, the JSON array of its arguments (-v and --json say which emit it answers)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l graphql -d 'Speak GraphQL over WebSocket: offer graphql-transport-ws (graphql-ws) and graphql-ws (subscriptions-transport-ws) and speak the one the server picks; each stdin line (or -x) is an operation, { hello } or subscription { greetings } or {"query":…,"variables":{…}}, and each result is one stdout line, its JSON'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l webtransport -l wt -d 'Open a WebTransport session (HTTP/3 over QUIC) to an https:// URL instead of a WebSocket'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l datagrams -d 'With --webtransport: each stdin line is a datagram, each received datagram a line'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l stomp -d 'Speak STOMP 1.2/1.1/1.0 (offers v12.stomp, v11.stomp, v10.stomp): CONNECT at OPEN, CONNECTED shown, each MESSAGE body one stdout line; with --destination, each stdin line is SENT there'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l receipt -d 'Ask for a RECEIPT of every SEND, SUBSCRIBE and UNSUBSCRIBE (shown with -v and --json)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l sockjs -d 'Go through a SockJS endpoint\'s websocket transport: URL is the endpoint as SockJS(\'http://HOST/PATH\') takes it, and the WebSocket goes to PATH/<server>/<session>/websocket (random ids); with --stomp, STOMP travels inside'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand c" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l max-message-size -d 'Largest message accepted; a larger one closes that connection with 1009' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l deflate -d 'permessage-deflate parameters the server asks for itself, as in the header: e.g. \'server_no_context_takeover; server_max_window_bits=10\' (what each client offers is honoured as well)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l fragment -d 'Send each message in frames of at most SIZE payload bytes (continuation frames), to test how a client reassembles them' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l exec -d 'Run CMD (with `sh -c`) for each connection: each message becomes a line on its stdin, each line it prints becomes a message; its exit closes the connection (1000, or 1011 when it fails). The request reaches it as CGI-style environment variables' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l static -d 'Answer plain HTTP GET requests with the files under DIR (index.html for directories)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l send-interval -d 'Push --send TEXT to every client this often' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l send -d 'The text pushed every --send-interval' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l close-after -d 'Close each connection after it has sent N messages (0: right after OPEN)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l close-code -d 'The close code used by --close-after' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l close-reason -d 'The close reason used by --close-after' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l ping-interval -d 'Send a ping this often (pong round-trip times show with -v and in --json)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l ping-timeout -d 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l tls-cert -d 'Serve wss:// with this certificate chain (PEM; with --tls-key)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l tls-key -d 'The private key of --tls-cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l tls-client-ca -d 'Demand a client certificate signed by a CA in FILE (PEM) during the TLS handshake; clients without one, or with one signed by another CA, are refused (mutual TLS)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l origin-allow -d 'Accept upgrades only from this Origin (repeatable); others get 403. Requests without an Origin header (non-browser clients) are accepted' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l path -d 'Accept upgrades only on this path (repeatable); others get 404' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -s s -l protocol -d 'Support this subprotocol (repeatable): the first the client offers that is listed is selected; a client offering none of them is refused with 400. Without --protocol, the client\'s first offer is selected (as Node\'s ws does)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l max-connections -d 'At most N connections at once; further upgrades get 503' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l close-timeout -d 'How long to wait for a client to answer a close (Ctrl-C\'s 1001, --close-after, 1013), and how long an --exec program may go on printing after the client\'s close' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l no-deflate -d 'Decline permessage-deflate offers (accepted by default, as Python websockets does)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l no-compress -d 'Send messages uncompressed even when permessage-deflate was negotiated (RSV1 clear), to test that a client takes both'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l echo -d 'Echo every message back to its sender (the default mode)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l broadcast -d 'Send every message to all other connected clients'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l stdio -d 'Bridge one client at a time to this terminal: stdin lines become messages to it, its messages go to stdout (what `wscat -l` does); end of stdin closes it and exits'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l binary -d 'With --exec: pass raw bytes both ways instead of lines (its output is sent as binary messages of whatever size it writes)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l page -d 'Answer plain HTTP GET requests on the same port with a built-in browser test page'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l no-http2 -d 'Speak HTTP/1.1 only: offer no h2 in TLS (ALPN) and treat no cleartext connection as HTTP/2 (by default WebSockets over HTTP/2, RFC 8441, are accepted as well)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l webtransport -d 'Serve WebTransport sessions too: HTTP/3 over QUIC on UDP, on the same port number as the TCP listener'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l all -d 'With --broadcast: the sender receives its own messages too'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l protocol-optional -d 'With --protocol: accept a client that offers none of them, without a subprotocol'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand listen" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l max-message-size -d 'Largest message accepted; a larger one closes that connection with 1009' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l deflate -d 'permessage-deflate parameters the server asks for itself, as in the header: e.g. \'server_no_context_takeover; server_max_window_bits=10\' (what each client offers is honoured as well)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l fragment -d 'Send each message in frames of at most SIZE payload bytes (continuation frames), to test how a client reassembles them' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l exec -d 'Run CMD (with `sh -c`) for each connection: each message becomes a line on its stdin, each line it prints becomes a message; its exit closes the connection (1000, or 1011 when it fails). The request reaches it as CGI-style environment variables' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l static -d 'Answer plain HTTP GET requests with the files under DIR (index.html for directories)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l send-interval -d 'Push --send TEXT to every client this often' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l send -d 'The text pushed every --send-interval' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l close-after -d 'Close each connection after it has sent N messages (0: right after OPEN)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l close-code -d 'The close code used by --close-after' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l close-reason -d 'The close reason used by --close-after' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l ping-interval -d 'Send a ping this often (pong round-trip times show with -v and in --json)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l ping-timeout -d 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l tls-cert -d 'Serve wss:// with this certificate chain (PEM; with --tls-key)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l tls-key -d 'The private key of --tls-cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l tls-client-ca -d 'Demand a client certificate signed by a CA in FILE (PEM) during the TLS handshake; clients without one, or with one signed by another CA, are refused (mutual TLS)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l origin-allow -d 'Accept upgrades only from this Origin (repeatable); others get 403. Requests without an Origin header (non-browser clients) are accepted' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l path -d 'Accept upgrades only on this path (repeatable); others get 404' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -s s -l protocol -d 'Support this subprotocol (repeatable): the first the client offers that is listed is selected; a client offering none of them is refused with 400. Without --protocol, the client\'s first offer is selected (as Node\'s ws does)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l max-connections -d 'At most N connections at once; further upgrades get 503' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l close-timeout -d 'How long to wait for a client to answer a close (Ctrl-C\'s 1001, --close-after, 1013), and how long an --exec program may go on printing after the client\'s close' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l no-deflate -d 'Decline permessage-deflate offers (accepted by default, as Python websockets does)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l no-compress -d 'Send messages uncompressed even when permessage-deflate was negotiated (RSV1 clear), to test that a client takes both'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l echo -d 'Echo every message back to its sender (the default mode)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l broadcast -d 'Send every message to all other connected clients'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l stdio -d 'Bridge one client at a time to this terminal: stdin lines become messages to it, its messages go to stdout (what `wscat -l` does); end of stdin closes it and exits'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l binary -d 'With --exec: pass raw bytes both ways instead of lines (its output is sent as binary messages of whatever size it writes)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l page -d 'Answer plain HTTP GET requests on the same port with a built-in browser test page'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l no-http2 -d 'Speak HTTP/1.1 only: offer no h2 in TLS (ALPN) and treat no cleartext connection as HTTP/2 (by default WebSockets over HTTP/2, RFC 8441, are accepted as well)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l webtransport -d 'Serve WebTransport sessions too: HTTP/3 over QUIC on UDP, on the same port number as the TCP listener'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l all -d 'With --broadcast: the sender receives its own messages too'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l protocol-optional -d 'With --protocol: accept a client that offers none of them, without a subprotocol'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand l" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s H -l header -d 'Add a request header to the handshake (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s o -l origin -d 'Set the Origin header' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s s -l protocol -d 'Offer a subprotocol (repeatable; the server picks one)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l connect-timeout -d 'Give up if the TCP connection and handshake take longer than this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l auth -d 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l max-redirs -d 'With -L: how many redirects to follow at most' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l deflate -d 'The permessage-deflate parameters to offer, as in the header: e.g. \'server_no_context_takeover; client_max_window_bits=10\' (client_max_window_bits is always offered, without a value unless given one) [default: client_max_window_bits]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l ca -d 'Trust the CAs in this PEM file instead of the system\'s (like curl --cacert)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l cert -d 'Present this client certificate (PEM; with --key) to servers that ask for one' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l key -d 'The private key of --cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l proxy -d 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s c -l count -d 'How many pings to send (0: until Ctrl-C)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s i -l interval -d 'Time between pings' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l ping-timeout -d 'A ping whose pong takes longer than this is counted as lost' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l close-timeout -d 'How long to wait for the server\'s close frame at the end' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s L -l location -d 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l no-deflate -d 'Do not offer permessage-deflate (browsers offer it; the server may then compress)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l http2 -d 'Open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT), as browsers do when the server allows it: wss:// asks for h2 in TLS (ALPN), ws:// speaks cleartext HTTP/2 (h2c) from the first byte'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s k -l insecure -d 'Accept any server certificate (testing only; handshake signatures are still checked)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l noproxy -d 'Ignore the proxy environment variables'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand ping" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s H -l header -d 'Add a request header to the handshake (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s o -l origin -d 'Set the Origin header' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s s -l protocol -d 'Offer a subprotocol (repeatable; the server picks one)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l connect-timeout -d 'Give up if the TCP connection and handshake take longer than this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l auth -d 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-redirs -d 'With -L: how many redirects to follow at most' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l deflate -d 'The permessage-deflate parameters to offer, as in the header: e.g. \'server_no_context_takeover; client_max_window_bits=10\' (client_max_window_bits is always offered, without a value unless given one) [default: client_max_window_bits]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ca -d 'Trust the CAs in this PEM file instead of the system\'s (like curl --cacert)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l cert -d 'Present this client certificate (PEM; with --key) to servers that ask for one' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l key -d 'The private key of --cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l proxy -d 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ping-interval -d 'Send a ping this often (pong round-trip times show with -v and in --json)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ping-timeout -d 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s c -l connections -d 'How many connections to open' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s d -l duration -d 'How long to send, after the --ramp' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l messages -d 'Send N messages in all (shared out among the connections) instead of for --duration' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l in-flight -d 'Each connection keeps K messages awaiting their reply (closed loop)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l rate -d 'Send MSGS_PER_S messages a second in all, whatever the replies do (open loop; latency counts from when each message was due)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ramp -d 'Open the connections evenly over this long before the --duration starts' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l size -d 'Size of each generated message' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l payload -d 'Send this message instead of generated ones: TEXT, or @FILE for a file\'s content (as text without its final line ending; with --binary, its bytes exactly); each {seq} in it becomes the message\'s sequence number on its connection (0, 1, 2, …)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l match -d 'Match each reply to its request by the value at this JSON path (dotted, array indexes allowed), which must be the {seq} the --payload sent, as a number or a string; without it the Nth reply answers the Nth message' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l fragment -d 'Send each message in frames of at most SIZE payload bytes (continuation frames)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-message-size -d 'Largest message accepted; a larger one closes its connection with 1009' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l reply-timeout -d 'At the end, wait up to this long for replies still due before closing' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l close-timeout -d 'How long to wait for the server\'s close frame after sending ours' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l report -d 'Write the run as a self-contained HTML page (percentile curve, throughput and latency over time, connect times, errors, closes)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l hdr-out -d 'Write the latency histograms as an HdrHistogram interval log (one per interval)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-p50 -d 'Exit 5 when the median latency is above this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-p99 -d 'Exit 5 when the 99th percentile latency is above this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-p999 -d 'Exit 5 when the 99.9th percentile latency is above this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l min-rate -d 'Exit 5 when fewer messages a second were received than this (over the steady part, after the --ramp)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l max-lag -d 'With --rate: exit 5 when a message went out later than this after it was due, or messages due were never sent (the generator fell behind)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l socketio-path -d 'The Engine.IO endpoint\'s path (the server\'s `path` option)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l namespace -d 'The namespace to connect to [default: the URL\'s path, or /]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l init -d 'The CONNECT packet\'s auth payload (--socketio: socket.handshake.auth), connection_init\'s payload (--graphql: connectionParams), or more CONNECT headers (--stomp: {"login":"guest","passcode":"guest"}), a JSON object' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l destination -d 'Where --stomp SENDs each request' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l threads -d 'Worker threads [default: one per CPU this process may use]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s L -l location -d 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l no-deflate -d 'Do not offer permessage-deflate (browsers offer it; the server may then compress)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l http2 -d 'Open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT), as browsers do when the server allows it: wss:// asks for h2 in TLS (ALPN), ws:// speaks cleartext HTTP/2 (h2c) from the first byte'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s k -l insecure -d 'Accept any server certificate (testing only; handshake signatures are still checked)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l noproxy -d 'Ignore the proxy environment variables'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l binary -d 'Send binary messages instead of text'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l no-echo -d 'The server does not echo: count what arrives and its rate, no latency (sends only with --rate)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l no-compress -d 'Send messages uncompressed even when permessage-deflate was negotiated'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l socketio -d 'Speak Socket.IO (v5 over Engine.IO v4) with URL as socket.io-client takes it: each request emits the --payload event (a JSON array, its name first), and its reply is the next event of the same name (or, with --ack, its acknowledgement)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l stomp -d 'Speak STOMP: each request is a SEND of the --payload to --destination with a receipt (its id the request\'s {seq}), and its reply is the RECEIPT: SEND → RECEIPT latency'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l ack -d 'Each emit asks for an acknowledgement (its id the request\'s {seq}), and the ack is its reply: emit → ack latency'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l graphql -d 'Speak GraphQL over WebSocket: each request subscribes to the --payload operation (a document or a JSON request, {seq} in place) with its {seq} as the operation\'s id, and its reply is the operation\'s completion: subscribe → complete latency'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l first-result -d 'With --graphql, a request\'s reply is its first result (subscribe → first result; a subscription need not end)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -a "merge" -d 'Add up the --json summaries of runs made side by side (exact merged percentiles)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and not __fish_seen_subcommand_from merge help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l report -d 'Write the merged run as a self-contained HTML page' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l max-p50 -d 'Exit 5 when the median latency is above this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l max-p99 -d 'Exit 5 when the 99th percentile latency is above this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l max-p999 -d 'Exit 5 when the 99.9th percentile latency is above this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l min-rate -d 'Exit 5 when fewer messages a second were received than this (over the steady part, after the --ramp)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l max-lag -d 'With --rate: exit 5 when a message went out later than this after it was due, or messages due were never sent (the generator fell behind)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from merge" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Add up the --json summaries of runs made side by side (exact merged percentiles)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s H -l header -d 'Add a request header to the handshake (repeatable)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s o -l origin -d 'Set the Origin header' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s s -l protocol -d 'Offer a subprotocol (repeatable; the server picks one)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l connect-timeout -d 'Give up if the TCP connection and handshake take longer than this' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l auth -d 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l max-redirs -d 'With -L: how many redirects to follow at most' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l deflate -d 'The permessage-deflate parameters to offer, as in the header: e.g. \'server_no_context_takeover; client_max_window_bits=10\' (client_max_window_bits is always offered, without a value unless given one) [default: client_max_window_bits]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l ca -d 'Trust the CAs in this PEM file instead of the system\'s (like curl --cacert)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l cert -d 'Present this client certificate (PEM; with --key) to servers that ask for one' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l key -d 'The private key of --cert (PEM)' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l proxy -d 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l cases -d 'Cases to run: ids or patterns, comma-separated (Autobahn\'s: 1.*,6.4.*,7.1.1)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l exclude -d 'Cases to leave out: ids or patterns, comma-separated (9.*)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s j -l parallel -d 'Cases run at a time (the 9.x cases one at a time, the 12.x/13.x at most three); 1: all in order' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l report -d 'Also write an HTML page with every case\'s verdicts, details and wire log' -r -F
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l case-timeout -d 'A case still running after this long is cut off and FAILED (never before the case\'s own wait: up to 480 s in 12.x/13.x)' -r
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s L -l location -d 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l no-deflate -d 'Do not offer permessage-deflate (browsers offer it; the server may then compress)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l http2 -d 'Open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT), as browsers do when the server allows it: wss:// asks for h2 in TLS (ALPN), ws:// speaks cleartext HTTP/2 (h2c) from the first byte'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s k -l insecure -d 'Accept any server certificate (testing only; handshake signatures are still checked)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l noproxy -d 'Ignore the proxy environment variables'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l strict -d 'Fail (exit 5) on NON-STRICT and UNIMPLEMENTED cases too'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand check" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand completions" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -l color -d 'When to colour the event lines on stderr' -r -f -a "auto\t'Colour when stderr is a terminal, NO_COLOR is unset or empty and TERM is not `dumb`'
always\t'Always colour'
never\t'Never colour'"
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -l json -d 'Print events as JSON lines on stdout (one object per line; bench prints one, its summary; the keys are listed under JSON OUTPUT and BENCH SUMMARY in `wsprobe man` and in GUIDE.md)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -s v -l verbose -d 'Also show every message, ping and pong as an event (bench: a line for each interval of the run); with --socketio the protocol\'s events stand for its messages, and -vv shows the raw WebSocket messages as well'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -s q -l quiet -d 'Print no events, only errors'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -l timestamps -d 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand man" -s V -l version -d 'Print version'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "connect" -d 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "listen" -d 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "ping" -d 'Send pings and show the pong round-trip times, like ping(8)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "bench" -d 'Load-test a server: many connections, messages at a set pace, latency percentiles'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "check" -d 'Check a server\'s RFC 6455 conformance: the Autobahn|Testsuite cases, its verdicts'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and not __fish_seen_subcommand_from connect listen ping bench check completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wsprobe -n "__fish_wsprobe_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "merge" -d 'Add up the --json summaries of runs made side by side (exact merged percentiles)'
