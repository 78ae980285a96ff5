//! Verified tokens remembered per worker, so a token is verified once, not on every request.
//!
//! Entries are keyed by a 128-bit SipHash-2-4 of the whole token under a secret key drawn at
//! random for each cache (the token itself is never stored), hold the principal it stands for
//! and the second at which it stops being accepted; that time is checked on every hit. The
//! cache is bounded: when full, the oldest entry goes first.
//!
//! Why a keyed PRF rather than SHA-256: the key is computed on every request, and in wasm
//! SHA-256 of a 350-byte token cost 4–5 µs, SipHash about a sixth of that. Without the secret
//! key nobody can aim a token at another's entry: a forged token matches a cached one with
//! probability 2^-128 per entry, as unguessable as the 256-bit digest was for this purpose.

use palisade_shared::principal::Principal;
use siphasher::sip128::{Hasher128, SipHasher24};
use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;
use std::rc::Rc;

/// The keyed 128-bit digest of a whole token.
pub type TokenKey = u128;

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
    /// The secret SipHash key of this cache's token digests.
    secret: [u8; 16],
    entries: HashMap<TokenKey, Verified>,
    order: VecDeque<TokenKey>,
    /// The principal last handed on and its filter-state encoding, so that a client repeating
    /// its token is serialised once, not on every request.
    last_encoded: Option<(Rc<Principal>, Rc<[u8]>)>,
}

/// A fresh secret key: from the host's randomness (WASI `random_get`), else from the standard
/// library's own randomly seeded hasher keys.
fn secret() -> [u8; 16] {
    let mut secret = [0u8; 16];
    if getrandom::getrandom(&mut secret).is_err() {
        use std::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        let (low, high) = (state.hash_one(0u8), state.hash_one(1u8));
        secret = (u128::from(high) << 64 | u128::from(low)).to_le_bytes();
    }
    secret
}

impl TokenCache {
    /// A cache of at most `capacity` tokens; zero disables caching.
    pub fn new(capacity: usize) -> Self {
        TokenCache {
            capacity,
            secret: secret(),
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

    /// The cache key of `token`.
    pub fn key(&self, token: &str) -> TokenKey {
        let mut hasher = SipHasher24::new_with_key(&self.secret);
        hasher.write(token.as_bytes());
        hasher.finish128().as_u128()
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
        cache.insert(cache.key("t1"), verified(100));
        assert_eq!(
            cache.get(&cache.key("t1"), 99).unwrap().principal.id,
            "alice"
        );
        assert!(cache.get(&cache.key("t1"), 100).is_none());
        assert!(
            cache.is_empty(),
            "an expired entry is dropped on the hit that finds it"
        );
        assert!(cache.get(&cache.key("t2"), 1).is_none());
    }

    #[test]
    fn evicts_the_oldest_entry_when_full() {
        let mut cache = TokenCache::new(2);
        for token in ["a", "b", "c"] {
            cache.insert(cache.key(token), verified(100));
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&cache.key("a"), 1).is_none());
        assert!(cache.get(&cache.key("b"), 1).is_some());
        assert!(cache.get(&cache.key("c"), 1).is_some());
    }

    #[test]
    fn keys_differ_for_tokens_that_differ_in_one_character() {
        let cache = TokenCache::new(1);
        assert_ne!(cache.key("eyJ.a.b"), cache.key("eyJ.a.c"));
        assert_eq!(cache.key("eyJ.a.b"), cache.key("eyJ.a.b"));
    }

    #[test]
    fn each_cache_keys_tokens_under_its_own_secret() {
        // Nobody outside a worker can compute where a token lands: two caches, two keys.
        let (one, other) = (TokenCache::new(1), TokenCache::new(1));
        assert_ne!(one.secret, [0; 16]);
        assert_ne!(one.secret, other.secret);
        assert_ne!(one.key("eyJ.a.b"), other.key("eyJ.a.b"));
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
        cache.insert(cache.key("a"), verified(100));
        assert!(cache.is_empty());
        let mut cache = TokenCache::new(8);
        cache.insert(cache.key("a"), verified(100));
        cache.clear();
        assert!(cache.get(&cache.key("a"), 1).is_none());
    }
}
