//! The checks of one token that was not in the cache, each a small step of [`verify_token`].

use crate::alg::Algorithm;
use crate::cache::Verified;
use crate::claims::{self, forward, policy, ClaimsError, Expectations};
use crate::config::Provider;
use crate::credential::sources::{Found, Origin};
use crate::decide::{Authenticator, RequestFacts};
use crate::identity;
use crate::jwks::KeyError;
use crate::refusal::Refusal;
use crate::revocation::TokenIds;
use crate::sessions::{self, SessionError};
use crate::token::Jws;
use palisade_shared::openapi::Lookup;
use palisade_shared::path::CanonicalPath;
use palisade_shared::principal::Principal;
use serde_json::Value;
use std::rc::Rc;

impl Authenticator<'_> {
    /// A token in the query is accepted only on the operations the configuration lists.
    pub(super) fn check_origin_operation(
        &self,
        found: &Found,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
    ) -> Result<(), Refusal> {
        let Some(query) = &self.config.token_sources.query else {
            return Ok(());
        };
        if found.origin != Origin::Query {
            return Ok(());
        }
        let operation = match request.method.map(|m| self.config.inventory.find(m, path)) {
            Some(Lookup::Found { operation, .. }) => operation.operation_id.as_ref(),
            _ => None,
        };
        match operation {
            Some(id) if query.operations.contains(id) => Ok(()),
            _ => Err(Refusal::InvalidRequest("query_token_not_allowed")),
        }
    }

    /// Every check of a token that was not in the cache, in order.
    pub(super) fn verify_token(
        &self,
        found: &Found,
        jws: &Jws<'_>,
        now: u64,
    ) -> Result<Verified, Refusal> {
        let (index, provider) = self.provider_of(jws)?;
        self.check_origin_provider(found, provider)?;
        self.check_revocation_loaded()?;
        let alg = Algorithm::from_jose(&jws.header.alg)
            .filter(|alg| provider.algorithms.contains(alg))
            .ok_or(Refusal::InvalidToken("alg_not_allowed"))?;
        self.check_signature(index, alg, jws, now)?;
        policy::check_type(provider.token_type.as_deref(), jws.header.typ.as_deref())
            .map_err(|err| Refusal::InvalidToken(err.reason()))?;
        let verified = self.accept(jws, provider, now)?;
        self.check_revoked(jws)?;
        self.check_session(jws, &verified, now)?;
        Ok(verified)
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

    /// A cached token in the query must still come from a provider allowed there.
    pub(super) fn check_cached_origin(
        &self,
        found: &Found,
        principal: &Principal,
    ) -> Result<(), Refusal> {
        if found.origin != Origin::Query {
            return Ok(());
        }
        let issuer = principal.issuer.as_deref();
        let provider = self
            .config
            .providers
            .iter()
            .find(|p| Some(p.issuer.as_str()) == issuer);
        match provider {
            Some(provider) => self.check_origin_provider(found, provider),
            None => Err(Refusal::InvalidToken("unknown_issuer")),
        }
    }

    fn check_origin_provider(&self, found: &Found, provider: &Provider) -> Result<(), Refusal> {
        let allowed = match (&self.config.token_sources.query, found.origin) {
            (Some(query), Origin::Query) => query
                .providers
                .as_ref()
                .is_none_or(|names| names.contains(&provider.name)),
            _ => true,
        };
        match allowed {
            true => Ok(()),
            false => Err(Refusal::InvalidRequest("query_token_not_allowed")),
        }
    }

    fn check_revocation_loaded(&self) -> Result<(), Refusal> {
        let required = self
            .config
            .revocation
            .as_ref()
            .and_then(|revocation| revocation.endpoint.as_ref())
            .is_some_and(|endpoint| endpoint.required);
        match required && !self.revocations.has_polled() {
            true => Err(Refusal::RevocationUnavailable),
            false => Ok(()),
        }
    }

    fn check_signature(
        &self,
        index: usize,
        alg: Algorithm,
        jws: &Jws<'_>,
        now: u64,
    ) -> Result<(), Refusal> {
        let set = self.keys.get(index).ok_or(Refusal::KeysUnavailable)?;
        let kid = jws.header.kid.as_deref();
        let key = set.select(alg, kid).map_err(|err| {
            if let (KeyError::UnknownKid, Some(kid)) = (err, kid) {
                self.keys.unknown_kid(index, kid, now);
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
    fn accept(&self, jws: &Jws<'_>, provider: &Provider, now: u64) -> Result<Verified, Refusal> {
        let expected = Expectations {
            issuer: &provider.issuer,
            audiences: &provider.audiences,
            leeway_seconds: provider.leeway_seconds,
            max_lifetime_seconds: provider.max_lifetime_seconds,
        };
        let accepted_until =
            claims::check(&jws.claims, &expected, now).map_err(|err| match err {
                ClaimsError::Expired => Refusal::Expired,
                other => Refusal::InvalidToken(other.reason()),
            })?;
        policy::check_required(&jws.claims, &provider.required_claims)
            .map_err(|err| Refusal::InvalidToken(err.reason()))?;
        let roles_claim = provider.roles_claim.as_deref();
        let mut principal = identity::principal(&jws.claims, &provider.issuer, roles_claim)
            .map_err(|err| Refusal::InvalidToken(err.reason()))?;
        let config = self.config;
        let forwarded = config
            .claim_headers
            .iter()
            .map(|header| header.claim.clone());
        let names: Vec<String> = config
            .keep_claims
            .iter()
            .cloned()
            .chain(forwarded)
            .collect();
        principal.claims = forward::kept(&jws.claims, &names);
        // The token's binding stays with it, so that cached tokens are still checked against
        // the certificate or proof of each request (see `binding`).
        if let Some(cnf) = jws.claims.get(crate::binding::CONFIRMATION_CLAIM) {
            let name = crate::binding::CONFIRMATION_CLAIM.to_string();
            principal.claims.insert(name, cnf.clone());
        }
        Ok(Verified {
            principal: Rc::new(principal),
            accepted_until,
        })
    }

    fn check_revoked(&self, jws: &Jws<'_>) -> Result<(), Refusal> {
        let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
        let ids = TokenIds {
            jti: text("jti"),
            sub: text("sub"),
            kid: jws.header.kid.as_deref(),
        };
        let configured = self
            .config
            .revocation
            .as_ref()
            .is_some_and(|revocation| revocation.configured.revokes(&ids));
        match configured || self.revocations.revokes(&ids) {
            true => Err(Refusal::InvalidToken("revoked")),
            false => Ok(()),
        }
    }

    fn check_session(&self, jws: &Jws<'_>, verified: &Verified, now: u64) -> Result<(), Refusal> {
        let Some(limit) = &self.config.sessions else {
            return Ok(());
        };
        let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
        let session = text("sid")
            .or_else(|| text("jti"))
            .ok_or(Refusal::InvalidToken("missing_session_id"))?;
        let principal = &verified.principal;
        let subject = format!(
            "{}\u{0}{}",
            principal.issuer.as_deref().unwrap_or(""),
            principal.id
        );
        let until = verified.accepted_until;
        match sessions::admit(self.shared, limit, &subject, session, until, now) {
            Ok(()) => Ok(()),
            Err(SessionError::Limit) => Err(Refusal::InvalidToken("session_limit")),
            Err(SessionError::Store(_)) => Err(Refusal::HostFailure),
        }
    }
}
