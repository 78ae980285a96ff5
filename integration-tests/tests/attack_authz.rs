//! Attacks on the authz filter through a real Envoy: request targets and methods that parsers
//! read differently, ownership parameters smuggled past the check (query, header, JSON body,
//! HTTP/2 trailers), rate limits and the concurrency cap, and inputs meant to crash the filter.
//!
//! Tests named in the review report as failing document a weakness: they assert the safe
//! behaviour and fail until the filter is fixed.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use palisade_integration_tests::http::Connection;
use palisade_integration_tests::{Filter, RecordedRequest, Request, Response, Stack};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Helpers

fn problem_kind(response: &Response) -> String {
    response
        .json()
        .ok()
        .and_then(|body| body["type"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn assert_problem(response: &Response, status: u16, kind: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        problem_kind(response),
        format!("urn:palisade:problem:{kind}"),
        "{}",
        response.text()
    );
}

/// authn and authz only, authz patched.
/// Note: the readiness probe of `wait_for_authn` is one request that authz refuses (it names
/// no `x-account`), and refused requests draw from rate limits: per-source buckets start with
/// one token spent.
fn authz_stack(patch: Value) -> Stack {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .patch(Filter::Authz, patch)
        .start()
        .unwrap();
    stack.wait_for_authn("demo-client").unwrap();
    stack
}

/// A token the IdP signs for `client` with `extra` claims merged in.
fn token_with(stack: &Stack, client: &str, extra: Value) -> String {
    stack.sign_token_with(client, &extra).unwrap()
}

/// Ownership on every demo operation, bound to the caller's `sub`.
fn ownership_policies() -> Value {
    json!({
        "hold_request_headers": true,
        "policies": {
            "getAccount": {"scopes_all": ["accounts:read"],
                           "ownership": [{"param": "x-account", "in": "header", "claim": "sub"}]},
            "listAccounts": {"scopes_all": ["accounts:read"],
                             "ownership": [{"param": "owner", "in": "query", "claim": "sub"}]},
            "createTransfer": {"scopes_all": ["transfers:write"],
                               "ownership": [{"param": "/from", "in": "body", "claim": "sub"}]}
        }
    })
}

/// Transfers the demo API received whose body names `from` as the source account under any
/// spelling of the name (`from`, `FROM`, ...), read the lenient way an upstream would.
fn transfers_from(reached: &[RecordedRequest], from: &str) -> Vec<String> {
    reached
        .iter()
        .filter(|r| r.path.starts_with("/transfers"))
        .filter(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            body.as_object().is_some_and(|fields| {
                fields
                    .iter()
                    .any(|(name, value)| name.eq_ignore_ascii_case("from") && value == from)
            })
        })
        .map(|r| r.body.clone())
        .collect()
}

/// Sends raw bytes on a fresh connection and returns what came back before the server closed
/// or went quiet for `quiet`.
fn raw_exchange(port: u16, bytes: &[u8], quiet: Duration) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(quiet)).unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The status codes of every answer in a raw HTTP/1.1 exchange, in order.
fn statuses(raw: &str) -> Vec<u16> {
    raw.match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| raw.get(at + 9..at + 12)?.parse().ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/2 (prior knowledge, cleartext) client: enough to send one request with a body
// and trailers, and read the answer's status. Header blocks are HPACK literals without
// indexing; the answer's `:status` is read from the static table or a Huffman-coded literal.

mod h2 {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const DATA: u8 = 0;
    const HEADERS: u8 = 1;
    const RST_STREAM: u8 = 3;
    const SETTINGS: u8 = 4;
    const GOAWAY: u8 = 7;
    const END_STREAM: u8 = 0x1;
    const END_HEADERS: u8 = 0x4;
    const ACK: u8 = 0x1;

    /// What came back on one stream.
    #[derive(Debug, Default)]
    pub struct Answer {
        pub status: Option<u16>,
        pub body: Vec<u8>,
        pub reset: bool,
    }

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let length = u32::try_from(payload.len()).unwrap().to_be_bytes();
        let mut out = vec![length[1], length[2], length[3], kind, flags];
        out.extend_from_slice(&stream.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn integer(value: usize, prefix_bits: u32, first: u8, out: &mut Vec<u8>) {
        let max = (1usize << prefix_bits) - 1;
        if value < max {
            out.push(first | value as u8);
            return;
        }
        out.push(first | max as u8);
        let mut rest = value - max;
        while rest >= 128 {
            out.push((rest % 128) as u8 | 0x80);
            rest /= 128;
        }
        out.push(rest as u8);
    }

    fn header_block(headers: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in headers {
            out.push(0x00);
            integer(name.len(), 7, 0, &mut out);
            out.extend_from_slice(name.as_bytes());
            integer(value.len(), 7, 0, &mut out);
            out.extend_from_slice(value.as_bytes());
        }
        out
    }

    /// Decodes a Huffman-coded string of decimal digits (all a `:status` holds).
    fn huffman_digits(bytes: &[u8]) -> Option<String> {
        let bits: Vec<u8> = bytes
            .iter()
            .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
            .collect();
        let mut out = String::new();
        let mut at = 0;
        while at + 5 <= bits.len() {
            let code = |n: usize| {
                bits[at..at + n]
                    .iter()
                    .fold(0u32, |a, b| a << 1 | *b as u32)
            };
            if code(5) <= 2 {
                out.push(char::from(b'0' + code(5) as u8));
                at += 5;
            } else if at + 6 <= bits.len() && (0b011001..=0b011111).contains(&code(6)) {
                out.push(char::from(b'3' + (code(6) - 0b011001) as u8));
                at += 6;
            } else {
                break;
            }
        }
        (out.len() == 3).then_some(out)
    }

    /// The `:status` at the start of an answer's header block.
    fn status(block: &[u8]) -> Option<u16> {
        let first = *block.first()?;
        let indexed = [(0x88, 200), (0x89, 204), (0x8a, 206), (0x8b, 304)];
        let more = [(0x8c, 400), (0x8d, 404), (0x8e, 500)];
        if let Some((_, code)) = indexed.iter().chain(&more).find(|(b, _)| *b == first) {
            return Some(*code);
        }
        // A literal whose name is static entry 8..=14 (`:status`), value a short string.
        let name_index = match first {
            0x40..=0x7f => first & 0x3f,
            0x00..=0x1f => first & 0x0f,
            _ => return None,
        };
        if !(8..=14).contains(&name_index) {
            return None;
        }
        let length_byte = *block.get(1)?;
        let length = usize::from(length_byte & 0x7f);
        let value = block.get(2..2 + length)?;
        let text = match length_byte & 0x80 {
            0 => String::from_utf8(value.to_vec()).ok()?,
            _ => huffman_digits(value)?,
        };
        text.parse().ok()
    }

    /// Sends one request on stream 1 of a fresh connection: headers, then `body` in one DATA
    /// frame (if any), then `trailers` (if any) closing the stream; reads until the answer ends.
    pub fn send(
        port: u16,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        trailers: Option<&[(&str, &str)]>,
    ) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut out = PREFACE.to_vec();
        out.extend(frame(SETTINGS, 0, 0, &[]));
        let ends_on_headers = body.is_none() && trailers.is_none();
        let flags = END_HEADERS | if ends_on_headers { END_STREAM } else { 0 };
        out.extend(frame(HEADERS, flags, 1, &header_block(headers)));
        if let Some(body) = body {
            let flags = if trailers.is_none() { END_STREAM } else { 0 };
            out.extend(frame(DATA, flags, 1, body));
        }
        if let Some(trailers) = trailers {
            out.extend(frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                1,
                &header_block(trailers),
            ));
        }
        stream.write_all(&out).unwrap();
        read_answer(&mut stream)
    }

    fn read_answer(stream: &mut TcpStream) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut answer = Answer::default();
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 65536];
        while Instant::now() < deadline {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                Err(_) => {}
            }
            while buffer.len() >= 9 {
                let length = usize::from(buffer[0]) << 16
                    | usize::from(buffer[1]) << 8
                    | usize::from(buffer[2]);
                if buffer.len() < 9 + length {
                    break;
                }
                let (kind, flags) = (buffer[3], buffer[4]);
                let id =
                    u32::from_be_bytes([buffer[5], buffer[6], buffer[7], buffer[8]]) & 0x7fff_ffff;
                let payload: Vec<u8> = buffer[9..9 + length].to_vec();
                buffer.drain(..9 + length);
                if kind == SETTINGS && flags & ACK == 0 {
                    let _ = stream.write_all(&frame(SETTINGS, ACK, 0, &[]));
                }
                if kind == GOAWAY || (id == 1 && kind == RST_STREAM) {
                    answer.reset = answer.status.is_none() || kind == RST_STREAM;
                    return answer;
                }
                if id != 1 {
                    continue;
                }
                if kind == HEADERS && answer.status.is_none() {
                    answer.status = status(&payload);
                }
                if kind == DATA {
                    answer.body.extend_from_slice(&payload);
                }
                if flags & END_STREAM != 0 {
                    return answer;
                }
            }
        }
        answer
    }

    #[test]
    fn reads_indexed_and_huffman_statuses() {
        assert_eq!(status(&[0x88]), Some(200));
        // "403" Huffman-coded: 011010 00000 011001, padded with ones.
        assert_eq!(status(&[0x48, 0x83, 0x68, 0x0c, 0xff]), Some(403));
        assert_eq!(status(&[0x48, 0x03, b'4', b'2', b'9']), Some(429));
    }
}

