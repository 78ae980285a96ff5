//! The root context's polled documents (each remote JWKS, the revocation list): installing what
//! any root context published in shared data, and — when this one wins the lease — fetching
//! through the document's cluster and publishing the result.

use super::poll::{Kind, Stage};
use super::{AuthnRoot, Filter};
use crate::jwks::discovery::{self, MAX_DISCOVERY_BYTES};
use crate::jwks::{KeySet, MAX_JWKS_BYTES};
use crate::metrics;
use crate::refresh::{self, FetchError};
use crate::revocation::{Denylist, MAX_LIST_BYTES};
use palisade_shared::abi;
use palisade_shared::logging::Level;
use proxy_wasm::hostcalls;

impl AuthnRoot {
    /// Every tick: installs newer published documents, then starts the fetches that are due.
    pub(super) fn poll_all(&mut self, filter: &Filter, now: u64) {
        for index in 0..self.polls.len() {
            self.sync(filter, index);
            self.start_if_due(filter, index, now);
        }
    }

    /// Installs the published document of poll `index` when it is newer than the one here.
    fn sync(&mut self, filter: &Filter, index: usize) {
        let Some(poll) = self.polls.get(index) else {
            return;
        };
        let newer = poll.document(&filter.shared).newer(poll.known);
        let failure = format!("{} not read", poll.key);
        match newer {
            Ok(Some((version, body))) => self.install(filter, index, version, &body),
            Ok(None) => {}
            Err(err) => self.log(Level::Debug, &format!("{failure}: {err:?}")),
        }
    }

    fn start_if_due(&mut self, filter: &Filter, index: usize, now: u64) {
        let Some(poll) = self.polls.get_mut(index) else {
            return;
        };
        // The wish outlives ticks on which the early gap has not passed yet.
        poll.early |= match poll.kind {
            Kind::Jwks(provider) => filter.keys.take_refresh_request(provider),
            Kind::Revocation => false,
        };
        if poll.is_busy(now) {
            return;
        }
        let claimed = poll
            .document(&filter.shared)
            .claim(&poll.timing(), poll.early, now);
        if claimed == Ok(true) {
            poll.early = false;
        }
        let stage = match (&poll.discovered, poll.source.discovery) {
            (None, true) => Stage::Discovery,
            _ => Stage::Document,
        };
        let failure = format!("{} not claimed", poll.key);
        match claimed {
            Ok(true) => self.dispatch(filter, index, stage, now),
            Ok(false) => {}
            Err(err) => self.log(Level::Debug, &format!("{failure}: {err:?}")),
        }
    }

    fn dispatch(&mut self, filter: &Filter, index: usize, stage: Stage, now: u64) {
        let Some(poll) = self.polls.get_mut(index) else {
            return;
        };
        let source = &poll.source;
        let target = match (stage, &poll.discovered) {
            (Stage::Document, Some(discovered)) => discovered,
            _ => &source.target,
        };
        let headers = vec![
            (":method", "GET"),
            (":path", target.path.as_str()),
            (":authority", target.authority.as_str()),
            (":scheme", target.scheme.as_str()),
            ("accept", "application/json"),
        ];
        let cluster = source.cluster.as_str();
        match hostcalls::dispatch_http_call(cluster, headers, None, vec![], source.timeout) {
            Ok(token) => poll.in_flight = Some((token, now, stage)),
            Err(status) => {
                let why = format!("not dispatched ({status:?})");
                self.failed(filter, index, &why);
            }
        }
    }

    /// Handles the response to fetch `token`, if it is one of this root context's.
    pub(super) fn receive(&mut self, filter: &Filter, token: u32, body_size: usize, now: u64) {
        let Some(index) = self
            .polls
            .iter()
            .position(|poll| poll.is_waiting_for(token))
        else {
            return;
        };
        let Some(poll) = self.polls.get_mut(index) else {
            return;
        };
        let stage = poll
            .in_flight
            .map_or(Stage::Document, |(_, _, stage)| stage);
        poll.in_flight = None;
        let limit = match (stage, poll.kind) {
            (Stage::Discovery, _) => MAX_DISCOVERY_BYTES,
            (Stage::Document, Kind::Jwks(_)) => MAX_JWKS_BYTES,
            (Stage::Document, Kind::Revocation) => MAX_LIST_BYTES,
        };
        let body = response_body(body_size, limit);
        match (stage, body) {
            (Stage::Discovery, Ok(body)) => self.discovered(filter, index, &body, now),
            (Stage::Document, Ok(body)) => self.fetched(filter, index, &body, now),
            (_, Err(err)) => self.failed(filter, index, err.reason()),
        }
    }

    fn discovered(&mut self, filter: &Filter, index: usize, body: &[u8], now: u64) {
        let issuer = match self.polls.get(index).map(|poll| poll.kind) {
            Some(Kind::Jwks(provider)) => filter.config.providers.get(provider),
            _ => None,
        };
        let Some(issuer) = issuer.map(|provider| provider.issuer.as_str()) else {
            return;
        };
        match discovery::jwks_target(body, issuer) {
            Ok(target) => {
                if let Some(poll) = self.polls.get_mut(index) {
                    poll.discovered = Some(target);
                }
                self.dispatch(filter, index, Stage::Document, now);
            }
            Err(why) => self.failed(filter, index, why),
        }
    }

