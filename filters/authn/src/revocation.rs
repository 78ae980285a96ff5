//! Revoked tokens (NIST AC-12 session termination): `jti`, `sub` and `kid` values that are
//! refused although the token verifies.
//!
//! The denylist is the union of what the configuration lists and what the revocation endpoint
//! last published. The endpoint is polled through an Envoy cluster by one root context per
//! interval (coordinated through shared data like the JWKS, see [`crate::refresh`]); every
//! worker applies a new version on its next tick and then forgets its verified-token cache, so
//! a revoked token is refused also where it had been verified before. The check runs only after
//! the signature held, so an unsigned token cannot probe the list.

pub mod config;

use palisade_shared::json::{self, Limits};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

/// Largest revocation document accepted.
pub const MAX_LIST_BYTES: usize = 512 * 1024;
/// Most values one document may list, all kinds together.
const MAX_ENTRIES: usize = 20_000;
/// Longest single value.
const MAX_VALUE_BYTES: usize = 512;
/// The members a document may have.
const KINDS: [&str; 3] = ["jti", "sub", "kid"];

/// Revoked values by the claim (or header member) they match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denylist {
    jti: HashSet<String>,
    sub: HashSet<String>,
    kid: HashSet<String>,
}

/// What a token offers for the check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenIds<'a> {
    pub jti: Option<&'a str>,
    pub sub: Option<&'a str>,
    pub kid: Option<&'a str>,
}

impl Denylist {
    /// The list from the three arrays (any may be missing).
    pub fn from_lists(jti: Vec<String>, sub: Vec<String>, kid: Vec<String>) -> Denylist {
        Denylist {
            jti: jti.into_iter().collect(),
            sub: sub.into_iter().collect(),
            kid: kid.into_iter().collect(),
        }
    }

    /// Reads a published document `{"jti": [...], "sub": [...], "kid": [...]}`, strictly:
    /// unknown members, non-string values and oversized documents refuse the whole document.
    pub fn parse(body: &[u8]) -> Result<Denylist, &'static str> {
        if body.len() > MAX_LIST_BYTES {
            return Err("revocation list too large");
        }
        let limits = Limits {
            max_depth: 3,
            max_object_entries: KINDS.len(),
            max_array_items: MAX_ENTRIES,
            max_string_bytes: MAX_VALUE_BYTES,
        };
        let document =
            json::parse_strict(body, &limits).map_err(|_| "revocation list is not valid JSON")?;
        let members = document
            .as_object()
            .ok_or("revocation list is not an object")?;
        if members.keys().any(|name| !KINDS.contains(&name.as_str())) {
            return Err("revocation list has an unknown member");
        }
        let read = |kind: &str| strings(members.get(kind));
        let list = Denylist::from_lists(read("jti")?, read("sub")?, read("kid")?);
        if list.len() > MAX_ENTRIES {
            return Err("revocation list has too many entries");
        }
        Ok(list)
    }

    pub fn len(&self) -> usize {
        self.jti.len() + self.sub.len() + self.kid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any of the token's ids is listed.
    pub fn revokes(&self, ids: &TokenIds<'_>) -> bool {
        let listed =
            |set: &HashSet<String>, value: Option<&str>| value.is_some_and(|v| set.contains(v));
        listed(&self.jti, ids.jti) || listed(&self.sub, ids.sub) || listed(&self.kid, ids.kid)
    }
}

fn strings(value: Option<&Value>) -> Result<Vec<String>, &'static str> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(String::from))
            .collect::<Option<Vec<String>>>()
            .ok_or("revocation list holds a value that is not a string"),
        Some(_) => Err("revocation list member is not an array"),
    }
}

/// What one worker checks: the configured list and the last published one.
#[derive(Debug, Default)]
pub struct Revocations {
    polled: RefCell<Option<Rc<Denylist>>>,
    version: Cell<u64>,
}

impl Revocations {
    /// Installs a published list of `version`.
    pub fn install(&self, version: u64, list: Denylist) {
        *self.polled.borrow_mut() = Some(Rc::new(list));
        self.version.set(version);
    }

    /// The version installed last, 0 before any.
    pub fn version(&self) -> u64 {
        self.version.get()
    }

    /// Whether a published list has been installed.
    pub fn has_polled(&self) -> bool {
        self.polled.borrow().is_some()
    }

    /// Whether the token is revoked by the polled list.
    pub fn revokes(&self, ids: &TokenIds<'_>) -> bool {
        self.polled
            .borrow()
            .as_ref()
            .is_some_and(|list| list.revokes(ids))
    }
}

#[cfg(test)]
#[path = "revocation_tests.rs"]
mod tests;
