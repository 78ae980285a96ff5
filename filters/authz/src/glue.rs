//! proxy-wasm entry: the root context compiles the policy; each stream reads, decides, acts.

use crate::config::Config;
use crate::decide::{decide, decide_body, Grant, Request, Verdict};
use crate::limits::{self, Admission};
use crate::policy::{Policy, PolicySet};
use palisade_shared::abi;
use palisade_shared::decision::{Decision, MatchedOperation, Outcome};
use palisade_shared::host::{plugin_configuration, HeaderMap, Host, ProxyHost};
use palisade_shared::logging::{self, Level};
use palisade_shared::metrics::Counters;
use palisade_shared::principal::Principal;
use palisade_shared::problem::Problem;
use palisade_shared::shared_data::ProxySharedData;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;
use std::time::UNIX_EPOCH;

const FILTER: &str = "palisade.authz";
const STAGE: &str = "authz";
const COUNTERS: [&str; 6] = [
    "palisade_authz_allowed_total",
    "palisade_authz_denied_total",
    "palisade_authz_dry_run_denied_total",
    "palisade_authz_rate_limited_total",
    "palisade_authz_unmatched_total",
    "palisade_authz_errors_total",
];

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(AuthzRoot { policies: None, counters: Rc::new(Counters::default()) })
    });
}}

struct AuthzRoot {
    policies: Option<Rc<PolicySet>>,
    counters: Rc<Counters>,
}

impl Context for AuthzRoot {}

