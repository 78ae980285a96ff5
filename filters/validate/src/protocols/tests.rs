//! The protocol checks through the stream and the fake host, as Envoy drives them: URL fields,
//! WebSocket handshakes, GraphQL endpoints and gRPC calls, with the replies each client gets.

use crate::grpc::tests::demo_descriptor_set;
use crate::settings::Settings;
use crate::stream::{Step, Stream};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use palisade_shared::decision::Decision;
use palisade_shared::host::{FakeHost, SentResponse};
use serde_json::{json, Value};
use std::rc::Rc;

/// The demo contract plus `POST /webhooks` (a `callback_url` on the `partners` allowlist), a
/// GraphQL endpoint at `/graphql`, a WebSocket endpoint at `/ws` and the demo gRPC service.
fn settings() -> Rc<Settings> {
    let mut openapi: Value =
        serde_json::from_str(include_str!("../../../../schemas/demo-api.openapi.json")).unwrap();
    openapi["paths"]["/webhooks"] = json!({"post": {
        "operationId": "createWebhook",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": false, "required": ["callback_url"],
            "properties": {"callback_url": {
                "type": "string", "format": "uri", "x-palisade-url-allowlist": "partners"
            }}
        }}}},
        "responses": {"201": {"description": "Registered"}}
    }});
    let config = json!({
        "openapi": openapi,
        "url_allowlists": {"partners": {"hosts": ["*.partner.example"]}},
        "graphql": [{"path": "/graphql", "max_depth": 3}],
        "websocket": [{"path": "/ws", "origins": ["https://app.example"]}],
        "grpc": {"descriptor_set": STANDARD.encode(demo_descriptor_set())}
    });
    Rc::new(Settings::from_json(config.to_string().as_bytes()).unwrap())
}

struct Seen {
    host: FakeHost,
    steps: Vec<Step>,
}

impl Seen {
    fn sent(&self) -> SentResponse {
        self.host.sent().expect("a reply was sent")
    }

    fn decision(&self) -> Decision {
        Decision::load(&self.host, "validate").expect("a decision is recorded")
    }
}

/// Headers, then the body in one chunk ending the stream (none when `body` is empty).
fn send(settings: &Rc<Settings>, headers: &[(&str, &str)], body: &[u8]) -> Seen {
    let host = FakeHost::with_request_headers(headers);
    let mut stream = Stream::new(Some(settings.clone()));
    let reaction = stream.on_request_headers(&host, body.is_empty());
    let mut steps = vec![reaction.step];
    if reaction.settled.is_none() && !body.is_empty() {
        let copy = body.to_vec();
        let read = move |n: usize| Some(copy[..n.min(copy.len())].to_vec());
        steps.push(stream.on_request_body(&host, body.len(), true, &read).step);
    }
    Seen { host, steps }
}

fn post(settings: &Rc<Settings>, path: &str, content_type: &str, body: &[u8]) -> Seen {
    let headers = [
        (":method", "POST"),
        (":path", path),
        ("content-type", content_type),
    ];
    send(settings, &headers, body)
}

#[test]
fn url_fields_are_held_to_their_allowlist() {
    let settings = settings();
    let webhook = |url: &str| {
        let body = json!({ "callback_url": url }).to_string();
        post(&settings, "/webhooks", "application/json", body.as_bytes())
    };
    let allowed = webhook("https://hooks.partner.example/in");
    assert_eq!(allowed.decision(), Decision::allow("valid_body"));
    for (url, reason) in [
        (
            "https://169.254.169.254/latest/meta-data/",
            "cloud metadata",
        ),
        (
            "https://hooks.partner.example@evil.example/",
            "user information",
        ),
        ("https://evil.example/", "does not allow"),
        ("https://0x7f.1/", "loopback"),
    ] {
        let refused = webhook(url);
        let problem = refused.sent().json();
        assert_eq!(problem["status"], 400, "{url}");
        // `format: uri` may add a violation of its own; ours names the reason.
        let violations = problem["violations"].as_array().unwrap();
        let ours = |v: &Value| v["reason"].as_str().unwrap().contains(reason);
        assert!(
            violations.iter().all(|v| v["pointer"] == "/callback_url")
                && violations.iter().any(ours),
            "{url}: {problem}"
        );
        assert!(
            !problem.to_string().contains(url),
            "the reply quotes the URL"
        );
    }
}

#[test]
fn a_schema_naming_an_unknown_allowlist_refuses_the_configuration() {
    let mut openapi: Value =
        serde_json::from_str(include_str!("../../../../schemas/demo-api.openapi.json")).unwrap();
    openapi["components"]["schemas"]["NewTransfer"]["properties"]["memo"]
        ["x-palisade-url-allowlist"] = json!("nowhere");
    let config = json!({ "openapi": openapi }).to_string();
    let error = Settings::from_json(config.as_bytes()).unwrap_err();
    assert_eq!(
        error.field,
        "openapi.components.schemas.NewTransfer.properties.memo.x-palisade-url-allowlist"
    );
}

fn upgrade(settings: &Rc<Settings>, path: &str, origin: &str, version: &str) -> Seen {
    let headers = [
        (":method", "GET"),
        (":path", path),
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-version", version),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("origin", origin),
    ];
    send(settings, &headers, b"")
}

