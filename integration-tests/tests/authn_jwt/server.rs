//! A tiny loopback HTTP server the test controls: it serves documents by path (a JWKS, a
//! discovery document, a revocation list), counts the requests for each, and lets the test
//! change a document while Envoy polls it. One request per connection (`connection: close`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Routes {
    documents: BTreeMap<String, (u16, String)>,
    hits: BTreeMap<String, usize>,
}

/// The running server; it stops with the test process.
#[derive(Clone)]
pub struct DocumentServer {
    pub port: u16,
    routes: Arc<Mutex<Routes>>,
}

impl DocumentServer {
    pub fn start() -> DocumentServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes = Arc::new(Mutex::new(Routes::default()));
        let shared = Arc::clone(&routes);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = Arc::clone(&shared);
                std::thread::spawn(move || answer(stream, &routes));
            }
        });
        DocumentServer { port, routes }
    }

    /// Serves `body` with `status` at `path` from now on.
    pub fn serve(&self, path: &str, status: u16, body: &str) {
        let mut routes = self.routes.lock().unwrap();
        routes
            .documents
            .insert(path.to_string(), (status, body.to_string()));
    }

    /// How many requests `path` has received.
    pub fn hits(&self, path: &str) -> usize {
        let routes = self.routes.lock().unwrap();
        routes.hits.get(path).copied().unwrap_or(0)
    }
}

fn answer(stream: TcpStream, routes: &Mutex<Routes>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
        line.clear();
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let (status, body) = {
        let mut routes = routes.lock().unwrap();
        *routes.hits.entry(path.clone()).or_default() += 1;
        routes
            .documents
            .get(&path)
            .cloned()
            .unwrap_or((404, "{}".to_string()))
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = reader.get_mut().write_all(response.as_bytes());
}

/// The demo template with one more cluster, `palisade_test`, reaching `port` on loopback.
pub fn template_with_test_cluster(port: u16) -> String {
    let path =
        palisade_integration_tests::paths::repo_root().join("envoy-configs/demo.template.yaml");
    let template = std::fs::read_to_string(path).unwrap();
    let cluster = format!(
        "  - name: palisade_test
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: palisade_test
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{ address: 127.0.0.1, port_value: {port} }}
"
    );
    let mut template = template.trim_end().to_string();
    template.push('\n');
    template.push_str(&cluster);
    template
}
