//! When to fetch each provider's JWKS, and what a fetch's response means.
//!
//! Until a provider's first good set arrives, the root context ticks fast and retries every
//! `retry` interval; afterwards it refreshes every `refresh` interval and, when a stream met an
//! unknown `kid`, early, but never more often than [`MIN_EARLY_GAP`]. A fetch that gets no answer
//! within its timeout plus a margin is given up so that the schedule cannot stall.

use crate::config::JwksSource;
use crate::jwks::{JwksError, KeySet, MAX_JWKS_BYTES};
use std::time::Duration;

/// Tick period while some provider has no good set or its last fetch failed.
pub const SHORT_TICK: Duration = Duration::from_millis(500);
/// Tick period once every provider is loaded; due times decide the actual fetches.
pub const LONG_TICK: Duration = Duration::from_secs(5);
/// Least time between two early refreshes of one provider.
pub const MIN_EARLY_GAP: Duration = Duration::from_secs(10);
/// Extra time granted to a fetch beyond its timeout before it is considered lost.
const LOST_MARGIN: Duration = Duration::from_secs(5);

/// The fetch schedule of one provider; times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    next_due: u64,
    in_flight: Option<(u32, u64)>,
    last_started: Option<u64>,
    loaded: bool,
    failing: bool,
}

/// Why a fetch gave no usable set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    Dispatch,
    Status,
    TooLarge,
    Jwks(JwksError),
}

impl FetchError {
    pub fn reason(self) -> &'static str {
        match self {
            FetchError::Dispatch => "the request could not be dispatched",
            FetchError::Status => "the provider did not answer 200",
            FetchError::TooLarge => "the response is too large",
            FetchError::Jwks(err) => err.reason(),
        }
    }
}

impl Refresh {
    /// A schedule whose first fetch is due at once.
    pub fn new(now: u64) -> Self {
        Refresh {
            next_due: now,
            in_flight: None,
            last_started: None,
            loaded: false,
            failing: false,
        }
    }

    /// Whether a fetch should start now; forgets a fetch that was lost.
    pub fn is_due(&mut self, now: u64, source: &JwksSource) -> bool {
        if let Some((_, started)) = self.in_flight {
            if now < started + millis(source.timeout + LOST_MARGIN) {
                return false;
            }
            self.in_flight = None;
            self.failing = true;
        }
        now >= self.next_due
    }

    /// Moves the next fetch earlier after a stream met an unknown key, within the rate bound.
    pub fn request_early(&mut self, now: u64) {
        let earliest = self
            .last_started
            .map_or(now, |started| started + millis(MIN_EARLY_GAP));
        self.next_due = self.next_due.min(earliest.max(now));
    }

    pub fn started(&mut self, token: u32, now: u64) {
        self.in_flight = Some((token, now));
        self.last_started = Some(now);
    }

    /// Whether `token` is this provider's fetch in flight.
    pub fn is_waiting_for(&self, token: u32) -> bool {
        self.in_flight.is_some_and(|(t, _)| t == token)
    }

    pub fn succeeded(&mut self, now: u64, source: &JwksSource) {
        self.in_flight = None;
        self.loaded = true;
        self.failing = false;
        self.next_due = now + millis(source.refresh);
    }

    pub fn failed(&mut self, now: u64, source: &JwksSource) {
        self.in_flight = None;
        self.failing = true;
        self.next_due = now + millis(source.retry);
    }

    /// Whether the last fetch failed (for logging only the first failure loudly).
    pub fn is_failing(&self) -> bool {
        self.failing
    }

    pub fn wants_short_tick(&self) -> bool {
        !self.loaded || self.failing
    }
}

/// The tick period the schedules call for.
pub fn tick_period(refreshes: &[Refresh]) -> Duration {
    if refreshes.iter().any(Refresh::wants_short_tick) {
        SHORT_TICK
    } else {
        LONG_TICK
    }
}

/// The key set in a fetch's response, given its `:status`, its body size and a way to read the
/// body (called only when the size is acceptable).
pub fn read_response(
    status: Option<&[u8]>,
    body_size: usize,
    read_body: impl FnOnce() -> Option<Vec<u8>>,
) -> Result<KeySet, FetchError> {
    if status != Some(b"200".as_slice()) {
        return Err(FetchError::Status);
    }
    if body_size > MAX_JWKS_BYTES {
        return Err(FetchError::TooLarge);
    }
    let body = if body_size == 0 { None } else { read_body() };
    KeySet::parse(&body.unwrap_or_default()).map_err(FetchError::Jwks)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> JwksSource {
        JwksSource {
            cluster: "idp".into(),
            scheme: "http".into(),
            authority: "idp".into(),
            path: "/jwks".into(),
            refresh: Duration::from_secs(300),
            retry: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn fetches_at_once_retries_fast_then_refreshes_slowly() {
        let source = source();
        let mut refresh = Refresh::new(1_000);
        assert!(refresh.is_due(1_000, &source));
        refresh.started(7, 1_000);
        assert!(!refresh.is_due(1_500, &source), "one fetch at a time");
        assert!(refresh.is_waiting_for(7));
        refresh.failed(1_500, &source);
        assert_eq!(tick_period(&[refresh.clone()]), SHORT_TICK);
        assert!(!refresh.is_due(3_499, &source));
        assert!(refresh.is_due(3_500, &source));
        refresh.started(8, 3_500);
        refresh.succeeded(3_600, &source);
        assert_eq!(tick_period(&[refresh.clone()]), LONG_TICK);
        assert!(!refresh.is_due(3_600 + 299_999, &source));
        assert!(refresh.is_due(3_600 + 300_000, &source));
    }

    #[test]
    fn gives_up_on_a_fetch_that_never_answers() {
        let source = source();
        let mut refresh = Refresh::new(0);
        refresh.started(1, 0);
        assert!(!refresh.is_due(9_999, &source));
        assert!(refresh.is_due(10_000, &source));
        assert!(!refresh.is_waiting_for(1));
    }

    #[test]
    fn early_refreshes_are_rate_limited() {
        let source = source();
        let mut refresh = Refresh::new(0);
        refresh.started(1, 0);
        refresh.succeeded(100, &source);
        refresh.request_early(5_000);
        assert!(!refresh.is_due(9_999, &source));
        assert!(refresh.is_due(10_000, &source));
    }

    #[test]
    fn reads_only_good_responses() {
        let body = |text: &'static [u8]| move || Some(text.to_vec());
        let status = read_response(Some(b"503"), 2, body(b"{}"));
        assert_eq!(status.err(), Some(FetchError::Status));
        assert_eq!(
            read_response(None, 0, || None).err(),
            Some(FetchError::Status)
        );
        let huge = read_response(Some(b"200"), MAX_JWKS_BYTES + 1, || panic!("not read"));
        assert_eq!(huge.err(), Some(FetchError::TooLarge));
        let empty = read_response(Some(b"200"), 11, body(b"{\"keys\":[]}"));
        assert_eq!(empty.err(), Some(FetchError::Jwks(JwksError::NoUsableKey)));
        let set = crate::testing::jwks().to_string();
        let loaded = read_response(Some(b"200"), set.len(), || Some(set.clone().into_bytes()));
        assert_eq!(loaded.map(|keys| keys.len()), Ok(2));
    }
}