// ---------------------------------------------------------------------------------------------
// Object ownership

/// A JSON-body ownership rule must hold whatever way the request ends. Over HTTP/2 a request
/// may end with a trailers frame instead of a DATA frame carrying END_STREAM; authz then never
/// sees the end of the body, its default trailers callback continues the stream, and the
/// buffered body goes to the upstream unchecked.
#[test]
fn body_ownership_is_not_skipped_by_http2_request_trailers() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    let port = stack.ports().envoy;
    stack.clear_recorded().unwrap();

    let stolen = br#"{"from":"a2","to":"a1","amount":500,"currency":"EUR"}"#;
    let length = stolen.len().to_string();
    let bearer = format!("Bearer {a1}");
    let headers = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/transfers"),
        (":authority", "palisade.test"),
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
        ("content-length", length.as_str()),
    ];

    // Baseline over HTTP/2: the body ends with END_STREAM on DATA and is refused.
    let plain = h2::send(port, &headers, Some(stolen), None);
    assert_eq!(plain.status, Some(403), "{plain:?}");

    // The same body followed by trailers.
    let with_trailers = h2::send(port, &headers, Some(stolen), Some(&[("x-checksum", "1")]));
    // Trailers with no body at all: the rule has nothing to bind and must refuse too.
    let empty = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/transfers"),
        (":authority", "palisade.test"),
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let no_body = h2::send(port, &empty, None, Some(&[("x-checksum", "1")]));

    let reached = stack.recorded().unwrap();
    let stolen_reached = transfers_from(&reached, "a2");
    assert!(
        stolen_reached.is_empty(),
        "a transfer from an account the caller does not own reached the API: {stolen_reached:?} \
         (answer {:?} {})",
        with_trailers.status,
        String::from_utf8_lossy(&with_trailers.body)
    );
    assert_eq!(with_trailers.status, Some(403), "{with_trailers:?}");
    assert_eq!(no_body.status, Some(403), "{no_body:?}");
    assert!(
        !reached.iter().any(|r| r.path == "/transfers"),
        "a transfer reached the API without passing the body rule: {reached:?}"
    );
}

