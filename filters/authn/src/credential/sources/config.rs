//! The `token_sources` section: which places are read, checked against the operations and
//! providers it names.

use super::{QuerySource, TokenSources};
use crate::config::Provider;
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::Inventory;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTokenSources {
    /// Whether `Authorization: Bearer` is read. Default true.
    #[serde(default = "yes")]
    authorization: bool,
    /// A request header carrying the bare token (no scheme), e.g. `x-access-token`. Default
    /// none.
    #[serde(default)]
    header: Option<String>,
    /// A cookie carrying the bare token. Default none.
    #[serde(default)]
    cookie: Option<String>,
    /// A query parameter carrying the token, for the listed operations only. Default none.
    #[serde(default)]
    query: Option<RawQuerySource>,
}

impl Default for RawTokenSources {
    fn default() -> Self {
        RawTokenSources {
            authorization: true,
            header: None,
            cookie: None,
            query: None,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuerySource {
    /// The parameter's name, e.g. `access_token`.
    parameter: String,
    /// `operationId`s of the OpenAPI operations that accept a token in the query; at least one.
    /// Elsewhere such a request is refused (400).
    operations: Vec<String>,
    /// Provider names whose tokens may come in the query. Default: every provider.
    #[serde(default)]
    providers: Option<Vec<String>>,
}

/// Checks the `token_sources` section against the operations and providers it names.
pub fn load(
    raw: RawTokenSources,
    inventory: &Inventory,
    providers: &[Provider],
) -> Result<TokenSources, ConfigError> {
    let is_token = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
    };
    if let Some(header) = &raw.header {
        let reserved = ["authorization", "cookie", "host"].contains(&header.as_str());
        if !is_token(header) || header.bytes().any(|b| b.is_ascii_uppercase()) || reserved {
            let why = "must be a lower-case header name other than authorization, cookie, host";
            return Err(ConfigError::new("token_sources.header", why));
        }
    }
    if raw
        .cookie
        .as_deref()
        .is_some_and(|cookie| !is_token(cookie))
    {
        return Err(ConfigError::new(
            "token_sources.cookie",
            "must be a cookie name",
        ));
    }
    let enabled = raw.authorization || raw.header.is_some() || raw.cookie.is_some();
    if !enabled && raw.query.is_none() {
        return Err(ConfigError::new(
            "token_sources",
            "must enable at least one source",
        ));
    }
    let query = match raw.query {
        Some(query) if is_token(&query.parameter) => Some(load_query(query, inventory, providers)?),
        Some(_) => {
            let why = "must be a plain parameter name";
            return Err(ConfigError::new("token_sources.query.parameter", why));
        }
        None => None,
    };
    Ok(TokenSources {
        authorization: raw.authorization,
        header: raw.header,
        cookie: raw.cookie,
        query,
    })
}

fn load_query(
    raw: RawQuerySource,
    inventory: &Inventory,
    providers: &[Provider],
) -> Result<QuerySource, ConfigError> {
    let known = |id: &String| {
        inventory
            .operations
            .iter()
            .any(|operation| operation.operation_id.as_ref() == Some(id))
    };
    if raw.operations.is_empty() || !raw.operations.iter().all(known) {
        let why = "must list operationIds of the OpenAPI document";
        return Err(ConfigError::new("token_sources.query.operations", why));
    }
    let named = |name: &String| providers.iter().any(|provider| provider.name == *name);
    if raw
        .providers
        .as_ref()
        .is_some_and(|names| !names.iter().all(named))
    {
        let why = "must name configured providers";
        return Err(ConfigError::new("token_sources.query.providers", why));
    }
    Ok(QuerySource {
        parameter: raw.parameter,
        operations: raw.operations,
        providers: raw.providers,
    })
}
