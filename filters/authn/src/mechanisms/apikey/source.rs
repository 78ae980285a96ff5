//! Where a request carries its API key: the configured header, `Authorization: ApiKey <key>`
//! when enabled, or a query parameter when one is configured. A request offers at most one
//! credential: a key next to any `Authorization` header, or in two places, is ambiguous and
//! refused (400, `multiple_credentials`, as for bearer tokens), as is a key header or parameter
//! sent twice.

use super::refusal::KeyRefusal;
use super::ApiKeys;
use crate::config::Config;
use crate::credential::Credential;
use crate::refusal::Refusal;
use palisade_shared::host::{HeaderMap, Host, HostError};
use palisade_shared::path::decode_query_component;
use std::borrow::Cow;

/// Two credentials, or one sent twice: which one counts would be a guess.
const AMBIGUOUS: Refusal = Refusal::InvalidRequest("multiple_credentials");

/// Where the key was found; it decides what is removed before the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Header,
    Authorization,
    Query,
}

/// A key found in a request. Deliberately not `Debug`: it holds the key.
pub struct FoundKey<'a> {
    pub key: Cow<'a, str>,
    pub source: KeySource,
}

/// The one key the request offers, if any. `query` is the raw query string.
pub fn find<'a>(
    keys: &ApiKeys,
    headers: &'a [(&'a str, &'a str)],
    query: &'a str,
    authorization: &Credential<'a>,
) -> Result<Option<FoundKey<'a>>, Refusal> {
    let mut in_headers = headers
        .iter()
        .filter(|(name, _)| *name == keys.header)
        .map(|(_, value)| *value);
    let in_header = in_headers.next();
    let in_query = match &keys.query_parameter {
        Some(name) => query_value(query, name)?,
        None => None,
    };
    if in_headers.next().is_some() {
        return Err(AMBIGUOUS);
    }
    let in_authorization = match authorization {
        Credential::ApiKey(key) if keys.authorization_scheme => Some(*key),
        _ => None,
    };
    let found = [
        in_header.map(|key| (Cow::Borrowed(key), KeySource::Header)),
        in_query.map(|key| (key, KeySource::Query)),
        in_authorization.map(|key| (Cow::Borrowed(key), KeySource::Authorization)),
    ];
    let mut found = found.into_iter().flatten();
    let Some((key, source)) = found.next() else {
        return Ok(None);
    };
    let other_authorization =
        source != KeySource::Authorization && *authorization != Credential::Absent;
    if found.next().is_some() || other_authorization {
        return Err(AMBIGUOUS);
    }
    Ok(Some(FoundKey { key, source }))
}

/// The decoded value of the query parameter `name`; a second one is refused.
fn query_value<'a>(query: &'a str, name: &str) -> Result<Option<Cow<'a, str>>, Refusal> {
    let mut values = query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .filter(|(raw_name, _)| decode_query_component(raw_name).as_deref() == Some(name))
        .map(|(_, raw_value)| raw_value);
    let Some(raw) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(AMBIGUOUS);
    }
    match decode_query_component(raw) {
        Some(value) if value == raw => Ok(Some(Cow::Borrowed(raw))),
        Some(value) => Ok(Some(Cow::Owned(value))),
        None => Err(Refusal::ApiKey(KeyRefusal::Malformed)),
    }
}

/// The request target without the query parameter `name`.
pub fn without_parameter(target: &str, name: &str) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let raw_name = pair.split_once('=').map_or(*pair, |(n, _)| n);
            decode_query_component(raw_name).as_deref() != Some(name)
        })
        .collect();
    if kept.iter().all(|pair| pair.is_empty()) {
        return path.to_string();
    }
    format!("{path}?{}", kept.join("&"))
}

/// Removes the key from the request before it goes upstream (the header, the `Authorization`
/// header or the query parameter it came in).
pub fn strip(host: &dyn Host, config: &Config, source: KeySource) -> Result<(), HostError> {
    let Some(keys) = &config.api_keys else {
        return Ok(());
    };
    match (source, &keys.query_parameter) {
        (KeySource::Header, _) => host.set_header(HeaderMap::Request, &keys.header, None),
        (KeySource::Authorization, _) => host.set_header(HeaderMap::Request, "authorization", None),
        (KeySource::Query, Some(name)) => {
            let target = host
                .header(HeaderMap::Request, ":path")?
                .unwrap_or_default();
            let stripped = without_parameter(&target, name);
            host.set_header(HeaderMap::Request, ":path", Some(&stripped))
        }
        (KeySource::Query, None) => Ok(()),
    }
}