/// A body case: name, content type, body, expected status and problem kind.
type BodyCase<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

/// JSON-body ownership against the tricks that make two JSON readers disagree: escaped and
/// duplicate keys, a BOM, deep nesting, chunked framing, missing or misleading content types,
/// arrays and objects where a scalar is bound, oversized bodies. Only the owned transfer may
/// reach the API.
#[test]
fn body_ownership_holds_against_json_tricks() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    stack.clear_recorded().unwrap();
    let post = |content_type: Option<&str>, body: &[u8]| {
        let mut request = Request::new("POST", "/transfers")
            .bearer(&a1)
            .body(body.to_vec());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        stack.send(&request).unwrap()
    };
    let json = Some("application/json");
    let nested = format!(
        r#"{{"from":"a1","x":{}1{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let oversized = format!(
        r#"{{"from":"a1","memo":"{}","to":"a2","amount":1}}"#,
        "x".repeat(70_000)
    );
    let cases: Vec<BodyCase> = vec![
        (
            "escaped duplicate key",
            json,
            br#"{"from":"a1","fr\u006fm":"a2","to":"a1","amount":1}"#.to_vec(),
            400,
            "invalid-body",
        ),
        (
            "escaped value",
            json,
            br#"{"from":"\u0061\u0032","to":"a1","amount":1}"#.to_vec(),
            403,
            "not-owner",
        ),
        (
            "byte order mark",
            json,
            b"\xef\xbb\xbf{\"from\":\"a2\",\"to\":\"a1\",\"amount\":1}".to_vec(),
            400,
            "invalid-body",
        ),
        (
            "nesting beyond the guard",
            json,
            nested.into_bytes(),
            400,
            "invalid-body",
        ),
        (
            "NUL in the bound value",
            json,
            br#"{"from":"a1\u0000","to":"a1","amount":1}"#.to_vec(),
            400,
            "invalid-body",
        ),
        (
            "no content type",
            None,
            br#"{"from":"a2","to":"a1","amount":1}"#.to_vec(),
            403,
            "not-owner",
        ),
        (
            "text/plain content type",
            Some("text/plain"),
            br#"{"from":"a2","to":"a1","amount":1}"#.to_vec(),
            403,
            "not-owner",
        ),
        (
            "form body",
            Some("application/x-www-form-urlencoded"),
            b"from=a2&to=a1&amount=1".to_vec(),
            400,
            "invalid-body",
        ),
        (
            "array mixing owned and not",
            json,
            br#"{"from":["a1","a2"],"to":"a1","amount":1}"#.to_vec(),
            403,
            "not-owner",
        ),
        (
            "object where a scalar is bound",
            json,
            br#"{"from":{"id":"a2"},"to":"a1","amount":1}"#.to_vec(),
            403,
            "not-owner",
        ),
        (
            "null",
            json,
            br#"{"from":null,"to":"a1","amount":1}"#.to_vec(),
            403,
            "not-owner",
        ),
        (
            "top-level array",
            json,
            br#"[{"from":"a1"},{"from":"a2"}]"#.to_vec(),
            403,
            "not-owner",
        ),
        ("empty body", json, Vec::new(), 403, "not-owner"),
        (
            "oversized body",
            json,
            oversized.into_bytes(),
            413,
            "body-too-large",
        ),
    ];
    for (name, content_type, body, status, kind) in &cases {
        let response = post(*content_type, body);
        assert_eq!(response.status, *status, "{name}: {}", response.text());
        assert_eq!(
            problem_kind(&response),
            format!("urn:palisade:problem:{kind}"),
            "{name}"
        );
    }

    // A chunked body is read to its end before the decision.
    let stolen = r#"{"from":"a2","to":"a1","amount":1}"#;
    let (head, tail) = stolen.split_at(10);
    let chunked = format!(
        "{:x}\r\n{head}\r\n{:x}\r\n{tail}\r\n0\r\n\r\n",
        head.len(),
        tail.len()
    );
    let request = Request::new("POST", "/transfers")
        .bearer(&a1)
        .header("content-type", "application/json")
        .header("transfer-encoding", "chunked")
        .body(chunked.clone());
    assert_problem(&stack.send(&request).unwrap(), 403, "not-owner");
    // HTTP/1.1 trailers after the last chunk: Envoy drops them and ends the body normally.
    let with_trailers = chunked.replace("0\r\n\r\n", "0\r\nx-checksum: 1\r\n\r\n");
    let request = Request::new("POST", "/transfers")
        .bearer(&a1)
        .header("content-type", "application/json")
        .header("transfer-encoding", "chunked")
        .body(with_trailers);
    assert_problem(&stack.send(&request).unwrap(), 403, "not-owner");

    let own = post(
        json,
        br#"{"from":"a1","to":"a2","amount":1,"currency":"EUR"}"#,
    );
    assert_eq!(own.status, 201, "{}", own.text());
    let reached = stack.recorded().unwrap();
    assert_eq!(
        reached.len(),
        1,
        "only the owned transfer reaches the API: {reached:?}"
    );
    assert!(transfers_from(&reached, "a2").is_empty(), "{reached:?}");
}

