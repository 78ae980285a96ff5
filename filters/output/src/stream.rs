//! One stream's work through the [`Host`] trait: read, decide, act, and report what happened.
//!
//! The body buffer itself is read and written by the glue (the host trait has no body calls);
//! everything else, including the decision left for audit, happens here.

use crate::config::Filter;
use crate::plan::NodeId;
use crate::prune::{rewrite, BodyError};
use crate::responses::{essence, is_json};
use palisade_shared::decision::{Decision, MatchedOperation};
use palisade_shared::host::{request_id, HeaderMap, Host, HostError};
use palisade_shared::openapi::Lookup;
use palisade_shared::path::CanonicalPath;
use palisade_shared::problem::Problem;

/// Filter-state stage name of this filter's decision.
pub const STAGE: &str = "output";
/// Problem kind of a response that had to be filtered but could not be.
pub const UNFILTERABLE: &str = "unfilterable-response";

/// What the body callbacks do with this response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// Nothing to rewrite (the reason says why): the body passes untouched.
    Pass(&'static str),
    /// Buffer the body to its end and prune it with this plan.
    Filter(NodeId),
    /// Never pass the body on; at its end write a problem document in its place.
    Replace(BodyError),
}

/// What one callback did, for the glue to count and log.
#[derive(Debug, Default)]
pub struct Report {
    pub fields_removed: u64,
    pub rewritten: bool,
    pub refused: Option<BodyError>,
    pub errors: Vec<HostError>,
}

impl Report {
    fn note(&mut self, result: Result<(), HostError>) {
        if let Err(err) = result {
            self.errors.push(err);
        }
    }
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
}

/// What one stream knows between callbacks.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    /// Index in the inventory of the operation the request matched.
    pub operation: Option<usize>,
    /// What the body callbacks do; `None` until the response head has been seen.
    pub mode: Option<BodyMode>,
    /// Envoy's request id, read in the request phase: Envoy refuses to read request headers
    /// in the response body phase (and proxy-wasm then panics).
    request_id: Option<String>,
    /// Whether this stream's refusal has been recorded (and counted) already.
    refused: bool,
}

impl Stream {
    /// Request phase: remembers the operation. When a response of that operation may be
    /// filtered, `accept-encoding` is removed so that the upstream answers with a body that can
    /// be read (a compressed one is refused).
    pub fn on_request_headers(&mut self, filter: &Filter, host: &dyn Host) -> Report {
        let mut report = Report::default();
        self.request_id = request_id(host);
        self.operation = match_operation(filter, host);
        let plans = self.operation.and_then(|i| filter.responses_at(i));
        if plans.is_some_and(|r| !r.is_empty()) {
            report.note(host.set_header(HeaderMap::Request, "accept-encoding", None));
        }
        report
    }

    /// Response-headers phase: security headers, then the body mode and what it needs in the
    /// head.
    pub fn on_response_headers(&mut self, filter: &Filter, host: &dyn Host, end: bool) -> Report {
        let mut report = Report::default();
        if filter.security_headers {
            apply_security_headers(host, &mut report);
        }
        let mode = decide_body(filter, self.operation, &Head::read(host), end);
        self.mode = Some(mode);
        match mode {
            BodyMode::Pass(reason) => report.note(Decision::allow(reason).store(host, STAGE)),
            // Envoy then sends the rewritten body chunked.
            BodyMode::Filter(_) => {
                report.note(host.set_header(HeaderMap::Response, "content-length", None))
            }
            BodyMode::Replace(error) => {
                rewrite_head_as_problem(host, &mut report);
                self.refuse(host, error, &mut report);
            }
        }
        report
    }

    /// The step for a body callback; a body that outgrows the limit is refused from here on.
    pub fn body_step(
        &mut self,
        filter: &Filter,
        host: &dyn Host,
        body_size: usize,
        end: bool,
    ) -> (Step, Report) {
        let mut report = Report::default();
        let mode = self.mode.unwrap_or(BodyMode::Pass("no-head"));
        if matches!(mode, BodyMode::Filter(_)) && body_size > filter.max_body_bytes {
            self.mode = Some(BodyMode::Replace(BodyError::TooLarge));
            self.refuse(host, BodyError::TooLarge, &mut report);
        }
        let step = match (self.mode.unwrap_or(mode), end) {
            (BodyMode::Pass(_), _) => Step::Pass,
            (BodyMode::Filter(_), false) => Step::Wait,
            (BodyMode::Filter(node), true) => Step::Finish(node),
            (BodyMode::Replace(_), false) => Step::Drain,
            (BodyMode::Replace(_), true) => Step::WriteProblem,
        };
        (step, report)
    }

