//! The HTTP glue: tiny_http workers around the pure [`routes::handle`] and the recorder.

use std::io::{self, BufReader};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::json;

use crate::recorder::{RecordedRequest, Recorder};
use crate::routes::{self, Reply};
use crate::store::Bank;
use crate::wire::{self, WireRequest};

/// Request bodies beyond this are refused; the gateway's own limits are far lower.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE: Duration = Duration::from_secs(60);
const RECORDED_PATH: &str = "/__recorded";

struct State {
    bank: Bank,
    recorder: Recorder,
}

/// A running demo API; dropping it stops accepting connections.
pub struct DemoApi {
    port: u16,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl DemoApi {
    /// Listens on 127.0.0.1:`port` (0 picks a free port) with freshly seeded accounts. Each
    /// connection gets its own thread, so a slow answer never holds up another client.
    pub fn start(port: u16) -> io::Result<DemoApi> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(State {
            bank: Bank::seeded(),
            recorder: Recorder::default(),
        }));
        let stopping = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stopping);
        let acceptor = thread::spawn(move || accept(&listener, &state, &flag));
        Ok(DemoApi {
            port,
            stopping,
            acceptor: Some(acceptor),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for DemoApi {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor with a connection of our own.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(listener: &TcpListener, state: &Arc<Mutex<State>>, stopping: &AtomicBool) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let state = Arc::clone(state);
        thread::spawn(move || serve(stream, &state));
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(IDLE));
    // Answers go out in one write; without this, Nagle's algorithm meets the peer's delayed
    // acknowledgement and every keep-alive answer waits tens of milliseconds.
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let request = match wire::read_request(&mut reader, MAX_BODY_BYTES) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(_) => {
                let reply = Reply::problem(400, "malformed request");
                let _ = respond(&mut writer, reply, true);
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        };
        pause_if_asked(&request);
        let close = request.wants_close();
        let reply = answer(state, &request);
        if respond(&mut writer, reply, close).is_err() || close {
            return;
        }
    }
}

/// Longest pause a client may ask for with `x-demo-delay-ms`.
const MAX_DELAY_MS: u64 = 3000;

/// Holds the answer for `x-demo-delay-ms` milliseconds (at most [`MAX_DELAY_MS`]), so that
/// tests can keep requests in flight (concurrency limits, timeouts).
fn pause_if_asked(request: &WireRequest) {
    let delay = request
        .header("x-demo-delay-ms")
        .and_then(|value| value.parse::<u64>().ok());
    if let Some(delay) = delay {
        thread::sleep(Duration::from_millis(delay.min(MAX_DELAY_MS)));
    }
}

fn answer(state: &Mutex<State>, request: &WireRequest) -> Reply {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    if request.target == RECORDED_PATH {
        return recorded(&mut state.recorder, &request.method);
    }
    state.recorder.record(RecordedRequest {
        method: request.method.clone(),
        path: request.target.clone(),
        headers: request.headers.clone(),
        body: String::from_utf8_lossy(&request.body).into_owned(),
    });
    routes::handle(
        &mut state.bank,
        &request.method,
        &request.target,
        &request.body,
    )
}

fn recorded(recorder: &mut Recorder, method: &str) -> Reply {
    match method {
        "GET" => Reply::json(200, &recorder.to_json()),
        "DELETE" => {
            recorder.clear();
            Reply::json(200, &recorder.to_json())
        }
        _ => Reply::json(405, &json!({ "title": "method not allowed" })),
    }
}

fn respond(writer: &mut TcpStream, reply: Reply, close: bool) -> io::Result<()> {
    // Headers that betray the stack: the output filter is expected to remove them.
    let mut headers = vec![
        ("Server", "demo-bank/1.4.2 (palisade-demo-api)"),
        ("X-Powered-By", "palisade-demo-api"),
    ];
    if let Some(content_type) = reply.content_type {
        headers.push(("Content-Type", content_type));
    }
    wire::write_response(writer, reply.status, &headers, reply.body.as_bytes(), close)
}
