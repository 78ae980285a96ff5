//! Envoy counters, defined once per root context and shared by its streams.
//!
//! Names must carry the `palisade_<filter>_` prefix: Envoy shares same-named metrics across
//! plugins, and shows them as `wasmcustom.<name>` in `/stats`.

use crate::abi;
use std::collections::BTreeMap;

/// A set of named counters; a counter whose definition failed is silently skipped.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    ids: BTreeMap<String, u32>,
}

impl Counters {
    /// Defines every counter named; names outside `[a-z0-9_]` are rejected by the caller's tests.
    pub fn define(names: &[&str]) -> Self {
        let ids = names
            .iter()
            .filter_map(|name| {
                abi::define_metric(0, name)
                    .ok()
                    .map(|id| (name.to_string(), id))
            })
            .collect();
        Counters { ids }
    }

    pub fn increment(&self, name: &str) {
        if let Some(id) = self.ids.get(name) {
            let _ = abi::increment_metric(*id, 1);
        }
    }

    /// Adds `amount` to a counter in one host call.
    pub fn add(&self, name: &str, amount: u64) {
        if let Some(id) = self.ids.get(name) {
            let amount = i64::try_from(amount).unwrap_or(i64::MAX);
            let _ = abi::increment_metric(*id, amount);
        }
    }
}
