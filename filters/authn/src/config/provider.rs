//! One trusted token issuer: its claims policy, algorithms and where its keys come from.

use super::checks::{non_empty, within};
use super::jwks::{load_jwks, JwksSource, RawJwks};
use crate::alg::Algorithm;
use crate::claims::policy::{self, RequiredClaim};
use crate::jwks::{KeyMaterial, Secret, VerificationKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_shared::config::ConfigError;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProvider {
    /// Short name for logs and metrics, unique among providers.
    name: String,
    /// Exact `iss` value of this provider's tokens.
    issuer: String,
    /// Accepted `aud` values; a token must name at least one.
    audiences: Vec<String>,
    /// Accepted `alg` values. Default: every public-key algorithm (RS256/384/512,
    /// PS256/384/512, ES256, ES384, EdDSA). HS256/384/512 only when listed here and backed by
    /// an `hmac_keys` entry. `none` can never be named.
    #[serde(default)]
    algorithms: Option<Vec<Algorithm>>,
    /// Where the provider publishes its public keys. Required unless `hmac_keys` is given.
    #[serde(default)]
    jwks: Option<RawJwks>,
    /// Shared secrets for HS* tokens. Default none. Each secret must be at least as long as its
    /// algorithm's digest (32 bytes for HS256): shorter secrets are refused.
    #[serde(default)]
    hmac_keys: Vec<RawHmacKey>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 60, at most 300.
    #[serde(default = "default_leeway")]
    leeway_seconds: u64,
    /// Longest lifetime (`exp - iat`) accepted, in seconds. Default 900 (15 minutes, short-lived
    /// access tokens), 60 to 86400. Longer-lived tokens are refused even when signed.
    #[serde(default = "default_max_lifetime")]
    max_lifetime_seconds: u64,
    /// Required `typ` header, e.g. `at+jwt` (RFC 9068), compared case-insensitively and with or
    /// without `application/`. Default: not checked. Setting it keeps ID tokens and other JWTs
    /// of the same issuer from passing as access tokens.
    #[serde(default)]
    token_type: Option<String>,
    /// Claims every token must carry, optionally with an exact value. Default none.
    #[serde(default)]
    required_claims: Vec<RequiredClaim>,
    /// Claim holding the caller's roles (array or space-delimited string), or a dotted path
    /// into an object such as `realm_access.roles`. Default none.
    #[serde(default)]
    roles_claim: Option<String>,
    /// DPoP (RFC 9449) for this provider's tokens: `off` (default; the `DPoP` scheme is
    /// refused), `optional` (bearer or DPoP) or `required` (DPoP only). Whatever the mode, a
    /// token bound to a key (`cnf.jkt`) never passes as a bearer token.
    #[serde(default)]
    dpop: crate::dpop::DpopMode,
    /// Whether every token must be bound to the client certificate (RFC 8705 `cnf.x5t#S256`).
    /// Default false: a bound token is still checked against the certificate, unbound tokens
    /// pass.
    #[serde(default)]
    require_certificate_binding: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHmacKey {
    /// The `kid` tokens name this secret by.
    kid: String,
    /// HS256, HS384 or HS512; the secret serves this algorithm only.
    alg: Algorithm,
    /// The secret, base64url without padding.
    secret: String,
}

impl std::fmt::Debug for RawHmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RawHmacKey {{ kid: {:?}, alg: {:?} }}",
            self.kid, self.alg
        )
    }
}

fn default_leeway() -> u64 {
    60
}
fn default_max_lifetime() -> u64 {
    900
}

/// One trusted issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub algorithms: Vec<Algorithm>,
    pub jwks: JwksSource,
    /// Configured HMAC secrets, added to every key set of the provider.
    pub secrets: Vec<VerificationKey>,
    pub leeway_seconds: u64,
    pub max_lifetime_seconds: u64,
    /// The required `typ`, normalised (lower case, no `application/`).
    pub token_type: Option<String>,
    pub required_claims: Vec<RequiredClaim>,
    pub roles_claim: Option<String>,
    pub dpop: crate::dpop::DpopMode,
    pub require_certificate_binding: bool,
}

