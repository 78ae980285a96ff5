//! Handshakes against one endpoint: each header broken in turn.

use super::{is_upgrade, judge, Endpoint, HandshakeError, RawEndpoint};
use palisade_shared::path::CanonicalPath;
use serde_json::json;
use HandshakeError::*;

/// Headers to replace (`Some`) or remove (`None`).
type Change<'a> = &'a [(&'a str, Option<&'a str>)];

fn endpoints() -> Vec<Endpoint> {
    let raw = [
        json!({"path": "/rooms/{room}/ws", "origins": ["https://App.example.com", "https://app.example.com:8443"],
               "subprotocols": ["chat.v2", "chat.v1"]}),
        json!({"path": "/feed", "origins": ["https://app.example.com"], "allow_missing_origin": true}),
    ];
    raw.into_iter()
        .map(|r| {
            serde_json::from_value::<RawEndpoint>(r)
                .unwrap()
                .compile("websocket.0")
                .unwrap()
        })
        .collect()
}

/// A valid browser handshake to `/rooms/r1/ws`, with `change` applied: a header replaced
/// (`Some`) or removed (`None`).
fn handshake(change: &[(&str, Option<&str>)]) -> (CanonicalPath, Vec<(String, String)>) {
    let mut headers: Vec<(String, String)> = [
        (":method", "GET"),
        (":path", "/rooms/r1/ws"),
        ("upgrade", "websocket"),
        ("connection", "keep-alive, Upgrade"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("origin", "https://app.example.com"),
        ("sec-websocket-protocol", "chat.v2"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    for (name, value) in change {
        headers.retain(|(n, _)| n != name);
        if let Some(value) = value {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let path = headers
        .iter()
        .find(|(n, _)| n == ":path")
        .map(|(_, v)| v.clone())
        .unwrap();
    (CanonicalPath::parse(&path).unwrap(), headers)
}

#[test]
fn handshakes_are_held_to_the_endpoint() {
    let endpoints = endpoints();
    let cases: Vec<(Change, Result<(), HandshakeError>)> = vec![
        (&[], Ok(())),
        (&[("origin", Some("HTTPS://APP.EXAMPLE.COM"))], Ok(())),
        (&[("origin", Some("https://app.example.com:8443"))], Ok(())),
        (
            &[("sec-websocket-protocol", Some("chat.v1, chat.v2"))],
            Ok(()),
        ),
        (
            &[
                ("upgrade", Some("WebSocket")),
                ("connection", Some("upgrade")),
            ],
            Ok(()),
        ),
        (&[(":path", Some("/rooms/r1/other"))], Err(NotAllowedHere)),
        (&[(":path", Some("/ws"))], Err(NotAllowedHere)),
        (&[("upgrade", Some("h2c"))], Err(NotAllowedHere)),
        (&[("upgrade", Some("websocket, h2c"))], Err(NotAllowedHere)),
        (&[(":method", Some("POST"))], Err(Malformed)),
        (&[("connection", Some("keep-alive"))], Err(Malformed)),
        (&[("connection", None)], Err(Malformed)),
        (&[("sec-websocket-version", Some("8"))], Err(Version)),
        (&[("sec-websocket-version", Some("13, 8"))], Err(Version)),
        (&[("sec-websocket-version", None)], Err(Version)),
        (&[("sec-websocket-key", None)], Err(Key)),
        (&[("sec-websocket-key", Some("c2hvcnQ="))], Err(Key)),
        (
            &[("sec-websocket-key", Some("not base64 at all!!!!!!="))],
            Err(Key),
        ),
        (&[("origin", Some("https://evil.example"))], Err(Origin)),
        (
            &[("origin", Some("https://app.example.com.evil.example"))],
            Err(Origin),
        ),
        (&[("origin", Some("http://app.example.com"))], Err(Origin)),
        (&[("origin", Some("null"))], Err(Origin)),
        (&[("origin", None)], Err(Origin)),
        (&[("sec-websocket-protocol", None)], Err(Subprotocol)),
        (
            &[("sec-websocket-protocol", Some("chat.v3"))],
            Err(Subprotocol),
        ),
        (
            &[("sec-websocket-protocol", Some("chat.v2, evil"))],
            Err(Subprotocol),
        ),
        (
            &[("sec-websocket-protocol", Some("chat.v2,"))],
            Err(Subprotocol),
        ),
        (
            &[("sec-websocket-protocol", Some("CHAT.V2"))],
            Err(Subprotocol),
        ),
    ];
    for (change, expected) in cases {
        let (path, headers) = handshake(change);
        assert!(is_upgrade(&headers));
        assert_eq!(judge(&endpoints, &path, &headers), expected, "{change:?}");
    }
}

#[test]
fn endpoints_without_subprotocols_refuse_offered_ones() {
    let endpoints = endpoints();
    let feed = |change: &[(&str, Option<&str>)]| {
        let mut all = vec![(":path", Some("/feed")), ("sec-websocket-protocol", None)];
        all.extend_from_slice(change);
        let (path, headers) = handshake(&all);
        judge(&endpoints, &path, &headers)
    };
    assert_eq!(feed(&[]), Ok(()));
    assert_eq!(feed(&[("origin", None)]), Ok(()));
    assert_eq!(feed(&[("origin", Some("null"))]), Err(Origin));
    assert_eq!(
        feed(&[("sec-websocket-protocol", Some("chat.v2"))]),
        Err(Subprotocol)
    );
}

#[test]
fn http2_extended_connect_needs_no_key() {
    let endpoints = endpoints();
    let h2 = [
        (":method", Some("CONNECT")),
        (":protocol", Some("websocket")),
        ("upgrade", None),
        ("connection", None),
        ("sec-websocket-key", None),
    ];
    let (path, headers) = handshake(&h2);
    assert_eq!(judge(&endpoints, &path, &headers), Ok(()));
    let mut other = h2.to_vec();
    other.push((":protocol", Some("connect-udp")));
    let (path, headers) = handshake(&other);
    assert_eq!(judge(&endpoints, &path, &headers), Err(NotAllowedHere));
    let plain = [(String::from(":method"), String::from("GET"))];
    assert!(!is_upgrade(&plain));
}

#[test]
fn bad_endpoints_refuse_the_configuration() {
    let cases = [
        (
            json!({"path": "ws", "origins": ["https://a.example"]}),
            "websocket.0.path",
        ),
        (json!({"path": "/ws", "origins": []}), "websocket.0.origins"),
        (
            json!({"path": "/ws", "origins": ["app.example.com"]}),
            "websocket.0.origins",
        ),
        (
            json!({"path": "/ws", "origins": ["https://a.example/x"]}),
            "websocket.0.origins",
        ),
        (
            json!({"path": "/ws", "origins": ["https://a.example"], "subprotocols": ["a b"]}),
            "websocket.0.subprotocols",
        ),
    ];
    for (raw, field) in cases {
        let error = serde_json::from_value::<RawEndpoint>(raw.clone())
            .unwrap()
            .compile("websocket.0")
            .unwrap_err();
        assert_eq!(error.field, field, "{raw}");
    }
}