    /// The body to send instead of the buffered one: the pruned document, or the problem
    /// document when it cannot be pruned. Records the decision for audit.
    pub fn finish(
        &mut self,
        filter: &Filter,
        host: &dyn Host,
        node: NodeId,
        body: &[u8],
    ) -> (Vec<u8>, Report) {
        let mut report = Report::default();
        match rewrite(&filter.plans, node, body) {
            Ok(rewritten) => {
                report.rewritten = true;
                report.fields_removed = rewritten.removed;
                report.note(Decision::allow("filtered").store(host, STAGE));
                (rewritten.body, report)
            }
            Err(error) => {
                self.mode = Some(BodyMode::Replace(error));
                self.refuse(host, error, &mut report);
                (self.problem_body(), report)
            }
        }
    }

    /// The problem document that replaces a body which cannot be filtered. When the head has
    /// already gone out, the client sees the upstream's status with this body: the status
    /// cannot be changed any more, and the unfiltered body must not leave.
    pub fn problem_body(&self) -> Vec<u8> {
        Problem::new(502, UNFILTERABLE, "Response could not be filtered")
            .with_detail(
                "the response could not be checked against the API contract and was withheld",
            )
            .body(self.request_id.as_deref())
    }

    /// Whether the body callbacks still hold the body back (buffered or drained).
    pub fn is_holding_body(&self) -> bool {
        matches!(self.mode, Some(BodyMode::Filter(_) | BodyMode::Replace(_)))
    }

    /// The body has been written: later callbacks pass whatever comes.
    pub fn body_written(&mut self) {
        self.mode = Some(BodyMode::Pass("written"));
    }

    /// Records the refusal for audit, once per stream.
    fn refuse(&mut self, host: &dyn Host, error: BodyError, report: &mut Report) {
        if self.refused {
            return;
        }
        self.refused = true;
        report.refused = Some(error);
        report.note(Decision::deny(error.reason(), 502).store(host, STAGE));
    }
}

/// The operation the request matched, by index in the inventory: the one authz matched (it
/// may be configured to read paths more leniently), else this filter's own lookup.
fn match_operation(filter: &Filter, host: &dyn Host) -> Option<usize> {
    if let Some(matched) = MatchedOperation::load(host) {
        return filter.index_by_template(&matched.method, &matched.template);
    }
    let method = host.header(HeaderMap::Request, ":method").ok().flatten()?;
    let target = host.header(HeaderMap::Request, ":path").ok().flatten()?;
    let path = CanonicalPath::parse(&target).ok()?;
    match filter.inventory.find(&method, &path) {
        Lookup::Found { operation, .. } => filter.index_of(operation),
        _ => None,
    }
}

/// Decides what happens to the body of a response, from its head alone.
pub fn decide_body(
    filter: &Filter,
    operation: Option<usize>,
    head: &Head,
    end_of_stream: bool,
) -> BodyMode {
    if end_of_stream {
        return BodyMode::Pass("no-body");
    }
    let Some(plans) = operation.and_then(|i| filter.responses_at(i)) else {
        return BodyMode::Pass("no-operation");
    };
    let media = head
        .content_type
        .as_deref()
        .map(essence)
        .unwrap_or_default();
    if !is_json(&media) {
        return BodyMode::Pass("not-json");
    }
    let Some(node) = head.status.and_then(|status| plans.find(status, &media)) else {
        return BodyMode::Pass("no-schema");
    };
    let encoded = head
        .content_encoding
        .as_deref()
        .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    if encoded {
        return BodyMode::Replace(BodyError::Encoded);
    }
    let length = head
        .content_length
        .as_deref()
        .and_then(|l| l.trim().parse::<usize>().ok());
    if length.is_some_and(|length| length > filter.max_body_bytes) {
        return BodyMode::Replace(BodyError::TooLarge);
    }
    BodyMode::Filter(node)
}

fn apply_security_headers(host: &dyn Host, report: &mut Report) {
    let edits = [
        ("server", None),
        ("x-powered-by", None),
        ("x-content-type-options", Some("nosniff")),
        ("cache-control", Some("no-store")),
    ];
    for (name, value) in edits {
        report.note(host.set_header(HeaderMap::Response, name, value));
    }
}

/// The head has not left yet: make it a 502 problem's; the body follows at the end.
fn rewrite_head_as_problem(host: &dyn Host, report: &mut Report) {
    let edits = [
        (":status", Some("502")),
        ("content-type", Some("application/problem+json")),
        ("content-length", None),
        ("content-encoding", None),
    ];
    for (name, value) in edits {
        report.note(host.set_header(HeaderMap::Response, name, value));
    }
}

/// What a body callback does with the data it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Let the data through untouched.
    Pass,
    /// Keep buffering until the end of the stream.
    Wait,
    /// Empty the buffer and keep going: nothing of this body may leave.
    Drain,
    /// The whole body is buffered: rewrite it.
    Finish(NodeId),
    /// Write the problem document in place of the body.
    WriteProblem,
}
