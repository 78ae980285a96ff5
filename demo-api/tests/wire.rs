//! The demo API over a real socket: leaky headers, recording, and malformed requests that get
//! a 400 (or a closed connection) while the service keeps serving.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use palisade_demo_api::DemoApi;

/// Sends raw bytes on a fresh connection and returns what came back: up to the end of the
/// answer's head, or with `whole` until the server closed or went quiet.
fn exchange(port: u16, bytes: &[u8], whole: bool) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
        if !whole && answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn get(port: u16, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    exchange(port, request.as_bytes(), true)
}

#[test]
fn answers_with_headers_that_betray_the_stack() {
    let api = DemoApi::start(0).unwrap();
    let answer = get(api.port(), "/health");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Server: demo-bank/"), "{answer}");
    assert!(
        answer.contains("X-Powered-By: palisade-demo-api"),
        "{answer}"
    );
}

#[test]
fn malformed_requests_never_stop_the_service() {
    let api = DemoApi::start(0).unwrap();
    let malformed: [&[u8]; 5] = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /transfers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n\r\n",
        b"POST /transfers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\xff\xfe\x00{[",
        b"\xff\xfe\x00 / HTTP/1.1\r\n\r\n",
    ];
    for bytes in malformed {
        let answer = exchange(api.port(), bytes, false);
        let status = answer.split(' ').nth(1).unwrap_or("closed");
        assert!(
            ["400", "505", "closed"].contains(&status),
            "{:?} got {answer}",
            String::from_utf8_lossy(bytes)
        );
    }
    assert!(get(api.port(), "/health").starts_with("HTTP/1.1 200"));
}

#[test]
fn records_requests_until_cleared() {
    let api = DemoApi::start(0).unwrap();
    get(api.port(), "/accounts/a1?x=1");
    let recorded = get(api.port(), "/__recorded");
    assert!(
        recorded.contains(r#""path":"/accounts/a1?x=1""#),
        "{recorded}"
    );
    assert!(recorded.contains(r#"["host","x"]"#), "{recorded}");

    let request = b"DELETE /__recorded HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert!(exchange(api.port(), request, true).starts_with("HTTP/1.1 200"));
    assert!(get(api.port(), "/__recorded").ends_with(r#"{"requests":[]}"#));
}
