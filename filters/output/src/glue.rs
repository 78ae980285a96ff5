//! proxy-wasm entry: the root context compiles the plans, each stream reads, decides, acts.

use crate::config::{Config, Filter};
use crate::stream::{Report, Step, Stream};
use palisade_shared::abi;
use palisade_shared::host::{plugin_configuration, ProxyHost};
use palisade_shared::logging::{self, Level};
use palisade_shared::metrics::Counters;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;

const FILTER: &str = "palisade.output";
const FIELDS_REMOVED: &str = "palisade_output_fields_removed_total";
const BODIES_REWRITTEN: &str = "palisade_output_bodies_rewritten_total";
const BODIES_REFUSED: &str = "palisade_output_bodies_refused_total";
const ERRORS_SANITISED: &str = "palisade_output_errors_sanitised_total";
const ERRORS: &str = "palisade_output_errors_total";
const COUNTERS: [&str; 5] = [
    FIELDS_REMOVED,
    BODIES_REWRITTEN,
    BODIES_REFUSED,
    ERRORS_SANITISED,
    ERRORS,
];

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(OutputRoot { filter: None, counters: Rc::new(Counters::default()) })
    });
}}

struct OutputRoot {
    filter: Option<Rc<Filter>>,
    counters: Rc<Counters>,
}

impl Context for OutputRoot {}

impl RootContext for OutputRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = plugin_configuration().unwrap_or_default();
        match palisade_shared::config::parse::<Config>(&bytes).and_then(Filter::compile) {
            Ok(filter) => {
                self.filter = Some(Rc::new(filter));
                self.counters = Rc::new(Counters::define(&COUNTERS));
                true
            }
            Err(err) => {
                logging::config_refused(FILTER, &err);
                false
            }
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(OutputStream {
            context_id,
            filter: self.filter.clone()?,
            counters: self.counters.clone(),
            stream: Stream::default(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct OutputStream {
    context_id: u32,
    filter: Rc<Filter>,
    counters: Rc<Counters>,
    stream: Stream,
}

impl Context for OutputStream {}

impl HttpContext for OutputStream {
    fn on_http_request_headers(&mut self, _headers: usize, _end_of_stream: bool) -> Action {
        let report = self.stream.on_request_headers(&self.filter, &ProxyHost);
        self.account(report);
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _headers: usize, end_of_stream: bool) -> Action {
        let report = self
            .stream
            .on_response_headers(&self.filter, &ProxyHost, end_of_stream);
        self.account(report);
        Action::Continue
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let (step, report) =
            self.stream
                .body_step(&self.filter, &ProxyHost, body_size, end_of_stream);
        self.account(report);
        match step {
            Step::Pass => Action::Continue,
            Step::Wait => Action::Pause,
            Step::Drain => {
                replace_body(body_size, b"");
                Action::Pause
            }
            Step::Finish => {
                let body = abi::get_buffer(abi::RESPONSE_BODY, 0, body_size);
                let body = body.ok().flatten().unwrap_or_default();
                let (replacement, report) = self.stream.finish(&self.filter, &ProxyHost, &body);
                self.account(report);
                self.write(body_size, &replacement)
            }
            Step::WriteProblem => {
                let problem = self.stream.problem_body();
                self.write(body_size, &problem)
            }
        }
    }

    fn on_http_response_trailers(&mut self, _trailers: usize) -> Action {
        if !self.stream.is_holding_body() {
            return Action::Continue;
        }
        // Limitation: a body that ends in trailers is never rewritten; the stream is reset so
        // that the held body does not leave unfiltered.
        self.log(
            Level::Warn,
            "event=reset reason=trailers-after-filtered-body",
        );
        self.counters.increment(BODIES_REFUSED);
        let _ = abi::close_stream(abi::STREAM_RESPONSE);
        Action::Pause
    }
}

impl OutputStream {
    fn write(&mut self, body_size: usize, replacement: &[u8]) -> Action {
        replace_body(body_size, replacement);
        self.stream.body_written();
        Action::Continue
    }

    fn account(&self, report: Report) {
        if report.fields_removed > 0 {
            self.counters.add(FIELDS_REMOVED, report.fields_removed);
        }
        if report.rewritten {
            self.counters.increment(BODIES_REWRITTEN);
            self.log(
                Level::Debug,
                &format!("event=rewritten removed={}", report.fields_removed),
            );
        }
        if let Some(refusal) = report.replaced {
            let (counter, event) = match refusal.withholds() {
                true => (BODIES_REFUSED, "refused"),
                false => (ERRORS_SANITISED, "sanitised"),
            };
            self.counters.increment(counter);
            self.log(
                Level::Info,
                &format!("event={event} reason={}", refusal.reason()),
            );
        }
        for err in report.errors {
            self.counters.increment(ERRORS);
            self.log(Level::Error, &format!("event=host_error {err}"));
        }
    }

    fn log(&self, level: Level, message: &str) {
        logging::line(level, FILTER, self.context_id, message);
    }
}

/// Replaces the whole buffered response body. Envoy answers `Ok` for a start of 0 inside a body
/// callback, the only place this is called.
fn replace_body(body_size: usize, replacement: &[u8]) {
    let _ = abi::set_buffer(abi::RESPONSE_BODY, 0, body_size, replacement);
}
