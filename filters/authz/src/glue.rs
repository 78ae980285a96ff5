//! proxy-wasm entry: the root context compiles the policy, each stream reads, decides, acts.

use crate::config::Config;
use crate::decide::{decide, Request, Verdict, METHOD_OVERRIDE_HEADERS};
use crate::policy::Policy;
use palisade_shared::decision::Decision;
use palisade_shared::host::{plugin_configuration, HeaderMap, Host, ProxyHost};
use palisade_shared::logging::{self, Level};
use palisade_shared::metrics::Counters;
use palisade_shared::principal::Principal;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;

const FILTER: &str = "palisade.authz";
const STAGE: &str = "authz";
const COUNTERS: [&str; 3] = [
    "palisade_authz_allowed_total",
    "palisade_authz_denied_total",
    "palisade_authz_errors_total",
];

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(AuthzRoot { policy: None, counters: Rc::new(Counters::default()) })
    });
}}

struct AuthzRoot {
    policy: Option<Rc<Policy>>,
    counters: Rc<Counters>,
}

impl Context for AuthzRoot {}

impl RootContext for AuthzRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = plugin_configuration().unwrap_or_default();
        let compiled = palisade_shared::config::parse::<Config>(&bytes).and_then(Policy::compile);
        match compiled {
            Ok(policy) => {
                self.policy = Some(Rc::new(policy));
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
        let policy = self.policy.clone()?;
        Some(Box::new(AuthzStream {
            context_id,
            policy,
            counters: self.counters.clone(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AuthzStream {
    context_id: u32,
    policy: Rc<Policy>,
    counters: Rc<Counters>,
}

impl Context for AuthzStream {}

impl HttpContext for AuthzStream {
    fn on_http_request_headers(&mut self, _headers: usize, _end_of_stream: bool) -> Action {
        let host = ProxyHost;
        let method = host.header(HeaderMap::Request, ":method").ok().flatten();
        let path = host.header(HeaderMap::Request, ":path").ok().flatten();
        let has_method_override = METHOD_OVERRIDE_HEADERS
            .iter()
            .any(|name| matches!(host.header(HeaderMap::Request, name), Ok(Some(_))));
        let request = Request {
            method: method.as_deref().unwrap_or_default(),
            path: path.as_deref().unwrap_or_default(),
            has_method_override,
            principal: Principal::load(&host).map_err(|_| ()),
        };
        let verdict = decide(&self.policy, &request);
        self.act(&host, verdict)
    }
}

impl AuthzStream {
    fn act(&self, host: &dyn Host, verdict: Verdict) -> Action {
        match verdict {
            Verdict::Allow(operation) => {
                let stored = operation
                    .store(host)
                    .and_then(|()| Decision::allow("authorized").store(host, STAGE));
                if let Err(err) = stored {
                    self.log(Level::Error, &format!("event=state_write_failed {err}"));
                }
                self.counters.increment("palisade_authz_allowed_total");
                Action::Continue
            }
            Verdict::Refuse { problem, operation } => {
                if let Some(operation) = operation {
                    let _ = operation.store(host);
                }
                self.log(Level::Debug, &format!("event=deny reason={}", problem.kind));
                self.counters.increment("palisade_authz_denied_total");
                if let Err(err) = problem.refuse(host, STAGE) {
                    self.counters.increment("palisade_authz_errors_total");
                    self.log(Level::Error, &format!("event=reply_failed {err}"));
                }
                Action::Pause
            }
        }
    }

    fn log(&self, level: Level, message: &str) {
        logging::line(level, FILTER, self.context_id, message);
    }
}
