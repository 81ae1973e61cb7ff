//! A deliberately careless WebSocket echo server (see tests/support/careless.rs), for
//! comparing `wsprobe check` with Autobahn on a server that fails cases:
//! `cargo run --release --example careless-echo -- PORT` listens on 127.0.0.1:PORT.

#[path = "../tests/support/careless.rs"]
mod careless;

fn main() {
    let port = std::env::args().nth(1).unwrap_or_else(|| "0".into());
    let listener = match std::net::TcpListener::bind(format!("127.0.0.1:{port}")) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("careless-echo: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(2);
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("listening on ws://{addr}");
    }
    careless::serve(listener, &std::sync::atomic::AtomicBool::new(false));
}
