//! Service identity from mutual TLS: the client certificate's SPIFFE ID (or subject) as the
//! principal of service-to-service operations.
//!
//! The identity is read from the connection ([`peer`]) — never from a request header — unless
//! the connection's own peer is a configured front proxy, which may forward its client's
//! certificate in `x-forwarded-client-cert` ([`forwarded`], parsed strictly by [`xfcc`]). For
//! every other connection that header is removed before the upstream. On the operations the
//! `mtls` section lists, the identity must match an allowlist entry ([`config`]): exact SPIFFE
//! IDs, `/*` patterns below a path or trust domain ([`spiffe`]), or exact subjects. The
//! principal is then of kind `mtls`, its id the SPIFFE ID (or subject), its issuer the trust
//! domain, its scopes and roles those of the entry.
//!
//! The certificate found here also serves RFC 8705 certificate-bound tokens (see
//! [`crate::binding`]).
//!
//! How Envoy's own HCM setting `forward_client_cert_details` meets this (tested on 1.40):
//! `SANITIZE`, the default, removes a client's XFCC before any filter runs, so nothing can be
//! forwarded — fine for an edge listener, useless behind a front proxy. `FORWARD_ONLY` passes
//! the header on mTLS connections only: the setting for listeners a front proxy connects to;
//! authn then keeps it from the trusted proxy and removes it from everyone else.
//! `APPEND_FORWARD` and `SANITIZE_SET` add Envoy's own element for the connection's peer (the
//! front proxy itself), which authn recognises by its `Hash` and skips. `ALWAYS_FORWARD_ONLY`
//! passes any client's header, even over plain text; authn still removes it unless the peer is
//! a trusted proxy, but the upstream should not be reachable around Envoy in that setup.

pub mod config;
pub mod forwarded;
pub mod peer;
pub mod refusal;
pub mod spiffe;
pub mod xfcc;

use crate::credential::{sources, Credential};
use crate::decide::{Authenticator, RequestFacts, Verdict};
use crate::mechanisms::apikey;
use crate::refusal::Refusal;
use config::{AllowEntry, Matcher, MtlsConfig, Operations};
use palisade_shared::openapi::Lookup;
use palisade_shared::path::CanonicalPath;
use palisade_shared::principal::{Principal, PrincipalKind};
use peer::{ClientCert, PeerFacts};
use refusal::MtlsRefusal;
use spiffe::SpiffeId;
use std::rc::Rc;

impl MtlsConfig {
    /// Whether the connection's peer is a trusted front proxy.
    pub fn trusts_front_proxy(&self, peer: &PeerFacts) -> bool {
        let id = peer.uri_san.as_deref().and_then(SpiffeId::parse);
        peer.mtls && id.is_some_and(|id| self.trusted_front_proxies.contains(&id))
    }

    /// The principal of an admitted certificate, or why it is not admitted.
    pub fn identify(&self, cert: &ClientCert) -> Result<Principal, MtlsRefusal> {
        let spiffe = cert.uri.as_deref().map(SpiffeId::parse);
        for entry in &self.allow {
            match (&entry.matcher, &spiffe) {
                (Matcher::Spiffe(pattern), Some(Some(id))) if pattern.matches(id) => {
                    return Ok(principal(id.as_str(), Some(id.trust_domain()), entry));
                }
                (Matcher::Subject(subject), _) if cert.subject.as_ref() == Some(subject) => {
                    return Ok(principal(subject, None, entry));
                }
                _ => {}
            }
        }
        match spiffe {
            Some(None) => Err(MtlsRefusal::BadSpiffeId),
            _ => Err(MtlsRefusal::NotAllowed),
        }
    }
}

fn principal(id: &str, issuer: Option<&str>, entry: &AllowEntry) -> Principal {
    let mut principal = Principal::anonymous();
    principal.kind = PrincipalKind::Mtls;
    principal.id = id.to_string();
    principal.issuer = issuer.map(String::from);
    principal.scopes = entry.scopes.clone();
    principal.roles = entry.roles.clone();
    principal
}

