//! The audit record: read from Envoy's attributes and the other filters' filter state.
//!
//! Every field is always present (`null` when unknown), so that consumers need no guessing.

use crate::clock::{from_unix_nanos, rfc3339_millis};
use crate::config::Config;
use crate::outcome::{judge, Evidence};
use crate::path;
use palisade_shared::decision::{Decision, MatchedOperation, Outcome};
use palisade_shared::host::Host;
use palisade_shared::principal::{Principal, PrincipalKind};
use serde::Serialize;
use std::time::SystemTime;

/// Version of the record's shape; bump on any incompatible change.
pub const VERSION: u32 = 1;

/// One request as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub version: u32,
    /// When the request arrived, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// Envoy's request id (`request.id`). Clients cannot choose it where the connection manager
    /// has `use_remote_address: true`: Envoy then generates the id of every edge request.
    pub request_id: Option<String>,
    /// The downstream peer, `ip:port`.
    pub source_address: Option<String>,
    pub principal: Option<PrincipalSummary>,
    pub method: Option<String>,
    /// The request path without its query string and with each segment's `;` parameters
    /// reduced to a bare `;`, cut to `max_path_bytes`.
    pub path: Option<String>,
    pub route_template: Option<String>,
    pub operation_id: Option<String>,
    /// The status the client received (a local reply's, when a filter refused).
    pub status: Option<u32>,
    pub latency_ms: Option<f64>,
    pub decisions: Decisions,
    /// `allowed`, or `denied` when a stage denied the request or failed, or Envoy answered
    /// with an error itself (see [`crate::outcome`]).
    pub outcome: &'static str,
    /// The first stage, in chain order, that denied or failed; else `envoy` when Envoy
    /// answered with an error itself.
    pub denied_by: Option<&'static str>,
}

/// Who called, as authn established it; never a credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrincipalSummary {
    pub kind: PrincipalKind,
    pub id: String,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
}

/// Each stage's decision; `null` when the stage did not decide (not run, or disabled).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decisions {
    pub authn: Option<Decision>,
    pub authz: Option<Decision>,
    pub validate: Option<Decision>,
    pub output: Option<Decision>,
}

impl Decisions {
    /// Each stage's decision; authn records only refusals, so a request with a `principal` and
    /// no authn decision was admitted.
    fn load(host: &dyn Host, principal: Option<&Principal>) -> Decisions {
        Decisions {
            authn: Decision::load(host, "authn").or_else(|| principal.map(Decision::admitted)),
            authz: Decision::load(host, "authz"),
            validate: Decision::load(host, "validate"),
            output: Decision::load(host, "output"),
        }
    }

    fn in_chain_order(&self) -> [(&'static str, Option<&Decision>); 4] {
        [
            ("authn", self.authn.as_ref()),
            ("authz", self.authz.as_ref()),
            ("validate", self.validate.as_ref()),
            ("output", self.output.as_ref()),
        ]
    }

    /// Whether any stage decided.
    pub fn any(&self) -> bool {
        self.in_chain_order().iter().any(|(_, d)| d.is_some())
    }

    /// The first stage that denied or failed (a failing filter refuses: fail closed).
    pub fn denied_by(&self) -> Option<&'static str> {
        self.in_chain_order()
            .into_iter()
            .find_map(|(stage, decision)| {
                let refused =
                    decision.is_some_and(|d| matches!(d.outcome, Outcome::Deny | Outcome::Error));
                refused.then_some(stage)
            })
    }
}

/// Reads everything the record needs from the host, in the log phase.
pub fn read(host: &dyn Host, config: &Config) -> Record {
    let started = int_property(host, &["request", "time"]).map(from_unix_nanos);
    let operation = MatchedOperation::load(host);
    let principal = Principal::load(host).ok().flatten();
    let decisions = Decisions::load(host, principal.as_ref());
    let status = int_property(host, &["response", "code"]).and_then(|c| u32::try_from(c).ok());
    let code_details = text_property(host, &["response", "code_details"]);
    let verdict = judge(Evidence {
        denying_stage: decisions.denied_by(),
        any_decision: decisions.any(),
        status,
        code_details: code_details.as_deref(),
    });
    Record {
        version: VERSION,
        time: rfc3339_millis(started.unwrap_or_else(|| host.now())),
        // Envoy's `request.id` is the `x-request-id` header's value, which Envoy generates for
        // edge requests when the connection manager has `use_remote_address: true`.
        request_id: text_property(host, &["request", "id"]),
        source_address: text_property(host, &["source", "address"]),
        principal: principal.map(summary),
        method: text_property(host, &["request", "method"]),
        path: request_path(host).map(|target| path::recorded(&target, config.max_path_bytes)),
        route_template: operation.as_ref().map(|o| o.template.clone()),
        operation_id: operation.and_then(|o| o.operation_id),
        status,
        latency_ms: latency_ms(host, started),
        decisions,
        outcome: verdict.outcome,
        denied_by: verdict.denied_by,
    }
}

/// The record as the one line written to the log.
pub fn log_line(record: &Record) -> Option<String> {
    serde_json::to_string(record)
        .ok()
        .map(|json| format!("palisade-audit {json}"))
}

fn summary(principal: Principal) -> PrincipalSummary {
    PrincipalSummary {
        kind: principal.kind,
        id: principal.id,
        issuer: principal.issuer,
        client_id: principal.client_id,
    }
}

/// The request's path as Envoy gives it: `url_path` (without the query), else the whole target.
fn request_path(host: &dyn Host) -> Option<String> {
    text_property(host, &["request", "url_path"])
        .or_else(|| text_property(host, &["request", "path"]))
}

/// Envoy's own measure of the request, else the time since it arrived.
fn latency_ms(host: &dyn Host, started: Option<SystemTime>) -> Option<f64> {
    let nanos = match int_property(host, &["request", "duration"]) {
        Some(nanos) => u64::try_from(nanos).ok()?,
        None => {
            let elapsed = host.now().duration_since(started?).ok()?;
            u64::try_from(elapsed.as_nanos()).ok()?
        }
    };
    // Microsecond resolution is plenty and keeps the number short.
    Some((nanos / 1_000) as f64 / 1_000.0)
}

fn text_property(host: &dyn Host, path: &[&str]) -> Option<String> {
    let bytes = host.property(path).ok().flatten()?;
    String::from_utf8(bytes)
        .ok()
        .filter(|text| !text.is_empty())
}

/// Envoy encodes integer, timestamp and duration attributes as 8 little-endian bytes.
fn int_property(host: &dyn Host, path: &[&str]) -> Option<i64> {
    let bytes = host.property(path).ok().flatten()?;
    let bytes: [u8; 8] = bytes.as_slice().try_into().ok()?;
    Some(i64::from_le_bytes(bytes))
}
