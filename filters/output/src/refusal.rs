//! Responses that do not leave as the upstream sent them, mapped to what the client gets.
//!
//! The one place where this filter's refusals become statuses, problem documents and decisions.

use crate::prune::BodyError;
use palisade_shared::decision::Decision;
use palisade_shared::problem::Problem;

/// Problem kind of a response that had to be filtered but could not be.
pub const UNFILTERABLE: &str = "unfilterable-response";
/// Problem kind of a 1xx–3xx response the document does not describe.
pub const UNDECLARED: &str = "undeclared-response";
/// Problem kind that stands in for a 4xx or 5xx body the document does not describe.
pub const UPSTREAM_ERROR: &str = "upstream-error";
/// Decision reason of a replaced error body: the request was served, its error sanitised.
pub const SANITISED: &str = "error-sanitised";

/// Why a response body is replaced by a problem document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The body should be pruned but cannot be: withheld, 502.
    Unfilterable(BodyError),
    /// A 1xx–3xx answer whose body the document does not describe (status or media type not
    /// declared): withheld, 502. A success the contract does not promise is not passed on.
    Undeclared,
    /// A 4xx or 5xx answer whose body the document does not describe: the status stays, the
    /// body becomes a generic problem, so that no upstream error detail (stack traces, queries,
    /// internal names) leaves.
    UpstreamError(u16),
}

impl Refusal {
    /// The refusal of a body the document does not describe, by the upstream's status.
    pub fn undescribed(status: Option<u16>) -> Refusal {
        match status {
            Some(status @ 400..=599) => Refusal::UpstreamError(status),
            _ => Refusal::Undeclared,
        }
    }

    /// The status the response gets when its head has not left yet.
    pub fn status(self) -> u16 {
        match self {
            Refusal::UpstreamError(status) => status,
            Refusal::Unfilterable(_) | Refusal::Undeclared => 502,
        }
    }

    /// Stable reason, for the decision and the log.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Unfilterable(error) => error.reason(),
            Refusal::Undeclared => UNDECLARED,
            Refusal::UpstreamError(_) => SANITISED,
        }
    }

    /// Whether the response is withheld (a denial), rather than an error answer sanitised.
    pub fn withholds(self) -> bool {
        !matches!(self, Refusal::UpstreamError(_))
    }

    /// The decision left for audit. A sanitised error answer is not a denial: the request was
    /// allowed through and the upstream failed.
    pub fn decision(self) -> Decision {
        match self.withholds() {
            true => Decision::deny(self.reason(), u32::from(self.status())),
            false => Decision::allow(self.reason()),
        }
    }

    /// The problem document sent in place of the body. It says nothing of what the upstream
    /// sent.
    pub fn problem(self) -> Problem {
        let status = u32::from(self.status());
        match self {
            Refusal::Unfilterable(_) => {
                Problem::new(status, UNFILTERABLE, "Response could not be filtered").with_detail(
                    "the response could not be checked against the API contract and was withheld",
                )
            }
            Refusal::Undeclared => Problem::new(status, UNDECLARED, "Undeclared response")
                .with_detail("the API contract does not declare this response; it was withheld"),
            Refusal::UpstreamError(_) => Problem::new(status, UPSTREAM_ERROR, "Upstream error")
                .with_detail("the upstream failed; its error details were withheld"),
        }
    }

    /// Header edits that make a head that has not left yet the problem's.
    pub fn head_edits(self) -> [(&'static str, Option<String>); 6] {
        [
            (":status", Some(self.status().to_string())),
            ("content-type", Some("application/problem+json".to_string())),
            ("content-length", None),
            ("content-encoding", None),
            // A withheld redirect or download must not point anywhere either.
            ("location", None),
            ("content-disposition", None),
        ]
    }
}
