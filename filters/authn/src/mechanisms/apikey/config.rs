//! The `api_keys` section of the configuration: where keys are read, how they are hashed, and
//! the table of keys.

use super::digest::{self, KeyDigest, MIN_PEPPER_BYTES};
use super::format;
use super::{ApiKeys, Entry};
use crate::credential::sources::TokenSources;
use crate::mechanisms::holder::{HolderFields, KeyHolder, KeyState};
use crate::mechanisms::Redacted;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_shared::config::ConfigError;
use palisade_shared::principal::PrincipalKind;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Most keys one configuration may list.
const MAX_KEYS: usize = 10_000;

/// The `api_keys` section as written in JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApiKeys {
    /// Request header carrying the key. Default `x-api-key`; lowercase. It is removed before
    /// the upstream, so the upstream never sees a key.
    #[serde(default = "default_header")]
    header: String,
    /// Whether `Authorization: ApiKey <key>` is accepted too. Default false.
    #[serde(default)]
    authorization_scheme: bool,
    /// Query parameter carrying the key. Default none: keys in URLs end up in access logs and
    /// histories, so the query is not read unless this names a parameter. When set, the
    /// parameter is removed from the path sent upstream.
    #[serde(default)]
    query_parameter: Option<String>,
    /// How each `keys[].hash` was made: `sha256` (SHA-256 of the whole key) or `hmac_sha256`
    /// (HMAC-SHA256 of the whole key under `pepper`). Required. With a pepper, a leaked
    /// configuration alone does not allow testing guesses.
    hash: HashKind,
    /// The pepper for `hmac_sha256`: base64url without padding, at least 32 bytes (256 bits).
    /// Required with `hmac_sha256` and refused with `sha256`.
    #[serde(default)]
    pepper: Option<Redacted<String>>,
    /// The accepted keys, at most 10000; ids are unique. Empty refuses every key.
    keys: Vec<RawApiKey>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum HashKind {
    Sha256,
    HmacSha256,
}

/// One key, as `palisade-keygen api-key` prints it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApiKey {
    /// The public id inside the key (`pk_<id>_…`): 8 characters from `[a-z0-9]`.
    id: String,
    /// The key's digest under `hash`, 64 lowercase hex digits. The key itself is never
    /// configured.
    hash: String,
    /// The principal id of the key's holder (`x-palisade-subject` upstream).
    consumer: String,
    /// Scopes the key grants. Default none.
    #[serde(default)]
    scopes: Vec<String>,
    /// Roles the key grants. Default none.
    #[serde(default)]
    roles: Vec<String>,
    /// `active`, `suspended` or `revoked`; only active keys are accepted.
    state: KeyState,
    /// RFC 3339 time from which the key is accepted. Default: from the start.
    #[serde(default)]
    not_before: Option<String>,
    /// RFC 3339 time from which the key is refused. Required: keys do not live forever.
    expires_at: String,
    /// Claims kept in the principal for later policies, e.g. `{"consumer_class": "partner"}`.
    /// Default none.
    #[serde(default)]
    claims: BTreeMap<String, Value>,
}

fn default_header() -> String {
    "x-api-key".to_string()
}

/// Checks the section and builds the key table.
pub fn load(raw: RawApiKeys) -> Result<ApiKeys, ConfigError> {
    check_header(&raw.header)?;
    if let Some(name) = &raw.query_parameter {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._".contains(&b);
        if name.is_empty() || !name.bytes().all(allowed) {
            let why = "must be a plain parameter name ([A-Za-z0-9._-])";
            return Err(ConfigError::new("api_keys.query_parameter", why));
        }
    }
    let digest = key_digest(raw.hash, raw.pepper.as_ref().map(|p| p.0.as_str()))?;
    if raw.keys.len() > MAX_KEYS {
        let why = format!("must list at most {MAX_KEYS} keys");
        return Err(ConfigError::new("api_keys.keys", why));
    }
    let mut entries = HashMap::with_capacity(raw.keys.len());
    for (index, key) in raw.keys.into_iter().enumerate() {
        let at = format!("api_keys.keys[{index}]");
        let (id, entry) = load_key(key, &at)?;
        if entries.insert(id, entry).is_some() {
            return Err(ConfigError::new(format!("{at}.id"), "is used twice"));
        }
    }
    Ok(ApiKeys {
        header: raw.header,
        authorization_scheme: raw.authorization_scheme,
        query_parameter: raw.query_parameter,
        digest,
        entries,
    })
}

impl ApiKeys {
    /// Refuses a key header or parameter that is also a bearer token source: one value cannot
    /// be both kinds of credential.
    pub fn check_distinct_from(&self, tokens: &TokenSources) -> Result<(), ConfigError> {
        if tokens.header.as_deref() == Some(self.header.as_str()) {
            let why = "must differ from token_sources.header";
            return Err(ConfigError::new("api_keys.header", why));
        }
        let token_parameter = tokens.query.as_ref().map(|query| query.parameter.as_str());
        if self.query_parameter.is_some() && self.query_parameter.as_deref() == token_parameter {
            let why = "must differ from token_sources.query.parameter";
            return Err(ConfigError::new("api_keys.query_parameter", why));
        }
        Ok(())
    }
}

fn check_header(name: &str) -> Result<(), ConfigError> {
    let token = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    let reserved = name == "authorization" || name.starts_with("x-palisade-");
    if name.is_empty() || !name.bytes().all(token) || reserved {
        let why = "must be a lowercase header name other than authorization and x-palisade-*";
        return Err(ConfigError::new("api_keys.header", why));
    }
    Ok(())
}

fn key_digest(kind: HashKind, pepper: Option<&str>) -> Result<KeyDigest, ConfigError> {
    match (kind, pepper) {
        (HashKind::Sha256, None) => Ok(KeyDigest::Sha256),
        (HashKind::Sha256, Some(_)) => Err(ConfigError::new(
            "api_keys.pepper",
            "is only used with hash hmac_sha256",
        )),
        (HashKind::HmacSha256, None) => Err(ConfigError::new(
            "api_keys.pepper",
            "is required with hash hmac_sha256",
        )),
        (HashKind::HmacSha256, Some(text)) => match URL_SAFE_NO_PAD.decode(text) {
            Ok(pepper) if pepper.len() >= MIN_PEPPER_BYTES => Ok(KeyDigest::HmacSha256(pepper)),
            _ => Err(ConfigError::new(
                "api_keys.pepper",
                "must be base64url without padding, at least 32 bytes",
            )),
        },
    }
}

fn load_key(raw: RawApiKey, at: &str) -> Result<(String, Entry), ConfigError> {
    if !format::is_valid_id(&raw.id) {
        let why = "must be 8 characters from [a-z0-9]";
        return Err(ConfigError::new(format!("{at}.id"), why));
    }
    let hash = digest::from_hex(&raw.hash)
        .ok_or_else(|| ConfigError::new(format!("{at}.hash"), "must be 64 lowercase hex digits"))?;
    let fields = HolderFields {
        consumer: raw.consumer,
        scopes: raw.scopes,
        roles: raw.roles,
        state: raw.state,
        not_before: raw.not_before,
        expires_at: raw.expires_at,
        claims: raw.claims,
    };
    let holder = KeyHolder::load(fields, PrincipalKind::ApiKey, &raw.id, at)?;
    Ok((raw.id, Entry { hash, holder }))
}
