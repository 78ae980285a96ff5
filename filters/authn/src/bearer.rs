//! A bearer token, from whichever source it came, checked end to end.
//!
//! Order: lockout of the client address; the verified-token cache; syntax; lockout of the
//! claimed principal; issuer; where the token came from; algorithm; key; signature; then, for a
//! token whose signature held, type, registered claims, required claims, revocation, identity
//! and the session limit. Claim errors are thus reported only for genuine tokens, and revoked
//! lists cannot be probed with unsigned ones. Failures count towards the lockouts of the client
//! address and of the claimed principal; a success clears the principal's count.

mod checks;

use crate::credential::sources::Found;
use crate::decide::{Authenticator, ClientAddress, RequestFacts, Verdict};
use crate::refusal::Refusal;
use crate::throttle::{Subject, Throttle};
use crate::token;
use palisade_shared::path::CanonicalPath;
use palisade_shared::principal::Principal;
use serde_json::Value;
use std::rc::Rc;

/// A refusal and the principal the token claimed (unverified), for the lockout count.
pub(crate) struct Failure {
    pub refusal: Refusal,
    pub claimed: Option<String>,
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Failure {
            refusal,
            claimed: None,
        }
    }
}

impl Authenticator<'_> {
    /// The verdict on a request that carries the bearer token `found`, at `now` (Unix seconds).
    pub(crate) fn bearer(
        &self,
        found: &Found,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        now: u64,
    ) -> Verdict {
        if let Some(refusal) = self.source_locked_out(request, now) {
            return Verdict::Refused(refusal);
        }
        match self.authenticate(found, request, path, now) {
            Ok((principal, from_cache)) => {
                self.forgive(&principal, now);
                Verdict::Authenticated {
                    principal,
                    from_cache,
                }
            }
            Err(failure) => {
                self.count_failure(&request.source, &failure, now);
                Verdict::Refused(failure.refusal)
            }
        }
    }

    fn authenticate(
        &self,
        found: &Found,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        now: u64,
    ) -> Result<(Rc<Principal>, bool), Failure> {
        self.check_origin_operation(found, request, path)?;
        let key = self.cache.borrow().key(&found.token);
        let hit = self.cache.borrow_mut().get(&key, now);
        if let Some(hit) = hit {
            self.check_cached_origin(found, &hit.principal)?;
            return Ok((hit.principal, true));
        }
        let jws = token::parse(&found.token, self.config.max_token_bytes)
            .map_err(|err| Refusal::InvalidToken(err.reason()))?;
        let claimed = claimed_principal(&jws.claims);
        if let Some(refusal) = claimed
            .as_deref()
            .and_then(|claimed| self.locked_out(&Subject::Principal(claimed), now))
        {
            return Err(refusal.into());
        }
        let failure = |refusal: Refusal| Failure {
            refusal,
            claimed: claimed.clone(),
        };
        let verified = self.verify_token(found, &jws, now).map_err(failure)?;
        let principal = Rc::clone(&verified.principal);
        self.cache.borrow_mut().insert(key, verified);
        Ok((principal, false))
    }

    /// The lockout refusal of the request's address, when it is locked out. The address is
    /// read only while some address is locked out.
    pub(crate) fn source_locked_out(
        &self,
        request: &RequestFacts<'_>,
        now: u64,
    ) -> Option<Refusal> {
        let config = self.config.throttle.as_ref()?;
        let throttle = Throttle::over(self.shared, config);
        if !throttle.sources_may_be_locked(now * 1000).ok()? {
            return None;
        }
        let source = request.source.get()?;
        self.locked_out(&Subject::Source(source), now)
    }

    /// The lockout refusal of `subject`, when it is locked out.
    fn locked_out(&self, subject: &Subject<'_>, now: u64) -> Option<Refusal> {
        let config = self.config.throttle.as_ref()?;
        let throttle = Throttle::over(self.shared, config);
        let retry_after_seconds = throttle.retry_after(subject, now * 1000).ok()??;
        Some(Refusal::Throttled {
            retry_after_seconds,
        })
    }

    fn count_failure(&self, source: &ClientAddress<'_>, failure: &Failure, now: u64) {
        let Some(config) = self.config.throttle.as_ref() else {
            return;
        };
        if !counts_as_failure(&failure.refusal) {
            return;
        }
        let throttle = Throttle::over(self.shared, config);
        let source = config.per_source.then(|| source.get()).flatten();
        let claimed = failure.claimed.as_deref().map(Subject::Principal);
        for subject in [source.map(Subject::Source), claimed].into_iter().flatten() {
            // Limitation: a shared-data failure leaves this attempt uncounted (logged nowhere
            // but in the host's own log); refusing every request instead would be worse.
            let _ = throttle.failed(&subject, now * 1000);
        }
    }

    fn forgive(&self, principal: &Principal, now: u64) {
        let Some(config) = self.config.throttle.as_ref().filter(|c| c.per_principal) else {
            return;
        };
        let throttle = Throttle::over(self.shared, config);
        let claimed = principal_key(principal.issuer.as_deref().unwrap_or(""), &principal.id);
        let _ = throttle.succeeded(&Subject::Principal(&claimed), now * 1000);
    }
}

/// Whether a refusal is a failed attempt to authenticate: a bad credential — not an expired
/// token (an honest client's everyday mistake), not a key the gateway has not fetched yet (every
/// honest client meets one during a key rotation, and counting them would turn a rotation into
/// a lockout), nor a failure on the gateway's side.
fn counts_as_failure(refusal: &Refusal) -> bool {
    match refusal {
        Refusal::InvalidToken(reason) => *reason != "unknown_kid",
        Refusal::InvalidRequest(_) => true,
        _ => false,
    }
}

/// The principal a token claims before anything is verified: its `iss` and `sub`.
fn claimed_principal(claims: &serde_json::Map<String, Value>) -> Option<String> {
    let issuer = claims.get("iss").and_then(Value::as_str)?;
    let subject = claims.get("sub").and_then(Value::as_str)?;
    Some(principal_key(issuer, subject))
}

fn principal_key(issuer: &str, subject: &str) -> String {
    format!("{issuer}\u{0}{subject}")
}

#[cfg(test)]
mod tests;
