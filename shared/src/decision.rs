//! Each filter's verdict on a request, left in filter state for the audit filter.

use crate::host::{Host, HostError};
use crate::principal::Principal;
use serde::{Deserialize, Serialize};

/// Filter-state key prefix; the filter's stage name follows, e.g. `palisade.decision.authn`.
pub const PROPERTY_PREFIX: &str = "palisade.decision.";
/// Filter-state key of the matched operation, written by the first filter that matches it.
pub const OPERATION_PROPERTY: &str = "palisade.operation";

/// What a filter did with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allow,
    Deny,
    /// The policy would have denied but runs in dry-run mode.
    WouldDeny,
    Error,
}

/// One filter's verdict: the outcome, a stable reason and the status it answered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
}

impl Decision {
    pub fn allow(reason: &str) -> Self {
        Decision {
            outcome: Outcome::Allow,
            reason: reason.to_string(),
            status: None,
        }
    }

    pub fn deny(reason: &str, status: u32) -> Self {
        Decision {
            outcome: Outcome::Deny,
            reason: reason.to_string(),
            status: Some(status),
        }
    }

    /// authn's decision on a request it admitted. authn records a decision only when it refuses:
    /// the principal it hands on is the record of an admission, and says how the caller proved
    /// itself.
    pub fn admitted(principal: &Principal) -> Self {
        Decision::allow(principal.kind.admission_reason())
    }

    pub fn store(&self, host: &dyn Host, stage: &str) -> Result<(), HostError> {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        host.set_property(&[&format!("{PROPERTY_PREFIX}{stage}")], &bytes)
    }

    pub fn load(host: &dyn Host, stage: &str) -> Option<Decision> {
        let key = format!("{PROPERTY_PREFIX}{stage}");
        let bytes = host.property(&[&key]).ok().flatten()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// The operation a request matched, as later filters and audit see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedOperation {
    pub method: String,
    pub template: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
}

impl MatchedOperation {
    pub fn store(&self, host: &dyn Host) -> Result<(), HostError> {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        host.set_property(&[OPERATION_PROPERTY], &bytes)
    }

    pub fn load(host: &dyn Host) -> Option<MatchedOperation> {
        let bytes = host.property(&[OPERATION_PROPERTY]).ok().flatten()?;
        serde_json::from_slice(&bytes).ok()
    }
}