impl RootContext for AuthzRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = plugin_configuration().unwrap_or_default();
        let compiled =
            palisade_shared::config::parse::<Config>(&bytes).and_then(PolicySet::compile);
        match compiled {
            Ok(policies) => {
                let store = ProxySharedData;
                for policy in std::iter::once(&policies.default).chain(policies.routes.values()) {
                    limits::prepare(policy, &store);
                }
                self.policies = Some(Rc::new(policies));
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
        let policies = self.policies.clone()?;
        Some(Box::new(AuthzStream {
            context_id,
            policy: policies.default.clone(),
            policies,
            counters: self.counters.clone(),
            response_headers: Vec::new(),
            in_flight_key: None,
            pending: None,
            source: None,
            request_id: None,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AuthzStream {
    context_id: u32,
    policies: Rc<PolicySet>,
    /// The policy of this request's route, chosen in the headers phase.
    policy: Rc<Policy>,
    counters: Rc<Counters>,
    /// Headers that an allowed request's response carries (rate limits, deprecation).
    response_headers: Vec<(&'static str, String)>,
    /// Set while this stream holds a concurrency slot.
    in_flight_key: Option<String>,
    /// An allowed request whose ownership rules wait for the body.
    pending: Option<Grant>,
    /// Kept from the headers phase: request headers cannot be read in body phases.
    source: Option<String>,
    request_id: Option<String>,
}

impl Context for AuthzStream {}

impl HttpContext for AuthzStream {
    fn on_http_request_headers(&mut self, _headers: usize, end_of_stream: bool) -> Action {
        let host = ProxyHost;
        let headers = host.headers(HeaderMap::Request).unwrap_or_default();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let source = property_text(&host, &["source", "address"]);
        let request = Request {
            method: find(":method").unwrap_or_default(),
            path: find(":path").unwrap_or_default(),
            headers: &headers,
            source_address: source.as_deref(),
            now_unix: unix_millis(&host) as i64 / 1000,
            principal: Principal::load(&host).map_err(|_| ()),
        };
        if !self.policies.routes.is_empty() {
            let route = property_text(&host, &["xds", "route_name"]);
            self.policy = self.policies.for_route(route.as_deref());
        }
        let verdict = decide(&self.policy, &request);
        self.source = request.source_address.map(str::to_string);
        self.request_id = find("x-request-id").map(str::to_string);
        match verdict {
            Verdict::Allow(grant) if grant.needs_body && end_of_stream => {
                self.decide_body(&host, grant, None)
            }
            Verdict::Allow(grant) if grant.needs_body => {
                self.pending = Some(grant);
                if self.policy.config.hold_request_headers {
                    Action::Pause
                } else {
                    Action::Continue
                }
            }
            verdict => self.act(&host, verdict),
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if self.pending.is_none() {
            return Action::Continue;
        }
        let host = ProxyHost;
        if body_size > self.policy.config.max_body_bytes {
            let problem = Problem::new(413, "body-too-large", "Request body too large");
            self.pending = None;
            return self.refuse(&host, problem);
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let Some(grant) = self.pending.take() else {
            return Action::Continue;
        };
        let body = abi::get_buffer(abi::REQUEST_BODY, 0, body_size)
            .ok()
            .flatten();
        self.decide_body(&host, grant, Some(body.unwrap_or_default()))
    }

    /// A body that ends with trailers (HTTP/2, chunked HTTP/1.1) never reports an end of
    /// stream to the body callback: the decision waiting for it is made here, on the whole
    /// buffered body, before anything is released.
    fn on_http_request_trailers(&mut self, _trailers: usize) -> Action {
        let Some(grant) = self.pending.take() else {
            return Action::Continue;
        };
        let host = ProxyHost;
        let limit = self.policy.config.max_body_bytes;
        let body = abi::get_buffer(abi::REQUEST_BODY, 0, limit.saturating_add(1))
            .ok()
            .flatten()
            .unwrap_or_default();
        if body.len() > limit {
            let problem = Problem::new(413, "body-too-large", "Request body too large");
            return self.refuse(&host, problem);
        }
        self.decide_body(&host, grant, Some(body))
    }

    fn on_http_response_headers(&mut self, _headers: usize, _end_of_stream: bool) -> Action {
        let host = ProxyHost;
        for (name, value) in &self.response_headers {
            if let Err(err) = host.set_header(HeaderMap::Response, name, Some(value)) {
                self.log(Level::Warn, &format!("event=response_header_failed {err}"));
            }
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        if let Some(key) = self.in_flight_key.take() {
            limits::release(&ProxySharedData, &key, unix_millis(&ProxyHost));
        }
    }
}

impl AuthzStream {
    /// Finishes a decision that waited for the body (`None`: the request had none).
    fn decide_body(&mut self, host: &dyn Host, mut grant: Grant, body: Option<Vec<u8>>) -> Action {
        match decide_body(&self.policy, &grant, body.as_deref()) {
            Ok(would_deny) => {
                grant.would_deny = would_deny;
                self.act(host, Verdict::Allow(grant))
            }
            Err(problem) => {
                let _ = grant.operation.store(host);
                self.refuse(host, problem)
            }
        }
    }

    fn act(&mut self, host: &dyn Host, verdict: Verdict) -> Action {
        match verdict {
            Verdict::Allow(grant) => {
                let now_ms = unix_millis(host);
                let source = self.source.clone();
                let store = &ProxySharedData;
                match limits::admit(&self.policy, store, &grant, source.as_deref(), now_ms) {
                    Ok(admission) => self.allow(host, grant, admission),
                    Err(problem) => {
                        self.counters.increment("palisade_authz_rate_limited_total");
                        let _ = grant.operation.store(host);
                        self.refuse(host, problem)
                    }
                }
            }
            Verdict::Refuse { problem, operation } => {
                match &operation {
                    Some(operation) => {
                        let _ = operation.store(host);
                    }
                    None => self.counters.increment("palisade_authz_unmatched_total"),
                }
                let problem = self.limited_refusal(host, problem, operation.as_ref());
                self.refuse(host, problem)
            }
        }
    }

    fn allow(&mut self, host: &dyn Host, grant: Grant, admission: Admission) -> Action {
        let decision = match grant.would_deny {
            Some(kind) => {
                self.counters
                    .increment("palisade_authz_dry_run_denied_total");
                self.log(Level::Info, &format!("event=dry_run_deny reason={kind}"));
                Decision {
                    outcome: Outcome::WouldDeny,
                    reason: kind.to_string(),
                    status: None,
                }
            }
            None => Decision::allow("authorized"),
        };
        let stored = grant
            .operation
            .store(host)
            .and_then(|()| decision.store(host, STAGE));
        if let Err(err) = stored {
            self.counters.increment("palisade_authz_errors_total");
            self.log(Level::Error, &format!("event=state_write_failed {err}"));
        }
        self.counters.increment("palisade_authz_allowed_total");
        self.response_headers = grant.response_headers;
        self.response_headers.extend(admission.response_headers);
        self.in_flight_key = admission.in_flight_key;
        Action::Continue
    }

    /// A refusal still draws from the limits; once they are exhausted the answer is the 429.
    fn limited_refusal(
        &self,
        host: &dyn Host,
        problem: Problem,
        operation: Option<&MatchedOperation>,
    ) -> Problem {
        if self.policy.config.rate_limits.is_empty() {
            return problem;
        }
        let principal = Principal::load(host)
            .ok()
            .flatten()
            .unwrap_or_else(Principal::anonymous);
        let caller = limits::Caller {
            principal: &principal,
            operation,
            source_address: self.source.as_deref(),
            cost: 1,
        };
        match limits::draw(&self.policy, &ProxySharedData, &caller, unix_millis(host)) {
            Ok(_) => problem,
            Err(limited) => {
                self.counters.increment("palisade_authz_rate_limited_total");
                limited
            }
        }
    }

    fn refuse(&self, host: &dyn Host, problem: Problem) -> Action {
        self.log(Level::Debug, &format!("event=deny reason={}", problem.kind));
        self.counters.increment("palisade_authz_denied_total");
        if let Err(err) = problem.refuse_with_id(host, STAGE, self.request_id.as_deref()) {
            self.counters.increment("palisade_authz_errors_total");
            self.log(Level::Error, &format!("event=reply_failed {err}"));
        }
        Action::Pause
    }

    fn log(&self, level: Level, message: &str) {
        logging::line(level, FILTER, self.context_id, message);
    }
}

fn property_text(host: &dyn Host, path: &[&str]) -> Option<String> {
    let bytes = host.property(path).ok().flatten()?;
    String::from_utf8(bytes).ok()
}

fn unix_millis(host: &dyn Host) -> u64 {
    host.now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(0)
}
