//! The key sets of every provider as the root context last fetched them, read by every stream.
//!
//! A set is replaced only by a newer good one: a failed refresh leaves the last good set in
//! place. Streams that meet an unknown `kid` ask for an early refresh, which the root context's
//! schedule grants at a bounded rate.

use crate::jwks::KeySet;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Per provider: the current key set (if one was ever loaded) and an early-refresh request.
#[derive(Debug, Default)]
pub struct KeyStore {
    sets: RefCell<Vec<Option<Rc<KeySet>>>>,
    refresh_wanted: Vec<Cell<bool>>,
}

impl KeyStore {
    /// A store for `providers` providers, none loaded yet.
    pub fn new(providers: usize) -> Self {
        KeyStore {
            sets: RefCell::new(vec![None; providers]),
            refresh_wanted: (0..providers).map(|_| Cell::new(false)).collect(),
        }
    }

    /// The current set of provider `index`, `None` until one was loaded.
    pub fn get(&self, index: usize) -> Option<Rc<KeySet>> {
        self.sets.borrow().get(index).cloned().flatten()
    }

    /// Installs a freshly fetched set; returns whether it differs from the one it replaces.
    pub fn install(&self, index: usize, set: KeySet) -> bool {
        let mut sets = self.sets.borrow_mut();
        let Some(slot) = sets.get_mut(index) else {
            return false;
        };
        let changed = slot.as_deref() != Some(&set);
        *slot = Some(Rc::new(set));
        changed
    }

    /// Asks the root context to refresh provider `index` soon (a token named an unknown key).
    pub fn request_refresh(&self, index: usize) {
        if let Some(flag) = self.refresh_wanted.get(index) {
            flag.set(true);
        }
    }

    /// Takes the early-refresh request of provider `index`, clearing it.
    pub fn take_refresh_request(&self, index: usize) -> bool {
        self.refresh_wanted
            .get(index)
            .is_some_and(|flag| flag.replace(false))
    }
}
