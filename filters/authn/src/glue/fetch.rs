//! The root context's JWKS fetches: dispatching them through the provider's cluster and
//! installing (or rejecting) what comes back.

use super::{AuthnRoot, Filter};
use crate::jwks::KeySet;
use crate::metrics;
use crate::refresh::{self, FetchError};
use palisade_shared::abi;
use palisade_shared::logging::Level;
use proxy_wasm::hostcalls;

impl AuthnRoot {
    /// Starts a fetch for every provider that is due (or asked for an early refresh).
    pub(super) fn fetch_due(&mut self, filter: &Filter, now: u64) {
        for (index, provider) in filter.config.providers.iter().enumerate() {
            let early = filter.keys.take_refresh_request(index);
            let Some(refresh) = self.refreshes.get_mut(index) else {
                continue;
            };
            if early {
                refresh.request_early(now);
            }
            if refresh.is_due(now, &provider.jwks) {
                self.dispatch(filter, index, now);
            }
        }
    }

    fn dispatch(&mut self, filter: &Filter, index: usize, now: u64) {
        let (Some(provider), Some(refresh)) = (
            filter.config.providers.get(index),
            self.refreshes.get_mut(index),
        ) else {
            return;
        };
        let source = &provider.jwks;
        let headers = vec![
            (":method", "GET"),
            (":path", source.path.as_str()),
            (":authority", source.authority.as_str()),
            (":scheme", source.scheme.as_str()),
            ("accept", "application/json"),
        ];
        let cluster = source.cluster.as_str();
        match hostcalls::dispatch_http_call(cluster, headers, None, vec![], source.timeout) {
            Ok(token) => refresh.started(token, now),
            Err(status) => {
                refresh.failed(now, source);
                self.fetch_failed(filter, index, Some(&format!("not dispatched ({status:?})")));
            }
        }
    }

    /// Installs or rejects the key set a fetch of provider `index` returned.
    pub(super) fn receive(&mut self, filter: &Filter, index: usize, body_size: usize, now: u64) {
        let (Some(provider), Some(refresh)) = (
            filter.config.providers.get(index),
            self.refreshes.get_mut(index),
        ) else {
            return;
        };
        let was_failing = refresh.is_failing();
        match response_key_set(body_size) {
            Ok(set) => {
                refresh.succeeded(now, &provider.jwks);
                let first = filter.keys.get(index).is_none();
                let keys = set.len();
                if filter.keys.install(index, set) {
                    filter.cache.borrow_mut().clear();
                }
                filter.counters.increment(metrics::JWKS_FETCH_OK);
                // Loud for the first set and after failures; routine refreshes stay quiet.
                let level = if first || was_failing {
                    Level::Info
                } else {
                    Level::Debug
                };
                let message = format!("provider={} jwks loaded keys={keys}", provider.name);
                self.log(level, &message);
            }
            Err(err) => {
                refresh.failed(now, &provider.jwks);
                let why = (!was_failing).then_some(err.reason());
                self.fetch_failed(filter, index, why);
            }
        }
    }

    /// Counts a failed fetch; warns with `why` for the first failure of a run, and only at debug
    /// level (`why` absent) while the failures go on.
    fn fetch_failed(&self, filter: &Filter, index: usize, why: Option<&str>) {
        filter.counters.increment(metrics::JWKS_FETCH_FAILED);
        let Some(provider) = filter.config.providers.get(index) else {
            return;
        };
        let state = match filter.keys.get(index) {
            Some(_) => "keeping the last good key set",
            None => "no key set yet, tokens of this provider are refused",
        };
        let (level, why) = match why {
            Some(why) => (Level::Warn, why),
            None => (Level::Debug, "again"),
        };
        let message = format!(
            "provider={} jwks fetch failed: {why}; {state}",
            provider.name
        );
        self.log(level, &message);
    }
}

/// The key set in the response of the fetch whose callback is running.
fn response_key_set(body_size: usize) -> Result<KeySet, FetchError> {
    let status = abi::header(abi::HTTP_CALL_RESPONSE_HEADERS, ":status")
        .ok()
        .flatten();
    let read_body = || {
        abi::get_buffer(abi::HTTP_CALL_RESPONSE_BODY, 0, body_size)
            .ok()
            .flatten()
    };
    refresh::read_response(status.as_deref().map(str::as_bytes), body_size, read_body)
}
