//! One request through authn: read the headers, decide, act — against the [`Host`] trait, so
//! that the whole path runs in unit tests on the fake host.
//!
//! Acting means: on refusal, answer with the problem and record the precise reason; on success,
//! remove client-sent identity headers, forward the verified ones, and hand the principal and
//! the decision to the later filters through filter state.

use crate::claims::forward;
use crate::config::Config;
use crate::credential::sources;
use crate::decide::{Authenticator, RequestFacts, Verdict};
use crate::mechanisms::apikey;
use crate::mechanisms::hmac_request::body::BodyPlan;
use crate::refusal::Refusal;
use crate::throttle;
use palisade_shared::decision::Decision;
use palisade_shared::host::{HeaderMap, Host, HostError};
use palisade_shared::principal::Principal;
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
    let headers = match host.headers(HeaderMap::Request) {
        Ok(headers) => headers,
        Err(err) => return refuse(host, authenticator, Refusal::HostFailure, Some(err)),
    };
    let now = host
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let source = client_address(host, authenticator);
    let peer = crate::mtls::peer::read(host);
    let facts = RequestFacts {
        source: source.as_deref(),
        peer: Some(&peer),
        ..RequestFacts::from_headers(&headers)
    };
    let verdict = authenticator.decide(&facts, now);
    let admitted = match &verdict {
        Verdict::Refused(refusal) => return refuse(host, authenticator, refusal.clone(), None),
        Verdict::Anonymous => admit(
            host,
            authenticator,
            &Principal::anonymous(),
            "public_operation",
        ),
        Verdict::Authenticated { principal, .. } => {
            admit(host, authenticator, principal, "bearer_token")
        }
        Verdict::ApiKey { principal, source } => admit(host, authenticator, principal, "api_key")
            .and_then(|()| apikey::source::strip(host, authenticator.config, *source)),
        Verdict::Signed { principal, .. } => {
            admit(host, authenticator, principal, "hmac_signature")
        }
        Verdict::Service { principal } => admit(host, authenticator, principal, "mtls_identity"),
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

fn admit(
    host: &dyn Host,
    authenticator: &Authenticator<'_>,
    principal: &Principal,
    reason: &str,
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
        host.set_header(HeaderMap::Request, name, value)?;
    }
    for header in &config.claim_headers {
        let value = principal
            .claims
            .get(&header.claim)
            .and_then(forward::header_value);
        let value = value.filter(|v| forwarded && is_header_safe(v));
        host.set_header(HeaderMap::Request, &header.header, value.as_deref())?;
    }
    if !principal.id.is_empty() && !config.forward_token {
        host.set_header(HeaderMap::Request, "authorization", None)?;
        remove_token_sources(host, config)?;
    }
    principal.store(host)?;
    Decision::allow(reason).store(host, STAGE)
}

/// The client's address without its port, read only when failed attempts are throttled.
fn client_address(host: &dyn Host, authenticator: &Authenticator<'_>) -> Option<String> {
    authenticator.config.throttle.as_ref()?;
    let raw = host.property(&["source", "address"]).ok().flatten()?;
    throttle::address_without_port(&String::from_utf8_lossy(&raw)).map(String::from)
}

/// Removes the token's other carriers (named header, cookie, query parameter) before the
/// upstream; other cookies and parameters stay.
fn remove_token_sources(host: &dyn Host, config: &Config) -> Result<(), HostError> {
    let sources = &config.token_sources;
    if let Some(header) = &sources.header {
        host.set_header(HeaderMap::Request, header, None)?;
    }
    if let Some(cookie) = &sources.cookie {
        let headers = host.headers(HeaderMap::Request)?;
        if let Some(rest) = sources::without_cookie(&headers, cookie) {
            host.set_header(HeaderMap::Request, "cookie", rest.as_deref())?;
        }
    }
    let Some(query) = &sources.query else {
        return Ok(());
    };
    let target = host
        .header(HeaderMap::Request, ":path")?
        .unwrap_or_default();
    match sources::without_parameter(&target, &query.parameter) {
        Some(stripped) => host.set_header(HeaderMap::Request, ":path", Some(&stripped)),
        None => Ok(()),
    }
}

/// Visible ASCII and spaces only: a claim must not smuggle line breaks into a header.
fn is_header_safe(value: &str) -> bool {
    value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
