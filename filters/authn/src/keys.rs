//! The key sets of every provider as this worker last installed them, read by every stream.
//!
//! A set is replaced only by a newer good one: a failed refresh leaves the last good set in
//! place. A stream that meets an unknown `kid` asks for an early refresh — once per kid: the kid
//! goes into a small negative cache, so a flood of tokens naming made-up kids costs one early
//! refresh (itself rate-limited across workers), not one per token. The negative cache is
//! cleared whenever the installed set changes.

use crate::config::{JwksSource, Provider};
use crate::jwks::KeySet;
use crate::refresh::fingerprint;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// Unknown kids remembered per provider (as fingerprints; the kid itself is not kept).
const NEGATIVE_KIDS: usize = 64;
/// How long a kid stays known as unknown, in seconds, so a key published late is still found
/// by an early refresh.
const NEGATIVE_SECONDS: u64 = 60;

/// Per provider: the current key set (if one was ever loaded), an early-refresh request and
/// the kids recently found unknown.
#[derive(Debug, Default)]
pub struct KeyStore {
    sets: RefCell<Vec<Option<Rc<KeySet>>>>,
    refresh_wanted: Vec<Cell<bool>>,
    unknown_kids: Vec<RefCell<VecDeque<(u64, u64)>>>,
}

impl KeyStore {
    /// A store for `providers` providers, none loaded yet.
    pub fn new(providers: usize) -> Self {
        KeyStore {
            sets: RefCell::new(vec![None; providers]),
            refresh_wanted: (0..providers).map(|_| Cell::new(false)).collect(),
            unknown_kids: (0..providers).map(|_| RefCell::default()).collect(),
        }
    }

    /// A store for `providers`, with the sets that need no fetch already installed: inline key
    /// sets and configured secrets.
    pub fn for_providers(providers: &[Provider]) -> Self {
        let store = KeyStore::new(providers.len());
        for (index, provider) in providers.iter().enumerate() {
            let set = match &provider.jwks {
                JwksSource::Inline(set) => set.clone(),
                JwksSource::None => KeySet::default(),
                JwksSource::Remote(_) => continue,
            };
            store.install(index, set.with_secrets(&provider.secrets));
        }
        store
    }

    /// The current set of provider `index`, `None` until one was loaded.
    pub fn get(&self, index: usize) -> Option<Rc<KeySet>> {
        self.sets.borrow().get(index).cloned().flatten()
    }

    /// Installs a set; returns whether it differs from the one it replaces.
    pub fn install(&self, index: usize, set: KeySet) -> bool {
        let mut sets = self.sets.borrow_mut();
        let Some(slot) = sets.get_mut(index) else {
            return false;
        };
        let changed = slot.as_deref() != Some(&set);
        *slot = Some(Rc::new(set));
        if changed {
            if let Some(kids) = self.unknown_kids.get(index) {
                kids.borrow_mut().clear();
            }
        }
        changed
    }

    /// Notes at `now` (Unix seconds) that a token of provider `index` named `kid`, which the set
    /// lacks: asks the root context for an early refresh unless this kid already asked within
    /// the last minute and the set has not changed since.
    pub fn unknown_kid(&self, index: usize, kid: &str, now: u64) {
        let (Some(kids), Some(flag)) =
            (self.unknown_kids.get(index), self.refresh_wanted.get(index))
        else {
            return;
        };
        let mut kids = kids.borrow_mut();
        kids.retain(|(_, at)| now < at.saturating_add(NEGATIVE_SECONDS));
        let print = fingerprint(kid);
        if kids.iter().any(|(known, _)| *known == print) {
            return;
        }
        if kids.len() >= NEGATIVE_KIDS {
            kids.pop_front();
        }
        kids.push_back((print, now));
        flag.set(true);
    }

    /// Takes the early-refresh request of provider `index`, clearing it.
    pub fn take_refresh_request(&self, index: usize) -> bool {
        self.refresh_wanted
            .get(index)
            .is_some_and(|flag| flag.replace(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::jwks;

    #[test]
    fn asks_for_one_early_refresh_per_unknown_kid_until_the_set_changes() {
        let store = KeyStore::new(1);
        store.unknown_kid(0, "k9", 100);
        assert!(store.take_refresh_request(0));
        store.unknown_kid(0, "k9", 159);
        assert!(
            !store.take_refresh_request(0),
            "the same kid asks once a minute"
        );
        store.unknown_kid(0, "k9", 160);
        assert!(store.take_refresh_request(0));
        store.unknown_kid(0, "k10", 160);
        assert!(store.take_refresh_request(0));
        let set = KeySet::parse(jwks().to_string().as_bytes()).unwrap();
        assert!(store.install(0, set.clone()));
        assert!(!store.install(0, set), "an equal set is no change");
        store.unknown_kid(0, "k9", 161);
        assert!(
            store.take_refresh_request(0),
            "a changed set forgets unknown kids"
        );
    }

    #[test]
    fn the_negative_cache_stays_bounded() {
        let store = KeyStore::new(1);
        for n in 0..1000 {
            store.unknown_kid(0, &format!("kid-{n}"), 5);
        }
        assert!(store.unknown_kids[0].borrow().len() <= NEGATIVE_KIDS);
        assert!(store.take_refresh_request(0));
        assert!(store.get(0).is_none());
        store.unknown_kid(7, "no such provider", 5);
    }
}
