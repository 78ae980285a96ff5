//! Verified tokens remembered per worker, so a token is verified once, not on every request.
//!
//! Entries are keyed by the SHA-256 of the whole token (the token itself is never stored), hold
//! the principal it stands for and the second at which it stops being accepted; that time is
//! checked on every hit. The cache is bounded: when full, the oldest entry goes first.

use palisade_shared::principal::Principal;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

/// SHA-256 of a whole token.
pub type TokenKey = [u8; 32];

/// What the cache remembers of one verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub principal: Rc<Principal>,
    /// Unix second from which the token is refused (expiry plus leeway).
    pub accepted_until: u64,
}

/// A bounded map from token hash to verification result, oldest entries evicted first.
#[derive(Debug)]
pub struct TokenCache {
    capacity: usize,
    entries: HashMap<TokenKey, Verified>,
    order: VecDeque<TokenKey>,
    /// The principal last handed on and its filter-state encoding, so that a client repeating
    /// its token is serialised once, not on every request.
    last_encoded: Option<(Rc<Principal>, Rc<[u8]>)>,
}

/// The cache key of `token`.
pub fn key(token: &str) -> TokenKey {
    Sha256::digest(token.as_bytes()).into()
}

impl TokenCache {
    /// A cache of at most `capacity` tokens; zero disables caching.
    pub fn new(capacity: usize) -> Self {
        TokenCache {
            capacity,
            entries: HashMap::with_capacity(capacity.min(1024)),
            order: VecDeque::with_capacity(capacity.min(1024)),
            last_encoded: None,
        }
    }

    /// The filter-state encoding of `principal` (JSON), remembered for the last principal:
    /// principals are immutable behind their `Rc`, so the same `Rc` always encodes the same.
    pub fn encoded(&mut self, principal: &Rc<Principal>) -> Rc<[u8]> {
        if let Some((last, bytes)) = &self.last_encoded {
            if Rc::ptr_eq(last, principal) {
                return Rc::clone(bytes);
            }
        }
        let bytes: Rc<[u8]> = serde_json::to_vec(principal.as_ref())
            .unwrap_or_default()
            .into();
        self.last_encoded = Some((Rc::clone(principal), Rc::clone(&bytes)));
        bytes
    }

    /// The remembered result, if the token is known and still accepted at `now`.
    pub fn get(&mut self, key: &TokenKey, now: u64) -> Option<Verified> {
        let entry = self.entries.get(key)?;
        if now < entry.accepted_until {
            return Some(entry.clone());
        }
        self.entries.remove(key);
        self.order.retain(|k| k != key);
        None
    }

    pub fn insert(&mut self, key: TokenKey, verified: Verified) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.insert(key, verified).is_some() {
            return;
        }
        self.order.push_back(key);
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }

    /// Forgets every token, e.g. after a provider's key set changed.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.last_encoded = None;
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(until: u64) -> Verified {
        let mut principal = Principal::anonymous();
        principal.id = "alice".into();
        Verified {
            principal: Rc::new(principal),
            accepted_until: until,
        }
    }

    #[test]
    fn returns_an_entry_only_while_it_is_accepted() {
        let mut cache = TokenCache::new(4);
        cache.insert(key("t1"), verified(100));
        assert_eq!(cache.get(&key("t1"), 99).unwrap().principal.id, "alice");
        assert!(cache.get(&key("t1"), 100).is_none());
        assert!(
            cache.is_empty(),
            "an expired entry is dropped on the hit that finds it"
        );
        assert!(cache.get(&key("t2"), 1).is_none());
    }

    #[test]
    fn evicts_the_oldest_entry_when_full() {
        let mut cache = TokenCache::new(2);
        for token in ["a", "b", "c"] {
            cache.insert(key(token), verified(100));
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key("a"), 1).is_none());
        assert!(cache.get(&key("b"), 1).is_some());
        assert!(cache.get(&key("c"), 1).is_some());
    }

    #[test]
    fn keys_differ_for_tokens_that_differ_in_one_character() {
        assert_ne!(key("eyJ.a.b"), key("eyJ.a.c"));
    }

    #[test]
    fn encodes_a_principal_once_and_as_it_would_store_itself() {
        let mut cache = TokenCache::new(2);
        let alice = verified(100).principal;
        let first = cache.encoded(&alice);
        assert_eq!(first.as_ref(), serde_json::to_vec(alice.as_ref()).unwrap());
        assert!(Rc::ptr_eq(&first, &cache.encoded(&alice)));
        let mut bob = Principal::anonymous();
        bob.id = "bob".into();
        let bob = cache.encoded(&Rc::new(bob));
        assert_eq!(Principal::decode(&bob).unwrap().id, "bob");
    }

    #[test]
    fn zero_capacity_remembers_nothing_and_clear_forgets_all() {
        let mut cache = TokenCache::new(0);
        cache.insert(key("a"), verified(100));
        assert!(cache.is_empty());
        let mut cache = TokenCache::new(8);
        cache.insert(key("a"), verified(100));
        cache.clear();
        assert!(cache.get(&key("a"), 1).is_none());
    }
}
