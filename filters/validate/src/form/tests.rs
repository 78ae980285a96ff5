//! Form, multipart and text bodies through the stream, on a small contract.

use crate::settings::Settings;
use crate::stream::Stream;
use palisade_shared::host::FakeHost;
use serde_json::{json, Value};
use std::rc::Rc;

fn contract() -> Value {
    let profile = json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 8},
            "age": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            "colors": {"type": "array", "items": {"type": "string"}},
            "filter": {"type": "object", "properties": {"a": {"type": "integer"}}},
            "role": {"type": "string", "readOnly": true}
        }
    });
    let upload = json!({
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary", "maxLength": 16},
            "meta": {"type": "object", "properties": {"title": {"type": "string"}}},
            "note": {"type": "string", "maxLength": 10},
            "count": {"type": "integer"},
            "image": {"type": "string", "contentMediaType": "image/png"}
        }
    });
    json!({"openapi": "3.1.0", "paths": {
        "/profile": {"post": {"requestBody": {"required": true, "content": {
            "application/x-www-form-urlencoded": {"schema": profile, "encoding": {
                "colors": {"style": "form", "explode": false},
                "filter": {"style": "deepObject"}
            }}
        }}}},
        "/upload": {"post": {"requestBody": {"required": true, "content": {
            "multipart/form-data": {"schema": upload, "encoding": {"image": {"contentType": "image/png"}}}
        }}}}
    }})
}

fn settings() -> Rc<Settings> {
    let config = serde_json::to_vec(&json!({"openapi": contract()})).unwrap();
    Rc::new(Settings::from_json(&config).unwrap())
}

/// Posts `body` and returns the status sent (none: allowed) and the first pointer.
fn post(
    settings: &Rc<Settings>,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (Option<u32>, String) {
    let length = body.len().to_string();
    let host = FakeHost::with_request_headers(&[
        (":method", "POST"),
        (":path", path),
        ("content-type", content_type),
        ("content-length", &length),
    ]);
    let mut stream = Stream::new(Some(settings.clone()));
    let reaction = stream.on_request_headers(&host, false);
    if reaction.settled.is_none() {
        let copy = body.to_vec();
        stream.on_request_body(&host, body.len(), true, &move |n| {
            Some(copy[..n.min(copy.len())].to_vec())
        });
    }
    let sent = host.sent();
    let pointer = sent
        .as_ref()
        .and_then(|s| {
            s.json()["violations"][0]["pointer"]
                .as_str()
                .map(String::from)
        })
        .unwrap_or_default();
    (sent.map(|s| s.status), pointer)
}

const FORM: &str = "application/x-www-form-urlencoded";

#[test]
fn form_bodies_are_read_by_encoding_and_validated() {
    let settings = settings();
    let cases: &[(&str, &str, Option<u32>, &str)] = &[
        (
            "valid",
            "name=ann&age=30&tags=a&tags=b&colors=red,blue&filter[a]=1",
            None,
            "",
        ),
        ("plus is a space", "name=a+b", None, ""),
        ("missing required", "age=3", Some(400), "/name"),
        ("integer field", "name=ann&age=x", Some(400), "/age"),
        ("too long", "name=abcdefghi", Some(400), "/name"),
        ("duplicate scalar", "name=a&name=b", Some(400), "/name"),
        (
            "array too long",
            "name=a&tags=1&tags=2&tags=3",
            Some(400),
            "/tags",
        ),
        (
            "mass assignment",
            "name=a&isAdmin=true",
            Some(400),
            "/isAdmin",
        ),
        ("read-only field", "name=a&role=admin", Some(400), "/role"),
        (
            "deepObject member type",
            "name=a&filter[a]=x",
            Some(400),
            "/filter/a",
        ),
        ("double encoding", "name=%2541", Some(400), "/name"),
        ("overlong UTF-8", "name=%C0%AE", Some(400), "/name"),
        ("NUL", "name=a%00", Some(400), "/name"),
        ("raw UTF-8", "name=caf\u{e9}", Some(400), ""),
    ];
    for (name, body, status, pointer) in cases {
        let found = post(&settings, "/profile", FORM, body.as_bytes());
        assert_eq!(found, (*status, pointer.to_string()), "{name}");
    }
}

fn multipart(parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, content_type, data) in parts {
        body.push_str(&format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n"
        ));
        if let Some(content_type) = content_type {
            body.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        body.push_str(&format!("\r\n{data}\r\n"));
    }
    body.push_str("--XyZ--\r\n");
    body.into_bytes()
}

