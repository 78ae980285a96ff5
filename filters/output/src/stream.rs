//! One stream's work through the [`Host`] trait: read, decide, act, and report what happened.
//!
//! The body buffer itself is read and written by the glue (the host trait has no body calls);
//! everything else, including the decision left for audit, happens here.

use crate::config::Filter;
use crate::decide::{decide_body, decide_sniffed, BodyMode, Head};
use crate::plan::NodeId;
use crate::prune::{rewrite, BodyError};
use crate::refusal::Refusal;
use palisade_shared::decision::{Decision, MatchedOperation};
use palisade_shared::host::{request_id, HeaderMap, Host, HostError};
use palisade_shared::openapi::Lookup;
use palisade_shared::path::CanonicalPath;

/// Filter-state stage name of this filter's decision.
pub const STAGE: &str = "output";

/// What one callback did, for the glue to count and log.
#[derive(Debug, Default)]
pub struct Report {
    pub fields_removed: u64,
    pub rewritten: bool,
    /// The body is (or will be) replaced by this refusal's problem document.
    pub replaced: Option<Refusal>,
    pub errors: Vec<HostError>,
}

impl Report {
    fn note(&mut self, result: Result<(), HostError>) {
        if let Err(err) = result {
            self.errors.push(err);
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
            BodyMode::Filter(_) | BodyMode::Sniff(_) => {
                report.note(host.set_header(HeaderMap::Response, "content-length", None))
            }
            BodyMode::Replace(refusal) => {
                for (name, value) in refusal.head_edits() {
                    report.note(host.set_header(HeaderMap::Response, name, value.as_deref()));
                }
                self.refuse(host, refusal, &mut report);
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
        let buffering = matches!(mode, BodyMode::Filter(_) | BodyMode::Sniff(_));
        if buffering && body_size > filter.max_body_bytes {
            self.replace(
                host,
                Refusal::Unfilterable(BodyError::TooLarge),
                &mut report,
            );
        }
        let step = match (self.mode.unwrap_or(mode), end) {
            (BodyMode::Pass(_), _) => Step::Pass,
            (BodyMode::Filter(_) | BodyMode::Sniff(_), false) => Step::Wait,
            (BodyMode::Filter(_) | BodyMode::Sniff(_), true) => Step::Finish,
            (BodyMode::Replace(_), false) => Step::Drain,
            (BodyMode::Replace(_), true) => Step::WriteProblem,
        };
        (step, report)
    }

    /// The body to send instead of the buffered one: the pruned document, the body itself when
    /// sniffing found it declared, or the problem document. Records the decision for audit.
    pub fn finish(&mut self, filter: &Filter, host: &dyn Host, body: &[u8]) -> (Vec<u8>, Report) {
        let mut report = Report::default();
        let mode = match self.mode {
            Some(BodyMode::Sniff(status)) => decide_sniffed(filter, self.operation, status, body),
            Some(mode) => mode,
            None => BodyMode::Pass("no-head"),
        };
        let replacement = match mode {
            BodyMode::Filter(node) => self.prune(filter, host, node, body, &mut report),
            BodyMode::Pass(reason) => {
                report.note(Decision::allow(reason).store(host, STAGE));
                body.to_vec()
            }
            BodyMode::Replace(refusal) => {
                self.replace(host, refusal, &mut report);
                self.problem_body()
            }
            // A sniffed body never asks for a second sniff; refuse rather than pass it.
            BodyMode::Sniff(_) => {
                self.replace(host, Refusal::Undeclared, &mut report);
                self.problem_body()
            }
        };
        (replacement, report)
    }

    fn prune(
        &mut self,
        filter: &Filter,
        host: &dyn Host,
        node: NodeId,
        body: &[u8],
        report: &mut Report,
    ) -> Vec<u8> {
        match rewrite(&filter.plans, node, body) {
            Ok(rewritten) => {
                report.rewritten = true;
                report.fields_removed = rewritten.removed;
                report.note(Decision::allow("filtered").store(host, STAGE));
                rewritten.body
            }
            Err(error) => {
                self.replace(host, Refusal::Unfilterable(error), report);
                self.problem_body()
            }
        }
    }

    /// The problem document that replaces a body which may not leave. When the head has
    /// already gone out, the client sees the upstream's status with this body: the status
    /// cannot be changed any more, and the body must not leave.
    pub fn problem_body(&self) -> Vec<u8> {
        let refusal = match self.mode {
            Some(BodyMode::Replace(refusal)) => refusal,
            _ => Refusal::Undeclared,
        };
        refusal.problem().body(self.request_id.as_deref())
    }

    /// Whether the body callbacks still hold the body back (buffered or drained).
    pub fn is_holding_body(&self) -> bool {
        !matches!(self.mode, None | Some(BodyMode::Pass(_)))
    }

    /// The body has been written: later callbacks pass whatever comes.
    pub fn body_written(&mut self) {
        self.mode = Some(BodyMode::Pass("written"));
    }

    /// From here on the body is replaced by the refusal's problem document.
    fn replace(&mut self, host: &dyn Host, refusal: Refusal, report: &mut Report) {
        self.mode = Some(BodyMode::Replace(refusal));
        self.refuse(host, refusal, report);
    }

    /// Records the refusal for audit, once per stream.
    fn refuse(&mut self, host: &dyn Host, refusal: Refusal, report: &mut Report) {
        if self.refused {
            return;
        }
        self.refused = true;
        report.replaced = Some(refusal);
        report.note(refusal.decision().store(host, STAGE));
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

/// What a body callback does with the data it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Let the data through untouched.
    Pass,
    /// Keep buffering until the end of the stream.
    Wait,
    /// Empty the buffer and keep going: nothing of this body may leave.
    Drain,
    /// The whole body is buffered: decide and rewrite it ([`Stream::finish`]).
    Finish,
    /// Write the problem document in place of the body.
    WriteProblem,
}
