//! The decision on one request: anonymous, authenticated, or refused, and why.
//!
//! Only operations the OpenAPI document marks `security: []` may be called without a token.
//! A token, when present, is always checked, also on public operations. A token is checked in
//! this order: cache, syntax, issuer, algorithm, key, signature, then claims — so that claim
//! errors are reported only for tokens whose signature held.

use crate::alg::Algorithm;
use crate::cache::{self, TokenCache, Verified};
use crate::claims::{self, ClaimsError, Expectations};
use crate::config::{Config, Provider};
use crate::credential::{self, Credential};
use crate::identity;
use crate::jwks::KeyError;
use crate::keys::KeyStore;
use crate::refusal::Refusal;
use crate::token::{self, Jws};
use crate::verify::Verifier;
use palisade_shared::openapi::{Lookup, Security};
use palisade_shared::path::CanonicalPath;
use palisade_shared::principal::Principal;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;

/// What the filter read from the request headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFacts<'a> {
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub authorization: Vec<&'a str>,
}

impl<'a> RequestFacts<'a> {
    /// Picks `:method`, `:path` and every `authorization` value out of the header list.
    pub fn from_headers(headers: &'a [(String, String)]) -> Self {
        let mut facts = RequestFacts::default();
        for (name, value) in headers {
            match name.as_str() {
                ":method" => facts.method = Some(value),
                ":path" => facts.path = Some(value),
                "authorization" => facts.authorization.push(value),
                _ => {}
            }
        }
        facts
    }
}

/// The outcome for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A public operation called without credentials.
    Anonymous,
    Authenticated {
        principal: Rc<Principal>,
        from_cache: bool,
    },
    Refused(Refusal),
}

/// Everything a decision reads: configuration, key sets, cache and verifier.
pub struct Authenticator<'a> {
    pub config: &'a Config,
    pub keys: &'a KeyStore,
    pub cache: &'a RefCell<TokenCache>,
    pub verifier: &'a dyn Verifier,
}

impl Authenticator<'_> {
    /// Decides on a request at `now` (Unix seconds).
    pub fn decide(&self, request: &RequestFacts<'_>, now: u64) -> Verdict {
        let Some(path) = request.path.and_then(|p| CanonicalPath::parse(p).ok()) else {
            return Verdict::Refused(Refusal::InvalidPath);
        };
        let credential = match credential::read(&request.authorization) {
            Ok(credential) => credential,
            Err(refusal) => return Verdict::Refused(refusal),
        };
        match credential {
            Credential::Absent if self.is_public(request.method, &path) => Verdict::Anonymous,
            Credential::Absent => Verdict::Refused(Refusal::MissingToken),
            // Credentials this filter cannot verify are not passed on, even to public operations.
            Credential::OtherScheme => Verdict::Refused(Refusal::UnsupportedScheme),
            Credential::Bearer(token) => match self.authenticate(token, now) {
                Ok((principal, from_cache)) => Verdict::Authenticated {
                    principal,
                    from_cache,
                },
                Err(refusal) => Verdict::Refused(refusal),
            },
        }
    }

    fn is_public(&self, method: Option<&str>, path: &CanonicalPath) -> bool {
        let Some(method) = method else {
            return false;
        };
        match self.config.inventory.find(method, path) {
            Lookup::Found { operation, .. } => operation.security == Security::Public,
            _ => false,
        }
    }

    /// The principal of a valid bearer token, and whether it came from the cache.
    fn authenticate(&self, token: &str, now: u64) -> Result<(Rc<Principal>, bool), Refusal> {
        let key = cache::key(token);
        if let Some(hit) = self.cache.borrow_mut().get(&key, now) {
            return Ok((hit.principal, true));
        }
        let jws = token::parse(token, self.config.max_token_bytes)
            .map_err(|err| Refusal::InvalidToken(err.reason()))?;
        let (index, provider) = self.provider_of(&jws)?;
        let alg = Algorithm::from_jose(&jws.header.alg)
            .filter(|alg| provider.algorithms.contains(alg))
            .ok_or(Refusal::InvalidToken("alg_not_allowed"))?;
        self.check_signature(index, alg, &jws)?;
        let verified = Self::accept(&jws, provider, now)?;
        let principal = Rc::clone(&verified.principal);
        self.cache.borrow_mut().insert(key, verified);
        Ok((principal, false))
    }

    /// The provider whose issuer the (still unverified) `iss` names.
    fn provider_of(&self, jws: &Jws<'_>) -> Result<(usize, &Provider), Refusal> {
        let issuer = jws.claims.get("iss").and_then(Value::as_str);
        self.config
            .providers
            .iter()
            .enumerate()
            .find(|(_, provider)| Some(provider.issuer.as_str()) == issuer)
            .ok_or(Refusal::InvalidToken("unknown_issuer"))
    }

    fn check_signature(&self, index: usize, alg: Algorithm, jws: &Jws<'_>) -> Result<(), Refusal> {
        let set = self.keys.get(index).ok_or(Refusal::KeysUnavailable)?;
        let key = set.select(alg, jws.header.kid.as_deref()).map_err(|err| {
            if err == KeyError::UnknownKid {
                self.keys.request_refresh(index);
            }
            Refusal::InvalidToken(err.reason())
        })?;
        match self
            .verifier
            .verify(alg, key, jws.signing_input, &jws.signature)
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(Refusal::InvalidToken("bad_signature")),
            Err(err) => Err(Refusal::VerifierFailed(err)),
        }
    }

    /// Checks the claims of a token whose signature held and reads its principal.
    fn accept(jws: &Jws<'_>, provider: &Provider, now: u64) -> Result<Verified, Refusal> {
        let expected = Expectations {
            issuer: &provider.issuer,
            audiences: &provider.audiences,
            leeway_seconds: provider.leeway_seconds,
        };
        let accepted_until =
            claims::check(&jws.claims, &expected, now).map_err(|err| match err {
                ClaimsError::Expired => Refusal::Expired,
                other => Refusal::InvalidToken(other.reason()),
            })?;
        let principal = identity::principal(
            &jws.claims,
            &provider.issuer,
            provider.roles_claim.as_deref(),
        )
        .map_err(|err| Refusal::InvalidToken(err.reason()))?;
        Ok(Verified {
            principal: Rc::new(principal),
            accepted_until,
        })
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
