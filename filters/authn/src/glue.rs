//! The proxy-wasm side: the root context (configuration, polled JWKS and revocation lists) and the
//! HTTP context (one per request). The only module besides the shared adapter that touches
//! proxy-wasm; everything it decides is delegated to plain-Rust modules.

mod fetch;
mod http;
mod poll;

use crate::cache::TokenCache;
use crate::config::{self, Config, SignatureBackend};
use crate::decide::Authenticator;
use crate::jwks::{KeySet, VerificationKey};
use crate::keys::{KeyStore, Loader};
use crate::metrics;
use crate::refresh::shared::SharedDocument;
use crate::revocation::Revocations;
use crate::verify::{AutoVerifier, ForeignCallError, HostVerifier, PureRustVerifier, Verifier};
use http::AuthnStream;
use palisade_shared::abi;
use palisade_shared::host::plugin_configuration;
use palisade_shared::logging::{self, Level};
use palisade_shared::metrics::Counters;
use palisade_shared::shared_data::ProxySharedData;
use poll::Poll;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const FILTER: &str = "palisade.authn";

/// What every stream of one worker shares, built once per configuration.
struct Filter {
    config: Config,
    keys: KeyStore,
    cache: RefCell<TokenCache>,
    verifier: Box<dyn Verifier>,
    counters: Counters,
    revocations: Revocations,
    shared: ProxySharedData,
    debug: DebugGate,
}

/// Whether Envoy writes debug lines, asked once per [`DebugGate::REQUESTS`] requests instead
/// of paying a log call (and a formatted line) on every request. A level changed at runtime
/// thus takes effect within that many requests.
#[derive(Default)]
struct DebugGate {
    enabled: Cell<bool>,
    /// Requests left until the level is asked again; 0 asks on the next request.
    left: Cell<u32>,
}

impl DebugGate {
    const REQUESTS: u32 = 256;

    fn enabled(&self) -> bool {
        match self.left.get() {
            0 => {
                self.enabled.set(debug_logged());
                self.left.set(Self::REQUESTS - 1);
            }
            left => self.left.set(left - 1),
        }
        self.enabled.get()
    }
}

