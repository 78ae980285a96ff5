//! The `mtls` section: which operations take their caller from the client certificate, which
//! identities are admitted there, and which front proxies may forward client certificates.

use super::spiffe::{IdPattern, SpiffeId};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::Inventory;
use serde::Deserialize;

/// Most allowlist entries and front proxies.
const MAX_ENTRIES: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMtls {
    /// `operationId`s whose caller is the client certificate's identity (service-to-service
    /// operations), or `["*"]` for every request, public operations included. Default none.
    /// On these operations a request without an admitted certificate is refused (401/403), and
    /// one that also carries a token or key is refused as ambiguous (400).
    #[serde(default)]
    operations: Vec<String>,
    /// The identities admitted on those operations, first match wins; required when
    /// `operations` is not empty. Anything not listed is refused (403).
    #[serde(default)]
    allow: Vec<RawAllowEntry>,
    /// SPIFFE IDs (exact) of front proxies trusted to forward the client's certificate in
    /// `x-forwarded-client-cert`. Default none: the header is removed from every request and
    /// never read. Only a connection presenting one of these identities is believed.
    #[serde(default)]
    trusted_front_proxies: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllowEntry {
    /// A SPIFFE ID, or one followed by `/*` for every ID below it (`spiffe://example.org/ns/
    /// payments/*`). Exactly one of `spiffe_id` and `subject`.
    #[serde(default)]
    spiffe_id: Option<String>,
    /// A certificate subject, exactly as Envoy gives it (RFC 2253, `O=Example,CN=payments`).
    #[serde(default)]
    subject: Option<String>,
    /// Scopes the principal gets. Default none.
    #[serde(default)]
    scopes: Vec<String>,
    /// Roles the principal gets. Default none.
    #[serde(default)]
    roles: Vec<String>,
}

/// The checked section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtlsConfig {
    pub operations: Operations,
    pub allow: Vec<AllowEntry>,
    pub trusted_front_proxies: Vec<SpiffeId>,
}

/// Which operations are service-to-service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operations {
    All,
    Listed(Vec<String>),
}

/// One admitted identity and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    pub matcher: Matcher,
    pub scopes: Vec<String>,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Spiffe(IdPattern),
    Subject(String),
}

/// Checks the section against the OpenAPI document's operations.
pub fn load(raw: RawMtls, inventory: &Inventory) -> Result<MtlsConfig, ConfigError> {
    if raw.allow.len() > MAX_ENTRIES || raw.trusted_front_proxies.len() > MAX_ENTRIES {
        let why = format!("allow and trusted_front_proxies take at most {MAX_ENTRIES} entries");
        return Err(ConfigError::new("mtls", why));
    }
    let operations = load_operations(raw.operations, inventory)?;
    if operations != Operations::Listed(Vec::new()) && raw.allow.is_empty() {
        let why = "must admit at least one identity when operations are listed";
        return Err(ConfigError::new("mtls.allow", why));
    }
    let allow = raw
        .allow
        .into_iter()
        .enumerate()
        .map(|(index, entry)| load_entry(entry, &format!("mtls.allow[{index}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut proxies = Vec::with_capacity(raw.trusted_front_proxies.len());
    for (index, text) in raw.trusted_front_proxies.iter().enumerate() {
        let field = format!("mtls.trusted_front_proxies[{index}]");
        let id =
            SpiffeId::parse(text).ok_or_else(|| ConfigError::new(field, "must be a SPIFFE ID"))?;
        proxies.push(id);
    }
    Ok(MtlsConfig {
        operations,
        allow,
        trusted_front_proxies: proxies,
    })
}

fn load_operations(raw: Vec<String>, inventory: &Inventory) -> Result<Operations, ConfigError> {
    if raw == ["*"] {
        return Ok(Operations::All);
    }
    let known = |id: &String| {
        let id = Some(id);
        inventory
            .operations
            .iter()
            .any(|operation| operation.operation_id.as_ref() == id)
    };
    if !raw.iter().all(known) {
        let why = "must list operationIds of the OpenAPI document, or be [\"*\"]";
        return Err(ConfigError::new("mtls.operations", why));
    }
    Ok(Operations::Listed(raw))
}

fn load_entry(raw: RawAllowEntry, at: &str) -> Result<AllowEntry, ConfigError> {
    let matcher = match (raw.spiffe_id, raw.subject) {
        (Some(text), None) => IdPattern::parse(&text)
            .map(Matcher::Spiffe)
            .ok_or_else(|| {
                let why = "must be a SPIFFE ID, optionally followed by /*";
                ConfigError::new(format!("{at}.spiffe_id"), why)
            })?,
        (None, Some(subject)) if !subject.trim().is_empty() => Matcher::Subject(subject),
        _ => {
            let why = "must give exactly one of spiffe_id and a non-empty subject";
            return Err(ConfigError::new(at, why));
        }
    };
    for (name, words) in [("scopes", &raw.scopes), ("roles", &raw.roles)] {
        let word_ok =
            |word: &String| !word.is_empty() && word.bytes().all(|b| b.is_ascii_graphic());
        if !words.iter().all(word_ok) {
            let why = "must be non-empty words of visible ASCII";
            return Err(ConfigError::new(format!("{at}.{name}"), why));
        }
    }
    Ok(AllowEntry {
        matcher,
        scopes: raw.scopes,
        roles: raw.roles,
    })
}
