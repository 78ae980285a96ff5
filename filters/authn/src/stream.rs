//! One request through authn: read the headers, decide, act — against the [`Host`] trait, so
//! that the whole path runs in unit tests on the fake host.
//!
//! Acting means: on refusal, answer with the problem and record the precise reason; on success,
//! remove client-sent identity headers, forward the verified ones, and hand the principal to the
//! later filters through filter state.

use crate::claims::forward;
use crate::config::Config;
use crate::credential::sources;
use crate::decide::{Authenticator, ClientAddress, RequestFacts, Verdict};
use crate::mechanisms::apikey;
use crate::mechanisms::hmac_request::body::BodyPlan;
use crate::mtls::peer;
use crate::refusal::Refusal;
use crate::throttle;
use palisade_shared::decision::Decision;
use palisade_shared::host::{HeaderMap, Host, HostError};
use palisade_shared::principal::{self, Principal};
use std::time::UNIX_EPOCH;

/// Filter-state stage name of this filter's decisions.
pub const STAGE: &str = "authn";
pub const SUBJECT_HEADER: &str = "x-palisade-subject";
pub const CLIENT_ID_HEADER: &str = "x-palisade-client-id";
pub const SCOPES_HEADER: &str = "x-palisade-scopes";

/// What happened, for the glue's counters and log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    pub verdict: Verdict,
    /// Whether the request goes on to the next filter.
    pub proceed: bool,
    /// A host call that failed while acting; the request was refused if it mattered.
    pub host_error: Option<HostError>,
    /// A signed request whose body must still match its digest (see `glue::http`).
    pub body: Option<BodyPlan>,
}

/// Handles the request headers of one stream.
pub fn handle(host: &dyn Host, authenticator: &Authenticator<'_>) -> Handled {
    let list = match host.header_list(HeaderMap::Request) {
        Ok(list) => list,
        Err(err) => return refuse(host, authenticator, Refusal::HostFailure, Some(err)),
    };
    let headers = list.pairs();
    let now = host
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let read_source = || client_address(host, authenticator);
    // The connection's certificate is read up front only when mTLS is configured; otherwise
    // only a certificate-bound token needs it (see `needs_certificate`).
    let early_peer = authenticator
        .config
        .mtls
        .is_some()
        .then(|| peer::read(host));
    let late_peer;
    let mut facts = RequestFacts {
        source: ClientAddress::lazy(&read_source),
        peer: early_peer.as_ref(),
        ..RequestFacts::from_headers(&headers)
    };
    let mut verdict = authenticator.decide(&facts, now);
    if early_peer.is_none() && needs_certificate(&verdict) {
        late_peer = peer::read(host);
        // Without a client certificate the refusal stands as it is.
        if late_peer.mtls {
            facts.peer = Some(&late_peer);
            verdict = authenticator.decide(&facts, now);
        }
    }
    let admit = |principal: &Principal, encoded: &[u8]| {
        admit(host, authenticator, &facts, principal, encoded)
    };
    let admitted = match &verdict {
        Verdict::Refused(refusal) => return refuse(host, authenticator, refusal.clone(), None),
        Verdict::Anonymous => {
            let principal = Principal::anonymous();
            admit(&principal, &encode(&principal))
        }
        Verdict::Authenticated { principal, .. } => {
            let encoded = authenticator.cache.borrow_mut().encoded(principal);
            admit(principal, &encoded)
        }
        Verdict::ApiKey { principal, source } => admit(principal, &encode(principal))
            .and_then(|()| apikey::source::strip(host, authenticator.config, *source)),
        Verdict::Signed { principal, .. } | Verdict::Service { principal } => {
            admit(principal, &encode(principal))
        }
    };
    let admitted =
        admitted.and_then(|()| crate::binding::strip(host, authenticator.config, &facts));
    match admitted {
        Ok(()) => {
            let body = match &verdict {
                Verdict::Signed { body, .. } => Some(body.clone()),
                _ => None,
            };
            Handled {
                proceed: body.as_ref().is_none_or(|plan| !plan.hold_request_headers),
                verdict,
                host_error: None,
                body,
            }
        }
        // A request whose identity could not be handed on must not reach the upstream.
        Err(err) => refuse(host, authenticator, Refusal::HostFailure, Some(err)),
    }
}

fn refuse(
    host: &dyn Host,
    authenticator: &Authenticator<'_>,
    refusal: Refusal,
    cause: Option<HostError>,
) -> Handled {
    let problem = refusal.problem(&authenticator.config.realm);
    let sent = problem.refuse(host, STAGE);
    // Problem::refuse records the public kind; the audit record wants the precise reason.
    let recorded = Decision::deny(refusal.reason(), problem.status).store(host, STAGE);
    Handled {
        verdict: Verdict::Refused(refusal),
        proceed: false,
        host_error: cause.or(sent.err()).or(recorded.err()),
        body: None,
    }
}

