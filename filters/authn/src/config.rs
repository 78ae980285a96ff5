//! The filter's configuration: read once in `on_configure`, checked, and compiled.
//!
//! Unknown fields are refused everywhere. Defaults exist only where they are the safe choice;
//! the providers, their issuers, audiences and JWKS sources must be stated.

use crate::claims::forward::{self, ClaimHeader};
use crate::credential::sources::{self, RawTokenSources, TokenSources};
use crate::revocation::config::{self as revocation, RawRevocation, RevocationConfig};
use crate::sessions::{self, SessionLimit};
use crate::throttle::config::{self as throttle, RawThrottle, ThrottleConfig};
use palisade_shared::config::{self, ConfigError};
use palisade_shared::openapi::Inventory;
use serde::Deserialize;
use std::collections::BTreeMap;

mod checks;
mod jwks;
mod provider;

use checks::{check_realm, within};
pub use jwks::{cluster_name, JwksSource, RemoteSource, Target, DISCOVERY_PATH};
pub use provider::Provider;
use provider::{load_provider, RawProvider};

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
    /// Where bearer tokens are looked for besides `Authorization: Bearer`: a named header, a
    /// cookie, and a query parameter for listed operations only. Default: `Authorization` only.
    /// A request presenting two credentials is refused (400).
    #[serde(default)]
    token_sources: RawTokenSources,
    /// Claims copied into the principal for later filters (authz ownership and class checks),
    /// by name or dotted path. Default none: claims not listed never leave authn.
    #[serde(default)]
    keep_claims: Vec<String>,
    /// Verified claims forwarded upstream, claim name (or dotted path) → header name. Default
    /// none. Client-sent copies of these headers are always removed.
    #[serde(default)]
    claim_headers: BTreeMap<String, String>,
    /// Revoked `jti`, `sub` and `kid` values: listed here and/or polled from an endpoint.
    /// Default none.
    #[serde(default)]
    revocation: Option<RawRevocation>,
    /// Lockout after repeated failed authentication per source address and per claimed
    /// principal (NIST AC-7). Default off.
    #[serde(default)]
    failed_auth_throttle: Option<RawThrottle>,
    /// Most concurrent sessions (`sid`, else `jti`) per subject across all workers (NIST
    /// AC-10); a token opening one more is refused. Default unlimited.
    #[serde(default)]
    max_sessions_per_subject: Option<u64>,
    /// Subjects whose sessions can be tracked at once (shared-data slots). Default 4096, 16 to
    /// 65536. When every slot is busy, new sessions are refused rather than left uncounted.
    #[serde(default = "sessions::default_slots")]
    session_slots: u64,
    /// API keys (see `mechanisms::apikey`): where they are read, how they are hashed, and the
    /// keys. Default none: no API key is accepted and the key header is not touched.
    #[serde(default)]
    api_keys: Option<crate::mechanisms::apikey::config::RawApiKeys>,
    /// HMAC-signed requests (see `filters/authn/HMAC.md`): skew, required signed headers,
    /// body limit, replay cache and the keys. Default none: such requests are refused.
    #[serde(default)]
    hmac: Option<crate::mechanisms::hmac_request::config::RawHmac>,
    /// Service identity from mTLS client certificates (see `mtls`): the service-to-service
    /// operations, the admitted SPIFFE IDs and subjects, and the trusted front proxies.
    /// Default none: no operation takes its caller from a certificate, and a client-sent
    /// `x-forwarded-client-cert` is always removed.
    #[serde(default)]
    mtls: Option<crate::mtls::config::RawMtls>,
    /// DPoP proof checks (see `dpop`): algorithms, `iat` window, size, origin, replay cache.
    /// Default: the defaults of each field. Which providers take DPoP is set per provider.
    #[serde(default)]
    dpop: Option<crate::dpop::config::RawDpop>,
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
    pub token_sources: TokenSources,
    pub keep_claims: Vec<String>,
    pub claim_headers: Vec<ClaimHeader>,
    pub revocation: Option<RevocationConfig>,
    pub throttle: Option<ThrottleConfig>,
    pub sessions: Option<SessionLimit>,
    pub api_keys: Option<crate::mechanisms::apikey::ApiKeys>,
    pub hmac: Option<crate::mechanisms::hmac_request::HmacKeys>,
    pub mtls: Option<crate::mtls::config::MtlsConfig>,
    pub dpop: crate::dpop::config::DpopSettings,
}

/// Parses and checks the plugin configuration.
pub fn load(bytes: &[u8]) -> Result<Config, ConfigError> {
    let raw: RawConfig = config::parse(bytes)?;
    check_realm(&raw.realm)?;
    within("max_token_bytes", raw.max_token_bytes as u64, 256, 65536)?;
    within("cache_entries", raw.cache_entries as u64, 0, 65536)?;
    let providers = load_providers(raw.providers)?;
    let inventory = Inventory::load(raw.openapi, "openapi")?;
    let token_sources = sources::load(raw.token_sources, &inventory, &providers)?;
    let sessions = sessions::load(raw.max_sessions_per_subject, raw.session_slots)?;
    let api_keys = raw
        .api_keys
        .map(crate::mechanisms::apikey::config::load)
        .transpose()?;
    if let Some(keys) = &api_keys {
        keys.check_distinct_from(&token_sources)?;
    }
    Ok(Config {
        realm: raw.realm,
        providers,
        signature_backend: raw.signature_backend,
        max_token_bytes: raw.max_token_bytes,
        cache_entries: raw.cache_entries,
        forward_identity_headers: raw.forward_identity_headers,
        forward_token: raw.forward_token,
        token_sources,
        keep_claims: forward::load_keep_claims(raw.keep_claims)?,
        claim_headers: forward::load_claim_headers(raw.claim_headers)?,
        revocation: raw.revocation.map(revocation::load).transpose()?,
        throttle: raw.failed_auth_throttle.map(throttle::load).transpose()?,
        sessions,
        api_keys,
        hmac: raw
            .hmac
            .map(crate::mechanisms::hmac_request::config::load)
            .transpose()?,
        mtls: raw
            .mtls
            .map(|mtls| crate::mtls::config::load(mtls, &inventory))
            .transpose()?,
        dpop: crate::dpop::config::load(raw.dpop)?,
        inventory,
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

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