#[test]
fn multipart_parts_are_declared_typed_and_bounded() {
    let settings = settings();
    let ct = "multipart/form-data; boundary=XyZ";
    let file = ("file", Some("application/octet-stream"), "bytes");
    let cases: Vec<(&str, Vec<u8>, Option<u32>, &str)> = vec![
        ("valid", multipart(&[file, ("note", None, "hi"), ("count", Some("text/plain"), "3"),
            ("meta", Some("application/json"), r#"{"title":"t"}"#), ("image", Some("image/png"), "PNG")]), None, ""),
        ("undeclared part", multipart(&[file, ("admin", None, "1")]), Some(400), "/admin"),
        ("required part missing", multipart(&[("note", None, "hi")]), Some(400), "/file"),
        ("part given twice", multipart(&[file, ("note", None, "a"), ("note", None, "b")]), Some(400), "/note"),
        ("text part too long", multipart(&[file, ("note", None, "hello world!")]), Some(400), "/note"),
        ("binary part too long", multipart(&[("file", None, "0123456789abcdefg")]), Some(400), "/file"),
        ("integer part", multipart(&[file, ("count", None, "x")]), Some(400), "/count"),
        ("JSON part invalid", multipart(&[file, ("meta", Some("application/json"), r#"{"title":1}"#)]), Some(400), "/meta/title"),
        ("JSON part untyped", multipart(&[file, ("meta", None, "{}")]), Some(400), "/meta"),
        ("wrong part type", multipart(&[file, ("image", Some("image/gif"), "GIF")]), Some(400), "/image"),
        ("text part as html", multipart(&[file, ("note", Some("text/html"), "<b>")]), Some(400), "/note"),
        ("preamble", [b"junk\r\n".to_vec(), multipart(&[file])].concat(), Some(400), ""),
        ("epilogue", [multipart(&[file]), b"junk".to_vec()].concat(), Some(400), ""),
        ("LF line endings", b"--XyZ\nContent-Disposition: form-data; name=\"file\"\n\nx\n--XyZ--".to_vec(), Some(400), ""),
        ("no closing delimiter", b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx".to_vec(), Some(400), ""),
        ("filename* parameter", b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a\r\n\r\nx\r\n--XyZ--".to_vec(), Some(400), ""),
        ("extra part header", b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Evil: 1\r\n\r\nx\r\n--XyZ--".to_vec(), Some(400), ""),
        ("transfer encoding", b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--XyZ--".to_vec(), Some(400), ""),
    ];
    for (name, body, status, pointer) in cases {
        let found = post(&settings, "/upload", ct, &body);
        assert_eq!(found, (status, pointer.to_string()), "{name}");
    }
}

#[test]
fn multipart_boundaries_are_parsed_strictly() {
    let settings = settings();
    let body = multipart(&[("file", None, "x")]);
    let cases = [
        ("multipart/form-data", Some(400)),
        // A Content-Type that does not parse at all is a 415, as for any other type.
        ("multipart/form-data; boundary=", Some(415)),
        ("multipart/form-data; boundary=\"XyZ \"", Some(400)),
        ("multipart/form-data; boundary=\"a<b\"", Some(400)),
        ("multipart/form-data; boundary=other", Some(400)),
        ("multipart/form-data; boundary=\"XyZ\"", None),
    ];
    for (content_type, status) in cases {
        assert_eq!(
            post(&settings, "/upload", content_type, &body).0,
            status,
            "{content_type}"
        );
    }
}

#[test]
fn too_many_parts_are_refused() {
    let config = json!({"openapi": contract(), "multipart": {"max_parts": 2}});
    let settings = Rc::new(Settings::from_json(&serde_json::to_vec(&config).unwrap()).unwrap());
    let file = ("file", None, "x");
    let body = multipart(&[file, ("note", None, "a"), ("count", None, "1")]);
    let host_status = post(
        &settings,
        "/upload",
        "multipart/form-data; boundary=XyZ",
        &body,
    )
    .0;
    assert_eq!(host_status, Some(400));
}

#[test]
fn compressed_bodies_only_where_declared_and_binary() {
    let mut document = contract();
    document["paths"]["/blob"] = json!({"post": {
        "parameters": [{"name": "Content-Encoding", "in": "header", "schema": {"enum": ["gzip"]}}],
        "requestBody": {"content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}}
        }}
    }});
    let config = serde_json::to_vec(&json!({"openapi": document})).unwrap();
    let settings = Rc::new(Settings::from_json(&config).unwrap());
    let send = |path: &str, content_type: &str, coding: &str| {
        let host = FakeHost::with_request_headers(&[
            (":method", "POST"),
            (":path", path),
            ("content-type", content_type),
            ("content-encoding", coding),
            ("content-length", "2"),
        ]);
        let mut stream = Stream::new(Some(settings.clone()));
        stream.on_request_headers(&host, false);
        stream.on_request_body(&host, 2, true, &|_| Some(b"\x1f\x8b".to_vec()));
        host.sent().map(|s| s.status)
    };
    let cases = [
        ("/blob", "application/octet-stream", "gzip", None),
        ("/blob", "application/octet-stream", "br", Some(400)),
        ("/blob", "application/json", "gzip", Some(415)),
        (
            "/upload",
            "multipart/form-data; boundary=x",
            "gzip",
            Some(415),
        ),
    ];
    for (path, content_type, coding, status) in cases {
        assert_eq!(
            send(path, content_type, coding),
            status,
            "{path} {content_type} {coding}"
        );
    }
}

/// The contract's settings and the reading plans of its multipart and form bodies.
pub fn settings_for_fuzz() -> (
    Settings,
    crate::content::ContentPlan,
    crate::content::ContentPlan,
) {
    let settings = settings();
    let plan = |path: &str, content_type: &str| {
        let headers: Vec<(String, String)> = [
            (":method", "POST"),
            (":path", path),
            ("content-type", content_type),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let head = crate::head::RequestHead::from_headers(&headers, false);
        match crate::flow::judge_head(&settings, &head) {
            crate::flow::HeadVerdict::Buffer(plan) => plan.content.unwrap(),
            other => panic!("{other:?}"),
        }
    };
    let upload = plan("/upload", "multipart/form-data; boundary=XyZ");
    let profile = plan("/profile", FORM);
    let settings = Rc::try_unwrap(settings).unwrap_or_else(|_| panic!("shared"));
    (settings, upload, profile)
}
