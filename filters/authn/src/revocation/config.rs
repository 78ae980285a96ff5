//! The `revocation` section: configured values and the endpoint to poll.

use super::Denylist;
use crate::config::{cluster_name, RemoteSource, Target};
use palisade_shared::config::ConfigError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRevocation {
    /// Revoked token ids (`jti`). Default none.
    #[serde(default)]
    jti: Vec<String>,
    /// Revoked subjects (`sub`): every token of theirs is refused. Default none.
    #[serde(default)]
    sub: Vec<String>,
    /// Revoked signing keys (`kid`): every token signed with them is refused. Default none.
    #[serde(default)]
    kid: Vec<String>,
    /// An endpoint publishing `{"jti": [...], "sub": [...], "kid": [...]}`. Default none.
    #[serde(default)]
    endpoint: Option<RawEndpoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    /// Envoy cluster that reaches the endpoint; never empty.
    cluster: String,
    /// `http(s)` URI of the list; its authority and path are sent on the cluster.
    uri: String,
    /// Seconds between polls. Default 4, 1 to 3600: with the filter's ticks a revocation then
    /// reaches every worker within 5 seconds of being published.
    #[serde(default = "default_interval")]
    interval_seconds: u64,
    /// Timeout of one poll in milliseconds. Default 2000, 100 to 60000.
    #[serde(default = "default_timeout")]
    timeout_milliseconds: u64,
    /// Whether tokens are refused (503) until a first list was fetched. Default true (fail
    /// closed: a revoked token must not pass because the list is not loaded yet).
    #[serde(default = "default_required")]
    required: bool,
}

fn default_interval() -> u64 {
    4
}
fn default_timeout() -> u64 {
    2000
}
fn default_required() -> bool {
    true
}

/// The checked section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationConfig {
    pub configured: Denylist,
    pub endpoint: Option<Endpoint>,
}

/// The polled endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub source: RemoteSource,
    pub required: bool,
}

pub fn load(raw: RawRevocation) -> Result<RevocationConfig, ConfigError> {
    let lists = [("jti", &raw.jti), ("sub", &raw.sub), ("kid", &raw.kid)];
    for (name, values) in lists {
        if values.iter().any(String::is_empty) {
            let why = "must not hold empty values";
            return Err(ConfigError::new(format!("revocation.{name}"), why));
        }
    }
    let endpoint = raw.endpoint.map(load_endpoint).transpose()?;
    Ok(RevocationConfig {
        configured: Denylist::from_lists(raw.jti, raw.sub, raw.kid),
        endpoint,
    })
}

fn load_endpoint(raw: RawEndpoint) -> Result<Endpoint, ConfigError> {
    let at = "revocation.endpoint";
    let interval = raw.interval_seconds;
    if !(1..=3600).contains(&interval) {
        return Err(ConfigError::new(
            format!("{at}.interval_seconds"),
            "must be between 1 and 3600",
        ));
    }
    if !(100..=60000).contains(&raw.timeout_milliseconds) {
        let why = "must be between 100 and 60000";
        return Err(ConfigError::new(format!("{at}.timeout_milliseconds"), why));
    }
    let target =
        Target::parse(&raw.uri).map_err(|why| ConfigError::new(format!("{at}.uri"), why))?;
    let source = RemoteSource {
        cluster: cluster_name(Some(raw.cluster), at)?,
        target,
        discovery: false,
        refresh: Duration::from_secs(interval),
        retry: Duration::from_secs(1),
        timeout: Duration::from_millis(raw.timeout_milliseconds),
    };
    Ok(Endpoint {
        source,
        required: raw.required,
    })
}
