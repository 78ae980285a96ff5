//! The documents one root context polls — each remote JWKS and the revocation list — and the
//! state it keeps about each: the version it installed and the fetch it has in flight.

use crate::config::{Config, JwksSource, RemoteSource, Target};
use crate::refresh::shared::SharedDocument;
use crate::refresh::{fingerprint, millis, Timing, LOST_MARGIN};
use palisade_shared::shared_data::SharedData;
use std::time::Duration;

/// Tick period while a revocation endpoint is polled: a new list reaches every worker within
/// one tick of being published.
pub const REVOCATION_TICK: Duration = Duration::from_millis(250);
/// Tick period while some document was never installed here.
pub const SHORT_TICK: Duration = Duration::from_millis(500);
/// Tick period otherwise; due times in shared data decide the actual fetches.
pub const LONG_TICK: Duration = Duration::from_secs(5);

/// What a polled document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The key set of provider `index`.
    Jwks(usize),
    Revocation,
}

/// Which request of a document's fetch is in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Discovery,
    Document,
}

/// One polled document as this root context follows it.
#[derive(Debug, Clone)]
pub struct Poll {
    pub kind: Kind,
    pub key: String,
    pub source: RemoteSource,
    fingerprint: u64,
    /// The version installed here; 0 before any.
    pub known: u64,
    /// `(token, started, stage)` of the fetch this root context has in flight.
    pub in_flight: Option<(u32, u64, Stage)>,
    /// The JWKS location found through discovery, kept until a fetch from it fails.
    pub discovered: Option<Target>,
    /// Whether the last attempt from here failed (for logging a run of failures once).
    pub failing: bool,
    /// Whether a stream here asked for an early refresh that has not been claimed yet.
    pub early: bool,
}

impl Poll {
    fn new(kind: Kind, key: String, source: &RemoteSource) -> Poll {
        let print = fingerprint(&format!("{source:?}"));
        Poll {
            kind,
            key,
            source: source.clone(),
            fingerprint: print,
            known: 0,
            in_flight: None,
            discovered: None,
            failing: false,
            early: false,
        }
    }

    /// The document's record in `store`.
    pub fn document<'a>(&'a self, store: &'a dyn SharedData) -> SharedDocument<'a> {
        SharedDocument {
            store,
            key: &self.key,
            source: self.fingerprint,
        }
    }

    pub fn timing(&self) -> Timing {
        Timing {
            refresh: self.source.refresh,
            retry: self.source.retry,
            timeout: self.source.timeout,
        }
    }

    /// Whether a fetch of this root context is still in flight at `now` (a lost one is
    /// forgotten once its lease would have lapsed).
    pub fn is_busy(&mut self, now: u64) -> bool {
        let limit = millis(self.source.timeout).saturating_add(millis(LOST_MARGIN));
        match self.in_flight {
            Some((_, started, _)) if now < started.saturating_add(limit) => true,
            _ => {
                self.in_flight = None;
                false
            }
        }
    }

    pub fn is_waiting_for(&self, token: u32) -> bool {
        self.in_flight.is_some_and(|(t, _, _)| t == token)
    }
}

/// The polls a configuration calls for: remote JWKS sources, then the revocation endpoint.
pub fn polls_for(config: &Config) -> Vec<Poll> {
    let jwks = config
        .providers
        .iter()
        .enumerate()
        .filter_map(|(index, provider)| {
            let JwksSource::Remote(source) = &provider.jwks else {
                return None;
            };
            let key = format!("palisade.authn.jwks.{index}");
            Some(Poll::new(Kind::Jwks(index), key, source))
        });
    let revocation = config
        .revocation
        .as_ref()
        .and_then(|revocation| revocation.endpoint.as_ref())
        .map(|endpoint| {
            let key = "palisade.authn.revocation".to_string();
            Poll::new(Kind::Revocation, key, &endpoint.source)
        });
    jwks.chain(revocation).collect()
}

/// The tick period the polls call for.
pub fn tick_period(polls: &[Poll]) -> Duration {
    if polls.iter().any(|poll| poll.kind == Kind::Revocation) {
        REVOCATION_TICK
    } else if polls.iter().any(|poll| poll.known == 0) {
        SHORT_TICK
    } else {
        LONG_TICK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{every_key_jwks, ISSUER};
    use serde_json::{json, Value};

    fn config(revocation: bool) -> Config {
        let mut config = json!({
            "providers": [
                {"name": "remote", "issuer": ISSUER, "audiences": ["a"],
                 "jwks": {"cluster": "idp", "uri": "http://idp/jwks"}},
                {"name": "inline", "issuer": "https://other.test", "audiences": ["a"],
                 "jwks": {"inline": every_key_jwks()}}
            ],
            "openapi": serde_json::from_str::<Value>(
                include_str!("../../../../schemas/demo-api.openapi.json")).unwrap()
        });
        if revocation {
            config["revocation"] = json!({"endpoint": {"cluster": "r", "uri": "http://r/list"}});
        }
        crate::config::load(config.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn polls_remote_key_sets_and_the_revocation_list_only() {
        let polls = polls_for(&config(true));
        let kinds: Vec<(Kind, &str)> = polls.iter().map(|p| (p.kind, p.key.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Jwks(0), "palisade.authn.jwks.0"),
                (Kind::Revocation, "palisade.authn.revocation")
            ]
        );
    }

    #[test]
    fn ticks_fast_while_loading_and_faster_while_revocations_are_polled() {
        let mut polls = polls_for(&config(false));
        assert_eq!(tick_period(&polls), SHORT_TICK);
        polls[0].known = 1;
        assert_eq!(tick_period(&polls), LONG_TICK);
        assert_eq!(tick_period(&polls_for(&config(true))), REVOCATION_TICK);
    }

    #[test]
    fn a_lost_fetch_is_forgotten_after_its_lease() {
        let mut poll = polls_for(&config(false)).remove(0);
        poll.in_flight = Some((3, 1_000, Stage::Document));
        assert!(poll.is_waiting_for(3) && poll.is_busy(7_999));
        assert!(!poll.is_busy(8_000), "timeout 5 s plus margin 2 s");
        assert!(!poll.is_waiting_for(3));
    }
}
