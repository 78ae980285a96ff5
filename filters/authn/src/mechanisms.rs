//! Credentials other than bearer tokens: API keys ([`apikey`]) and HMAC-signed requests
//! ([`hmac_request`]).
//!
//! Both kinds of key are configured per key holder ([`holder`]): the consumer a key stands for,
//! its scopes, roles and claims, and when the key may be used (state and validity window). A
//! key that verifies yields that holder's principal, built once at configuration time. A
//! request offers one credential only: a key or signature next to a bearer token from any
//! source is refused (400). Failed attempts count towards the failed-authentication throttle
//! ([`lockout`]). No key, secret or signature is ever logged or echoed; refusals name only the
//! kind of failure.

pub mod apikey;
pub mod hmac_request;
pub mod holder;
mod lockout;

use crate::credential::{sources, Credential};
use crate::decide::{Authenticator, ClientAddress, RequestFacts, Verdict};
use crate::refusal::Refusal;
use crate::throttle::Subject;
use apikey::source::{self, FoundKey};
use apikey::ApiKeys;
use hmac_request::body::BodyPlan;
use hmac_request::canonical::SignedRequest;
use hmac_request::{authorization, HmacKeys};
use palisade_shared::path::CanonicalPath;

/// A secret (a pepper, a shared key) that never shows in `{:?}` output, raw or compiled.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Redacted<T>(pub T);

impl<T> std::fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The key credential a request offers, with the configuration that checks it.
enum Offered<'c, 'q> {
    ApiKey(&'c ApiKeys, FoundKey<'q>),
    /// The parameters of `Authorization: Palisade-HMAC-SHA256 <parameters>`.
    Signed(&'c HmacKeys, &'q str),
}

impl Authenticator<'_> {
    /// The verdict on a request that offers an API key or a signature, when that mechanism is
    /// configured; `None` leaves the request to the bearer-token path.
    pub(crate) fn decide_key_credential(
        &self,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        credential: &Credential<'_>,
        now: u64,
    ) -> Option<Verdict> {
        let offered = match self.offered(request, path, credential) {
            Ok(offered) => offered?,
            Err(refusal) => return Some(Verdict::Refused(refusal)),
        };
        if let Err(refusal) = self.no_token_elsewhere(request, credential) {
            return Some(Verdict::Refused(refusal));
        }
        if let Some(refusal) = self.source_locked_out(request, now) {
            return Some(Verdict::Refused(refusal));
        }
        let source = &request.source;
        Some(match offered {
            Offered::ApiKey(keys, found) => self.api_key_verdict(keys, found, source, now),
            Offered::Signed(hmac, parameters) => {
                let signed = SignedRequest {
                    method: request.method.unwrap_or_default(),
                    path,
                    headers: request.headers,
                };
                self.signed_verdict(hmac, parameters, &signed, source, now)
            }
        })
    }

    /// The API key (when keys are configured) or signature (when signatures are) on offer.
    fn offered<'q>(
        &self,
        request: &RequestFacts<'q>,
        path: &'q CanonicalPath,
        credential: &Credential<'q>,
    ) -> Result<Option<Offered<'_, 'q>>, Refusal> {
        if let Some(keys) = &self.config.api_keys {
            if let Some(found) = source::find(keys, request.headers, &path.query, credential)? {
                return Ok(Some(Offered::ApiKey(keys, found)));
            }
        }
        Ok(match (credential, &self.config.hmac) {
            (Credential::Signed(parameters), Some(hmac)) => Some(Offered::Signed(hmac, parameters)),
            _ => None,
        })
    }

    /// A bearer token in a cookie, header or query parameter next to a key is a second
    /// credential, as the token sources define it.
    fn no_token_elsewhere(
        &self,
        request: &RequestFacts<'_>,
        credential: &Credential<'_>,
    ) -> Result<(), Refusal> {
        let target = request.path.unwrap_or_default();
        let sources = &self.config.token_sources;
        match sources::find(sources, request.headers, target, credential) {
            Ok(None) => Ok(()),
            Ok(Some(_)) => Err(Refusal::InvalidRequest("multiple_credentials")),
            Err(refusal) => Err(refusal),
        }
    }

    fn api_key_verdict(
        &self,
        keys: &ApiKeys,
        found: FoundKey<'_>,
        source: &ClientAddress<'_>,
        now: u64,
    ) -> Verdict {
        let claimed = apikey::format::id_of(&found.key).map(|id| format!("api_key\u{0}{id}"));
        let claimed = claimed.as_deref().map(Subject::Principal);
        if let Some(refusal) = self.key_lockout(claimed.as_ref(), now) {
            return Verdict::Refused(refusal);
        }
        match keys.authenticate(&found.key, now) {
            Ok(principal) => {
                self.forgive_key(claimed.as_ref(), now);
                Verdict::ApiKey {
                    principal,
                    source: found.source,
                }
            }
            Err(refusal) => {
                if refusal.is_failed_attempt() {
                    self.count_key_failure(&[source_subject(source), claimed], now);
                }
                Verdict::Refused(Refusal::ApiKey(refusal))
            }
        }
    }

    fn signed_verdict(
        &self,
        hmac: &HmacKeys,
        parameters: &str,
        request: &SignedRequest<'_>,
        source: &ClientAddress<'_>,
        now: u64,
    ) -> Verdict {
        let parameters = match authorization::parse(parameters) {
            Ok(parameters) => parameters,
            Err(err) => {
                self.count_key_failure(&[source_subject(source)], now);
                return Verdict::Refused(Refusal::Signature(err.refusal()));
            }
        };
        let claimed = format!("hmac\u{0}{}", parameters.key_id);
        let claimed = Some(Subject::Principal(&claimed));
        if let Some(refusal) = self.key_lockout(claimed.as_ref(), now) {
            return Verdict::Refused(refusal);
        }
        match hmac.verify(self.shared, &parameters, request, now) {
            Ok(verified) => {
                self.forgive_key(claimed.as_ref(), now);
                let body = body_plan(hmac, verified.body_digest, request.headers);
                Verdict::Signed {
                    principal: verified.principal,
                    body,
                }
            }
            Err(refusal) => {
                if refusal.is_failed_attempt() {
                    self.count_key_failure(&[source_subject(source), claimed], now);
                }
                Verdict::Refused(Refusal::Signature(refusal))
            }
        }
    }
}

/// The request's address as a throttle subject (read from the host now, if not yet).
fn source_subject<'a>(source: &'a ClientAddress<'_>) -> Option<Subject<'a>> {
    source.get().map(Subject::Source)
}

/// What the body of a verified signed request is checked against.
fn body_plan(hmac: &HmacKeys, expected: [u8; 32], headers: &[(&str, &str)]) -> BodyPlan {
    // Kept now: Envoy may not show the request headers once they went on.
    let request_id = headers
        .iter()
        .find(|(name, _)| *name == "x-request-id")
        .map(|(_, value)| value.to_string());
    BodyPlan {
        expected,
        max_body_bytes: hmac.max_body_bytes,
        hold_request_headers: hmac.hold_request_headers,
        request_id,
    }
}
