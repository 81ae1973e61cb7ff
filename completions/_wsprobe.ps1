
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'wsprobe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'wsprobe'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'wsprobe' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout')
            [CompletionResult]::new('c', 'c', [CompletionResultType]::ParameterValue, 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)')
            [CompletionResult]::new('l', 'l', [CompletionResultType]::ParameterValue, 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Send pings and show the pong round-trip times, like ping(8)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wsprobe;connect' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header to the handshake (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header to the handshake (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Set the Origin header')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'Set the Origin header')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable; the server picks one)')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable; the server picks one)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up if the TCP connection and handshake take longer than this')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)')
            [CompletionResult]::new('--max-redirs', '--max-redirs', [CompletionResultType]::ParameterName, 'With -L: how many redirects to follow at most')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust the CAs in this PEM file instead of the system''s (like curl --cacert)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM; with --key) to servers that ask for one')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The private key of --cert (PEM)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Largest chunk read from stdin with --binary')
            [CompletionResult]::new('--binary-output', '--binary-output', [CompletionResultType]::ParameterName, 'How to write received binary messages [default: raw to a pipe, hex to a terminal]')
            [CompletionResult]::new('--close-code', '--close-code', [CompletionResultType]::ParameterName, 'The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)')
            [CompletionResult]::new('--close-reason', '--close-reason', [CompletionResultType]::ParameterName, 'The close reason sent at end of input (UTF-8, at most 123 bytes)')
            [CompletionResult]::new('--close-timeout', '--close-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server''s close frame after sending ours')
            [CompletionResult]::new('--max-message-size', '--max-message-size', [CompletionResultType]::ParameterName, 'Largest message accepted; a larger one closes the connection with 1009')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a ping this often (pong round-trip times show with -v and in --json)')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)')
            [CompletionResult]::new('--reconnect-delay', '--reconnect-delay', [CompletionResultType]::ParameterName, 'The first delay before reconnecting (doubled after each failed attempt)')
            [CompletionResult]::new('--reconnect-max-delay', '--reconnect-max-delay', [CompletionResultType]::ParameterName, 'The longest delay between attempts')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Give up after this many failed attempts in a row (exit 3) [default: never]')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read')
            [CompletionResult]::new('--execute-binary', '--execute-binary', [CompletionResultType]::ParameterName, 'Send a binary message given in hex after the -x messages (repeatable)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE')
            [CompletionResult]::new('--expect-close', '--expect-close', [CompletionResultType]::ParameterName, 'Expect the peer to close the connection with this code')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Bound the whole run; unmet expectations at the deadline exit 5')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound the whole run; unmet expectations at the deadline exit 5')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Close after this many received messages')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Close after this many received messages')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept any server certificate (testing only; handshake signatures are still checked)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any server certificate (testing only; handshake signatures are still checked)')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Ignore the proxy environment variables')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Read stdin as raw chunks and send each as a binary message')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'Read stdin as raw chunks and send each as a binary message')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)')
            [CompletionResult]::new('--null', '--null', [CompletionResultType]::ParameterName, 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Reflect every received message back to the server (same type); stdin is not read')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect when the connection drops, the server closes it, or the handshake fails, with exponential backoff and jitter; stdin keeps being read, and what could not be sent is sent on the next connection')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Use the interactive session even when stdin or stderr is not a terminal')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Use the interactive session even when stdin or stderr is not a terminal')
            [CompletionResult]::new('--pretty-json', '--pretty-json', [CompletionResultType]::ParameterName, 'Pretty-print received JSON text (toggle with /pretty)')
            [CompletionResult]::new('-P', '-P ', [CompletionResultType]::ParameterName, 'Show ping and pong frames from the peer (pongs are sent either way)')
            [CompletionResult]::new('--show-ping-pong', '--show-ping-pong', [CompletionResultType]::ParameterName, 'Show ping and pong frames from the peer (pongs are sent either way)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not read or write the history file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;c' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header to the handshake (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header to the handshake (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Set the Origin header')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'Set the Origin header')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable; the server picks one)')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable; the server picks one)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up if the TCP connection and handshake take longer than this')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)')
            [CompletionResult]::new('--max-redirs', '--max-redirs', [CompletionResultType]::ParameterName, 'With -L: how many redirects to follow at most')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust the CAs in this PEM file instead of the system''s (like curl --cacert)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM; with --key) to servers that ask for one')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The private key of --cert (PEM)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Largest chunk read from stdin with --binary')
            [CompletionResult]::new('--binary-output', '--binary-output', [CompletionResultType]::ParameterName, 'How to write received binary messages [default: raw to a pipe, hex to a terminal]')
            [CompletionResult]::new('--close-code', '--close-code', [CompletionResultType]::ParameterName, 'The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)')
            [CompletionResult]::new('--close-reason', '--close-reason', [CompletionResultType]::ParameterName, 'The close reason sent at end of input (UTF-8, at most 123 bytes)')
            [CompletionResult]::new('--close-timeout', '--close-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server''s close frame after sending ours')
            [CompletionResult]::new('--max-message-size', '--max-message-size', [CompletionResultType]::ParameterName, 'Largest message accepted; a larger one closes the connection with 1009')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a ping this often (pong round-trip times show with -v and in --json)')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)')
            [CompletionResult]::new('--reconnect-delay', '--reconnect-delay', [CompletionResultType]::ParameterName, 'The first delay before reconnecting (doubled after each failed attempt)')
            [CompletionResult]::new('--reconnect-max-delay', '--reconnect-max-delay', [CompletionResultType]::ParameterName, 'The longest delay between attempts')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Give up after this many failed attempts in a row (exit 3) [default: never]')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read')
            [CompletionResult]::new('--execute-binary', '--execute-binary', [CompletionResultType]::ParameterName, 'Send a binary message given in hex after the -x messages (repeatable)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE')
            [CompletionResult]::new('--expect-close', '--expect-close', [CompletionResultType]::ParameterName, 'Expect the peer to close the connection with this code')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Bound the whole run; unmet expectations at the deadline exit 5')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound the whole run; unmet expectations at the deadline exit 5')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Close after this many received messages')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Close after this many received messages')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept any server certificate (testing only; handshake signatures are still checked)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any server certificate (testing only; handshake signatures are still checked)')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Ignore the proxy environment variables')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Read stdin as raw chunks and send each as a binary message')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'Read stdin as raw chunks and send each as a binary message')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)')
            [CompletionResult]::new('--null', '--null', [CompletionResultType]::ParameterName, 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Reflect every received message back to the server (same type); stdin is not read')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect when the connection drops, the server closes it, or the handshake fails, with exponential backoff and jitter; stdin keeps being read, and what could not be sent is sent on the next connection')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Use the interactive session even when stdin or stderr is not a terminal')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Use the interactive session even when stdin or stderr is not a terminal')
            [CompletionResult]::new('--pretty-json', '--pretty-json', [CompletionResultType]::ParameterName, 'Pretty-print received JSON text (toggle with /pretty)')
            [CompletionResult]::new('-P', '-P ', [CompletionResultType]::ParameterName, 'Show ping and pong frames from the peer (pongs are sent either way)')
            [CompletionResult]::new('--show-ping-pong', '--show-ping-pong', [CompletionResultType]::ParameterName, 'Show ping and pong frames from the peer (pongs are sent either way)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not read or write the history file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;listen' {
            [CompletionResult]::new('--max-message-size', '--max-message-size', [CompletionResultType]::ParameterName, 'Largest message accepted; a larger one closes that connection with 1009')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run CMD (with `sh -c`) for each connection: each message becomes a line on its stdin, each line it prints becomes a message; its exit closes the connection (1000, or 1011 when it fails). The request reaches it as CGI-style environment variables')
            [CompletionResult]::new('--static', '--static', [CompletionResultType]::ParameterName, 'Answer plain HTTP GET requests with the files under DIR (index.html for directories)')
            [CompletionResult]::new('--send-interval', '--send-interval', [CompletionResultType]::ParameterName, 'Push --send TEXT to every client this often')
            [CompletionResult]::new('--send', '--send', [CompletionResultType]::ParameterName, 'The text pushed every --send-interval')
            [CompletionResult]::new('--close-after', '--close-after', [CompletionResultType]::ParameterName, 'Close each connection after it has sent N messages (0: right after OPEN)')
            [CompletionResult]::new('--close-code', '--close-code', [CompletionResultType]::ParameterName, 'The close code used by --close-after')
            [CompletionResult]::new('--close-reason', '--close-reason', [CompletionResultType]::ParameterName, 'The close reason used by --close-after')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a ping this often (pong round-trip times show with -v and in --json)')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve wss:// with this certificate chain (PEM; with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key of --tls-cert (PEM)')
            [CompletionResult]::new('--origin-allow', '--origin-allow', [CompletionResultType]::ParameterName, 'Accept upgrades only from this Origin (repeatable); others get 403. Requests without an Origin header (non-browser clients) are accepted')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Accept upgrades only on this path (repeatable); others get 404')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Support this subprotocol (repeatable): the first the client offers that is listed is selected; a client offering none of them is refused with 400')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Support this subprotocol (repeatable): the first the client offers that is listed is selected; a client offering none of them is refused with 400')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'At most N connections at once; further upgrades get 503')
            [CompletionResult]::new('--close-timeout', '--close-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a client to answer a close (Ctrl-C''s 1001, --close-after, 1013), and how long an --exec program may go on printing after the client''s close')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Echo every message back to its sender (the default mode)')
            [CompletionResult]::new('--broadcast', '--broadcast', [CompletionResultType]::ParameterName, 'Send every message to all other connected clients')
            [CompletionResult]::new('--stdio', '--stdio', [CompletionResultType]::ParameterName, 'Bridge one client at a time to this terminal: stdin lines become messages to it, its messages go to stdout (what `wscat -l` does); end of stdin closes it and exits')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'With --exec: pass raw bytes both ways instead of lines (its output is sent as binary messages of whatever size it writes)')
            [CompletionResult]::new('--page', '--page', [CompletionResultType]::ParameterName, 'Answer plain HTTP GET requests on the same port with a built-in browser test page')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --broadcast: the sender receives its own messages too')
            [CompletionResult]::new('--protocol-optional', '--protocol-optional', [CompletionResultType]::ParameterName, 'With --protocol: accept a client that offers none of them, without a subprotocol')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;l' {
            [CompletionResult]::new('--max-message-size', '--max-message-size', [CompletionResultType]::ParameterName, 'Largest message accepted; a larger one closes that connection with 1009')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run CMD (with `sh -c`) for each connection: each message becomes a line on its stdin, each line it prints becomes a message; its exit closes the connection (1000, or 1011 when it fails). The request reaches it as CGI-style environment variables')
            [CompletionResult]::new('--static', '--static', [CompletionResultType]::ParameterName, 'Answer plain HTTP GET requests with the files under DIR (index.html for directories)')
            [CompletionResult]::new('--send-interval', '--send-interval', [CompletionResultType]::ParameterName, 'Push --send TEXT to every client this often')
            [CompletionResult]::new('--send', '--send', [CompletionResultType]::ParameterName, 'The text pushed every --send-interval')
            [CompletionResult]::new('--close-after', '--close-after', [CompletionResultType]::ParameterName, 'Close each connection after it has sent N messages (0: right after OPEN)')
            [CompletionResult]::new('--close-code', '--close-code', [CompletionResultType]::ParameterName, 'The close code used by --close-after')
            [CompletionResult]::new('--close-reason', '--close-reason', [CompletionResultType]::ParameterName, 'The close reason used by --close-after')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a ping this often (pong round-trip times show with -v and in --json)')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve wss:// with this certificate chain (PEM; with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key of --tls-cert (PEM)')
            [CompletionResult]::new('--origin-allow', '--origin-allow', [CompletionResultType]::ParameterName, 'Accept upgrades only from this Origin (repeatable); others get 403. Requests without an Origin header (non-browser clients) are accepted')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Accept upgrades only on this path (repeatable); others get 404')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Support this subprotocol (repeatable): the first the client offers that is listed is selected; a client offering none of them is refused with 400')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Support this subprotocol (repeatable): the first the client offers that is listed is selected; a client offering none of them is refused with 400')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'At most N connections at once; further upgrades get 503')
            [CompletionResult]::new('--close-timeout', '--close-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a client to answer a close (Ctrl-C''s 1001, --close-after, 1013), and how long an --exec program may go on printing after the client''s close')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Echo every message back to its sender (the default mode)')
            [CompletionResult]::new('--broadcast', '--broadcast', [CompletionResultType]::ParameterName, 'Send every message to all other connected clients')
            [CompletionResult]::new('--stdio', '--stdio', [CompletionResultType]::ParameterName, 'Bridge one client at a time to this terminal: stdin lines become messages to it, its messages go to stdout (what `wscat -l` does); end of stdin closes it and exits')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'With --exec: pass raw bytes both ways instead of lines (its output is sent as binary messages of whatever size it writes)')
            [CompletionResult]::new('--page', '--page', [CompletionResultType]::ParameterName, 'Answer plain HTTP GET requests on the same port with a built-in browser test page')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --broadcast: the sender receives its own messages too')
            [CompletionResult]::new('--protocol-optional', '--protocol-optional', [CompletionResultType]::ParameterName, 'With --protocol: accept a client that offers none of them, without a subprotocol')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;ping' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header to the handshake (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header to the handshake (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Set the Origin header')
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'Set the Origin header')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable; the server picks one)')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Offer a subprotocol (repeatable; the server picks one)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up if the TCP connection and handshake take longer than this')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Send Basic credentials (credentials in the URL, ws://user:pass@host/, work too)')
            [CompletionResult]::new('--max-redirs', '--max-redirs', [CompletionResultType]::ParameterName, 'With -L: how many redirects to follow at most')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust the CAs in this PEM file instead of the system''s (like curl --cacert)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM; with --key) to servers that ask for one')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The private key of --cert (PEM)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect through this proxy: http://[USER:PASS@]HOST:PORT (CONNECT), socks5://… (names resolved here) or socks5h://… (by the proxy) [default: from https_proxy, http_proxy, all_proxy, minus no_proxy]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'How many pings to send (0: until Ctrl-C)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many pings to send (0: until Ctrl-C)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Time between pings')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between pings')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'A ping whose pong takes longer than this is counted as lost')
            [CompletionResult]::new('--close-timeout', '--close-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the server''s close frame at the end')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Follow redirects (301, 302, 303, 307, 308) of the upgrade request')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept any server certificate (testing only; handshake signatures are still checked)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any server certificate (testing only; handshake signatures are still checked)')
            [CompletionResult]::new('--noproxy', '--noproxy', [CompletionResultType]::ParameterName, 'Ignore the proxy environment variables')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the event lines on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print events as JSON lines on stdout (one object per line; see README for the keys)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show every message, ping and pong as an event')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no events, only errors')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each event line with the wall-clock time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wsprobe;help' {
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Send pings and show the pong round-trip times, like ping(8)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wsprobe;help;connect' {
            break
        }
        'wsprobe;help;listen' {
            break
        }
        'wsprobe;help;ping' {
            break
        }
        'wsprobe;help;completions' {
            break
        }
        'wsprobe;help;man' {
            break
        }
        'wsprobe;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
