//! The HTTP context: hands each request's headers to [`stream::handle`], then counts and logs.

use super::{Filter, FILTER};
use crate::decide::Verdict;
use crate::metrics;
use crate::refusal::Refusal;
use crate::stream::{self, Handled};
use palisade_shared::host::ProxyHost;
use palisade_shared::logging::{self, Level};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;
use std::rc::Rc;

/// One request's context.
pub(super) struct AuthnStream {
    context_id: u32,
    filter: Option<Rc<Filter>>,
}

impl AuthnStream {
    pub(super) fn new(context_id: u32, filter: Option<Rc<Filter>>) -> Self {
        AuthnStream { context_id, filter }
    }

    fn log(&self, level: Level, message: &str) {
        logging::line(level, FILTER, self.context_id, message);
    }

    fn record(&self, filter: &Filter, handled: &Handled) {
        let counters = &filter.counters;
        let message = match &handled.verdict {
            Verdict::Refused(refusal) => {
                counters.increment(metrics::DENIED);
                counters.increment(&metrics::denied_for(refusal.reason()));
                format!("decision=deny reason={}", refusal.reason())
            }
            Verdict::Anonymous => {
                counters.increment(metrics::ALLOWED);
                counters.increment(metrics::ANONYMOUS);
                "decision=allow reason=public_operation".to_string()
            }
            Verdict::Authenticated { from_cache, .. } => {
                counters.increment(metrics::ALLOWED);
                if *from_cache {
                    counters.increment(metrics::CACHE_HITS);
                }
                format!("decision=allow reason=bearer_token cached={from_cache}")
            }
        };
        self.log(Level::Debug, &message);
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

impl Context for AuthnStream {}

impl HttpContext for AuthnStream {
    fn on_http_request_headers(&mut self, _headers: usize, _end_of_stream: bool) -> Action {
        let Some(filter) = self.filter.clone() else {
            // Not reached in practice: Envoy does not start when on_configure fails.
            let _ = palisade_shared::abi::send_local_response(500, &[], b"");
            return Action::Pause;
        };
        let handled = stream::handle(&ProxyHost, &filter.authenticator());
        self.record(&filter, &handled);
        if handled.proceed {
            Action::Continue
        } else {
            Action::Pause
        }
    }
}
