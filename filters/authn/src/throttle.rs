//! Failed-authentication throttling (NIST AC-7): after `max_failures` failures within a window
//! from one client address, or for one claimed principal, further attempts are refused with 429
//! and `Retry-After` until the lockout ends. Each further lockout doubles, up to a maximum; a
//! success resets the principal's count.
//!
//! Counters live in Envoy shared data (see [`slot`]), so every worker counts together. Next to
//! them, one index per kind of subject holds the latest end of any lockout of that kind: while
//! it lies in the past nobody is locked out, and an allowed request costs one small read
//! instead of its address and its slot. Once that end has passed the index is emptied: Envoy
//! hands an empty value over without allocating in the VM, which makes the read of an idle
//! index several times cheaper than that of a set one. The principal is what the request claims, not what was
//! proven: for a token its unverified issuer and subject, which is exactly what a guesser
//! varies. Shared data that cannot be read or written leaves requests unthrottled rather than
//! refusing everyone — this includes a lockout whose index could not be raised after its slot
//! was written (the failure is reported to the caller).

pub mod config;
mod slot;

use config::ThrottleConfig;
use palisade_shared::shared_data::{SharedData, WriteError};
use slot::{locate, Counter};

/// How often a compare-and-set is retried.
const CAS_ATTEMPTS: usize = 8;

/// What failures are counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The client's address (without port).
    Source(&'a str),
    /// A claimed principal, e.g. `<iss> <sub>` of a token or an API key's id.
    Principal(&'a str),
}

const SOURCE_KIND: &str = "src";
const PRINCIPAL_KIND: &str = "principal";

/// The shared-data key of the lockout index of one kind of subject.
fn index_key(kind: &str) -> String {
    format!("palisade.authn.throttle.{kind}.locked_until")
}

/// An index's lockout end; an empty index (no lockout in force) reads as 0.
fn decode_index(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// The stored form of an index: empty for 0.
fn encode_index(until: u64) -> Vec<u8> {
    match until {
        0 => Vec::new(),
        until => until.to_le_bytes().to_vec(),
    }
}

impl Subject<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Subject::Source(_) => SOURCE_KIND,
            Subject::Principal(_) => PRINCIPAL_KIND,
        }
    }

    fn key(&self) -> &str {
        match self {
            Subject::Source(key) | Subject::Principal(key) => key,
        }
    }
}

/// The throttle of one configuration over one shared-data store.
pub struct Throttle<'a> {
    pub store: &'a dyn SharedData,
    pub config: &'a ThrottleConfig,
}

impl<'a> Throttle<'a> {
    pub fn over(store: &'a dyn SharedData, config: &'a ThrottleConfig) -> Throttle<'a> {
        Throttle { store, config }
    }
}

