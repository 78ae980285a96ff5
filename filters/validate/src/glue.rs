//! The only module that speaks proxy-wasm: the root context (configuration, counters) and the
//! HTTP context, which hands each callback to [`Stream`] and applies its reaction.

use crate::flow::Verdict;
use crate::refusal::{Refusal, METRICS};
use crate::settings::Settings;
use crate::stream::{Reaction, Step, Stream};
use palisade_shared::abi;
use palisade_shared::host::{plugin_configuration, ProxyHost};
use palisade_shared::logging::{self, Level};
use palisade_shared::metrics::Counters;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};
use std::rc::Rc;

const FILTER: &str = "palisade.validate";

/// The plugin: compiled settings and counters, shared by every stream of this worker.
#[derive(Default)]
pub struct Root {
    settings: Option<Rc<Settings>>,
    counters: Rc<Counters>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _plugin_configuration_size: usize) -> bool {
        let bytes = plugin_configuration().unwrap_or_default();
        match Settings::from_json(&bytes) {
            Ok(settings) => {
                self.settings = Some(Rc::new(settings));
                let names = [
                    &METRICS[..],
                    &crate::schema::finding::metrics(),
                    &crate::protocols::METRICS,
                ]
                .concat();
                self.counters = Rc::new(Counters::define(&names));
                true
            }
            Err(error) => {
                logging::config_refused(FILTER, &error);
                false
            }
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http {
            context_id,
            stream: Stream::new(self.settings.clone()),
            counters: self.counters.clone(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Http {
    context_id: u32,
    stream: Stream,
    counters: Rc<Counters>,
}

impl Context for Http {}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        let reaction = self.stream.on_request_headers(&ProxyHost, end_of_stream);
        self.apply(reaction)
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let reaction =
            self.stream
                .on_request_body(&ProxyHost, body_size, end_of_stream, &read_body);
        self.apply(reaction)
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        let reaction = self.stream.on_request_trailers(&ProxyHost, &read_body);
        self.apply(reaction)
    }
}

/// The buffered request body; an empty buffer reads as empty.
fn read_body(size: usize) -> Option<Vec<u8>> {
    match abi::get_buffer(abi::REQUEST_BODY, 0, size) {
        Ok(body) => Some(body.unwrap_or_default()),
        Err(_) => None,
    }
}

impl Http {
    /// Counts and logs a settled verdict, then tells Envoy whether to go on.
    fn apply(&self, reaction: Reaction) -> Action {
        if let Some(settled) = &reaction.settled {
            self.count(&settled.verdict);
            let message = match &settled.verdict {
                Verdict::Allow(reason) => format!("decision=allow reason={reason}"),
                Verdict::Refuse(refusal) => describe_refusal(refusal),
            };
            logging::line(Level::Debug, FILTER, self.context_id, &message);
            if let Some(error) = &settled.host_error {
                logging::line(
                    Level::Error,
                    FILTER,
                    self.context_id,
                    &format!("error={error}"),
                );
            }
        }
        match reaction.step {
            Step::Continue => Action::Continue,
            Step::Stop => Action::Pause,
        }
    }

    fn count(&self, verdict: &Verdict) {
        match verdict {
            Verdict::Allow(_) => self.counters.increment("palisade_validate_allowed_total"),
            Verdict::Refuse(refusal) => {
                self.counters.increment("palisade_validate_denied_total");
                self.counters.increment(refusal.metric());
                for finding in refusal.findings() {
                    self.counters.increment(finding.kind.metric());
                }
            }
        }
    }
}

fn describe_refusal(refusal: &Refusal) -> String {
    let problem = refusal.problem();
    format!(
        "decision=deny reason={} status={}",
        problem.kind, problem.status
    )
}
