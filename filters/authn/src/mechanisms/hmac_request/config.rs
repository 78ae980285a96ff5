//! The `hmac` section of the configuration: the signing keys and the checks around them.

use super::replay::ReplayCache;
use super::{HmacKey, HmacKeys, CONTENT_DIGEST};
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
/// Shortest and longest secret accepted, in bytes.
const SECRET_BYTES: (usize, usize) = (32, 128);

/// The `hmac` section as written in JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHmac {
    /// Seconds a request's `timestamp` may lie before or after the gateway's clock. Default
    /// 300, 1 to 3600. Nonces are remembered for as long, so a larger window costs memory.
    #[serde(default = "default_skew")]
    clock_skew_seconds: u64,
    /// Headers every signature must cover, lowercase; `host` stands for the request's
    /// authority. `content-digest` is always required, listed or not. Default `["host"]`.
    #[serde(default = "default_signed_headers")]
    signed_headers: Vec<String>,
    /// Largest body checked against its digest, in bytes. Default 262144, at most 1000000
    /// (below Envoy's default 1 MiB buffer limit, so this answers first). Larger bodies: 413.
    #[serde(default = "default_max_body")]
    max_body_bytes: usize,
    /// Whether a signed request's headers wait until its body matched its digest, so that
    /// nothing of a tampered request reaches the upstream. Default true. Requires
    /// `allow_on_headers_stop_iteration: true` in the plugin's Envoy config, or signed
    /// requests with a body hang. With false the headers go on at once and the upstream
    /// sees a reset when the body does not match.
    #[serde(default = "default_true")]
    hold_request_headers: bool,
    /// Nonces remembered across all workers (shared data). Default 16384, 1024 to 1048576.
    /// Only requests with a valid signature store one; while every slot of a nonce's bucket
    /// holds an unexpired nonce, signed requests landing there get 503.
    #[serde(default = "default_replay_entries")]
    replay_cache_entries: usize,
    /// The signing keys, ids unique, at most 10000.
    keys: Vec<RawHmacKey>,
}

/// One signing key, as `palisade-keygen hmac-key` prints it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHmacKey {
    /// The `keyId` clients name: 1 to 64 characters from `[A-Za-z0-9._-]`.
    id: String,
    /// The shared secret: base64url without padding, 32 to 128 bytes (at least 256 bits).
    secret: Redacted<String>,
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
    /// RFC 3339 time from which the key is refused. Required.
    expires_at: String,
    /// Claims kept in the principal for later policies. Default none.
    #[serde(default)]
    claims: BTreeMap<String, Value>,
}

fn default_skew() -> u64 {
    300
}
fn default_signed_headers() -> Vec<String> {
    vec!["host".to_string()]
}
fn default_max_body() -> usize {
    262_144
}
fn default_true() -> bool {
    true
}
fn default_replay_entries() -> usize {
    16_384
}

/// Checks the section and builds the key table.
pub fn load(raw: RawHmac) -> Result<HmacKeys, ConfigError> {
    let bounds = [
        ("clock_skew_seconds", raw.clock_skew_seconds, 1, 3600),
        ("max_body_bytes", raw.max_body_bytes as u64, 0, 1_000_000),
        (
            "replay_cache_entries",
            raw.replay_cache_entries as u64,
            1024,
            1 << 20,
        ),
    ];
    for (name, value, min, max) in bounds {
        if value < min || value > max {
            let why = format!("must be between {min} and {max}");
            return Err(ConfigError::new(format!("hmac.{name}"), why));
        }
    }
    let required_headers = required_headers(raw.signed_headers)?;
    if raw.keys.len() > MAX_KEYS {
        let why = format!("must list at most {MAX_KEYS} keys");
        return Err(ConfigError::new("hmac.keys", why));
    }
    let mut keys = HashMap::with_capacity(raw.keys.len());
    for (index, key) in raw.keys.into_iter().enumerate() {
        let at = format!("hmac.keys[{index}]");
        let (id, key) = load_key(key, &at)?;
        if keys.insert(id, key).is_some() {
            return Err(ConfigError::new(format!("{at}.id"), "is used twice"));
        }
    }
    Ok(HmacKeys {
        clock_skew_seconds: raw.clock_skew_seconds,
        required_headers,
        max_body_bytes: raw.max_body_bytes,
        hold_request_headers: raw.hold_request_headers,
        replay: ReplayCache::new(raw.replay_cache_entries),
        keys,
    })
}

/// The configured names, checked, with `content-digest` added when missing.
fn required_headers(mut names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    for (index, name) in names.iter().enumerate() {
        let token = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if name.is_empty() || !name.bytes().all(token) || name == "authorization" {
            let why = "must be a lowercase header name other than authorization";
            return Err(ConfigError::new(
                format!("hmac.signed_headers[{index}]"),
                why,
            ));
        }
    }
    if !names.iter().any(|name| name == CONTENT_DIGEST) {
        names.push(CONTENT_DIGEST.to_string());
    }
    Ok(names)
}

/// Whether `id` may name an HMAC key.
pub fn is_valid_key_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn load_key(raw: RawHmacKey, at: &str) -> Result<(String, HmacKey), ConfigError> {
    if !is_valid_key_id(&raw.id) {
        let why = "must be 1 to 64 characters from [A-Za-z0-9._-]";
        return Err(ConfigError::new(format!("{at}.id"), why));
    }
    let secret = match URL_SAFE_NO_PAD.decode(&raw.secret.0) {
        Ok(secret) if (SECRET_BYTES.0..=SECRET_BYTES.1).contains(&secret.len()) => secret,
        _ => {
            let why = "must be base64url without padding, 32 to 128 bytes";
            return Err(ConfigError::new(format!("{at}.secret"), why));
        }
    };
    let fields = HolderFields {
        consumer: raw.consumer,
        scopes: raw.scopes,
        roles: raw.roles,
        state: raw.state,
        not_before: raw.not_before,
        expires_at: raw.expires_at,
        claims: raw.claims,
    };
    let holder = KeyHolder::load(fields, PrincipalKind::Hmac, &raw.id, at)?;
    Ok((
        raw.id,
        HmacKey {
            secret: Redacted(secret),
            holder,
        },
    ))
}