/// Forwards the verified identity, removes what the client must not hand the upstream, and
/// hands the principal on. Client-sent headers are removed only when the header list read at
/// the start shows them: one host call fewer for each one that is absent.
///
/// No decision is recorded: the principal is the record of an admission (see
/// [`Decision::admitted`]), and every allowed request is spared a filter-state write.
fn admit(
    host: &dyn Host,
    authenticator: &Authenticator<'_>,
    request: &RequestFacts<'_>,
    principal: &Principal,
    encoded: &[u8],
) -> Result<(), HostError> {
    let config = authenticator.config;
    let forwarded = config.forward_identity_headers && !principal.id.is_empty();
    let scopes = principal.scopes.join(" ");
    let identity = [
        (SUBJECT_HEADER, Some(principal.id.as_str())),
        (CLIENT_ID_HEADER, principal.client_id.as_deref()),
        (
            SCOPES_HEADER,
            Some(scopes.as_str()).filter(|s| !s.is_empty()),
        ),
    ];
    for (name, value) in identity {
        let value = value.filter(|v| forwarded && is_header_safe(v));
        replace_or_remove(host, request, name, value)?;
    }
    for header in &config.claim_headers {
        let value = principal
            .claims
            .get(&header.claim)
            .and_then(forward::header_value);
        let value = value.filter(|v| forwarded && is_header_safe(v));
        replace_or_remove(host, request, &header.header, value.as_deref())?;
    }
    if !principal.id.is_empty() && !config.forward_token {
        replace_or_remove(host, request, "authorization", None)?;
        remove_token_sources(host, config, request)?;
    }
    host.set_property(&[principal::PROPERTY], encoded)
}

/// Sets header `name` to `value`, or removes it when `value` is `None` and the request has it.
fn replace_or_remove(
    host: &dyn Host,
    request: &RequestFacts<'_>,
    name: &str,
    value: Option<&str>,
) -> Result<(), HostError> {
    if value.is_none() && !has_header(request, name) {
        return Ok(());
    }
    host.set_header(HeaderMap::Request, name, value)
}

/// Whether the request headers read at the start hold `name` (names compared as Envoy does,
/// without regard to case).
fn has_header(request: &RequestFacts<'_>, name: &str) -> bool {
    request
        .headers
        .iter()
        .any(|(header, _)| header.eq_ignore_ascii_case(name))
}

/// The filter-state encoding of a principal.
fn encode(principal: &Principal) -> Vec<u8> {
    serde_json::to_vec(principal).unwrap_or_default()
}

/// The client's address without its port, read only when failed attempts are throttled.
fn client_address(host: &dyn Host, authenticator: &Authenticator<'_>) -> Option<String> {
    authenticator.config.throttle.as_ref()?;
    let raw = host.property(&["source", "address"]).ok().flatten()?;
    throttle::address_without_port(&String::from_utf8_lossy(&raw)).map(String::from)
}

/// Removes the token's other carriers (named header, cookie, query parameter) before the
/// upstream, working on the headers read at the start; other cookies and parameters stay.
fn remove_token_sources(
    host: &dyn Host,
    config: &Config,
    request: &RequestFacts<'_>,
) -> Result<(), HostError> {
    let sources = &config.token_sources;
    if let Some(header) = &sources.header {
        replace_or_remove(host, request, header, None)?;
    }
    if let Some(cookie) = &sources.cookie {
        if let Some(rest) = sources::without_cookie(request.headers, cookie) {
            host.set_header(HeaderMap::Request, "cookie", rest.as_deref())?;
        }
    }
    let Some(query) = &sources.query else {
        return Ok(());
    };
    let target = request.path.unwrap_or_default();
    match sources::without_parameter(target, &query.parameter) {
        Some(stripped) => host.set_header(HeaderMap::Request, ":path", Some(&stripped)),
        None => Ok(()),
    }
}

/// Whether the verdict, reached without the connection's certificate, refused a certificate-
/// bound token for want of one. Deciding again with the certificate repeats only steps that
/// are idempotent for an accepted token: the cache hit or insert, the reset of its principal's
/// failure count, the session it already holds.
fn needs_certificate(verdict: &Verdict) -> bool {
    *verdict == Verdict::Refused(Refusal::InvalidToken("certificate_binding_missing"))
}

/// Visible ASCII and spaces only: a claim must not smuggle line breaks into a header.
fn is_header_safe(value: &str) -> bool {
    value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
