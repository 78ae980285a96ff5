//! proxy-wasm entry: the root context reads the configuration, each stream writes its record.

use crate::config::Config;
use crate::record;
use palisade_shared::host::{plugin_configuration, ProxyHost};
use palisade_shared::logging;
use palisade_shared::metrics::Counters;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{ContextType, LogLevel};
use std::rc::Rc;

const FILTER: &str = "palisade.audit";
const RECORDS: &str = "palisade_audit_records_total";
const ERRORS: &str = "palisade_audit_errors_total";

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(AuditRoot { config: None, counters: Rc::new(Counters::default()) })
    });
}}

struct AuditRoot {
    config: Option<Rc<Config>>,
    counters: Rc<Counters>,
}

impl Context for AuditRoot {}

impl RootContext for AuditRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = plugin_configuration().unwrap_or_default();
        match Config::load(&bytes) {
            Ok(config) => {
                self.config = Some(Rc::new(config));
                self.counters = Rc::new(Counters::define(&[RECORDS, ERRORS]));
                true
            }
            Err(err) => {
                logging::config_refused(FILTER, &err);
                false
            }
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(AuditStream {
            context_id,
            config: self.config.clone()?,
            counters: self.counters.clone(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AuditStream {
    context_id: u32,
    config: Rc<Config>,
    counters: Rc<Counters>,
}

impl Context for AuditStream {}

impl HttpContext for AuditStream {
    fn on_log(&mut self) {
        let record = record::read(&ProxyHost, &self.config);
        match record::log_line(&record) {
            Some(line) => {
                // Envoy's log call does not fail; nowhere better to report it if it did.
                let _ = palisade_shared::abi::log(LogLevel::Info as u32, &line);
                self.counters.increment(RECORDS);
            }
            None => {
                self.counters.increment(ERRORS);
                logging::line(
                    LogLevel::Error,
                    FILTER,
                    self.context_id,
                    "event=record_failed",
                );
            }
        }
    }
}
