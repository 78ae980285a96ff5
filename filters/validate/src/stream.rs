//! One request's progress through the filter: read from the [`Host`], judge, act.
//!
//! Headers are judged first. When the operation takes a body, the body is held (the body
//! callback pauses) until the end of the stream, then judged whole; a body that crosses the
//! limit is refused as soon as it does, chunked or not. The headers meanwhile either wait too
//! (`hold_request_headers`, which needs Envoy's `allow_on_headers_stop_iteration`) or go on to
//! the upstream, which then sees a reset if the body is refused.

use crate::flow::{self, HeadVerdict, Verdict};
use crate::grpc;
use crate::head::RequestHead;
use crate::protocols::{self, Outcome, Pending};
use crate::refusal::Refusal;
use crate::settings::Settings;
use palisade_shared::decision::{Decision, MatchedOperation};
use palisade_shared::host::HeaderMap;
use palisade_shared::{Host, HostError};
use std::rc::Rc;

/// This filter's stage name in filter state and audit.
pub const STAGE: &str = "validate";

/// Whether the request goes on to the next filter now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Continue,
    /// Hold: waiting for the body, or refused with a local reply.
    Stop,
}

/// A verdict reached in a callback, for the glue's counters and log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub verdict: Verdict,
    /// A host call that failed on the way to or while acting on the verdict.
    pub host_error: Option<HostError>,
}

/// What a callback returns to the glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub step: Step,
    pub settled: Option<Settled>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Headers,
    NoBodyExpected,
    Buffering(Pending),
    /// Decided; later callbacks repeat the step taken (a refused stream stays stopped).
    Done(Step),
}

/// Reads the buffered request body (`size` bytes at most); `None` when the host cannot.
pub type BodyReader<'a> = &'a dyn Fn(usize) -> Option<Vec<u8>>;

#[derive(Debug)]
pub struct Stream {
    /// `None` only if configuration failed, which Envoy does not let happen; refuse then.
    settings: Option<Rc<Settings>>,
    phase: Phase,
    /// Taken from the headers: once they have gone on, Envoy no longer lets us read them.
    request_id: Option<String>,
    /// The request is gRPC: refusals are answered with a gRPC status.
    grpc_client: bool,
}

impl Stream {
    pub fn new(settings: Option<Rc<Settings>>) -> Stream {
        Stream {
            settings,
            phase: Phase::Headers,
            request_id: None,
            grpc_client: false,
        }
    }

    pub fn on_request_headers(&mut self, host: &dyn Host, end_of_stream: bool) -> Reaction {
        let Some(settings) = self.settings.clone() else {
            return self.settle(host, Verdict::Refuse(Refusal::HostFailure), None);
        };
        let headers = match host.headers(HeaderMap::Request) {
            Ok(headers) => headers,
            Err(error) => {
                return self.settle(host, Verdict::Refuse(Refusal::HostFailure), Some(error))
            }
        };
        let mut head = RequestHead::from_headers(&headers, end_of_stream);
        head.matched = MatchedOperation::load(host);
        self.request_id = head.request_id.clone();
        self.grpc_client = grpc::is_grpc_content_type(head.content_type.as_deref());
        match protocols::judge_head(&settings, &head) {
            Outcome::NotMine => {}
            Outcome::Decided(verdict) => return self.settle(host, verdict, None),
            Outcome::Buffer(plan) => return self.wait(Phase::Buffering(Pending::Protocol(plan))),
        }
        match flow::judge_head(&settings, &head) {
            HeadVerdict::Decided(verdict) => self.settle(host, verdict, None),
            HeadVerdict::NoBodyExpected => self.wait(Phase::NoBodyExpected),
            HeadVerdict::Buffer(plan) => self.wait(Phase::Buffering(Pending::Contract(plan))),
        }
    }

