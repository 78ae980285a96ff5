//! Concurrent-session control (NIST AC-10): at most `max_sessions_per_subject` distinct sessions
//! per subject, counted across every worker in Envoy shared data.
//!
//! A session is named by the token's `sid` claim, else its `jti`; a token with neither is
//! refused while the limit is on, since it could not be counted. A session is remembered until
//! its token stops being accepted (expiry plus leeway), then its place frees itself. Each
//! subject holds one slot (hashed, probing a few neighbours); a slot is taken over once every
//! session in it has ended. When no slot is free the token is refused rather than left
//! uncounted. Only fresh verifications register a session: a token verified before (cached)
//! already holds its place.

use crate::refresh::fingerprint;
use palisade_shared::config::ConfigError;
use palisade_shared::shared_data::{SharedData, WriteError};

/// How many neighbouring slots a subject may probe.
const PROBES: u64 = 4;
/// How often a compare-and-set is retried.
const CAS_ATTEMPTS: usize = 8;
/// The largest limit accepted, which bounds a slot's size.
const MAX_LIMIT: u64 = 64;

/// The checked session limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimit {
    pub max_per_subject: u64,
    pub slots: u64,
}

pub fn default_slots() -> u64 {
    4096
}

pub fn load(max_per_subject: Option<u64>, slots: u64) -> Result<Option<SessionLimit>, ConfigError> {
    if !(16..=65536).contains(&slots) {
        return Err(ConfigError::new(
            "session_slots",
            "must be between 16 and 65536",
        ));
    }
    let Some(max_per_subject) = max_per_subject else {
        return Ok(None);
    };
    if !(1..=MAX_LIMIT).contains(&max_per_subject) {
        let why = format!("must be between 1 and {MAX_LIMIT}");
        return Err(ConfigError::new("max_sessions_per_subject", why));
    }
    Ok(Some(SessionLimit {
        max_per_subject,
        slots,
    }))
}

/// Why a session was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// The subject already holds the most sessions allowed (or no slot is free).
    Limit,
    /// Shared data could not be read or written.
    Store(WriteError),
}

/// The sessions of one subject: the subject's fingerprint and `(session, until)` pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Slot {
    subject: u64,
    sessions: Vec<(u64, u64)>,
}

impl Slot {
    fn encode(&self) -> Vec<u8> {
        let words = std::iter::once(self.subject).chain(
            self.sessions
                .iter()
                .flat_map(|(session, until)| [*session, *until]),
        );
        words.flat_map(|word| word.to_le_bytes()).collect()
    }

    fn decode(bytes: &[u8]) -> Option<Slot> {
        let mut words = bytes
            .chunks_exact(8)
            .map(|chunk| chunk.try_into().ok().map(u64::from_le_bytes));
        let subject = words.next()??;
        let rest: Option<Vec<u64>> = words.collect();
        let sessions = rest?
            .chunks_exact(2)
            .filter_map(|pair| Some((*pair.first()?, *pair.get(1)?)))
            .collect();
        Some(Slot { subject, sessions })
    }

    fn live(mut self, now: u64) -> Slot {
        self.sessions.retain(|(_, until)| *until > now);
        self
    }
}

/// Admits session `session` of `subject`, accepted until `until` (Unix seconds), at `now`.
pub fn admit(
    store: &dyn SharedData,
    limit: &SessionLimit,
    subject: &str,
    session: &str,
    until: u64,
    now: u64,
) -> Result<(), SessionError> {
    let subject = fingerprint(subject);
    let session = fingerprint(session);
    for _ in 0..CAS_ATTEMPTS {
        let (key, slot, cas) = locate(store, limit, subject, now).map_err(SessionError::Store)?;
        let mut slot = slot.ok_or(SessionError::Limit)?;
        let held = slot.sessions.len() as u64;
        match slot
            .sessions
            .iter_mut()
            .find(|(known, _)| *known == session)
        {
            Some(entry) => entry.1 = entry.1.max(until),
            None if held < limit.max_per_subject => slot.sessions.push((session, until)),
            None => return Err(SessionError::Limit),
        }
        match store.write(&key, &slot.encode(), cas) {
            Ok(()) => return Ok(()),
            Err(WriteError::CasMismatch) => continue,
            Err(err) => return Err(SessionError::Store(err)),
        }
    }
    Err(SessionError::Store(WriteError::CasMismatch))
}

/// The subject's slot (its live sessions), or a free one; `None` when every probe is busy.
fn locate(
    store: &dyn SharedData,
    limit: &SessionLimit,
    subject: u64,
    now: u64,
) -> Result<(String, Option<Slot>, Option<u32>), WriteError> {
    let slots = limit.slots.max(1);
    let mut free = None;
    for probe in 0..PROBES.min(slots) {
        let key = format!(
            "palisade.authn.sessions.{}",
            (subject % slots + probe) % slots
        );
        let (bytes, cas) = store.read(&key)?;
        let stored = bytes
            .as_deref()
            .and_then(Slot::decode)
            .map(|slot| slot.live(now));
        match stored {
            Some(slot) if slot.subject == subject => return Ok((key, Some(slot), cas)),
            Some(slot) if !slot.sessions.is_empty() => {}
            _ => {
                let empty = Slot {
                    subject,
                    sessions: Vec::new(),
                };
                free.get_or_insert((key, Some(empty), cas));
            }
        }
    }
    Ok(free.unwrap_or((String::new(), None, None)))
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
