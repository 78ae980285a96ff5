//! A small HTTP/1.1 client over a plain TCP stream.
//!
//! It sends the request target and headers byte for byte as given (no URL normalisation, so
//! tests can send `/a/../b`, `//x` or `%2F`), never follows redirects, treats every status as
//! an answer, and can keep a connection alive for the bench.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::error::HarnessError;

const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Answers larger than this are refused by the client rather than read into memory.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// One request. `Content-Length` is added for a body unless a header already frames it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: &str, target: &str) -> Self {
        Request {
            method: method.to_string(),
            target: target.to_string(),
            ..Request::default()
        }
    }

    pub fn get(target: &str) -> Self {
        Request::new("GET", target)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json(self, value: &serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn to_bytes(&self, host: &str) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        if !self.has_header("host") {
            head.push_str(&format!("host: {host}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let framed = self.has_header("content-length") || self.has_header("transfer-encoding");
        if !framed && (!self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT")) {
            head.push_str(&format!("content-length: {}\r\n", self.body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// A received answer; header names are lower-cased, duplicates kept in order.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<serde_json::Value, HarnessError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| HarnessError::new(format!("answer is not JSON ({e}): {}", self.text())))
    }
}

/// A keep-alive connection to one loopback port.
pub struct Connection {
    host: String,
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(port: u16) -> Result<Self, HarnessError> {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .map_err(|e| HarnessError::new(format!("connect to 127.0.0.1:{port}: {e}")))?;
        stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(io)?;
        let _ = stream.set_nodelay(true);
        Ok(Connection {
            host: format!("127.0.0.1:{port}"),
            reader: BufReader::new(stream),
        })
    }

    /// Sends one request and reads its answer; the connection stays usable unless the server
    /// closed it.
    pub fn send(&mut self, request: &Request) -> Result<Response, HarnessError> {
        self.send_raw(&request.to_bytes(&self.host), request.method == "HEAD")
    }

    /// Sends bytes as they are (for malformed requests) and reads one answer.
    pub fn send_raw(&mut self, bytes: &[u8], is_head: bool) -> Result<Response, HarnessError> {
        self.reader.get_mut().write_all(bytes).map_err(io)?;
        read_response(&mut self.reader, is_head)
    }
}

/// Sends one request on a fresh connection.
pub fn send(port: u16, request: &Request) -> Result<Response, HarnessError> {
    Connection::open(port)?.send(request)
}

/// Sends one request over a stream the caller opened (a TLS session, say), with `host` as the
/// `Host` header unless the request names one, and reads its answer.
pub fn exchange(
    stream: impl Read + Write,
    host: &str,
    request: &Request,
) -> Result<Response, HarnessError> {
    let mut reader = BufReader::new(stream);
    reader
        .get_mut()
        .write_all(&request.to_bytes(host))
        .map_err(io)?;
    read_response(&mut reader, request.method == "HEAD")
}

fn io(e: std::io::Error) -> HarnessError {
    HarnessError::new(format!("i/o: {e}"))
}

fn read_line(reader: &mut impl BufRead) -> Result<String, HarnessError> {
    let mut line = String::new();
    if reader.read_line(&mut line).map_err(io)? == 0 {
        return Err(HarnessError::new("connection closed before an answer"));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_response(reader: &mut impl BufRead, is_head: bool) -> Result<Response, HarnessError> {
    let status_line = read_line(reader)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| HarnessError::new(format!("bad status line: {status_line}")))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if (100..200).contains(&status) {
        return read_response(reader, is_head);
    }
    if !is_head && status != 204 && status != 304 {
        response.body = read_body(reader, &response)?;
    }
    Ok(response)
}

fn read_body(reader: &mut impl BufRead, response: &Response) -> Result<Vec<u8>, HarnessError> {
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"));
    if chunked {
        return read_chunked(reader);
    }
    let mut body = Vec::new();
    match response.header("content-length") {
        Some(length) => {
            let length: usize = length
                .parse()
                .map_err(|_| HarnessError::new(format!("bad content-length {length}")))?;
            if length > MAX_BODY_BYTES {
                return Err(HarnessError::new(format!("answer of {length} bytes")));
            }
            body.resize(length, 0);
            reader.read_exact(&mut body).map_err(io)?;
        }
        None => {
            let mut limited = reader.take(MAX_BODY_BYTES as u64);
            limited.read_to_end(&mut body).map_err(io)?;
        }
    }
    Ok(body)
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, HarnessError> {
    let mut body = Vec::new();
    loop {
        let size_line = read_line(reader)?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| HarnessError::new(format!("bad chunk size {size_line}")))?;
        if size == 0 {
            // Trailers, then the empty line.
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY_BYTES {
            return Err(HarnessError::new("chunked answer too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        let chunk = body.get_mut(start..).unwrap_or_default();
        reader.read_exact(chunk).map_err(io)?;
        read_line(reader)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Response {
        read_response(&mut raw.as_bytes(), false).unwrap()
    }

    #[test]
    fn reads_content_length_body() {
        let response = parse("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A: 1\r\n\r\nabcdef");
        assert_eq!(response.status, 404);
        assert_eq!(response.body, b"abc");
        assert_eq!(response.header("x-a"), Some("1"));
    }

    #[test]
    fn reads_chunked_body_with_trailers() {
        let raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n";
        assert_eq!(parse(raw).body, b"abcde");
    }

    #[test]
    fn skips_interim_answers_and_reads_204_without_body() {
        let response = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(response.status, 204);
        assert!(response.body.is_empty());
    }

    #[test]
    fn writes_target_verbatim_and_frames_the_body() {
        let request = Request::new("POST", "/a/../b//%2F")
            .header("x", "1")
            .body("{}");
        let text = String::from_utf8(request.to_bytes("127.0.0.1:1")).unwrap();
        assert!(text.starts_with("POST /a/../b//%2F HTTP/1.1\r\nhost: 127.0.0.1:1\r\n"));
        assert!(text.ends_with("content-length: 2\r\n\r\n{}"));
    }

    #[test]
    fn refuses_a_garbled_status_line() {
        assert!(read_response(&mut "garbage\r\n\r\n".as_bytes(), false).is_err());
    }
}
