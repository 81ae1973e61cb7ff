//! `listen --exec CMD`: one program per connection, the way websocketd does it.
//!
//! Each received message becomes a line on the program's stdin (raw bytes with `--binary`);
//! each line it prints becomes a message (text when it is UTF-8); its stderr lines are logged
//! as events. When it exits, what it printed is sent and the connection closes with 1000, or
//! 1011 when it failed. When the client closes first, the program's stdin is closed and what
//! it prints until it exits (within `--close-timeout`) is still sent before the close is
//! answered; then its process group is terminated.
//! The request reaches it as CGI/1.1-style environment variables.

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::server::Request;
use tokio_tungstenite::tungstenite::Message;

use crate::error::ErrorKind;
use crate::session::driver::{Batch, Control, ControlTx, Inbound};
use crate::session::{Conn, Event, Side};
use crate::value::Close;
use crate::wire::gate::Latch;

/// Messages waiting for the program to read them; beyond this the client is closed with 1013
/// rather than buffering without bound.
const INPUT_QUEUE: usize = 1024;
/// Lines sent to the client in one batch at most.
const BATCH: usize = 256;
/// How long a program may take to exit after SIGTERM before it gets SIGKILL.
const GRACE: Duration = Duration::from_secs(1);

/// What `--exec` runs, and how its output is cut into messages.
#[derive(Debug, Clone)]
pub struct ExecConfig {
    pub command: String,
    pub binary: bool,
}

/// The request as environment variables, taken from the upgrade request.
#[derive(Debug, Clone, Default)]
pub struct RequestEnv {
    vars: Vec<(String, String)>,
}

impl RequestEnv {
    pub fn new(req: &Request, remote: SocketAddr, local: SocketAddr, conn_id: u64) -> RequestEnv {
        let uri = req.uri();
        let path = uri.path();
        // Over HTTP/2 the host is the request's :authority, and the target is absolute.
        let host = req
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .or(uri.authority().map(|a| a.as_str()))
            .map(|h| host_name(h).to_owned())
            .unwrap_or_else(|| local.ip().to_string());
        let (protocol, target) = match req.version() {
            tokio_tungstenite::tungstenite::http::Version::HTTP_2 => (
                "HTTP/2",
                uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
            ),
            _ => ("HTTP/1.1", uri.to_string()),
        };
        let mut vars = vec![
            ("GATEWAY_INTERFACE".into(), "CGI/1.1".into()),
            (
                "SERVER_SOFTWARE".into(),
                concat!("wsprobe/", env!("CARGO_PKG_VERSION")).into(),
            ),
            ("SERVER_PROTOCOL".into(), protocol.into()),
            ("SERVER_NAME".into(), host),
            ("SERVER_PORT".into(), local.port().to_string()),
            ("REQUEST_METHOD".into(), req.method().to_string()),
            ("REQUEST_URI".into(), target),
            ("SCRIPT_NAME".into(), String::new()),
            ("PATH_INFO".into(), crate::value::percent_decode(path)),
            ("QUERY_STRING".into(), uri.query().unwrap_or("").into()),
            ("REMOTE_ADDR".into(), remote.ip().to_string()),
            ("REMOTE_PORT".into(), remote.port().to_string()),
            ("WSPROBE_CONNECTION".into(), conn_id.to_string()),
        ];
        let mut headers: Vec<(String, String)> = Vec::new();
        for (name, value) in req.headers() {
            let Some(var) = header_var(name.as_str()) else {
                continue;
            };
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match headers.iter_mut().find(|(n, _)| *n == var) {
                Some((_, v)) => {
                    v.push_str(", ");
                    v.push_str(&value);
                }
                None => headers.push((var, value)),
            }
        }
        vars.extend(headers);
        RequestEnv { vars }
    }
}

/// `Host: example.com:8080` → `example.com`; `[::1]:80` → `::1`.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// `Sec-WebSocket-Key` → `HTTP_SEC_WEBSOCKET_KEY`. `Proxy` is left out: a client must not be
/// able to set `HTTP_PROXY` for the program ("httpoxy"). Names that would not make a portable
/// variable name are left out too.
fn header_var(name: &str) -> Option<String> {
    let var: String = name
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    let portable = var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (portable && var != "PROXY").then(|| format!("HTTP_{var}"))
}