impl Throttle<'_> {
    fn counts(&self, subject: &Subject<'_>) -> bool {
        match subject {
            Subject::Source(_) => self.config.per_source,
            Subject::Principal(_) => self.config.per_principal,
        }
    }

    /// Whether some client address may be locked out at `now` (Unix ms): only then is a
    /// request's own address worth reading.
    pub fn sources_may_be_locked(&self, now: u64) -> Result<bool, WriteError> {
        Ok(self.config.per_source && self.lock_index(SOURCE_KIND, now)? > now)
    }

    /// Seconds until `subject` may try again, when it is locked out at `now` (Unix ms).
    pub fn retry_after(&self, subject: &Subject<'_>, now: u64) -> Result<Option<u64>, WriteError> {
        if !self.counts(subject) || self.lock_index(subject.kind(), now)? <= now {
            return Ok(None);
        }
        let located = locate(self.store, self.config, subject.kind(), subject.key(), now)?;
        let until = located.counter.locked_until_ms;
        Ok((until > now).then(|| (until - now).div_ceil(1000)))
    }

    /// Counts one failure; returns the lockout in seconds when this failure started one.
    pub fn failed(&self, subject: &Subject<'_>, now: u64) -> Result<Option<u64>, WriteError> {
        if !self.counts(subject) {
            return Ok(None);
        }
        let lockout = self.update(subject, now, |counter, _| {
            let seconds = record_failure(self.config, counter, now);
            Some(seconds.map(|seconds| (seconds, counter.locked_until_ms)))
        })?;
        let Some((seconds, until)) = lockout.flatten() else {
            return Ok(None);
        };
        // Until the index covers it, a lockout is not enforced: report its failure.
        self.raise_lock_index(subject.kind(), until)?;
        Ok(Some(seconds))
    }

    /// Creates the index of each kind that has none yet, covering every lockout its slots
    /// already hold (shared data outlives a module updated in place, and an older module on
    /// this `vm_id` kept no index). Called before any request: shared data ignores
    /// compare-and-set for a key that does not exist, so two workers creating an index while
    /// requests raise it could lower it.
    pub fn seed(store: &dyn SharedData, config: &ThrottleConfig) {
        for kind in [SOURCE_KIND, PRINCIPAL_KIND] {
            let key = index_key(kind);
            if !matches!(store.read(&key), Ok((None, None))) {
                continue;
            }
            let latest = (0..config.slots)
                .filter_map(|index| store.read(&slot::slot_key(kind, index)).ok())
                .filter_map(|(bytes, _)| bytes.as_deref().and_then(Counter::decode))
                .map(|counter| counter.locked_until_ms)
                .max()
                .unwrap_or(0);
            let _ = store.write(&key, &encode_index(latest), None);
        }
    }

    /// The latest lockout end (Unix ms) of subjects of `kind`; 0 when none is recorded. An end
    /// that `now` has passed is emptied, unless a lockout raised it since it was read.
    fn lock_index(&self, kind: &str, now: u64) -> Result<u64, WriteError> {
        let key = index_key(kind);
        let (bytes, cas) = self.store.read(&key)?;
        let until = bytes.as_deref().and_then(decode_index).unwrap_or(0);
        if until != 0 && until <= now {
            // A lost race only leaves the emptying to a later request.
            let _ = self.store.write(&key, &[], cas);
        }
        Ok(until)
    }

    /// Raises the index of `kind` to `until` unless it already lies beyond.
    fn raise_lock_index(&self, kind: &str, until: u64) -> Result<(), WriteError> {
        let key = index_key(kind);
        for _ in 0..CAS_ATTEMPTS {
            let (bytes, cas) = self.store.read(&key)?;
            if bytes.as_deref().and_then(decode_index).unwrap_or(0) >= until {
                return Ok(());
            }
            match self.store.write(&key, &encode_index(until), cas) {
                Ok(()) => return Ok(()),
                Err(WriteError::CasMismatch) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(WriteError::CasMismatch)
    }

    /// Forgets the failures and lockouts of `subject` after a success.
    pub fn succeeded(&self, subject: &Subject<'_>, now: u64) -> Result<(), WriteError> {
        if !self.counts(subject) {
            return Ok(());
        }
        // A slot shared with another key is left alone: its count is not ours to reset.
        self.update(subject, now, |counter, own| {
            let clean = counter.failures == 0 && counter.lockouts == 0;
            if !own || clean {
                return None;
            }
            counter.failures = 0;
            counter.lockouts = 0;
            Some(())
        })
        .map(|_| ())
    }

    /// Applies `change` (given whether the slot is the subject's own) with compare-and-set;
    /// `change` returning `None` leaves the slot unwritten.
    fn update<T>(
        &self,
        subject: &Subject<'_>,
        now: u64,
        change: impl Fn(&mut Counter, bool) -> Option<T>,
    ) -> Result<Option<T>, WriteError> {
        for _ in 0..CAS_ATTEMPTS {
            let mut located = locate(self.store, self.config, subject.kind(), subject.key(), now)?;
            let Some(answer) = change(&mut located.counter, located.own) else {
                return Ok(None);
            };
            match self
                .store
                .write(&located.key, &located.counter.encode(), located.cas)
            {
                Ok(()) => return Ok(Some(answer)),
                Err(WriteError::CasMismatch) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(WriteError::CasMismatch)
    }
}

/// The address part of Envoy's `source.address` (`1.2.3.4:5678`, `[::1]:5678`).
pub fn address_without_port(address: &str) -> Option<&str> {
    if let Some(rest) = address.strip_prefix('[') {
        return rest
            .split_once(']')
            .map(|(ip, _)| ip)
            .filter(|ip| !ip.is_empty());
    }
    match address.rsplit_once(':') {
        Some((ip, _)) if !ip.contains(':') && !ip.is_empty() => Some(ip),
        Some(_) => Some(address),
        None => (!address.is_empty()).then_some(address),
    }
}

/// Adds a failure at `now`; starts a lockout when the window's count reaches the maximum.
fn record_failure(config: &ThrottleConfig, counter: &mut Counter, now: u64) -> Option<u64> {
    let quiet_since = counter.locked_until_ms.max(counter.last_failure_ms);
    if now >= quiet_since.saturating_add(config.max_lockout_ms) {
        counter.lockouts = 0;
    }
    if now >= counter.window_start_ms.saturating_add(config.window_ms) {
        counter.failures = 0;
        counter.window_start_ms = now;
    }
    counter.failures += 1;
    counter.last_failure_ms = now;
    if counter.failures < config.max_failures {
        return None;
    }
    counter.lockouts = counter.lockouts.saturating_add(1);
    let doublings = u32::try_from(counter.lockouts - 1)
        .unwrap_or(u32::MAX)
        .min(32);
    let lockout = config
        .lockout_ms
        .saturating_mul(1u64 << doublings)
        .min(config.max_lockout_ms);
    counter.locked_until_ms = now.saturating_add(lockout);
    counter.failures = 0;
    counter.window_start_ms = now;
    Some(lockout.div_ceil(1000))
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
