//! The record's verdict: who, if anyone, kept the client from the API's answer.
//!
//! A Palisade stage that denied or failed is named first, in chain order. Otherwise Envoy
//! itself may have answered (a request it could not parse or route, HTTP/1.0, an upstream it
//! could not reach, a body over its limits): then the status is 400 or more and Envoy's
//! `response.code_details` is not `via_upstream`. When Envoy does not say (no details), a
//! status of 400 or more that no stage decided on counts as Envoy's.

/// `denied_by` for answers Envoy gave itself.
pub const ENVOY: &str = "envoy";
/// Envoy's `response.code_details` of a response that came from the upstream.
const VIA_UPSTREAM: &str = "via_upstream";

/// What the record says about the request as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// `allowed` or `denied`.
    pub outcome: &'static str,
    /// The stage that denied, `envoy`, or `None` when allowed.
    pub denied_by: Option<&'static str>,
}

/// What Envoy and the stages left about the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The first stage, in chain order, that denied or failed.
    pub denying_stage: Option<&'static str>,
    /// Whether any stage recorded a decision.
    pub any_decision: bool,
    /// The status the client received.
    pub status: Option<u32>,
    /// Envoy's `response.code_details`.
    pub code_details: Option<&'a str>,
}

/// The verdict on a request from what is known of it in the log phase.
pub fn judge(evidence: Evidence<'_>) -> Verdict {
    let denied_by = evidence.denying_stage.or_else(|| {
        let failed = evidence.status.is_some_and(|status| status >= 400);
        let from_upstream = match evidence.code_details {
            Some(details) => details == VIA_UPSTREAM,
            None => evidence.any_decision,
        };
        (failed && !from_upstream).then_some(ENVOY)
    });
    Verdict {
        outcome: if denied_by.is_some() {
            "denied"
        } else {
            "allowed"
        },
        denied_by,
    }
}
