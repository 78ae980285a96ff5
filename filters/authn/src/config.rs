//! The filter's configuration: read once in `on_configure`, checked, and compiled.
//!
//! Unknown fields are refused everywhere. Defaults exist only where they are the safe choice;
//! the providers, their issuers, audiences and JWKS sources must be stated.

use crate::alg::Algorithm;
use palisade_shared::config::{self, ConfigError};
use palisade_shared::openapi::Inventory;
use serde::Deserialize;
use std::time::Duration;

mod checks;

use checks::{check_realm, non_empty, split_uri, within};

/// The configuration as written in JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Realm named in `WWW-Authenticate` challenges. Default `palisade`; informational only.
    #[serde(default = "default_realm")]
    realm: String,
    /// The token issuers trusted, at least one; a token is matched to one by its `iss`. A token
    /// of any other issuer is refused.
    providers: Vec<RawProvider>,
    /// The API's OpenAPI 3.x document. Only operations it marks `security: []` are callable
    /// without a token; every other request, known or not, needs a valid one.
    openapi: serde_json::Value,
    /// Where signatures are verified: `auto` (Envoy's `verify_signature`, pure Rust when Envoy
    /// lacks it), `host` (Envoy only; requests are refused when it lacks the function) or
    /// `pure_rust`. Default `auto`. Affects speed only, never which tokens pass.
    #[serde(default)]
    signature_backend: SignatureBackend,
    /// Longest bearer token accepted, in bytes. Default 8192, at most 65536; longer tokens are
    /// refused before any parsing.
    #[serde(default = "default_max_token_bytes")]
    max_token_bytes: usize,
    /// Verified tokens remembered per worker. Default 1024, at most 65536; 0 verifies every
    /// request. A cached token is still refused once it expires.
    #[serde(default = "default_cache_entries")]
    cache_entries: usize,
    /// Whether the verified subject, client and scopes go upstream in `x-palisade-subject`,
    /// `x-palisade-client-id` and `x-palisade-scopes`. Default true. Client-sent copies of these
    /// headers are removed either way.
    #[serde(default = "default_true")]
    forward_identity_headers: bool,
    /// Whether the `Authorization` header of a verified token goes upstream. Default false: the
    /// token is removed, so an upstream cannot replay it elsewhere.
    #[serde(default)]
    forward_token: bool,
}

/// Where signatures are verified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureBackend {
    #[default]
    Auto,
    Host,
    PureRust,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    /// Short name for logs and metrics, unique among providers.
    name: String,
    /// Exact `iss` value of this provider's tokens.
    issuer: String,
    /// Accepted `aud` values; a token must name at least one.
    audiences: Vec<String>,
    /// Accepted `alg` values, from `RS256` and `ES256`. Default both. `none` and HMAC
    /// algorithms are never accepted.
    #[serde(default)]
    algorithms: Option<Vec<Algorithm>>,
    /// Where the provider publishes its signing keys.
    jwks: RawJwks,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 60, at most 300.
    #[serde(default = "default_leeway")]
    leeway_seconds: u64,
    /// Claim holding the caller's roles (array or space-delimited string). Default none.
    #[serde(default)]
    roles_claim: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJwks {
    /// Envoy cluster that reaches the provider. Required and non-empty (an empty name would
    /// abort Envoy).
    cluster: String,
    /// `http://` or `https://` URI of the JWKS; its authority and path are sent on the cluster.
    uri: String,
    /// Seconds between refreshes once a key set was loaded. Default 300, 10 to 86400.
    #[serde(default = "default_refresh")]
    refresh_interval_seconds: u64,
    /// Seconds between attempts while a fetch fails. Default 2, 1 to 300.
    #[serde(default = "default_retry")]
    retry_interval_seconds: u64,
    /// Timeout of one fetch in milliseconds. Default 5000, 100 to 60000.
    #[serde(default = "default_timeout")]
    timeout_milliseconds: u64,
}

fn default_realm() -> String {
    "palisade".to_string()
}
fn default_max_token_bytes() -> usize {
    8192
}
fn default_cache_entries() -> usize {
    1024
}
fn default_true() -> bool {
    true
}
fn default_leeway() -> u64 {
    60
}
fn default_refresh() -> u64 {
    300
}
fn default_retry() -> u64 {
    2
}
fn default_timeout() -> u64 {
    5000
}

/// The checked configuration, shared read-only by every stream.
#[derive(Debug)]
pub struct Config {
    pub realm: String,
    pub providers: Vec<Provider>,
    pub inventory: Inventory,
    pub signature_backend: SignatureBackend,
    pub max_token_bytes: usize,
    pub cache_entries: usize,
    pub forward_identity_headers: bool,
    pub forward_token: bool,
}