/// The running program of one connection, as the connection's [`Inbound`] handler.
/// Dropping it (the connection is closed) terminates the program.
pub struct Program {
    input: mpsc::Sender<Bytes>,
    binary: bool,
    conn: Arc<Conn>,
    control: ControlTx,
    /// A problem with the input was reported already.
    reported: bool,
    /// Dropped with the program: tells the waiter to terminate it.
    _stop: oneshot::Sender<()>,
}

impl Program {
    /// Starts the program; its output goes to `data`, its exit closes the connection through
    /// `control` (after everything it printed). `latch` holds back the client's close frame:
    /// when it is parked, the program's stdin ends, and what it prints until it exits (at most
    /// `close_timeout`) is sent before the close is answered.
    pub fn spawn(
        cfg: &ExecConfig,
        env: &RequestEnv,
        conn: Arc<Conn>,
        data: mpsc::Sender<Batch>,
        control: ControlTx,
        latch: Option<Arc<Latch>>,
    ) -> std::io::Result<Program> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&cfg.command)
            .envs(env.vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn()?;
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => return Err(std::io::Error::other("the program's pipes were not set up")),
            };
        let (input, input_rx) = mpsc::channel::<Bytes>(INPUT_QUEUE);
        tokio::spawn(feed_stdin(stdin, input_rx, latch, conn.clone()));
        let log = conn.clone();
        let logged = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr);
            let mut line = Vec::new();
            while matches!(lines.read_until(b'\n', &mut line).await, Ok(n) if n > 0) {
                let text = String::from_utf8_lossy(trim_eol(&line));
                log.emit(&Event::Stderr { text: &text });
                line.clear();
            }
        });
        let (stop, stop_rx) = oneshot::channel();
        let (status_tx, status_rx) = oneshot::channel();
        tokio::spawn(wait(child, logged, stop_rx, status_tx, conn.clone()));
        tokio::spawn(read_output(
            stdout,
            cfg.binary,
            data,
            status_rx,
            control.clone(),
        ));
        Ok(Program {
            input,
            binary: cfg.binary,
            conn,
            control,
            reported: false,
            _stop: stop,
        })
    }
}

impl Inbound for Program {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        let payload: Bytes = match msg {
            Message::Text(t) => t.into(),
            Message::Binary(b) => b,
            _ => return Ok(None),
        };
        let bytes = if self.binary {
            payload
        } else {
            let mut line = BytesMut::with_capacity(payload.len() + 1);
            line.put_slice(&payload);
            line.put_u8(b'\n');
            line.freeze()
        };
        match self.input.try_send(bytes) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !std::mem::replace(&mut self.reported, true) {
                    self.conn.error(
                        ErrorKind::Slow,
                        &format!(
                            "the program has not read its last {INPUT_QUEUE} messages: closing with 1013"
                        ),
                    );
                    self.control
                        .send(Control::Close(Close::new(1013, "program is not reading")));
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                if !std::mem::replace(&mut self.reported, true) {
                    self.conn.error(
                        ErrorKind::Exec,
                        "the program no longer reads its input: received messages are dropped",
                    );
                }
            }
        }
        Ok(None)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Writes the received messages to the program's stdin until the connection goes or the
