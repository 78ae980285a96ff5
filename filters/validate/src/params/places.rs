//! Path, header and cookie parameters: where each finds its raw text.

use super::read::{Fault, Reader};
use super::spec::{Location, ParamSpec, Style};
use super::text::Decoding;
use crate::schema::{Kind, Tree};
use serde_json::Value;

/// The value of a path, header or cookie parameter; `None` when the request has none.
pub fn read(
    spec: &ParamSpec,
    path_params: &[(String, String)],
    headers: &[(String, String)],
    tree: &Tree,
) -> Result<Option<Value>, Fault> {
    let (raw, decoding) = match spec.location {
        Location::Path => (path_value(path_params, &spec.name), Decoding::Literal),
        Location::Header => {
            let value = header_value(headers, &spec.name)?;
            // Header lists allow spaces around the commas (RFC 9110 `#rule`).
            let value = value.map(|v| {
                v.split(',')
                    .map(|p| p.trim_matches([' ', '\t']))
                    .collect::<Vec<_>>()
                    .join(",")
            });
            (value, Decoding::Literal)
        }
        Location::Cookie => (cookie_value(headers, &spec.name)?, Decoding::Percent),
        Location::Query => return Err((Kind::Malformed, "not a path, header or cookie")),
    };
    let Some(raw) = raw else {
        return Ok(None);
    };
    let reader = Reader {
        tree,
        decoding,
        allow: spec.allow,
    };
    if spec.allow_empty && raw.is_empty() {
        return Ok(None);
    }
    if spec.json {
        return reader.json(&raw).map(Some);
    }
    let (raw, delimiter) = match spec.style {
        Style::Label => {
            let rest = raw
                .strip_prefix('.')
                .ok_or((Kind::Malformed, "label style starts with ."))?;
            (rest.to_string(), if spec.explode { "." } else { "," })
        }
        _ => (raw, ","),
    };
    reader
        .delimited(&raw, &[delimiter], spec.explode, spec.schema)
        .map(Some)
}

/// A path parameter, already decoded once by the canonical path.
///
/// Limitation: path segments arrive decoded, so an encoded `%2C` in an array path parameter
/// splits like a raw `,`.
fn path_value(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// Every line of the header (names compare case-insensitively); more than one is refused, as
/// intermediaries join or pick them differently.
fn header_value(headers: &[(String, String)], name: &str) -> Result<Option<String>, Fault> {
    let mut lines = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim_matches([' ', '\t']));
    let first = lines.next().map(String::from);
    if lines.next().is_some() {
        return Err((Kind::Duplicate, "given more than once"));
    }
    Ok(first)
}

/// The cookie's value from every `Cookie` header; a cookie given twice is refused.
fn cookie_value(headers: &[(String, String)], name: &str) -> Result<Option<String>, Fault> {
    let mut found: Option<String> = None;
    let cookies = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'));
    for cookie in cookies {
        let (key, value) = cookie
            .trim_matches([' ', '\t'])
            .split_once('=')
            .unwrap_or((cookie, ""));
        if key.trim() != name {
            continue;
        }
        if found.is_some() {
            return Err((Kind::Duplicate, "given more than once"));
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        found = Some(value.to_string());
    }
    Ok(found)
}