    /// `body_size` is everything buffered so far, this chunk included.
    pub fn on_request_body(
        &mut self,
        host: &dyn Host,
        body_size: usize,
        end_of_stream: bool,
        read: BodyReader<'_>,
    ) -> Reaction {
        match self.phase {
            Phase::NoBodyExpected if body_size > 0 => {
                self.settle(host, Verdict::Refuse(Refusal::UnexpectedBody), None)
            }
            Phase::NoBodyExpected if end_of_stream => {
                self.settle(host, Verdict::Allow(flow::NO_BODY), None)
            }
            Phase::NoBodyExpected => self.wait(Phase::NoBodyExpected),
            Phase::Buffering(plan) => self.buffer(host, plan, body_size, end_of_stream, read),
            Phase::Done(step) => pending(step),
            Phase::Headers => pending(Step::Continue),
        }
    }

    /// Trailers end the stream without a final body callback: judge what was buffered.
    pub fn on_request_trailers(&mut self, host: &dyn Host, read: BodyReader<'_>) -> Reaction {
        match self.phase {
            Phase::Buffering(plan) => {
                let limit = self.settings.as_ref().map_or(0, |s| s.max_body_bytes);
                // One byte over the limit is enough to tell a body that is too large.
                let Some(body) = read(limit.saturating_add(1)) else {
                    return self.settle(host, Verdict::Refuse(Refusal::HostFailure), None);
                };
                self.judge_body(host, plan, &body)
            }
            Phase::NoBodyExpected => self.settle(host, Verdict::Allow(flow::NO_BODY), None),
            Phase::Done(step) => pending(step),
            Phase::Headers => pending(Step::Continue),
        }
    }

    fn buffer(
        &mut self,
        host: &dyn Host,
        plan: Pending,
        body_size: usize,
        end_of_stream: bool,
        read: BodyReader<'_>,
    ) -> Reaction {
        let limit = self.settings.as_ref().map_or(0, |s| s.max_body_bytes);
        if body_size > limit {
            return self.settle(host, Verdict::Refuse(Refusal::BodyTooLarge { limit }), None);
        }
        if !end_of_stream {
            // Pausing the body callback makes Envoy buffer the chunk.
            return pending(Step::Stop);
        }
        let body = if body_size == 0 {
            Some(Vec::new())
        } else {
            read(body_size)
        };
        match body {
            Some(body) => self.judge_body(host, plan, &body),
            None => self.settle(host, Verdict::Refuse(Refusal::HostFailure), None),
        }
    }

    fn judge_body(&mut self, host: &dyn Host, plan: Pending, body: &[u8]) -> Reaction {
        let verdict = match &self.settings {
            Some(settings) => protocols::judge_pending(settings, &plan, body),
            None => Verdict::Refuse(Refusal::HostFailure),
        };
        self.settle(host, verdict, None)
    }

    /// Waits for more of the request; the headers wait too when so configured.
    fn wait(&mut self, phase: Phase) -> Reaction {
        self.phase = phase;
        let hold = self
            .settings
            .as_ref()
            .is_some_and(|s| s.hold_request_headers);
        pending(if hold { Step::Stop } else { Step::Continue })
    }

    /// Records the verdict for audit and acts on it: continue, or answer with the problem.
    fn settle(&mut self, host: &dyn Host, verdict: Verdict, error: Option<HostError>) -> Reaction {
        let (step, acted) = match &verdict {
            Verdict::Allow(reason) => (Step::Continue, Decision::allow(reason).store(host, STAGE)),
            Verdict::Refuse(refusal) => (Step::Stop, self.refuse(host, refusal)),
        };
        self.phase = Phase::Done(step);
        Reaction {
            step,
            settled: Some(Settled {
                verdict,
                host_error: error.or(acted.err()),
            }),
        }
    }

    /// What `Problem::refuse` does, with the request id taken from the headers earlier: asking
    /// the host for it after the headers went on would trap the VM.
    fn refuse(&self, host: &dyn Host, refusal: &Refusal) -> Result<(), HostError> {
        let problem = refusal.problem();
        let recorded = Decision::deny(&refusal.audit_reason(), problem.status).store(host, STAGE);
        if self.grpc_client {
            protocols::send_grpc_refusal(host, refusal, &problem)?;
        } else {
            problem.send(host, self.request_id.as_deref())?;
        }
        recorded
    }
}

fn pending(step: Step) -> Reaction {
    Reaction {
        step,
        settled: None,
    }
}
