//! The `dpop` section: proof algorithms, time window, size limit, public origin and the replay
//! cache. Which providers accept or require DPoP is set per provider (`dpop`).

use crate::alg::Algorithm;
use crate::mechanisms::hmac_request::replay::ReplayCache;
use palisade_shared::config::ConfigError;
use serde::Deserialize;
use std::rc::Rc;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDpop {
    /// Algorithms a proof may be signed with. Default every public-key algorithm (RS256/384/
    /// 512, PS256/384/512, ES256, ES384, EdDSA). HS* and `none` are refused: a proof key is
    /// always public.
    #[serde(default)]
    algorithms: Option<Vec<Algorithm>>,
    /// How far a proof's `iat` may lie before or after now, in seconds. Default 60, 1 to 600.
    /// Proofs are single-use, so this bounds how long their `jti` must be remembered.
    #[serde(default)]
    iat_window_seconds: Option<u64>,
    /// Longest `DPoP` header accepted, in bytes. Default 4096, 512 to 16384.
    #[serde(default)]
    max_proof_bytes: Option<usize>,
    /// The origin clients address, e.g. `https://api.example.com`, when Envoy sits behind
    /// another proxy and its own `:scheme` and `:authority` differ from what clients sign in
    /// `htu`. Default: the request's `:scheme` and `:authority`.
    #[serde(default)]
    origin: Option<String>,
    /// Proof `jti`s remembered across workers. Default 8192, 64 to 1048576. A proof whose
    /// `jti` cannot be stored (cache full of live entries) is refused with 503, never let
    /// through unrecorded.
    #[serde(default)]
    replay_cache_entries: Option<usize>,
}

/// The checked section (defaults when it is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopSettings {
    pub algorithms: Vec<Algorithm>,
    /// The algorithms as the `algs` challenge parameter lists them.
    pub algs: Rc<str>,
    pub iat_window_seconds: u64,
    pub max_proof_bytes: usize,
    /// The normalised origin, scheme and authority only.
    pub origin: Option<String>,
    pub replay: ReplayCache,
}

pub fn load(raw: Option<RawDpop>) -> Result<DpopSettings, ConfigError> {
    let raw = raw.unwrap_or_default();
    let algorithms = raw
        .algorithms
        .unwrap_or_else(|| Algorithm::ASYMMETRIC.to_vec());
    if algorithms.is_empty() || algorithms.iter().any(|alg| alg.is_hmac()) {
        let why = "must list at least one algorithm, and no HS* algorithm";
        return Err(ConfigError::new("dpop.algorithms", why));
    }
    let window = raw.iat_window_seconds.unwrap_or(60);
    within("dpop.iat_window_seconds", window, 1, 600)?;
    let max_proof_bytes = raw.max_proof_bytes.unwrap_or(4096);
    within("dpop.max_proof_bytes", max_proof_bytes as u64, 512, 16384)?;
    let entries = raw.replay_cache_entries.unwrap_or(8192);
    within("dpop.replay_cache_entries", entries as u64, 64, 1 << 20)?;
    let origin = raw.origin.as_deref().map(load_origin).transpose()?;
    let names: Vec<&str> = algorithms.iter().map(|alg| alg.jose_name()).collect();
    Ok(DpopSettings {
        algs: Rc::from(names.join(" ")),
        algorithms,
        iat_window_seconds: window,
        max_proof_bytes,
        origin,
        replay: ReplayCache::new(entries),
    })
}

fn load_origin(text: &str) -> Result<String, ConfigError> {
    let normalized =
        super::htu::normalize(text).and_then(|uri| uri.strip_suffix('/').map(String::from));
    let is_origin = text
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'));
    match normalized {
        Some(origin) if is_origin && !text.contains(['?', '#']) => Ok(origin),
        _ => Err(ConfigError::new(
            "dpop.origin",
            "must be an http(s) origin without a path",
        )),
    }
}

fn within(field: &str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(ConfigError::new(
        field,
        format!("must be between {min} and {max}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: serde_json::Value) -> Result<DpopSettings, ConfigError> {
        load(Some(serde_json::from_value(value).unwrap()))
    }

    #[test]
    fn defaults_to_every_public_key_algorithm_and_a_minute() {
        let settings = load(None).unwrap();
        assert_eq!(settings.algorithms, Algorithm::ASYMMETRIC.to_vec());
        assert!(settings.algs.starts_with("RS256 RS384"));
        assert_eq!(settings.iat_window_seconds, 60);
        assert_eq!(settings.origin, None);
    }

    #[test]
    fn normalises_the_origin() {
        let settings = read(json!({"origin": "HTTPS://API.example.com:443"})).unwrap();
        assert_eq!(settings.origin.as_deref(), Some("https://api.example.com"));
    }

    #[test]
    fn refuses_bad_values() {
        let cases = [
            (json!({"algorithms": []}), "dpop.algorithms"),
            (json!({"algorithms": ["ES256", "HS256"]}), "dpop.algorithms"),
            (json!({"iat_window_seconds": 0}), "dpop.iat_window_seconds"),
            (
                json!({"iat_window_seconds": 601}),
                "dpop.iat_window_seconds",
            ),
            (json!({"max_proof_bytes": 100}), "dpop.max_proof_bytes"),
            (
                json!({"replay_cache_entries": 1}),
                "dpop.replay_cache_entries",
            ),
            (
                json!({"origin": "https://api.example.com/v1"}),
                "dpop.origin",
            ),
            (json!({"origin": "https://api.example.com/"}), "dpop.origin"),
            (json!({"origin": "api.example.com"}), "dpop.origin"),
            (
                json!({"origin": "https://api.example.com?x"}),
                "dpop.origin",
            ),
        ];
        for (value, field) in cases {
            assert_eq!(read(value.clone()).unwrap_err().field, field, "{value}");
        }
    }
}
