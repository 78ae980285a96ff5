//! The key sets of every provider as this worker last installed them, read by every stream.
//!
//! A set is replaced only by a newer good one: a failed refresh leaves the last good set in
//! place. A stream that meets an unknown `kid` asks for an early refresh — once per kid: the kid
//! goes into a small negative cache, so a flood of tokens naming made-up kids costs one early
//! refresh (itself rate-limited across workers), not one per token. The negative cache is
//! cleared whenever the installed set changes.
//!
//! A worker without a set asks its [`Loader`] before refusing: the root context that fetched a
//! set publishes it in shared data, and the other workers would otherwise answer 503 until
//! their own next tick installs it.

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

/// The set another worker published for a provider index, if any (see [`KeyStore::get`]).
pub type Loader = Box<dyn Fn(usize) -> Option<KeySet>>;

/// Per provider: the current key set (if one was ever loaded), an early-refresh request and
/// the kids recently found unknown.
#[derive(Default)]
pub struct KeyStore {
    sets: RefCell<Vec<Option<Rc<KeySet>>>>,
    refresh_wanted: Vec<Cell<bool>>,
    unknown_kids: Vec<RefCell<VecDeque<(u64, u64)>>>,
    loader: Option<Loader>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("sets", &self.sets)
            .field("loader", &self.loader.is_some())
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// A store for `providers` providers, none loaded yet.
    pub fn new(providers: usize) -> Self {
        KeyStore {
            sets: RefCell::new(vec![None; providers]),
            refresh_wanted: (0..providers).map(|_| Cell::new(false)).collect(),
            unknown_kids: (0..providers).map(|_| RefCell::default()).collect(),
            loader: None,
        }
    }

    /// This store, asking `loader` for a provider's set whenever it has none yet.
    pub fn with_loader(mut self, loader: Loader) -> Self {
        self.loader = Some(loader);
        self
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

    /// The current set of provider `index`; without one yet, the set the loader finds (then
    /// installed); `None` until either has one.
    pub fn get(&self, index: usize) -> Option<Rc<KeySet>> {
        if let Some(set) = self.sets.borrow().get(index).cloned().flatten() {
            return Some(set);
        }
        let set = self.loader.as_ref().and_then(|load| load(index))?;
        self.install(index, set);
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
    fn a_store_without_a_set_asks_its_loader_and_keeps_what_it_found() {
        use std::cell::Cell;
        use std::rc::Rc as Shared;
        let asked = Shared::new(Cell::new(0));
        let published = Shared::new(Cell::new(false));
        let (counter, ready) = (Shared::clone(&asked), Shared::clone(&published));
        let store = KeyStore::new(2).with_loader(Box::new(move |index| {
            counter.set(counter.get() + 1);
            (ready.get() && index == 1)
                .then(|| KeySet::parse(jwks().to_string().as_bytes()).unwrap())
        }));
        assert!(store.get(1).is_none(), "nothing published yet");
        assert!(store.get(1).is_none());
        assert_eq!(asked.get(), 2, "asked again while nothing was found");
        published.set(true);
        assert!(store.get(1).is_some());
        assert!(store.get(1).is_some());
        assert_eq!(asked.get(), 3, "not asked once a set is installed");
        assert!(
            store.get(0).is_none(),
            "the loader has nothing for provider 0"
        );
        assert!(store.get(7).is_none(), "no such provider");
    }

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