/// client's close frame is parked: then what was received before it is written and stdin is
/// closed, the program's cue to finish. (The gate lets the close through once our own close
/// goes out, or after `--close-timeout` even if this task is stuck writing.)
async fn feed_stdin(
    stdin: ChildStdin,
    mut input: mpsc::Receiver<Bytes>,
    latch: Option<Arc<Latch>>,
    conn: Arc<Conn>,
) {
    let parked = async {
        match &latch {
            Some(l) => l.parked().await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(parked);
    // `None` once the program stopped reading: what arrives then is dropped, but the task
    // stays to see the close.
    let mut stdin = Some(stdin);
    loop {
        tokio::select! {
            biased;
            b = input.recv() => match b {
                Some(b) => write(&mut stdin, &b, &conn).await,
                None => return,
            },
            peer = &mut parked => {
                if let Some((code, reason)) = peer {
                    conn.closing(Side::Remote, code, &reason);
                }
                while let Ok(b) = input.try_recv() {
                    write(&mut stdin, &b, &conn).await;
                }
                return;
            }
        }
    }
}

async fn write(stdin: &mut Option<ChildStdin>, bytes: &[u8], conn: &Conn) {
    if let Some(s) = stdin {
        if s.write_all(bytes).await.is_err() {
            *stdin = None;
            conn.error(
                ErrorKind::Exec,
                "the program no longer reads its input: received messages are dropped",
            );
        }
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Owns the child: reports its exit, or terminates its process group when the connection
/// closes first. Leftover processes of the group are terminated when the program exits, so
/// that a background child holding stdout cannot keep the connection open. The exit is
/// reported after the program's last stderr line (`logged` ends when stderr does), as it
/// happened; a leftover process that keeps stderr open delays it by `GRACE` at most.
async fn wait(
    mut child: Child,
    logged: tokio::task::JoinHandle<()>,
    stop: oneshot::Receiver<()>,
    status_tx: oneshot::Sender<Option<ExitStatus>>,
    conn: Arc<Conn>,
) {
    let pid = child.id();
    let status = tokio::select! {
        s = child.wait() => s.ok(),
        _ = stop => {
            signal_group(pid, rustix::process::Signal::TERM);
            match tokio::time::timeout(GRACE, child.wait()).await {
                Ok(s) => s.ok(),
                Err(_) => {
                    signal_group(pid, rustix::process::Signal::KILL);
                    child.wait().await.ok()
                }
            }
        }
    };
    signal_group(pid, rustix::process::Signal::TERM);
    let _ = tokio::time::timeout(GRACE, logged).await;
    if let Some(s) = status {
        use std::os::unix::process::ExitStatusExt;
        conn.emit(&Event::Exit {
            status: s.code(),
            signal: s.signal(),
        });
    }
    let _ = status_tx.send(status);
}

fn signal_group(pid: Option<u32>, sig: rustix::process::Signal) {
    let pid = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        // The group may be gone already; nothing to do then.
        let _ = rustix::process::kill_process_group(pid, sig);
    }
}

/// Sends what the program prints; at its end, waits for the exit status and asks the driver
/// to close once everything is sent: 1000 for success, 1011 otherwise.
async fn read_output(
    stdout: ChildStdout,
    binary: bool,
    data: mpsc::Sender<Batch>,
    status: oneshot::Receiver<Option<ExitStatus>>,
    control: ControlTx,
) {
    let sent = if binary {
        send_chunks(stdout, &data).await
    } else {
        send_lines(stdout, &data).await
    };
    if !sent {
        // The connection is gone; nobody to tell.
        return;
    }
    let (code, reason) = match status.await.ok().flatten() {
        Some(s) if s.success() => (1000, String::new()),
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            match (s.code(), s.signal()) {
                (Some(c), _) => (1011, format!("program exited with status {c}")),
                (_, Some(sig)) => (1011, format!("program killed by signal {sig}")),
                _ => (1011, "program failed".to_owned()),
            }
        }
        None => (1011, "program failed".to_owned()),
    };
    control.send(Control::Finish(Close::new(code, reason)));
}

/// Line mode: each line (without its newline) becomes a message. Returns false when the
/// connection went away.
async fn send_lines(stdout: ChildStdout, data: &mpsc::Sender<Batch>) -> bool {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut batch: Batch = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).await.unwrap_or(0);
        if n > 0 {
            let payload = trim_eol(&line);
            batch.push(match std::str::from_utf8(payload) {
                Ok(t) => Message::text(t),
                Err(_) => Message::binary(Bytes::copy_from_slice(payload)),
            });
        }
        // Send when nothing more is buffered, so an interactive program's line goes out now.
        let ready = n == 0 || reader.buffer().is_empty() || batch.len() >= BATCH;
        if ready && !batch.is_empty() && data.send(std::mem::take(&mut batch)).await.is_err() {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

/// Binary mode: whatever one read returns becomes a binary message.
async fn send_chunks(mut stdout: ChildStdout, data: &mpsc::Sender<Batch>) -> bool {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        buf.reserve(64 * 1024);
        match stdout.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return true,
            Ok(_) => {
                let chunk = buf.split().freeze();
                if data.send(vec![Message::binary(chunk)]).await.is_err() {
                    return false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("example.com:80"), "example.com");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert_eq!(host_name("example.com"), "example.com");
    }

    #[test]
    fn header_names_become_cgi_variables() {
        assert_eq!(
            header_var("Sec-WebSocket-Key").as_deref(),
            Some("HTTP_SEC_WEBSOCKET_KEY")
        );
        assert_eq!(header_var("proxy"), None);
        assert_eq!(header_var("we!rd"), None);
    }
}
