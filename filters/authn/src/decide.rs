//! The decision on one request: anonymous, authenticated, or refused, and why.
//!
//! Only operations the OpenAPI document marks `security: []` may be called without a token.
//! A token, when present, is always checked, also on public operations (see [`crate::bearer`]
//! for the order of its checks).

use crate::cache::TokenCache;
use crate::config::Config;
use crate::credential::{self, sources, Credential};
use crate::keys::KeyStore;
use crate::mtls::peer::PeerFacts;
use crate::refusal::Refusal;
use crate::revocation::Revocations;
use crate::verify::Verifier;
use palisade_shared::openapi::{Lookup, Security};
use palisade_shared::path::CanonicalPath;
use palisade_shared::principal::Principal;
use palisade_shared::shared_data::SharedData;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

/// What the filter read from the request headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFacts<'a> {
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub authorization: Vec<&'a str>,
    /// Every request header, for token sources other than `Authorization`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The client's address without port, read when a throttle decision needs it.
    pub source: ClientAddress<'a>,
    /// The connection's client certificate facts (`None` only in tests that do not set them).
    pub peer: Option<&'a PeerFacts>,
}

impl<'a> RequestFacts<'a> {
    /// Picks `:method`, `:path` and every `authorization` value out of the header list.
    pub fn from_headers(headers: &'a [(&'a str, &'a str)]) -> Self {
        let mut facts = RequestFacts {
            headers,
            ..RequestFacts::default()
        };
        for (name, value) in headers {
            match *name {
                ":method" => facts.method = Some(value),
                ":path" => facts.path = Some(value),
                "authorization" => facts.authorization.push(value),
                _ => {}
            }
        }
        facts
    }
}

/// The client's address, read from the host the first time a decision asks for it: reading
/// it costs a host call, and an allowed request needs it only while some address is locked out.
#[derive(Clone, Default)]
pub struct ClientAddress<'a> {
    read: Option<&'a dyn Fn() -> Option<String>>,
    value: OnceCell<Option<String>>,
}

impl<'a> ClientAddress<'a> {
    /// An address known up front (tests).
    pub fn known(address: &str) -> Self {
        ClientAddress {
            read: None,
            value: OnceCell::from(Some(address.to_string())),
        }
    }

    /// An address `read` produces when first asked for.
    pub fn lazy(read: &'a dyn Fn() -> Option<String>) -> Self {
        ClientAddress {
            read: Some(read),
            value: OnceCell::new(),
        }
    }

    pub fn get(&self) -> Option<&str> {
        self.value
            .get_or_init(|| self.read.and_then(|read| read()))
            .as_deref()
    }

    /// Whether the address was read (or known) — for tests of what a decision costs.
    pub fn was_read(&self) -> bool {
        self.value.get().is_some()
    }
}

impl std::fmt::Debug for ClientAddress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.value.get() {
            Some(address) => write!(f, "ClientAddress({address:?})"),
            None => f.write_str("ClientAddress(unread)"),
        }
    }
}

impl PartialEq for ClientAddress<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.value.get() == other.value.get()
    }
}

impl Eq for ClientAddress<'_> {}

/// The outcome for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A public operation called without credentials.
    Anonymous,
    Authenticated {
        principal: Rc<Principal>,
        from_cache: bool,
    },
    /// A configured API key; `source` says what to remove before the upstream.
    ApiKey {
        principal: Rc<Principal>,
        source: crate::mechanisms::apikey::source::KeySource,
    },
    /// A valid HMAC signature; the body must still match its digest.
    Signed {
        principal: Rc<Principal>,
        body: crate::mechanisms::hmac_request::body::BodyPlan,
    },
    /// A service-to-service operation called with an admitted client certificate.
    Service {
        principal: Rc<Principal>,
    },
    Refused(Refusal),
}

/// Everything a decision reads: configuration, key sets, cache and verifier.
pub struct Authenticator<'a> {
    pub config: &'a Config,
    pub keys: &'a KeyStore,
    pub cache: &'a RefCell<TokenCache>,
    pub verifier: &'a dyn Verifier,
    /// Envoy shared data: failure counters and sessions of every worker.
    pub shared: &'a dyn SharedData,
    /// The revocation list this worker last installed.
    pub revocations: &'a Revocations,
}

impl Authenticator<'_> {
    /// Decides on a request at `now` (Unix seconds).
    pub fn decide(&self, request: &RequestFacts<'_>, now: u64) -> Verdict {
        let Some(path) = request.path.and_then(|p| CanonicalPath::parse(p).ok()) else {
            return Verdict::Refused(Refusal::InvalidPath);
        };
        let credential = match credential::read(&request.authorization) {
            Ok(credential) => self.supported(credential),
            Err(refusal) => return Verdict::Refused(refusal),
        };
        let client = match self.service_gate(request, &path, &credential) {
            Ok(client) => client,
            Err(verdict) => return verdict,
        };
        if let Some(verdict) = self.decide_key_credential(request, &path, &credential, now) {
            return verdict;
        }
        let target = request.path.unwrap_or_default();
        let sources = &self.config.token_sources;
        match sources::find(sources, request.headers, target, &credential) {
            Ok(Some(found)) => {
                let client = client.as_ref();
                return self.bound_bearer(&found, &credential, client, request, &path, now);
            }
            Ok(None) => {}
            Err(refusal) => return Verdict::Refused(refusal),
        }
        match credential {
            Credential::Absent if self.is_public(request.method, &path) => Verdict::Anonymous,
            Credential::Absent => Verdict::Refused(Refusal::MissingToken),
            // Credentials this filter cannot verify are not passed on, even to public operations;
            // a bearer token counts as one when `Authorization` is not a configured source.
            // So do API keys and signatures when that mechanism is not configured.
            Credential::OtherScheme
            | Credential::Bearer(_)
            | Credential::Dpop(_)
            | Credential::ApiKey(_)
            | Credential::Signed(_) => Verdict::Refused(Refusal::UnsupportedScheme),
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
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
