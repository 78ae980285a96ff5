//! Media types as responses carry them and API documents declare them.
//!
//! Matching is on the essence (RFC 9110 §8.3.1: type and subtype, lowercase, no parameters).
//! Every label a JSON body travels under counts as JSON: `application/json`, `text/json` and any
//! `+json` suffix, so that relabelling a body never takes it past its schema.

/// The media type a response without `content-type` is taken to have when its body parses as
/// JSON.
pub const JSON: &str = "application/json";
/// The media type of a response without `content-type` whose body is not JSON (RFC 9110 §8.3).
pub const UNLABELLED: &str = "application/octet-stream";

/// The media type without parameters, lowercase: `Application/JSON; charset=utf-8` →
/// `application/json`.
pub fn essence(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// Whether an essence names JSON: `application/json`, `text/json`, or a `+json` suffix.
pub fn is_json(essence: &str) -> bool {
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let suffixed = subtype
        .strip_suffix("+json")
        .is_some_and(|name| !name.is_empty());
    match (kind, subtype) {
        ("application" | "text", "json") => true,
        _ => !kind.is_empty() && suffixed,
    }
}

/// How closely a declared media range describes a response's media type: `Some(0)` is the
/// closest, `None` means not at all. Both are essences.
///
/// In order: the same type; for JSON, `application/json`, then any other JSON type; the
/// `type/*` range; `*/*`.
pub fn fit(range: &str, media: &str) -> Option<u8> {
    if range == media {
        return Some(0);
    }
    if is_json(media) && range == JSON {
        return Some(1);
    }
    if is_json(media) && is_json(range) {
        return Some(2);
    }
    if range == "*/*" {
        return Some(4);
    }
    let (range_kind, range_subtype) = range.split_once('/')?;
    let (media_kind, _) = media.split_once('/')?;
    (range_subtype == "*" && range_kind == media_kind).then_some(3)
}

/// Whether a declared media range is a wildcard (`*/*`, `application/*`).
pub fn is_wildcard(range: &str) -> bool {
    range.ends_with("/*")
}

/// Whether a body is exactly one JSON document, as a client that sniffs would read it.
pub fn parses_as_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}