    /// Checks a fetched document, publishes it for every worker and installs it here.
    fn fetched(&mut self, filter: &Filter, index: usize, body: &[u8], now: u64) {
        let Some(kind) = self.polls.get(index).map(|poll| poll.kind) else {
            return;
        };
        let checked = match kind {
            Kind::Jwks(_) => KeySet::parse(body).map(|_| ()).map_err(|err| err.reason()),
            Kind::Revocation => Denylist::parse(body).map(|_| ()),
        };
        if let Err(why) = checked {
            self.failed(filter, index, why);
            return;
        }
        let published = self
            .polls
            .get(index)
            .map(|poll| poll.document(&filter.shared).publish(body, now));
        match published {
            Some(Ok(version)) => self.install(filter, index, version, body),
            Some(Err(err)) => self.failed(filter, index, &format!("not published ({err:?})")),
            None => {}
        }
    }

    /// Installs version `version` of poll `index`'s document in this worker.
    fn install(&mut self, filter: &Filter, index: usize, version: u64, body: &[u8]) {
        let Some(poll) = self.polls.get_mut(index) else {
            return;
        };
        let was_failing = std::mem::replace(&mut poll.failing, false);
        let first = poll.known == 0;
        poll.known = version;
        let kind = poll.kind;
        let installed = match kind {
            Kind::Jwks(provider) => install_keys(filter, provider, body),
            Kind::Revocation => install_revocations(filter, version, body),
        };
        match installed {
            Ok(message) => {
                filter.counters.increment(counter(kind, true));
                // Loud for the first document and after failures; routine refreshes stay quiet.
                let level = if first || was_failing {
                    Level::Info
                } else {
                    Level::Debug
                };
                self.log(level, &format!("{message} version={version}"));
            }
            Err(why) => self.log(Level::Warn, &format!("published document refused: {why}")),
        }
    }

    /// Records a failed attempt; warns for the first failure of a run, then only at debug.
    fn failed(&mut self, filter: &Filter, index: usize, why: &str) {
        let Some(poll) = self.polls.get_mut(index) else {
            return;
        };
        poll.in_flight = None;
        poll.discovered = None;
        let was_failing = std::mem::replace(&mut poll.failing, true);
        let _ = poll.document(&filter.shared).fail();
        filter.counters.increment(counter(poll.kind, false));
        let state = match poll.known {
            0 => "nothing installed yet, tokens needing it are refused",
            _ => "keeping the last good document",
        };
        let level = if was_failing {
            Level::Debug
        } else {
            Level::Warn
        };
        let message = format!("{} fetch failed: {why}; {state}", poll.key);
        self.log(level, &message);
    }
}

/// The counter of good or failed fetches of a kind of document.
fn counter(kind: Kind, ok: bool) -> &'static str {
    match (kind, ok) {
        (Kind::Jwks(_), true) => metrics::JWKS_FETCH_OK,
        (Kind::Jwks(_), false) => metrics::JWKS_FETCH_FAILED,
        (Kind::Revocation, true) => metrics::REVOCATION_FETCH_OK,
        (Kind::Revocation, false) => metrics::REVOCATION_FETCH_FAILED,
    }
}

/// Installs a provider's key set (plus its secrets); a changed set empties the token cache.
fn install_keys(filter: &Filter, provider: usize, body: &[u8]) -> Result<String, &'static str> {
    let config = filter
        .config
        .providers
        .get(provider)
        .ok_or("no such provider")?;
    let set = KeySet::parse(body).map_err(|err| err.reason())?;
    let keys = set.len();
    if filter
        .keys
        .install(provider, set.with_secrets(&config.secrets))
    {
        filter.cache.borrow_mut().clear();
    }
    Ok(format!("provider={} jwks loaded keys={keys}", config.name))
}

/// Installs a revocation list and empties the token cache, so cached tokens are checked again.
fn install_revocations(filter: &Filter, version: u64, body: &[u8]) -> Result<String, &'static str> {
    let list = Denylist::parse(body)?;
    let entries = list.len();
    filter.revocations.install(version, list);
    filter.cache.borrow_mut().clear();
    Ok(format!("revocation list loaded entries={entries}"))
}

/// The body of the response whose callback is running, at most `limit` bytes.
fn response_body(body_size: usize, limit: usize) -> Result<Vec<u8>, FetchError> {
    let status = abi::header(abi::HTTP_CALL_RESPONSE_HEADERS, ":status")
        .ok()
        .flatten();
    let read_body = || {
        abi::get_buffer(abi::HTTP_CALL_RESPONSE_BODY, 0, body_size)
            .ok()
            .flatten()
    };
    refresh::read_response(
        status.as_deref().map(str::as_bytes),
        body_size,
        limit,
        read_body,
    )
}
