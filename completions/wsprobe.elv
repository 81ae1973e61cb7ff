
use builtin;
use str;

set edit:completion:arg-completer[wsprobe] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'wsprobe'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'wsprobe'= {
            cand --color 'When to colour the event lines on stderr'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand connect 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout'
            cand c 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout'
            cand listen 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)'
            cand l 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)'
            cand ping 'Send pings and show the pong round-trip times, like ping(8)'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wsprobe;connect'= {
            cand -H 'Add a request header to the handshake (repeatable)'
            cand --header 'Add a request header to the handshake (repeatable)'
            cand -o 'Set the Origin header'
            cand --origin 'Set the Origin header'
            cand -s 'Offer a subprotocol (repeatable; the server picks one)'
            cand --protocol 'Offer a subprotocol (repeatable; the server picks one)'
            cand --connect-timeout 'Give up if the TCP connection and handshake take longer than this'
            cand --chunk-size 'Largest chunk read from stdin with --binary'
            cand --binary-output 'How to write received binary messages [default: raw to a pipe, hex to a terminal]'
            cand --close-code 'The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)'
            cand --close-reason 'The close reason sent at end of input (UTF-8, at most 123 bytes)'
            cand --close-timeout 'How long to wait for the server''s close frame after sending ours'
            cand --max-message-size 'Largest message accepted; a larger one closes the connection with 1009'
            cand --ping-interval 'Send a ping this often (pong round-trip times show with -v and in --json)'
            cand --ping-timeout 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)'
            cand -x 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read'
            cand --execute 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read'
            cand --execute-binary 'Send a binary message given in hex after the -x messages (repeatable)'
            cand -w 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]'
            cand --wait 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]'
            cand -e 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE'
            cand --expect 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE'
            cand --expect-close 'Expect the peer to close the connection with this code'
            cand -t 'Bound the whole run; unmet expectations at the deadline exit 5'
            cand --timeout 'Bound the whole run; unmet expectations at the deadline exit 5'
            cand -n 'Close after this many received messages'
            cand --count 'Close after this many received messages'
            cand --color 'When to colour the event lines on stderr'
            cand -b 'Read stdin as raw chunks and send each as a binary message'
            cand --binary 'Read stdin as raw chunks and send each as a binary message'
            cand -0 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)'
            cand --null 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)'
            cand --echo 'Reflect every received message back to the server (same type); stdin is not read'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;c'= {
            cand -H 'Add a request header to the handshake (repeatable)'
            cand --header 'Add a request header to the handshake (repeatable)'
            cand -o 'Set the Origin header'
            cand --origin 'Set the Origin header'
            cand -s 'Offer a subprotocol (repeatable; the server picks one)'
            cand --protocol 'Offer a subprotocol (repeatable; the server picks one)'
            cand --connect-timeout 'Give up if the TCP connection and handshake take longer than this'
            cand --chunk-size 'Largest chunk read from stdin with --binary'
            cand --binary-output 'How to write received binary messages [default: raw to a pipe, hex to a terminal]'
            cand --close-code 'The close code sent at end of input (1000-1003, 1007-1014, 3000-4999)'
            cand --close-reason 'The close reason sent at end of input (UTF-8, at most 123 bytes)'
            cand --close-timeout 'How long to wait for the server''s close frame after sending ours'
            cand --max-message-size 'Largest message accepted; a larger one closes the connection with 1009'
            cand --ping-interval 'Send a ping this often (pong round-trip times show with -v and in --json)'
            cand --ping-timeout 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)'
            cand -x 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read'
            cand --execute 'Send this text message after OPEN (repeatable, in order; @FILE sends a file''s content); stdin is not read'
            cand --execute-binary 'Send a binary message given in hex after the -x messages (repeatable)'
            cand -w 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]'
            cand --wait 'Keep the connection open this long after the last -x send, then close [default: until the expectations are met or the peer closes; 0 closes at once]'
            cand -e 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE'
            cand --expect 'Expect a received text message matching PATTERN (repeatable, matched in order): a substring, re:REGEX, or json:PATH=VALUE'
            cand --expect-close 'Expect the peer to close the connection with this code'
            cand -t 'Bound the whole run; unmet expectations at the deadline exit 5'
            cand --timeout 'Bound the whole run; unmet expectations at the deadline exit 5'
            cand -n 'Close after this many received messages'
            cand --count 'Close after this many received messages'
            cand --color 'When to colour the event lines on stderr'
            cand -b 'Read stdin as raw chunks and send each as a binary message'
            cand --binary 'Read stdin as raw chunks and send each as a binary message'
            cand -0 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)'
            cand --null 'Split stdin on NUL bytes instead of newlines (and end received messages with NUL)'
            cand --echo 'Reflect every received message back to the server (same type); stdin is not read'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;listen'= {
            cand --max-message-size 'Largest message accepted; a larger one closes that connection with 1009'
            cand --send-interval 'Push --send TEXT to every client this often'
            cand --send 'The text pushed every --send-interval'
            cand --close-after 'Close each connection after it has sent N messages (0: right after OPEN)'
            cand --close-code 'The close code used by --close-after'
            cand --close-reason 'The close reason used by --close-after'
            cand --ping-interval 'Send a ping this often (pong round-trip times show with -v and in --json)'
            cand --ping-timeout 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)'
            cand --close-timeout 'How long to wait for a client to answer a close (Ctrl-C''s 1001, --close-after, 1013)'
            cand --color 'When to colour the event lines on stderr'
            cand --echo 'Echo every message back to its sender (the default mode)'
            cand --broadcast 'Send every message to all other connected clients'
            cand --stdio 'Bridge one client at a time to this terminal: stdin lines become messages to it, its messages go to stdout (what `wscat -l` does); end of stdin closes it and exits'
            cand --all 'With --broadcast: the sender receives its own messages too'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;l'= {
            cand --max-message-size 'Largest message accepted; a larger one closes that connection with 1009'
            cand --send-interval 'Push --send TEXT to every client this often'
            cand --send 'The text pushed every --send-interval'
            cand --close-after 'Close each connection after it has sent N messages (0: right after OPEN)'
            cand --close-code 'The close code used by --close-after'
            cand --close-reason 'The close reason used by --close-after'
            cand --ping-interval 'Send a ping this often (pong round-trip times show with -v and in --json)'
            cand --ping-timeout 'With --ping-interval: a peer that answers no ping within this is dead (the client exits 4, the server drops it)'
            cand --close-timeout 'How long to wait for a client to answer a close (Ctrl-C''s 1001, --close-after, 1013)'
            cand --color 'When to colour the event lines on stderr'
            cand --echo 'Echo every message back to its sender (the default mode)'
            cand --broadcast 'Send every message to all other connected clients'
            cand --stdio 'Bridge one client at a time to this terminal: stdin lines become messages to it, its messages go to stdout (what `wscat -l` does); end of stdin closes it and exits'
            cand --all 'With --broadcast: the sender receives its own messages too'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;ping'= {
            cand -H 'Add a request header to the handshake (repeatable)'
            cand --header 'Add a request header to the handshake (repeatable)'
            cand -o 'Set the Origin header'
            cand --origin 'Set the Origin header'
            cand -s 'Offer a subprotocol (repeatable; the server picks one)'
            cand --protocol 'Offer a subprotocol (repeatable; the server picks one)'
            cand --connect-timeout 'Give up if the TCP connection and handshake take longer than this'
            cand -c 'How many pings to send (0: until Ctrl-C)'
            cand --count 'How many pings to send (0: until Ctrl-C)'
            cand -i 'Time between pings'
            cand --interval 'Time between pings'
            cand --ping-timeout 'A ping whose pong takes longer than this is counted as lost'
            cand --close-timeout 'How long to wait for the server''s close frame at the end'
            cand --color 'When to colour the event lines on stderr'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;completions'= {
            cand --color 'When to colour the event lines on stderr'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;man'= {
            cand --color 'When to colour the event lines on stderr'
            cand --json 'Print events as JSON lines on stdout (one object per line; see README for the keys)'
            cand -v 'Also show every message, ping and pong as an event'
            cand --verbose 'Also show every message, ping and pong as an event'
            cand -q 'Print no events, only errors'
            cand --quiet 'Print no events, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'wsprobe;help'= {
            cand connect 'Connect to a WebSocket server; stdin lines become messages, messages go to stdout'
            cand listen 'Run a WebSocket server for testing clients (echo, broadcast, periodic pushes)'
            cand ping 'Send pings and show the pong round-trip times, like ping(8)'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wsprobe;help;connect'= {
        }
        &'wsprobe;help;listen'= {
        }
        &'wsprobe;help;ping'= {
        }
        &'wsprobe;help;completions'= {
        }
        &'wsprobe;help;man'= {
        }
        &'wsprobe;help;help'= {
        }
    ]
    $completions[$command]
}