/// Upstreams that read JSON names case-insensitively (Go's encoding/json, ASP.NET, Jackson
/// with ACCEPT_CASE_INSENSITIVE_PROPERTIES) take `FROM` for `from`, and the later one wins. The
/// strict reader only refuses exact duplicates, so the body rule checks `from` while the
/// upstream books `FROM`.
#[test]
fn body_ownership_refuses_keys_that_differ_only_in_case() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    stack.clear_recorded().unwrap();
    for body in [
        r#"{"from":"a1","FROM":"a2","to":"a1","amount":1,"currency":"EUR"}"#,
        r#"{"from":"a1","From":"a2","to":"a1","amount":1,"currency":"EUR"}"#,
    ] {
        let request = Request::new("POST", "/transfers")
            .bearer(&a1)
            .header("content-type", "application/json")
            .body(body);
        let response = stack.send(&request).unwrap();
        assert_problem(&response, 400, "duplicate-parameter");
    }
    assert!(stack.recorded().unwrap().is_empty());
}

/// Query and header ownership against duplicates, separators and encodings.
#[test]
fn query_and_header_ownership_hold_against_duplicates_and_encodings() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    let list = |query: &str| stack.get(&format!("/accounts?{query}"), Some(&a1)).unwrap();

    assert_eq!(list("owner=a1").status, 200);
    assert_eq!(list("owner=a%31").status, 200);
    let refused: [(&str, u16, &str); 10] = [
        ("owner=a1&owner=a2", 400, "duplicate-parameter"),
        ("owner=a2&owner=a1", 400, "duplicate-parameter"),
        ("owner=a1&%6F%77%6E%65%72=a2", 400, "duplicate-parameter"),
        ("owner=a1&owner", 400, "duplicate-parameter"),
        ("owner=a1;owner=a2", 403, "not-owner"),
        ("owner=a1+", 403, "not-owner"),
        ("owner=%20a1", 403, "not-owner"),
        ("owner=a2&x=a1", 403, "not-owner"),
        ("Owner=a1", 403, "not-owner"),
        ("owner=a1%00", 400, "invalid-path"),
    ];
    for (query, status, kind) in refused {
        let response = list(query);
        assert_eq!(response.status, status, "{query}: {}", response.text());
        assert_eq!(
            problem_kind(&response),
            format!("urn:palisade:problem:{kind}"),
            "{query}"
        );
    }

    let account = |headers: &[(&str, &str)]| {
        let mut request = Request::get("/accounts/a1").bearer(&a1);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        stack.send(&request).unwrap()
    };
    assert_eq!(account(&[("x-account", "a1")]).status, 200);
    assert_eq!(account(&[("X-ACCOUNT", "a1")]).status, 200);
    assert_problem(
        &account(&[("x-account", "a1"), ("x-account", "a2")]),
        400,
        "duplicate-parameter",
    );
    assert_problem(
        &account(&[("x-account", "a2"), ("X-Account", "a1")]),
        400,
        "duplicate-parameter",
    );
    assert_problem(
        &account(&[("x-account", "a1,a2")]),
        400,
        "duplicate-parameter",
    );
    assert_problem(&account(&[("x-account", "a2")]), 403, "not-owner");
    assert_problem(&account(&[]), 403, "not-owner");
}

