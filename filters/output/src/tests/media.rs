//! Media types: essences, what counts as JSON, how declared ranges fit, sniffing.

use crate::media::{essence, fit, is_json, parses_as_json};

#[test]
fn essence_drops_parameters_and_case() {
    let table = [
        ("Application/JSON; charset=utf-8", "application/json"),
        ("  text/json  ", "text/json"),
        (
            "APPLICATION/VND.BANK.V2+JSON;v=2",
            "application/vnd.bank.v2+json",
        ),
        ("", ""),
    ];
    for (content_type, expected) in table {
        assert_eq!(essence(content_type), expected, "{content_type}");
    }
}

#[test]
fn every_json_label_is_json_and_nothing_else_is() {
    let table = [
        ("application/json", true),
        ("text/json", true),
        ("application/problem+json", true),
        ("application/vnd.bank.v2+json", true),
        ("text/vnd.x+json", true),
        ("application/+json", false),
        ("/+json", false),
        ("json", false),
        ("text/json+html", false),
        ("application/jsonp", false),
        ("application/json-seq", false),
        ("text/html", false),
        ("text/plain", false),
    ];
    for (media, expected) in table {
        assert_eq!(is_json(media), expected, "{media}");
    }
}

#[test]
fn declared_ranges_fit_closest_first() {
    let table = [
        ("application/json", "application/json", Some(0)),
        ("application/json", "text/json", Some(1)),
        ("application/json", "application/vnd.bank.v2+json", Some(1)),
        (
            "application/problem+json",
            "application/vnd.bank.v2+json",
            Some(2),
        ),
        ("application/*", "application/xml", Some(3)),
        ("text/*", "text/json", Some(3)),
        ("*/*", "image/png", Some(4)),
        ("application/json", "text/plain", None),
        ("text/plain", "application/json", None),
        ("application/*", "text/plain", None),
        ("text/csv", "text/plain", None),
    ];
    for (range, media, expected) in table {
        assert_eq!(fit(range, media), expected, "{range} for {media}");
    }
}

#[test]
fn sniffing_accepts_exactly_one_json_document() {
    let table: [(&[u8], bool); 9] = [
        (br#"{"id":"a1"}"#, true),
        (b" [1, 2] \n", true),
        (b"\"text\"", true),
        (b"", false),
        (b"   ", false),
        (b"password_hash=x", false),
        ("\u{feff}{}".as_bytes(), false),
        (br#"{"a":1} {"b":2}"#, false),
        (b"<html></html>", false),
    ];
    for (body, expected) in table {
        assert_eq!(
            parses_as_json(body),
            expected,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