/// Whether a client-sent `x-forwarded-client-cert` must go before the upstream: always, unless
/// the connection's peer is a trusted front proxy.
pub fn must_strip_xfcc(config: Option<&MtlsConfig>, peer: Option<&PeerFacts>) -> bool {
    match (config, peer) {
        (Some(config), Some(peer)) => !config.trusts_front_proxy(peer),
        _ => true,
    }
}

impl Authenticator<'_> {
    /// The caller's certificate: the connection's, or the one a trusted front proxy forwarded
    /// (`None` when the proxy forwarded none: the proxy itself is not the caller).
    fn client_certificate(
        &self,
        request: &RequestFacts<'_>,
    ) -> Result<Option<ClientCert>, Refusal> {
        let Some(peer) = request.peer else {
            return Ok(None);
        };
        match &self.config.mtls {
            Some(config) if config.trusts_front_proxy(peer) => {
                forwarded::client(request.headers, peer).map_err(Refusal::Mtls)
            }
            _ => Ok(ClientCert::of_connection(peer)),
        }
    }

    /// The caller's certificate for the later checks, or the verdict when the certificate
    /// decides the request: a service-to-service operation, or a malformed forwarded header.
    pub(crate) fn service_gate(
        &self,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        credential: &Credential<'_>,
    ) -> Result<Option<ClientCert>, Verdict> {
        let client = self.client_certificate(request).map_err(Verdict::Refused)?;
        match self.decide_service(request, path, credential, client.as_ref()) {
            Some(verdict) => Err(verdict),
            None => Ok(client),
        }
    }

    /// The verdict on a service-to-service operation; `None` for every other request.
    fn decide_service(
        &self,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        credential: &Credential<'_>,
        client: Option<&ClientCert>,
    ) -> Option<Verdict> {
        let config = self.config.mtls.as_ref()?;
        if !self.is_service_operation(config, request.method, path) {
            return None;
        }
        if self.has_credential(request, path, credential) {
            return Some(Verdict::Refused(Refusal::InvalidRequest(
                "multiple_credentials",
            )));
        }
        let verdict = match client.map(|cert| config.identify(cert)) {
            Some(Ok(principal)) => Verdict::Service {
                principal: Rc::new(principal),
            },
            Some(Err(refusal)) => Verdict::Refused(Refusal::Mtls(refusal)),
            None => Verdict::Refused(Refusal::Mtls(MtlsRefusal::NoCertificate)),
        };
        Some(verdict)
    }

    /// Whether the request also offers a token or key, wherever the configuration reads them.
    fn has_credential(
        &self,
        request: &RequestFacts<'_>,
        path: &CanonicalPath,
        credential: &Credential<'_>,
    ) -> bool {
        let target = request.path.unwrap_or_default();
        let sources = &self.config.token_sources;
        let token = sources::find(sources, request.headers, target, credential);
        let key = self
            .config
            .api_keys
            .as_ref()
            .map(|keys| apikey::source::find(keys, request.headers, &path.query, credential));
        *credential != Credential::Absent
            || !matches!(token, Ok(None))
            || key.is_some_and(|key| !matches!(key, Ok(None)))
    }

    fn is_service_operation(
        &self,
        config: &MtlsConfig,
        method: Option<&str>,
        path: &CanonicalPath,
    ) -> bool {
        let listed = match &config.operations {
            Operations::All => return true,
            Operations::Listed(listed) if listed.is_empty() => return false,
            Operations::Listed(listed) => listed,
        };
        let found = method.map(|method| self.config.inventory.find(method, path));
        match found {
            Some(Lookup::Found { operation, .. }) => operation
                .operation_id
                .as_ref()
                .is_some_and(|id| listed.contains(id)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