/// Frameworks that read `name[]` or `name[0]` (PHP, Rails, qs in Express) or match names
/// case-insensitively (ASP.NET) see a second value for the bound query parameter that authz
/// never looked at.
#[test]
fn query_ownership_refuses_aliases_of_the_bound_name() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    for query in [
        "owner=a1&owner[]=a2",
        "owner=a1&owner%5B%5D=a2",
        "owner[0]=a2&owner=a1",
        "Owner=a2&owner=a1",
    ] {
        let response = stack.get(&format!("/accounts?{query}"), Some(&a1)).unwrap();
        assert_problem(&response, 400, "duplicate-parameter");
    }
}

/// CGI-style upstreams (WSGI, Rack, PHP-FPM) map `x_account` and `x-account` to one variable;
/// Envoy forwards headers with underscores by default, so a second value of a bound header
/// reaches such an upstream unchecked.
#[test]
fn header_ownership_is_not_smuggled_with_an_underscore_alias() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    stack.clear_recorded().unwrap();
    let request = Request::get("/accounts/a1")
        .bearer(&a1)
        .header("x-account", "a1")
        .header("x_account", "a2");
    let response = stack.send(&request).unwrap();
    let reached = stack.recorded().unwrap();
    let smuggled = reached.iter().any(|r| r.header("x_account").is_some());
    assert!(
        !smuggled,
        "x_account reached the upstream next to the checked x-account (answer {})",
        response.status
    );
}

/// A CEL condition over a request header sees one value of a repeated header (the last one
/// written into its map) while upstreams that read the first value act on the other: repeated
/// headers must be refused for conditions, as repeated query parameters already are.
#[test]
fn header_conditions_refuse_repeated_headers() {
    let stack = authz_stack(json!({
        "policies": {"getAccount": {"scopes_all": ["accounts:read"],
                                    "condition": "request.headers['x-tenant'] == principal.id"}}
    }));
    let token = stack.token("reader-client").unwrap();
    let with = |values: &[&str]| {
        let mut request = Request::get("/accounts/a1").bearer(&token);
        for value in values {
            request = request.header("x-tenant", value);
        }
        stack.send(&request).unwrap()
    };
    assert_eq!(with(&["reader-client"]).status, 200);
    assert_problem(&with(&["someone-else"]), 403, "condition-failed");
    let repeated = with(&["someone-else", "reader-client"]);
    assert!(
        repeated.status == 400 || repeated.status == 403,
        "a repeated header met the condition: {} {}",
        repeated.status,
        repeated.text()
    );
}

// ---------------------------------------------------------------------------------------------
// Request targets and methods

