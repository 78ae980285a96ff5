//! Sender-constrained tokens: checks that run after a token's signature and claims held, on
//! every request (cached tokens included), because they concern the request, not the token.
//!
//! - RFC 8705 certificate binding: a token with `cnf.x5t#S256` passes only over a connection
//!   whose client certificate (or the one a trusted front proxy forwarded) has that SHA-256
//!   digest, compared in constant time. A provider with `require_certificate_binding` refuses
//!   unbound tokens too. Refusals are `401 invalid_token` with the `Bearer` challenge.
//! - RFC 9449 DPoP (see [`crate::dpop`]): a token with `cnf.jkt` passes only with the `DPoP`
//!   scheme and a valid proof by the key it names; the proof's `jti` is then recorded so it
//!   cannot be used again, on any worker.
//!
//! The token's `cnf` claim travels in the principal (its public thumbprints only), which is
//! how cached tokens keep their binding.

mod certificate;
mod dpop_proof;

use crate::config::Config;
use crate::credential::sources::{Found, Origin};
use crate::credential::Credential;
use crate::decide::{Authenticator, RequestFacts, Verdict};
use crate::dpop::{DpopMode, DPOP_HEADER};
use crate::mtls;
use crate::mtls::forwarded;
use crate::mtls::peer::ClientCert;
use crate::refusal::Refusal;
use palisade_shared::host::{HeaderMap, Host, HostError};
use palisade_shared::path::CanonicalPath;

/// The claim holding a token's confirmation (RFC 7800): `x5t#S256`, `jkt`.
pub const CONFIRMATION_CLAIM: &str = "cnf";
const CERTIFICATE_THUMBPRINT: &str = "x5t#S256";
const KEY_THUMBPRINT: &str = "jkt";

/// How the token was presented.
struct Presented<'a> {
    found: &'a Found,
    /// `Authorization: DPoP`, as opposed to bearer (in any token source).
    dpop_scheme: bool,
    client: Option<&'a ClientCert>,
}

impl Authenticator<'_> {
    /// The credential as this configuration reads it: the `DPoP` scheme is unsupported when no
    /// provider takes DPoP.
    pub(crate) fn supported<'c>(&self, credential: Credential<'c>) -> Credential<'c> {
        let accepts_dpop = self
            .config
            .providers
            .iter()
            .any(|p| p.dpop != DpopMode::Off);
        match credential {
            Credential::Dpop(_) if !accepts_dpop => Credential::OtherScheme,
            other => other,
        }
    }

    /// The verdict on the token the request carries, its bindings included.
    pub(crate) fn bound_bearer(
        &self,
        found: &Found,
        credential: &Credential<'_>,
        client: Option<&ClientCert>,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        now: u64,
    ) -> Verdict {
        let presented = Presented {
            found,
            dpop_scheme: matches!(credential, Credential::Dpop(_))
                && found.origin == Origin::Authorization,
            client,
        };
        let verdict = self.bearer(found, request, path, now);
        self.bind(verdict, &presented, request, now)
    }

    /// The verdict once the token's bindings are checked.
    fn bind(
        &self,
        verdict: Verdict,
        presented: &Presented<'_>,
        request: &RequestFacts<'_>,
        now: u64,
    ) -> Verdict {
        let principal = match &verdict {
            Verdict::Authenticated { principal, .. } => principal,
            Verdict::Refused(refusal) if presented.dpop_scheme => {
                return Verdict::Refused(self.with_dpop_challenge(refusal.clone()));
            }
            _ => return verdict,
        };
        let issuer = principal.issuer.as_deref();
        let provider = self
            .config
            .providers
            .iter()
            .find(|p| Some(p.issuer.as_str()) == issuer);
        let Some(provider) = provider else {
            return Verdict::Refused(Refusal::InvalidToken("unknown_issuer"));
        };
        let cnf = principal.claims.get(CONFIRMATION_CLAIM);
        let checked = certificate::check(provider, cnf, presented.client)
            .and_then(|()| self.check_dpop(provider, cnf, presented, request, now));
        match checked {
            Ok(()) => verdict,
            Err(refusal) => Verdict::Refused(refusal),
        }
    }
}

/// Removes before the upstream what must not reach it: the DPoP proof (unless tokens are
/// forwarded) and an `x-forwarded-client-cert` not sent by a trusted front proxy.
pub fn strip(
    host: &dyn Host,
    config: &Config,
    request: &RequestFacts<'_>,
) -> Result<(), HostError> {
    let has = |wanted: &str| request.headers.iter().any(|(name, _)| *name == wanted);
    if !config.forward_token && has(DPOP_HEADER) {
        host.set_header(HeaderMap::Request, DPOP_HEADER, None)?;
    }
    if has(forwarded::XFCC) && mtls::must_strip_xfcc(config.mtls.as_ref(), request.peer) {
        host.set_header(HeaderMap::Request, forwarded::XFCC, None)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
#[path = "binding_tests.rs"]
mod tests;
