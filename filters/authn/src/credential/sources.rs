//! Where a bearer token may travel besides `Authorization: Bearer`: a named header, a cookie,
//! and — only for listed operations, RFC 6750 §2.3 discourages it — a query parameter.
//!
//! A request offers at most one token: two places, or one place twice, is refused as ambiguous
//! (400) rather than guessing which one counts. A token taken from the query is removed from
//! the path before the request goes upstream.

mod config;

pub use config::{load, RawTokenSources};

use super::{is_b64token, Credential};
use crate::refusal::Refusal;
use palisade_shared::path::decode_query_component;

/// The checked token sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSources {
    pub authorization: bool,
    pub header: Option<String>,
    pub cookie: Option<String>,
    pub query: Option<QuerySource>,
}

/// Where a query token is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySource {
    pub parameter: String,
    pub operations: Vec<String>,
    pub providers: Option<Vec<String>>,
}

/// Where a token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Authorization,
    Header,
    Cookie,
    Query,
}

/// The one bearer token of a request. Deliberately not `Debug`: it holds the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Found {
    pub token: String,
    pub origin: Origin,
}

/// The request's bearer token from every enabled source; `authorization` is what the
/// `Authorization` header held, `target` the `:path`.
pub fn find(
    sources: &TokenSources,
    headers: &[(&str, &str)],
    target: &str,
    authorization: &Credential<'_>,
) -> Result<Option<Found>, Refusal> {
    let in_authorization = match authorization {
        Credential::Bearer(token) | Credential::Dpop(token) if sources.authorization => {
            Some(token.to_string())
        }
        _ => None,
    };
    let in_header = match &sources.header {
        Some(name) => one(header_values(headers, name))?,
        None => None,
    };
    let in_cookie = match &sources.cookie {
        Some(name) => one(cookie_values(headers, name))?,
        None => None,
    };
    let in_query = match &sources.query {
        Some(query) => one(query_values(target, &query.parameter)?)?,
        None => None,
    };
    let found = [
        in_authorization.map(|token| (token, Origin::Authorization)),
        in_header.map(|token| (token, Origin::Header)),
        in_cookie.map(|token| (token, Origin::Cookie)),
        in_query.map(|token| (token, Origin::Query)),
    ];
    let mut found = found.into_iter().flatten();
    let Some((token, origin)) = found.next() else {
        return Ok(None);
    };
    // Another scheme in `Authorization` next to a token elsewhere is a second credential too.
    let other_authorization = origin != Origin::Authorization
        && !matches!(authorization, Credential::Absent | Credential::Bearer(_));
    if found.next().is_some() || other_authorization {
        return Err(Refusal::InvalidRequest("multiple_credentials"));
    }
    // A token from `Authorization` passed the same check in `credential::read`.
    if origin != Origin::Authorization && !is_b64token(&token) {
        return Err(Refusal::InvalidRequest("malformed_token"));
    }
    Ok(Some(Found { token, origin }))
}

/// The single value, refusing a repeated one.
fn one(values: Vec<String>) -> Result<Option<String>, Refusal> {
    let mut values = values.into_iter();
    match (values.next(), values.next()) {
        (value, None) => Ok(value),
        _ => Err(Refusal::InvalidRequest("multiple_credentials")),
    }
}

fn header_values(headers: &[(&str, &str)], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(header, _)| *header == name)
        .map(|(_, value)| value.trim().to_string())
        .collect()
}

/// Every value of cookie `name` in every `cookie` header (RFC 6265 §5.4), quotes removed.
fn cookie_values(headers: &[(&str, &str)], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(header, _)| *header == "cookie")
        .flat_map(|(_, value)| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
        .collect()
}

/// Every decoded value of the query parameter `name`; an undecodable one is refused.
fn query_values(target: &str, name: &str) -> Result<Vec<String>, Refusal> {
    let query = target.split_once('?').map_or("", |(_, query)| query);
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(raw_name, _)| decode_query_component(raw_name).as_deref() == Some(name))
        .map(|(_, raw)| {
            decode_query_component(raw).ok_or(Refusal::InvalidRequest("malformed_token"))
        })
        .collect()
}

/// The `cookie` header without cookie `name`: `None` when no cookie has that name, `Some(None)`
/// when no other cookie is left.
pub fn without_cookie(headers: &[(&str, &str)], name: &str) -> Option<Option<String>> {
    let pairs: Vec<&str> = headers
        .iter()
        .filter(|(header, _)| *header == "cookie")
        .flat_map(|(_, value)| value.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .collect();
    let is_named = |pair: &&str| {
        pair.split_once('=')
            .is_some_and(|(cookie, _)| cookie == name)
    };
    if !pairs.iter().any(is_named) {
        return None;
    }
    let kept: Vec<&str> = pairs.into_iter().filter(|pair| !is_named(pair)).collect();
    Some((!kept.is_empty()).then(|| kept.join("; ")))
}

/// The request target without every copy of the query parameter `name`; `None` when it had
/// none.
pub fn without_parameter(target: &str, name: &str) -> Option<String> {
    let (path, query) = target.split_once('?')?;
    let is_named = |pair: &&str| {
        let raw_name = pair.split_once('=').map_or(*pair, |(raw, _)| raw);
        decode_query_component(raw_name).as_deref() == Some(name)
    };
    if !query.split('&').any(|pair| is_named(&pair)) {
        return None;
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_named(pair))
        .collect();
    Some(match kept.is_empty() {
        true => path.to_string(),
        false => format!("{path}?{}", kept.join("&")),
    })
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;
