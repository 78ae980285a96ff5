//! Where a provider's public keys come from: inline, a JWKS URI, or OpenID discovery.

use super::checks::{split_uri, within};
use crate::jwks::KeySet;
use palisade_shared::config::ConfigError;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Path of the OpenID discovery document below the issuer (OpenID Connect Discovery §4).
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJwks {
    /// Envoy cluster that reaches the provider. Required with `uri` or `discovery`, refused with
    /// `inline`; never empty (an empty name would abort Envoy).
    #[serde(default)]
    cluster: Option<String>,
    /// `http://` or `https://` URI of the JWKS; its authority and path are sent on the cluster.
    #[serde(default)]
    uri: Option<String>,
    /// Find the JWKS through OpenID discovery: `<issuer>/.well-known/openid-configuration` is
    /// fetched through `cluster`, its `issuer` must equal the configured one, and its `jwks_uri`
    /// is then fetched through the same cluster. Default false.
    #[serde(default)]
    discovery: bool,
    /// The key set itself, a JWKS object; never refreshed. Exactly one of `uri`, `discovery`
    /// and `inline` is given.
    #[serde(default)]
    inline: Option<Value>,
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

fn default_refresh() -> u64 {
    300
}
fn default_retry() -> u64 {
    2
}
fn default_timeout() -> u64 {
    5000
}

/// An absolute `http(s)` URI split for a request through an Envoy cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: String,
    pub authority: String,
    /// Path with query.
    pub path: String,
}

impl Target {
    pub fn parse(uri: &str) -> Result<Target, &'static str> {
        let (scheme, authority, path) = split_uri(uri)?;
        Ok(Target {
            scheme,
            authority,
            path,
        })
    }
}

/// A document polled through an Envoy cluster: the JWKS (or discovery document), or the
/// revocation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSource {
    pub cluster: String,
    pub target: Target,
    /// Whether `target` is the discovery document rather than the JWKS.
    pub discovery: bool,
    pub refresh: Duration,
    pub retry: Duration,
    pub timeout: Duration,
}

/// How a provider's key set is obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    Remote(RemoteSource),
    Inline(KeySet),
    /// Only configured HMAC secrets.
    None,
}

pub(super) fn load_jwks(raw: RawJwks, issuer: &str, at: &str) -> Result<JwksSource, ConfigError> {
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
    let uri = match (raw.uri.as_deref(), raw.discovery, &raw.inline) {
        (Some(uri), false, None) => uri.to_string(),
        (None, true, None) => format!("{}{DISCOVERY_PATH}", issuer.trim_end_matches('/')),
        (None, false, Some(document)) => {
            if raw.cluster.is_some() {
                return Err(ConfigError::new(
                    format!("{at}.cluster"),
                    "is not used with inline",
                ));
            }
            let set = KeySet::parse(document.to_string().as_bytes())
                .map_err(|err| ConfigError::new(format!("{at}.inline"), err.reason()))?;
            return Ok(JwksSource::Inline(set));
        }
        _ => {
            let why = "must give exactly one of uri, discovery and inline";
            return Err(ConfigError::new(at, why));
        }
    };
    let field = if raw.discovery { "discovery" } else { "uri" };
    let target =
        Target::parse(&uri).map_err(|why| ConfigError::new(format!("{at}.{field}"), why))?;
    Ok(JwksSource::Remote(RemoteSource {
        cluster: cluster_name(raw.cluster, at)?,
        target,
        discovery: raw.discovery,
        refresh: Duration::from_secs(raw.refresh_interval_seconds),
        retry: Duration::from_secs(raw.retry_interval_seconds),
        timeout: Duration::from_millis(raw.timeout_milliseconds),
    }))
}

/// A cluster name that cannot abort Envoy: present, non-empty, without surrounding spaces.
pub fn cluster_name(raw: Option<String>, at: &str) -> Result<String, ConfigError> {
    match raw {
        Some(cluster) if !cluster.trim().is_empty() && cluster.trim() == cluster => Ok(cluster),
        _ => {
            let why = "must name an Envoy cluster (an empty name would abort Envoy)";
            Err(ConfigError::new(format!("{at}.cluster"), why))
        }
    }
}