pub(super) fn load_provider(raw: RawProvider, at: &str) -> Result<Provider, ConfigError> {
    non_empty(&format!("{at}.name"), &raw.name)?;
    non_empty(&format!("{at}.issuer"), &raw.issuer)?;
    if raw.audiences.is_empty() || raw.audiences.iter().any(String::is_empty) {
        let why = "must list at least one non-empty audience";
        return Err(ConfigError::new(format!("{at}.audiences"), why));
    }
    within(&format!("{at}.leeway_seconds"), raw.leeway_seconds, 0, 300)?;
    let lifetime = raw.max_lifetime_seconds;
    within(&format!("{at}.max_lifetime_seconds"), lifetime, 60, 86400)?;
    if let Some(claim) = &raw.roles_claim {
        non_empty(&format!("{at}.roles_claim"), claim)?;
    }
    let token_type = policy::load(at, raw.token_type, &raw.required_claims)?;
    let secrets = load_secrets(&raw.hmac_keys, at)?;
    let algorithms = load_algorithms(raw.algorithms, &secrets, at)?;
    let jwks = match raw.jwks {
        Some(jwks) => load_jwks(jwks, &raw.issuer, &format!("{at}.jwks"))?,
        None if !secrets.is_empty() => JwksSource::None,
        None => {
            let why = "missing field `jwks` (required unless hmac_keys are given)";
            return Err(ConfigError::new(format!("{at}.jwks"), why));
        }
    };
    Ok(Provider {
        name: raw.name,
        issuer: raw.issuer,
        audiences: raw.audiences,
        algorithms,
        jwks,
        secrets,
        leeway_seconds: raw.leeway_seconds,
        max_lifetime_seconds: lifetime,
        token_type,
        required_claims: raw.required_claims,
        roles_claim: raw.roles_claim,
        dpop: raw.dpop,
        require_certificate_binding: raw.require_certificate_binding,
    })
}

/// The allowlist: HMAC algorithms only with a secret for them, and every secret's algorithm
/// listed, so that no secret sits unused and no HS* token passes without one.
fn load_algorithms(
    raw: Option<Vec<Algorithm>>,
    secrets: &[VerificationKey],
    at: &str,
) -> Result<Vec<Algorithm>, ConfigError> {
    let field = format!("{at}.algorithms");
    let algorithms = raw.unwrap_or_else(|| Algorithm::ASYMMETRIC.to_vec());
    if algorithms.is_empty() {
        return Err(ConfigError::new(field, "must not be empty"));
    }
    for alg in algorithms.iter().filter(|alg| alg.is_hmac()) {
        if !secrets.iter().any(|key| key.alg == Some(*alg)) {
            let why = format!(
                "lists {} without an hmac_keys entry for it",
                alg.jose_name()
            );
            return Err(ConfigError::new(field, why));
        }
    }
    for key in secrets {
        if key.alg.is_some_and(|alg| !algorithms.contains(&alg)) {
            let why = "has a secret whose alg is not in algorithms";
            return Err(ConfigError::new(format!("{at}.hmac_keys"), why));
        }
    }
    Ok(algorithms)
}

fn load_secrets(raw: &[RawHmacKey], at: &str) -> Result<Vec<VerificationKey>, ConfigError> {
    let mut keys: Vec<VerificationKey> = Vec::with_capacity(raw.len());
    for (index, entry) in raw.iter().enumerate() {
        let field = format!("{at}.hmac_keys[{index}]");
        if !entry.alg.is_hmac() {
            return Err(ConfigError::new(
                format!("{field}.alg"),
                "must be HS256, HS384 or HS512",
            ));
        }
        non_empty(&format!("{field}.kid"), &entry.kid)?;
        let secret = URL_SAFE_NO_PAD.decode(&entry.secret).map_err(|_| {
            ConfigError::new(
                format!("{field}.secret"),
                "must be base64url without padding",
            )
        })?;
        let least = entry.alg.digest().output_len();
        if secret.len() < least {
            let why = format!(
                "must hold at least {} bits for {}",
                least * 8,
                entry.alg.jose_name()
            );
            return Err(ConfigError::new(format!("{field}.secret"), why));
        }
        if keys
            .iter()
            .any(|key| key.kid.as_deref() == Some(entry.kid.as_str()))
        {
            return Err(ConfigError::new(format!("{field}.kid"), "is used twice"));
        }
        keys.push(VerificationKey {
            kid: Some(entry.kid.clone()),
            material: KeyMaterial::Secret(Secret(secret)),
            alg: Some(entry.alg),
            spki: Vec::new(),
        });
    }
    Ok(keys)
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