/// Odd request targets and methods: each is refused, or reaches the upstream as exactly the
/// path authz judged.
#[test]
fn request_targets_and_methods_reach_only_the_operation_authz_judged() {
    let stack = authz_stack(json!({}));
    let token = stack.token("demo-client").unwrap();
    let port = stack.ports().envoy;
    stack.clear_recorded().unwrap();
    let raw = |line: &str, extra: &str| {
        let bytes = format!(
            "{line}\r\nhost: palisade.test\r\nauthorization: Bearer {token}\r\n{extra}connection: close\r\n\r\n"
        );
        raw_exchange(port, bytes.as_bytes(), Duration::from_secs(3))
    };
    let first_status = |answer: &str| statuses(answer).first().copied().unwrap_or(0);

    let refused: [(&str, &str, u16); 12] = [
        ("GET /accounts/a1#frag HTTP/1.1", "", 400),
        ("GET * HTTP/1.1", "", 400),
        ("OPTIONS * HTTP/1.1", "", 404),
        ("get /accounts/a1 HTTP/1.1", "", 400),
        ("FOO /accounts/a1 HTTP/1.1", "", 400),
        ("HEAD /accounts/a1 HTTP/1.1", "", 405),
        ("TRACE /accounts/a1 HTTP/1.1", "", 405),
        ("GET /accounts/a1 HTTP/1.0", "", 426),
        ("GET /accounts/%C0%AE%C0%AE/a1 HTTP/1.1", "", 400),
        ("GET /accounts/%252e%252e/a1 HTTP/1.1", "", 400),
        ("GET /accounts/a1%5c..%5c HTTP/1.1", "", 400),
        (
            "GET /accounts/a1 HTTP/1.1",
            "x-http-method-override: DELETE\r\n",
            400,
        ),
    ];
    for (line, extra, status) in refused {
        let answer = raw(line, extra);
        assert_eq!(first_status(&answer), status, "{line}: {answer}");
    }
    let long = format!("GET /accounts/{} HTTP/1.1", "a".repeat(9000));
    assert_eq!(first_status(&raw(&long, "")), 400);
    assert!(
        stack.recorded().unwrap().is_empty(),
        "a refused target reached the API: {:?}",
        stack.recorded().unwrap()
    );

    // Forms Envoy rewrites before the filters: the upstream gets what authz judged.
    let judged: [(&str, &str); 4] = [
        (
            "GET http://evil.example/accounts/a1 HTTP/1.1",
            "/accounts/a1",
        ),
        ("GET /accounts/%2e%2e/accounts HTTP/1.1", "/accounts"),
        ("GET /accounts/.%2E/accounts HTTP/1.1", "/accounts"),
        ("GET /health/../accounts HTTP/1.1", "/accounts"),
    ];
    for (line, expected) in judged {
        stack.clear_recorded().unwrap();
        let answer = raw(line, "");
        assert_eq!(first_status(&answer), 200, "{line}: {answer}");
        let reached: Vec<String> = stack
            .recorded()
            .unwrap()
            .into_iter()
            .map(|r| r.path)
            .collect();
        assert_eq!(reached, vec![expected.to_string()], "{line}");
    }
}

/// Characters that Unicode normalisation (NFKC) or Windows "best fit" mapping turn into `/`
/// or `.` make a segment that authz reads as one parameter a traversal for such an upstream.
/// The canonical path should refuse them like the other ambiguous forms.
#[test]
fn lookalike_slashes_and_dots_are_refused() {
    let stack = authz_stack(json!({}));
    let token = stack.token("demo-client").unwrap();
    for target in [
        "/accounts/a1%EF%BC%8F..%EF%BC%8F..%EF%BC%8Fhealth",
        "/accounts/a1%E2%88%95..%E2%88%95admin",
        "/accounts/%EF%BC%8E%EF%BC%8E",
    ] {
        let response = stack.get(target, Some(&token)).unwrap();
        assert_problem(&response, 400, "invalid-path");
    }
}

/// Method overrides also travel as a `_method` query parameter (Express method-override,
/// Laravel, Symfony); with overrides refused, such a request must be refused too, or a POST
/// operation's policy ends up guarding a DELETE.
#[test]
fn method_override_query_parameter_is_refused() {
    let stack = authz_stack(json!({
        "operations": [{"method": "POST", "path": "/accounts/{accountId}",
                        "operation_id": "touchAccount",
                        "policy": {"scopes_all": ["accounts:read"]}}]
    }));
    let reader = stack.token("reader-client").unwrap();
    let delete = stack
        .send(&Request::new("DELETE", "/accounts/a1").bearer(&reader))
        .unwrap();
    assert_problem(&delete, 403, "insufficient-scope");
    let smuggled = stack
        .send(&Request::new("POST", "/accounts/a1?_method=DELETE").bearer(&reader))
        .unwrap();
    assert_problem(&smuggled, 400, "method-override");
}

// ---------------------------------------------------------------------------------------------
// Rate limits and the concurrency cap

fn per_source_limit(requests: u64) -> Value {
    let mut patch = ownership_policies();
    patch["rate_limits"] = json!([
        {"name": "per-source", "key": "source_address", "requests": requests, "window_seconds": 600}
    ]);
    patch
}

/// A per-source limit must also slow down requests that authz refuses: otherwise object ids
/// can be enumerated (403 after 403) without ever meeting the limit.
#[test]
fn refused_requests_count_against_the_per_source_limit() {
    let stack = authz_stack(per_source_limit(3));
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    let statuses: Vec<u16> = (2..10)
        .map(|n| {
            let request = Request::get(&format!("/accounts/a{n}"))
                .bearer(&a1)
                .header("x-account", &format!("a{n}"));
            stack.send(&request).unwrap().status
        })
        .collect();
    assert!(
        statuses[3..].iter().all(|s| *s == 429),
        "refused probes were never limited: {statuses:?}"
    );
}