/// One trusted issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub algorithms: Vec<Algorithm>,
    pub jwks: JwksSource,
    pub leeway_seconds: u64,
    pub roles_claim: Option<String>,
}

/// How to fetch a provider's key set through Envoy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksSource {
    pub cluster: String,
    pub scheme: String,
    pub authority: String,
    pub path: String,
    pub refresh: Duration,
    pub retry: Duration,
    pub timeout: Duration,
}

/// Parses and checks the plugin configuration.
pub fn load(bytes: &[u8]) -> Result<Config, ConfigError> {
    let raw: RawConfig = config::parse(bytes)?;
    check_realm(&raw.realm)?;
    within("max_token_bytes", raw.max_token_bytes as u64, 256, 65536)?;
    within("cache_entries", raw.cache_entries as u64, 0, 65536)?;
    let providers = load_providers(raw.providers)?;
    let inventory = Inventory::load(raw.openapi, "openapi")?;
    Ok(Config {
        realm: raw.realm,
        providers,
        inventory,
        signature_backend: raw.signature_backend,
        max_token_bytes: raw.max_token_bytes,
        cache_entries: raw.cache_entries,
        forward_identity_headers: raw.forward_identity_headers,
        forward_token: raw.forward_token,
    })
}

fn load_providers(raw: Vec<RawProvider>) -> Result<Vec<Provider>, ConfigError> {
    if raw.is_empty() {
        return Err(ConfigError::new(
            "providers",
            "must list at least one provider",
        ));
    }
    let mut providers: Vec<Provider> = Vec::with_capacity(raw.len());
    for (index, provider) in raw.into_iter().enumerate() {
        let at = format!("providers[{index}]");
        let provider = load_provider(provider, &at)?;
        if providers.iter().any(|p| p.name == provider.name) {
            return Err(ConfigError::new(format!("{at}.name"), "is used twice"));
        }
        if providers.iter().any(|p| p.issuer == provider.issuer) {
            return Err(ConfigError::new(format!("{at}.issuer"), "is used twice"));
        }
        providers.push(provider);
    }
    Ok(providers)
}

fn load_provider(raw: RawProvider, at: &str) -> Result<Provider, ConfigError> {
    non_empty(&format!("{at}.name"), &raw.name)?;
    non_empty(&format!("{at}.issuer"), &raw.issuer)?;
    if raw.audiences.is_empty() || raw.audiences.iter().any(String::is_empty) {
        let why = "must list at least one non-empty audience";
        return Err(ConfigError::new(format!("{at}.audiences"), why));
    }
    let algorithms = raw.algorithms.unwrap_or_else(|| Algorithm::ALL.to_vec());
    if algorithms.is_empty() {
        return Err(ConfigError::new(
            format!("{at}.algorithms"),
            "must not be empty",
        ));
    }
    within(&format!("{at}.leeway_seconds"), raw.leeway_seconds, 0, 300)?;
    if let Some(claim) = &raw.roles_claim {
        non_empty(&format!("{at}.roles_claim"), claim)?;
    }
    Ok(Provider {
        name: raw.name,
        issuer: raw.issuer,
        audiences: raw.audiences,
        algorithms,
        jwks: load_jwks(raw.jwks, &format!("{at}.jwks"))?,
        leeway_seconds: raw.leeway_seconds,
        roles_claim: raw.roles_claim,
    })
}

fn load_jwks(raw: RawJwks, at: &str) -> Result<JwksSource, ConfigError> {
    let cluster = raw.cluster.trim();
    if cluster.is_empty() || cluster != raw.cluster {
        let why = "must name an Envoy cluster (an empty name would abort Envoy)";
        return Err(ConfigError::new(format!("{at}.cluster"), why));
    }
    let (scheme, authority, path) =
        split_uri(&raw.uri).map_err(|why| ConfigError::new(format!("{at}.uri"), why))?;
    let bounds = [
        (
            "refresh_interval_seconds",
            raw.refresh_interval_seconds,
            10,
            86400,
        ),
        ("retry_interval_seconds", raw.retry_interval_seconds, 1, 300),
        ("timeout_milliseconds", raw.timeout_milliseconds, 100, 60000),
    ];
    for (name, value, min, max) in bounds {
        within(&format!("{at}.{name}"), value, min, max)?;
    }
    Ok(JwksSource {
        cluster: raw.cluster,
        scheme,
        authority,
        path,
        refresh: Duration::from_secs(raw.refresh_interval_seconds),
        retry: Duration::from_secs(raw.retry_interval_seconds),
        timeout: Duration::from_millis(raw.timeout_milliseconds),
    })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
