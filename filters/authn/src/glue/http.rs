//! The HTTP context: hands each request's headers to [`stream::handle`], then counts and logs.
//! A signed request's body goes to [`settle`] until it matched its digest or was refused.

use super::{Filter, FILTER};
use crate::decide::Verdict;
use crate::mechanisms::hmac_request::body::BodyCheck;
use crate::mechanisms::hmac_request::settle::{self, BodyOutcome, Step};
use crate::metrics;
use crate::refusal::Refusal;
use crate::stream::{self, Handled};
use palisade_shared::abi;
use palisade_shared::host::ProxyHost;
use palisade_shared::logging::{self, Level};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;
use std::rc::Rc;

/// One request's context.
pub(super) struct AuthnStream {
    context_id: u32,
    filter: Option<Rc<Filter>>,
    /// A signed request's body being checked against its digest.
    body: Option<BodyCheck>,
    /// The body check refused the request: every later callback holds.
    refused_in_body: bool,
}

impl AuthnStream {
    pub(super) fn new(context_id: u32, filter: Option<Rc<Filter>>) -> Self {
        AuthnStream {
            context_id,
            filter,
            body: None,
            refused_in_body: false,
        }
    }

    fn log(&self, level: Level, message: &str) {
        logging::line(level, FILTER, self.context_id, message);
    }

    fn record(&self, filter: &Filter, handled: &Handled) {
        count(filter, &handled.verdict);
        if filter.debug.enabled() {
            self.log(Level::Debug, &decision_line(&handled.verdict));
        }
        if let Some(err) = &handled.host_error {
            self.log(Level::Warn, &err.to_string());
        }
        if let Verdict::Refused(Refusal::VerifierFailed(err)) = &handled.verdict {
            self.log(
                Level::Error,
                &format!("signature check failed closed: {err:?}"),
            );
        }
    }
}

/// Counts a verdict of the request-headers phase.
fn count(filter: &Filter, verdict: &Verdict) {
    let counters = &filter.counters;
    let also = match verdict {
        Verdict::Refused(refusal) => {
            counters.increment(metrics::DENIED);
            counters.increment(&metrics::denied_for(refusal.reason()));
            return;
        }
        // Counted once the body matched its digest (see `apply_body`).
        Verdict::Signed { .. } => return,
        Verdict::Anonymous => Some(metrics::ANONYMOUS),
        Verdict::Authenticated { from_cache, .. } => {
            (!from_cache).then_some(metrics::TOKENS_VERIFIED)
        }
        Verdict::ApiKey { .. } => Some(metrics::ALLOWED_API_KEY),
        Verdict::Service { .. } => Some(metrics::ALLOWED_MTLS),
    };
    counters.increment(metrics::ALLOWED);
    if let Some(name) = also {
        counters.increment(name);
    }
}

/// The debug line of a verdict of the request-headers phase.
fn decision_line(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Refused(refusal) => format!("decision=deny reason={}", refusal.reason()),
        Verdict::Anonymous => "decision=allow reason=public_operation".to_string(),
        Verdict::Authenticated { from_cache, .. } => {
            format!("decision=allow reason=bearer_token cached={from_cache}")
        }
        Verdict::ApiKey { .. } => "decision=allow reason=api_key".to_string(),
        Verdict::Signed { .. } => "decision=pending reason=hmac_signature".to_string(),
        Verdict::Service { .. } => "decision=allow reason=mtls_identity".to_string(),
    }
}

impl AuthnStream {
    /// Counts and logs a decided body check, and tells Envoy whether to go on.
    fn apply_body(&mut self, outcome: BodyOutcome) -> Action {
        let Some(filter) = self.filter.clone() else {
            return Action::Pause;
        };
        let counters = &filter.counters;
        match outcome.settled {
            Some(Ok(())) => {
                counters.increment(metrics::ALLOWED);
                counters.increment(metrics::ALLOWED_HMAC);
                self.log(Level::Debug, "decision=allow reason=hmac_signature");
                self.body = None;
            }
            Some(Err(refusal)) => {
                counters.increment(metrics::DENIED);
                counters.increment(&metrics::denied_for(refusal.reason()));
                let message = format!("decision=deny reason={}", refusal.reason());
                self.log(Level::Debug, &message);
                self.body = None;
                self.refused_in_body = true;
            }
            None => {}
        }
        if let Some(err) = &outcome.host_error {
            self.log(Level::Warn, &err.to_string());
        }
        match outcome.step {
            Step::Continue => Action::Continue,
            Step::Stop => Action::Pause,
        }
    }

    /// A body callback while no body check runs: hold a refused stream, let others go on.
    fn body_without_check(&self) -> Action {
        if self.refused_in_body {
            Action::Pause
        } else {
            Action::Continue
        }
    }
}

/// `len` bytes of the buffered request body from `start`; `None` when the host cannot.
fn read_body(start: usize, len: usize) -> Option<Vec<u8>> {
    match abi::get_buffer(abi::REQUEST_BODY, start, len) {
        Ok(Some(bytes)) if bytes.len() == len => Some(bytes),
        Ok(None) if len == 0 => Some(Vec::new()),
        _ => None,
    }
}

impl Context for AuthnStream {}

impl HttpContext for AuthnStream {
    fn on_http_request_headers(&mut self, _headers: usize, end_of_stream: bool) -> Action {
        let Some(filter) = self.filter.clone() else {
            // Not reached in practice: Envoy does not start when on_configure fails.
            let _ = palisade_shared::abi::send_local_response(500, &[], b"");
            return Action::Pause;
        };
        let handled = stream::handle(&ProxyHost, &filter.authenticator());
        self.record(&filter, &handled);
        if let Some(plan) = handled.body {
            let mut check = BodyCheck::new(plan);
            if end_of_stream {
                let outcome = settle::on_end(&ProxyHost, &filter.config.realm, &mut check);
                return self.apply_body(outcome);
            }
            self.body = Some(check);
        }
        if handled.proceed {
            Action::Continue
        } else {
            Action::Pause
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let (Some(filter), Some(check)) = (self.filter.clone(), self.body.as_mut()) else {
            return self.body_without_check();
        };
        let realm = &filter.config.realm;
        let outcome = settle::on_body(
            &ProxyHost,
            realm,
            check,
            body_size,
            end_of_stream,
            &read_body,
        );
        self.apply_body(outcome)
    }

    fn on_http_request_trailers(&mut self, _trailers: usize) -> Action {
        let (Some(filter), Some(check)) = (self.filter.clone(), self.body.as_mut()) else {
            return self.body_without_check();
        };
        let outcome = settle::on_end(&ProxyHost, &filter.config.realm, check);
        self.apply_body(outcome)
    }
}