/// The per-source bucket is the peer address: new connections (new source ports), headers
/// that Envoy does not trust (`x-real-ip`, `forwarded`) and HTTP/1.1 pipelining do not give a
/// fresh bucket.
#[test]
fn source_limit_holds_across_ports_untrusted_headers_and_pipelining() {
    // Four tokens: the readiness probe takes one (see authz_stack).
    let stack = authz_stack(per_source_limit(4));
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    let port = stack.ports().envoy;
    let own = |spoof: (&str, &str)| {
        Request::get("/accounts/a1")
            .bearer(&a1)
            .header("x-account", "a1")
            .header(spoof.0, spoof.1)
    };
    let first = stack.send(&own(("x-real-ip", "203.0.113.7"))).unwrap();
    assert_eq!(first.header("ratelimit"), Some("\"per-source\";r=2;t=300"));
    let second = stack.send(&own(("forwarded", "for=203.0.113.8"))).unwrap();
    assert_eq!(second.header("ratelimit"), Some("\"per-source\";r=1;t=450"));

    let one = format!(
        "GET /accounts/a1 HTTP/1.1\r\nhost: palisade.test\r\nauthorization: Bearer {a1}\r\n\
         x-account: a1\r\n\r\n"
    );
    let last = one.replace("\r\n\r\n", "\r\nconnection: close\r\n\r\n");
    let pipelined = format!("{one}{one}{last}");
    let answer = raw_exchange(port, pipelined.as_bytes(), Duration::from_secs(3));
    // Envoy closes the connection after the first refusal; nothing after it may pass.
    let codes = statuses(&answer);
    assert!(
        codes.len() >= 2 && codes[0] == 200 && codes[1..].iter().all(|c| *c == 429),
        "{codes:?}: {answer}"
    );
    let later = stack.send(&own(("x-real-ip", "192.0.2.1"))).unwrap();
    assert_problem(&later, 429, "rate-limited");
    assert!(later.header("retry-after").is_some());
}

/// With the demo's connection manager (`use_remote_address` unset) Envoy takes the downstream
/// address from the client's own `X-Forwarded-For`; authz reads `source.address`, so every new
/// value of the header is a fresh per-source bucket.
#[test]
fn per_source_limit_is_not_reset_by_x_forwarded_for() {
    let stack = authz_stack(per_source_limit(3));
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    let statuses: Vec<u16> = (1..=6)
        .map(|n| {
            let request = Request::get("/accounts/a1")
                .bearer(&a1)
                .header("x-account", "a1")
                .header("x-forwarded-for", &format!("198.51.100.{n}"));
            stack.send(&request).unwrap().status
        })
        .collect();
    // Three tokens: the readiness probe took one, two requests pass, whatever their header.
    assert_eq!(statuses, vec![200, 200, 429, 429, 429, 429]);
}

/// A CEL condition on `source.address` (a network allow-list) must see the peer, not an
/// address the client wrote into `X-Forwarded-For`.
#[test]
fn source_conditions_are_not_met_by_x_forwarded_for() {
    let stack = authz_stack(json!({
        "policies": {"getAccount": {"scopes_all": ["accounts:read"],
                                    "condition": "source.address.startsWith('10.')"}}
    }));
    let token = stack.token("reader-client").unwrap();
    assert_problem(
        &stack.get("/accounts/a1", Some(&token)).unwrap(),
        403,
        "condition-failed",
    );
    let spoofed = Request::get("/accounts/a1")
        .bearer(&token)
        .header("x-forwarded-for", "10.1.2.3");
    assert_problem(&stack.send(&spoofed).unwrap(), 403, "condition-failed");
}

/// Requests the client abandons give their concurrency slot back at once.
#[test]
fn concurrency_slots_are_released_when_clients_reset() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .patch(Filter::Authz, json!({"max_concurrent_per_principal": 2}))
        .start()
        .unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    let token = stack.token("reader-client").unwrap();
    let port = stack.ports().envoy;
    let slow = format!(
        "GET /accounts/a1 HTTP/1.1\r\nhost: palisade.test\r\nauthorization: Bearer {token}\r\n\
         x-demo-delay-ms: 4000\r\n\r\n"
    );
    let held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(slow.as_bytes()).unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let third = stack.get("/accounts/a1", Some(&token)).unwrap();
    assert_problem(&third, 429, "too-many-concurrent-requests");
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(stack.get("/accounts/a1", Some(&token)).unwrap().status, 200);
}