/// Whether the host's log level lets debug lines through (yes when it cannot say).
#[cfg(target_arch = "wasm32")]
fn debug_logged() -> bool {
    proxy_wasm::hostcalls::get_log_level().map_or(true, |level| {
        matches!(
            level,
            proxy_wasm::types::LogLevel::Trace | proxy_wasm::types::LogLevel::Debug
        )
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn debug_logged() -> bool {
    true
}

impl Filter {
    fn new(config: Config) -> Self {
        let names = metrics::names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Filter {
            keys: KeyStore::for_providers(&config.providers).with_loader(published_keys(&config)),
            cache: RefCell::new(TokenCache::new(config.cache_entries)),
            verifier: verifier(config.signature_backend),
            counters: Counters::define(&names),
            revocations: Revocations::default(),
            shared: ProxySharedData,
            debug: DebugGate::default(),
            config,
        }
    }

    fn authenticator(&self) -> Authenticator<'_> {
        Authenticator {
            config: &self.config,
            keys: &self.keys,
            cache: &self.cache,
            verifier: self.verifier.as_ref(),
            shared: &self.shared,
            revocations: &self.revocations,
        }
    }
}

/// The root context of one worker (or of the main thread).
pub struct AuthnRoot {
    context_id: u32,
    filter: Option<Rc<Filter>>,
    polls: Vec<Poll>,
    tick: Duration,
}

impl AuthnRoot {
    pub fn new(context_id: u32) -> Self {
        AuthnRoot {
            context_id,
            filter: None,
            polls: Vec::new(),
            tick: Duration::ZERO,
        }
    }

    fn log(&self, level: Level, message: &str) {
        logging::line(level, FILTER, self.context_id, message);
    }

    fn set_tick(&mut self) {
        let wanted = poll::tick_period(&self.polls);
        let millis = u32::try_from(wanted.as_millis()).unwrap_or(u32::MAX);
        if wanted != self.tick && abi::set_tick_period_ms(millis).is_ok() {
            self.tick = wanted;
        }
    }
}

impl Context for AuthnRoot {
    fn on_http_call_response(&mut self, token: u32, _: usize, body_size: usize, _: usize) {
        let Some(filter) = self.filter.clone() else {
            return;
        };
        self.receive(&filter, token, body_size, now_millis());
        self.set_tick();
    }
}

impl RootContext for AuthnRoot {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = plugin_configuration().unwrap_or_default();
        let config = match config::load(&bytes) {
            Ok(config) => config,
            Err(err) => {
                logging::config_refused(FILTER, &err);
                return false;
            }
        };
        self.polls = poll::polls_for(&config);
        if let Some(hmac) = &config.hmac {
            // Before any request: shared data ignores CAS for keys that do not exist yet.
            hmac.replay.seed(&ProxySharedData);
        }
        if let Some(throttle) = &config.throttle {
            crate::throttle::Throttle::seed(&ProxySharedData, throttle);
        }
        let dpop = crate::dpop::DpopMode::Off;
        if config.providers.iter().any(|p| p.dpop != dpop) {
            // The same holds for the DPoP proofs' `jti` cache.
            config.dpop.replay.seed(&ProxySharedData);
        }
        self.filter = Some(Rc::new(Filter::new(config)));
        self.tick = Duration::ZERO;
        self.set_tick();
        true
    }

    // Every worker and the main thread tick separately; the polls coordinate through shared
    // data, so one root context fetches per interval and the others install what it published.
    fn on_tick(&mut self) {
        let Some(filter) = self.filter.clone() else {
            return;
        };
        self.poll_all(&filter, now_millis());
        self.set_tick();
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(AuthnStream::new(context_id, self.filter.clone())))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

/// Reads a provider's key set from shared data, where the root context that fetched it
/// published it, for a worker whose own root context has not installed it yet.
fn published_keys(config: &Config) -> Loader {
    let documents: Vec<(usize, String, u64, Vec<VerificationKey>)> = poll::polls_for(config)
        .into_iter()
        .filter_map(|poll| {
            let poll::Kind::Jwks(index) = poll.kind else {
                return None;
            };
            let secrets = config.providers.get(index)?.secrets.clone();
            let source = poll.document(&ProxySharedData).source;
            Some((index, poll.key, source, secrets))
        })
        .collect();
    Box::new(move |index| {
        let (_, key, source, secrets) = documents.iter().find(|(i, ..)| *i == index)?;
        let document = SharedDocument {
            store: &ProxySharedData,
            key,
            source: *source,
        };
        let (_, body) = document.newer(0).ok()??;
        Some(KeySet::parse(&body).ok()?.with_secrets(secrets))
    })
}

fn verifier(backend: SignatureBackend) -> Box<dyn Verifier> {
    match backend {
        SignatureBackend::Auto => {
            Box::new(AutoVerifier::new(HostVerifier::new(call_verify_signature)))
        }
        SignatureBackend::Host => Box::new(HostVerifier::new(call_verify_signature)),
        SignatureBackend::PureRust => Box::new(PureRustVerifier),
    }
}

/// Envoy's `verify_signature` foreign function, statuses reduced to what the verifier needs.
fn call_verify_signature(arguments: &[u8]) -> Result<Vec<u8>, ForeignCallError> {
    match abi::call_foreign_function("verify_signature", arguments) {
        Ok(answer) => Ok(answer.unwrap_or_default()),
        // The ABI answers NotFound, or Unimplemented on hosts without foreign functions.
        Err(abi::NOT_FOUND | abi::Status(12)) => {
            let message = "verify_signature is not offered by this host";
            logging::root_line(Level::Info, FILTER, message);
            Err(ForeignCallError::NotFound)
        }
        Err(status) => Err(ForeignCallError::Failed(status.to_string())),
    }
}

fn now_millis() -> u64 {
    let now = match abi::current_time_nanos() {
        Ok(nanos) => UNIX_EPOCH + std::time::Duration::from_nanos(nanos),
        Err(_) => SystemTime::now(),
    };
    now.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}
