//! `connect --webtransport`: the same modes as a WebSocket (pipe, `--echo`, scripts) on a
//! WebTransport session. The input, the handler (stdout or echo, wrapped in the scripted
//! checks), the interrupt and `-t` are `connect`'s own; only the dial and the driver are
//! WebTransport's (`crate::webtransport`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;

use super::{judge, spawn_interrupt_handler, start_input, Sending, Shown, QUEUE_BATCHES};
use crate::config::connect::{ConnectPlan, Input};
use crate::config::wt_client::WtPlan;
use crate::error::{ExitCode, Failure};
use crate::expect::{Script, Sends};
use crate::output::Printer;
use crate::pipe::StdoutSink;
use crate::session::driver::{Control, ControlRx};
use crate::session::echo::Echo;
use crate::session::webtransport::SessionInfo;
use crate::session::{Conn, Dir, Event, HttpVersion};
use crate::signals::Stop;
use crate::webtransport::dial::{self, Dialed};
use crate::webtransport::ending::exit_status;
use crate::webtransport::session::{self, Opts};

pub(super) async fn run(plan: ConnectPlan, wt: WtPlan) -> Result<ExitCode> {
    let printer = Arc::new(Printer::new(plan.out));
    let checks = &plan.checks;
    let expecting = checks.any();
    let room = match &plan.input {
        Input::Execute { stages, .. } => stages.len().max(QUEUE_BATCHES),
        _ => QUEUE_BATCHES,
    };
    let (data_tx, mut data_rx) = mpsc::channel(room);
    let (control_tx, mut control_rx) = crate::session::driver::control();
    let scripted_sends = matches!(plan.input, Input::Execute { .. });
    let Sending {
        held: held_tx,
        sends,
        stdin_err,
    } = start_input(&plan.input, data_tx, checks.expect.len());
    let open_conn = sends.as_ref().map(Sends::connection);

    let interrupted = Arc::new(Stop::default());
    spawn_interrupt_handler(control_tx.clone(), interrupted.clone(), plan.close.clone());
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = checks.timeout {
        let (control, flag, close) = (control_tx.clone(), timed_out.clone(), plan.close.clone());
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            flag.store(true, Ordering::SeqCst);
            control.send(Control::Close(close));
        });
    }
    let shown = if matches!(plan.input, Input::Echo) {
        Shown::Echo(Echo)
    } else {
        Shown::Stdout(StdoutSink::new(plan.out, plan.binary_output, plan.delim))
    };
    let mut handler = Script::new(
        shown,
        expecting,
        checks.expect.clone(),
        checks.count,
        control_tx.clone(),
        checks.expect_close.is_none().then(|| {
            if scripted_sends {
                Control::Finish(plan.close.clone())
            } else {
                Control::Close(plan.close.clone())
            }
        }),
        sends,
    );

    let conn = Arc::new(Conn::new(None, printer.clone()));
    let opened = connect(&plan, &wt, &conn, &mut control_rx).await;
    let mut ending = None;
    if let Ok(Some(dialed)) = &opened {
        if let Some(slot) = &open_conn {
            *slot.lock().expect("not poisoned") = Some(conn.clone());
        }
        let opts = Opts {
            datagrams: wt.datagrams,
            binary: matches!(
                plan.input,
                Input::Stdin(crate::pipe::StdinMode::Chunks { .. })
            ),
            delim: plan.delim,
            close_on_eof: plan.drive.close_on_eof.as_ref().map(|c| c.reason.clone()),
            reply_wait: plan.drive.reply_wait,
            main_stream: true,
        };
        let end = session::drive(
            &dialed.connection,
            &conn,
            Some(&mut data_rx),
            &mut control_rx,
            None,
            &mut handler,
            &opts,
        )
        .await;
        // The close goes out in a packet of its own: give it the time to leave.
        let _ = tokio::time::timeout(plan.drive.close_timeout, dialed.endpoint.wait_idle()).await;
        ending = Some(end);
    }
    handler.inner_mut().finish();
    let outcome = expecting.then(|| handler.outcome());
    drop(held_tx);
    printer.flush();
    let timed_out = timed_out.load(Ordering::SeqCst);
    let stdout_closed = matches!(
        crate::output::stdout_trouble(),
        Some(crate::output::StdoutTrouble::Closed)
    );
    if stdout_closed {
        return Ok(ExitCode::Ok);
    }
    if let Some(status) = interrupted.status() {
        return Ok(status);
    }
    let Some(ending) = ending else {
        return match opened {
            Err(e) => Err(e),
            // Stopped while connecting: by -t.
            Ok(_) => Err(Failure::connect(format!(
                "the WebTransport handshake with {} did not complete within -t {}",
                wt.url,
                humantime::format_duration(checks.timeout.unwrap_or_default())
            ))
            .hint("is the server reachable and answering over UDP? raise -t if it is just slow")
            .into()),
        };
    };
    let input_error = stdin_err.and_then(|mut rx| rx.try_recv().ok());
    exit_status(ending, input_error, |close| {
        outcome.map(|o| judge(&conn, &o, checks, close, timed_out))
    })
}

/// CONNECTING → OPEN, or stopped (Ctrl-C, -t) while connecting (`Ok(None)`).
async fn connect(
    plan: &ConnectPlan,
    wt: &WtPlan,
    conn: &Conn,
    control: &mut ControlRx,
) -> Result<Option<Dialed>> {
    conn.connecting(&wt.url, None);
    if conn.sink().wants_handshake() {
        request(conn, plan, wt);
    }
    let dialed = tokio::select! {
        d = dial::open(&wt.url, &plan.client, &wt.cert_hashes) => d?,
        _ = control.recv() => return Ok(None),
    };
    let c = &dialed.connection;
    conn.session_opened(SessionInfo {
        status: None,
        http_version: "3",
        draft: "draft-02",
        session_id: c.session_id().into_u64(),
        max_datagram_size: c.max_datagram_size(),
        handshake_ms: 0.0,
    });
    Ok(Some(dialed))
}

/// `-v`: the CONNECT request as it is sent (the pseudo-headers `wtransport` writes, then
/// the origin and -H headers).
fn request(conn: &Conn, plan: &ConnectPlan, wt: &WtPlan) {
    let url = url::Url::parse(&wt.url).ok();
    let authority = url
        .as_ref()
        .map(|u| u.authority().to_owned())
        .unwrap_or_default();
    let target = url
        .as_ref()
        .map(|u| {
            let q = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}{q}", u.path())
        })
        .unwrap_or_default();
    let mut headers = vec![
        (":protocol".to_owned(), "webtransport".to_owned()),
        (":scheme".to_owned(), "https".to_owned()),
        (":authority".to_owned(), authority),
    ];
    if let Some(o) = &plan.client.origin {
        headers.push(("origin".to_owned(), o.clone()));
    }
    for h in &plan.client.headers {
        headers.push((
            h.name.as_str().to_owned(),
            String::from_utf8_lossy(h.value.as_bytes()).into_owned(),
        ));
    }
    conn.emit(&Event::Request {
        dir: Dir::Out,
        http_version: HttpVersion::Http3,
        method: "CONNECT",
        target: &target,
        headers: &headers,
    });
}