/// FNV-1a as authz uses it to place keys in shared data.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Two subjects whose in-flight counters land in the same shared-data slot.
fn colliding_subjects() -> (String, String) {
    let mut seen = std::collections::HashMap::new();
    for n in 0u32.. {
        let subject = format!("user-{n}");
        let slot = fnv1a(&format!("Jwt:{subject}")) % 65_536;
        if let Some(other) = seen.insert(slot, subject.clone()) {
            return (other, subject);
        }
    }
    unreachable!()
}

/// The concurrency cap is per principal: another principal's requests never count against it.
/// The counters live in 4096 slots keyed by a hash, and a slot's count is used whatever key
/// wrote it, so principals whose hashes collide share one cap (with a hundred active principals
/// some pair does more often than not). Subjects that collide modulo 65 536 collide for every
/// power-of-two slot count up to it.
#[test]
fn concurrency_cap_is_per_principal_even_when_keys_share_a_slot() {
    let stack = Stack::builder()
        .filters(&[Filter::Authn, Filter::Authz])
        .patch(Filter::Authz, json!({"max_concurrent_per_principal": 2}))
        .start()
        .unwrap();
    stack.wait_for_authn("reader-client").unwrap();
    let (first, second) = colliding_subjects();
    let busy = token_with(&stack, "reader-client", json!({"sub": first}));
    let victim = token_with(&stack, "reader-client", json!({"sub": second}));
    let port = stack.ports().envoy;
    let slow = format!(
        "GET /accounts/a1 HTTP/1.1\r\nhost: palisade.test\r\nauthorization: Bearer {busy}\r\n\
         x-demo-delay-ms: 3000\r\nconnection: close\r\n\r\n"
    );
    let held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(slow.as_bytes()).unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let response = stack.get("/accounts/a1", Some(&victim)).unwrap();
    drop(held);
    assert_eq!(
        response.status,
        200,
        "{second} was capped by {first}'s requests: {}",
        response.text()
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// Malformed and oversized inputs are refused cleanly: no 5xx from the filters, no error
/// counted, and the next ordinary request still passes.
#[test]
fn malformed_requests_never_break_authz() {
    let stack = authz_stack(ownership_policies());
    let a1 = token_with(&stack, "demo-client", json!({"sub": "a1"}));
    let port = stack.ports().envoy;
    let head =
        format!("host: palisade.test\r\nauthorization: Bearer {a1}\r\nconnection: close\r\n");
    let many_params = "a=1&".repeat(1500);
    let many_headers: String = (0..90).map(|i| format!("x-h{i}: {i}\r\n")).collect();
    let big_header = format!("x-big: {}\r\n", "b".repeat(40_000));
    let cases: Vec<Vec<u8>> = vec![
        [format!("GET /accounts/a1 HTTP/1.1\r\n{head}x-account: a1").into_bytes(), b"\xff\r\n\r\n".to_vec()].concat(),
        [b"GET /accounts/a1 HTTP/1.1\r\n".to_vec(), head.clone().into_bytes(), b"x-account: \xff\xfe\r\n\r\n".to_vec()].concat(),
        format!("GET /accounts?owner=%FF HTTP/1.1\r\n{head}\r\n").into_bytes(),
        format!("GET /accounts?owner=a1&x=% HTTP/1.1\r\n{head}\r\n").into_bytes(),
        format!("GET /accounts?{many_params}owner=a1 HTTP/1.1\r\n{head}\r\n").into_bytes(),
        format!("GET /accounts/a1 HTTP/1.1\r\n{head}{many_headers}x-account: a1\r\n\r\n").into_bytes(),
        format!("GET /accounts/a1 HTTP/1.1\r\n{head}{big_header}x-account: a1\r\n\r\n").into_bytes(),
        format!("GET /accounts/a1 HTTP/1.1\r\n{head}x-http-method-override: \r\n\r\n").into_bytes(),
        format!("POST /transfers HTTP/1.1\r\n{head}content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n").into_bytes(),
        format!("POST /transfers HTTP/1.1\r\n{head}content-type: application/json\r\ncontent-length: 5\r\n\r\n{{\"fr").into_bytes(),
    ];
    for bytes in &cases {
        let answer = raw_exchange(port, bytes, Duration::from_secs(3));
        let codes = statuses(&answer);
        assert!(
            codes.iter().all(|code| *code < 500),
            "{}: {answer}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
        );
    }
    let own = Request::get("/accounts/a1")
        .bearer(&a1)
        .header("x-account", "a1");
    assert_eq!(stack.send(&own).unwrap().status, 200);
    let mut connection = Connection::open(port).unwrap();
    for _ in 0..3 {
        assert_eq!(connection.send(&own).unwrap().status, 200);
    }
    let errors = stack
        .counter("wasmcustom.palisade_authz_errors_total")
        .unwrap();
    assert_eq!(errors.unwrap_or(0), 0);
}
