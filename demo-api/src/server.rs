//! The HTTP glue: tiny_http workers around the pure [`routes::handle`] and the recorder.

use std::io::{self, Cursor, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use serde_json::json;
use tiny_http::{Header, Request, Response, Server};

use crate::recorder::{RecordedRequest, Recorder};
use crate::routes::{self, Reply};
use crate::store::Bank;

/// Request bodies beyond this are cut off; the gateway's own limits are far lower.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;
const WORKERS: usize = 4;
const RECORDED_PATH: &str = "/__recorded";

struct State {
    bank: Bank,
    recorder: Recorder,
}

/// A running demo API; dropping it stops the workers.
pub struct DemoApi {
    port: u16,
    server: Arc<Server>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl DemoApi {
    /// Listens on 127.0.0.1:`port` (0 picks a free port) with freshly seeded accounts.
    pub fn start(port: u16) -> io::Result<DemoApi> {
        let server = Server::http(("127.0.0.1", port)).map_err(io::Error::other)?;
        let server = Arc::new(server);
        let port = server
            .server_addr()
            .to_ip()
            .map_or(port, |addr| addr.port());
        let state = Arc::new(Mutex::new(State {
            bank: Bank::seeded(),
            recorder: Recorder::default(),
        }));
        let stopping = Arc::new(AtomicBool::new(false));
        let workers = (0..WORKERS)
            .map(|_| {
                let (server, state) = (Arc::clone(&server), Arc::clone(&state));
                let stopping = Arc::clone(&stopping);
                thread::spawn(move || serve(&server, &state, &stopping))
            })
            .collect();
        Ok(DemoApi {
            port,
            server,
            stopping,
            workers,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for DemoApi {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn serve(server: &Server, state: &Mutex<State>, stopping: &AtomicBool) {
    loop {
        // An error is either our own unblock (stop) or a failed accept (keep serving).
        let mut request = match server.recv() {
            Ok(request) => request,
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            Err(_) => continue,
        };
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY_BYTES)
            .read_to_end(&mut body);
        let reply = match read {
            Ok(_) => answer(state, &request, &body),
            Err(_) => Reply::problem(400, "unreadable body"),
        };
        let _ = request.respond(to_response(reply));
    }
}

fn answer(state: &Mutex<State>, request: &Request, body: &[u8]) -> Reply {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let method = request.method().as_str().to_string();
    let target = request.url().to_string();

    if target == RECORDED_PATH {
        return recorded(&mut state.recorder, &method);
    }
    state.recorder.record(RecordedRequest {
        method: method.clone(),
        path: target.clone(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.to_string(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(body).into_owned(),
    });
    routes::handle(&mut state.bank, &method, &target, body)
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

fn to_response(reply: Reply) -> Response<Cursor<Vec<u8>>> {
    let mut response = Response::from_data(reply.body.into_bytes()).with_status_code(reply.status);
    // Headers that betray the stack: the output filter is expected to remove them.
    let mut headers = vec![
        ("Server", "demo-bank/1.4.2 (palisade-demo-api)"),
        ("X-Powered-By", "palisade-demo-api"),
    ];
    if let Some(content_type) = reply.content_type {
        headers.push(("Content-Type", content_type));
    }
    for (name, value) in headers {
        if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    response
}
