//! What happens to a response body, decided from the head (and, for a response without
//! `content-type`, from the whole body): pass, prune, or replace.
//!
//! Fail closed: for a request that matched an operation, a body the document does not describe
//! never leaves as it came. An undeclared 4xx or 5xx body becomes a generic problem of the same
//! status; any other undeclared body is withheld with a 502. Only the operations listed in
//! `pass_undeclared_responses` let such bodies pass.

use crate::config::Filter;
use crate::media::{essence, parses_as_json, JSON, UNLABELLED};
use crate::plan::NodeId;
use crate::prune::BodyError;
use crate::refusal::Refusal;
use crate::responses::{Described, ResponsePlans};
use palisade_shared::host::{HeaderMap, Host};

/// What the body callbacks do with this response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// Nothing to rewrite (the reason says why): the body passes untouched.
    Pass(&'static str),
    /// Buffer the body to its end and prune it with this plan.
    Filter(NodeId),
    /// No `content-type`: buffer the body to its end, then decide as for `application/json`
    /// when it parses as JSON, else as for `application/octet-stream`. The status is kept.
    Sniff(u16),
    /// Never pass the body on; at its end write the refusal's problem document in its place.
    Replace(Refusal),
}

/// The response head as far as this filter cares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub content_length: Option<String>,
    pub content_encoding: Option<String>,
}

impl Head {
    pub fn read(host: &dyn Host) -> Head {
        let get = |name| host.header(HeaderMap::Response, name).ok().flatten();
        Head {
            status: get(":status").and_then(|s| s.parse().ok()),
            content_type: get("content-type"),
            content_length: get("content-length"),
            content_encoding: get("content-encoding"),
        }
    }

    fn length(&self) -> Option<usize> {
        self.content_length.as_deref()?.trim().parse().ok()
    }

    fn is_encoded(&self) -> bool {
        self.content_encoding
            .as_deref()
            .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"))
    }
}

/// Decides what happens to the body of a response, from its head alone.
pub fn decide_body(filter: &Filter, operation: Option<usize>, head: &Head, end: bool) -> BodyMode {
    if end || head.length() == Some(0) {
        return BodyMode::Pass("no-body");
    }
    // Limitation: after a 101 the bytes are another protocol (WebSocket), which this filter
    // cannot read; Envoy upgrades only what the route's upgrade_configs allow.
    if head.status.is_some_and(|status| status < 200) {
        return BodyMode::Pass("informational");
    }
    let Some((index, plans)) = operation.and_then(|i| Some((i, filter.responses_at(i)?))) else {
        return BodyMode::Pass("no-operation");
    };
    let mode = match (head.status, head.content_type.as_deref()) {
        (Some(status), Some(content_type)) => by_media(plans, status, &essence(content_type)),
        (Some(status), None) => unlabelled(plans, status),
        (None, _) => BodyMode::Replace(Refusal::undescribed(None)),
    };
    readable(filter, head, relax(filter, index, mode))
}

/// Decides, for a response without `content-type` whose whole body is known, what the
/// document says about it. An empty body passes: there is nothing to leak.
pub fn decide_sniffed(
    filter: &Filter,
    operation: Option<usize>,
    status: u16,
    body: &[u8],
) -> BodyMode {
    if body.is_empty() {
        return BodyMode::Pass("no-body");
    }
    let Some((index, plans)) = operation.and_then(|i| Some((i, filter.responses_at(i)?))) else {
        return BodyMode::Pass("no-operation");
    };
    let media = if parses_as_json(body) {
        JSON
    } else {
        UNLABELLED
    };
    relax(filter, index, by_media(plans, status, media))
}

fn by_media(plans: &ResponsePlans, status: u16, media: &str) -> BodyMode {
    match plans.describe(status, media) {
        Described::Schema(node) => BodyMode::Filter(node),
        Described::Declared(reason) => BodyMode::Pass(reason),
        Described::Undescribed => BodyMode::Replace(Refusal::undescribed(Some(status))),
    }
}

/// A body without `content-type` is read before deciding, unless the decision is the same
/// whether or not it turns out to be JSON.
fn unlabelled(plans: &ResponsePlans, status: u16) -> BodyMode {
    let as_json = plans.describe(status, JSON);
    let as_other = plans.describe(status, UNLABELLED);
    match (as_json, as_other) {
        (Described::Undescribed, Described::Undescribed) => {
            BodyMode::Replace(Refusal::undescribed(Some(status)))
        }
        _ => BodyMode::Sniff(status),
    }
}

/// Operations configured to pass undescribed bodies do so; unfilterable ones stay refused.
fn relax(filter: &Filter, index: usize, mode: BodyMode) -> BodyMode {
    match mode {
        BodyMode::Replace(Refusal::Undeclared | Refusal::UpstreamError(_))
            if filter.passes_undeclared(index) =>
        {
            BodyMode::Pass("undeclared-passed")
        }
        mode => mode,
    }
}

/// A body that must be read but cannot be (compressed, announced larger than the limit) is
/// refused from the head.
fn readable(filter: &Filter, head: &Head, mode: BodyMode) -> BodyMode {
    if !matches!(mode, BodyMode::Filter(_) | BodyMode::Sniff(_)) {
        return mode;
    }
    if head.is_encoded() {
        return BodyMode::Replace(Refusal::Unfilterable(BodyError::Encoded));
    }
    if head
        .length()
        .is_some_and(|length| length > filter.max_body_bytes)
    {
        return BodyMode::Replace(Refusal::Unfilterable(BodyError::TooLarge));
    }
    mode
}