#[test]
fn websocket_handshakes_are_checked_before_the_upgrade() {
    let settings = settings();
    let good = upgrade(&settings, "/ws", "https://app.example", "13");
    assert_eq!(good.steps, [Step::Continue]);
    assert_eq!(
        good.decision(),
        Decision::allow("websocket_handshake_valid")
    );
    let cases = [
        (
            "/accounts",
            "https://app.example",
            "13",
            403,
            "websocket-upgrade-refused",
        ),
        (
            "/ws",
            "https://evil.example",
            "13",
            403,
            "websocket-origin-not-allowed",
        ),
        (
            "/ws",
            "https://app.example",
            "8",
            400,
            "invalid-websocket-handshake",
        ),
    ];
    for (path, origin, version, status, kind) in cases {
        let seen = upgrade(&settings, path, origin, version);
        assert_eq!(seen.steps, [Step::Stop]);
        let sent = seen.sent();
        assert_eq!(sent.status, status, "{kind}");
        assert_eq!(sent.json()["type"], format!("urn:palisade:problem:{kind}"));
    }
    let version = upgrade(&settings, "/ws", "https://app.example", "8").sent();
    assert_eq!(version.header("sec-websocket-version"), Some("13"));
}

#[test]
fn graphql_requests_are_judged_from_the_body_or_the_query_string() {
    let settings = settings();
    let shallow = post(
        &settings,
        "/graphql",
        "application/json",
        br#"{"query": "{ a { b } }"}"#,
    );
    assert_eq!(shallow.steps, [Step::Continue, Step::Continue]);
    assert_eq!(shallow.decision(), Decision::allow("graphql_within_limits"));
    let deep = post(
        &settings,
        "/graphql",
        "application/json",
        br#"{"query": "{ a { b { c { d } } } }"}"#,
    );
    let problem = deep.sent().json();
    assert_eq!(
        problem["type"],
        "urn:palisade:problem:graphql-limit-exceeded"
    );
    assert_eq!(problem["violations"][0]["pointer"], "/query");
    let get = send(
        &settings,
        &[
            (":method", "GET"),
            (":path", "/graphql?query=%7B__schema%7Bt%7D%7D"),
        ],
        b"",
    );
    assert_eq!(
        get.sent().json()["type"],
        "urn:palisade:problem:graphql-introspection-disabled"
    );
    let text = post(&settings, "/graphql", "text/plain", b"{ a }");
    assert_eq!(text.sent().status, 415);
    let put = send(
        &settings,
        &[
            (":method", "PUT"),
            (":path", "/graphql"),
            ("content-type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(
        (put.sent().status, put.sent().header("allow")),
        (405, Some("GET, POST"))
    );
}

/// One gRPC message with its five-byte prefix.
fn framed(message: &[u8]) -> Vec<u8> {
    let mut body = vec![0];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend_from_slice(message);
    body
}

#[test]
fn grpc_calls_get_grpc_answers() {
    let settings = settings();
    let call =
        |path: &str, content_type: &str, body: &[u8]| post(&settings, path, content_type, body);
    let get_account = "/demo.bank.Bank/GetAccount";
    let good = call(get_account, "application/grpc", &framed(b"\x0a\x02a1"));
    assert_eq!(good.decision(), Decision::allow("grpc_messages_valid"));
    let cases: [(&str, &str, Vec<u8>, &str); 4] = [
        (get_account, "application/grpc", framed(b"\x10\x01"), "3"),
        (
            get_account,
            "application/grpc+proto",
            framed(&[0x0a, 0x01, 0xff]),
            "3",
        ),
        (
            "/demo.bank.Bank/Missing",
            "application/grpc",
            framed(b""),
            "12",
        ),
        (
            get_account,
            "application/grpc",
            framed(&[b'x'; 70_000]),
            "8",
        ),
    ];
    for (path, content_type, body, status) in cases {
        let sent = call(path, content_type, &body).sent();
        assert_eq!(sent.header("grpc-status"), Some(status), "{path}");
        assert!(
            sent.header("content-type").is_none(),
            "Envoy sets application/grpc"
        );
        assert!(
            !sent.body.starts_with(b"{"),
            "a gRPC client reads a message, not JSON"
        );
    }
    let json = call(get_account, "application/json", b"{}").sent();
    assert_eq!(json.status, 415);
    assert_eq!(
        json.json()["detail"],
        "this is a gRPC method: send application/grpc"
    );
}

#[test]
fn bad_protocol_sections_refuse_the_configuration_with_the_field_named() {
    let openapi: Value =
        serde_json::from_str(include_str!("../../../../schemas/demo-api.openapi.json")).unwrap();
    let cases = [
        (
            json!({"graphql": [{"path": "/g", "max_depth": 100}]}),
            "graphql.0.max_depth",
        ),
        (
            json!({"websocket": [{"path": "/ws", "origins": ["nope"]}]}),
            "websocket.0.origins",
        ),
        (
            json!({"grpc": {"descriptor_set": "not base64!"}}),
            "grpc.descriptor_set",
        ),
        (
            json!({"url_allowlists": {"x": {"hosts": ["127.0.0.1"]}}}),
            "url_allowlists.x.hosts",
        ),
    ];
    for (section, field) in cases {
        let mut config = json!({ "openapi": openapi.clone() });
        config
            .as_object_mut()
            .unwrap()
            .extend(section.as_object().unwrap().clone());
        let error = Settings::from_json(config.to_string().as_bytes()).unwrap_err();
        assert_eq!(error.field, field, "{section}");
    }
}
