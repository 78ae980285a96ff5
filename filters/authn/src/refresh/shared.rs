//! The shared-data side of a polled document: claiming the lease, publishing a good document,
//! recording a failure, and reading a version newer than the one a worker holds.
//!
//! Two keys per document: `<key>` holds the small [`Meta`] record that every root context reads
//! on every tick, `<key>.body` the last good document behind its version, read only when the
//! version moved. Writes to the record use compare-and-set, so two root contexts never both win
//! the lease or lose each other's update.
//!
//! Limitation: the keys are per provider index, and shared data is per `vm_id`; two authn
//! configurations sharing one `vm_id` (say on two listeners) see each other's records as of
//! another source and keep replacing them, so each then fetches more often than its interval.
//! Give each configuration its own `vm_id`.

use super::{millis, Meta, Timing, LOST_MARGIN};
use palisade_shared::shared_data::{SharedData, WriteError};

/// How often a compare-and-set is retried before giving up for this tick.
const CAS_ATTEMPTS: usize = 8;

/// One document in shared data.
pub struct SharedDocument<'a> {
    pub store: &'a dyn SharedData,
    /// Key of the record; the body lives at `<key>.body`.
    pub key: &'a str,
    /// Fingerprint of the configured source.
    pub source: u64,
}

impl SharedDocument<'_> {
    fn body_key(&self) -> String {
        format!("{}.body", self.key)
    }

    /// The record and its CAS token; a missing record or one of another source reads as new.
    fn read_meta(&self) -> Result<(Meta, Option<u32>), WriteError> {
        let (bytes, cas) = self.store.read(self.key)?;
        let meta = bytes
            .as_deref()
            .and_then(Meta::decode)
            .filter(|meta| meta.source == self.source)
            .unwrap_or(Meta {
                source: self.source,
                ..Meta::default()
            });
        Ok((meta, cas))
    }

    /// Applies `change` to the record with compare-and-set; `change` returning `None` leaves it.
    fn update<T>(
        &self,
        mut change: impl FnMut(&mut Meta) -> Option<T>,
    ) -> Result<Option<T>, WriteError> {
        for _ in 0..CAS_ATTEMPTS {
            let (mut meta, cas) = self.read_meta()?;
            let Some(answer) = change(&mut meta) else {
                return Ok(None);
            };
            match self.store.write(self.key, &meta.encode(), cas) {
                Ok(()) => return Ok(Some(answer)),
                Err(WriteError::CasMismatch) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(WriteError::CasMismatch)
    }

    /// Takes the lease when a fetch is due; `true` means this root context fetches now.
    pub fn claim(&self, timing: &Timing, early: bool, now: u64) -> Result<bool, WriteError> {
        let lease = millis(timing.timeout).saturating_add(millis(LOST_MARGIN));
        let claimed = self.update(|meta| {
            if !meta.is_due(timing, early, now) {
                return None;
            }
            meta.attempted_ms = now;
            meta.lease_until_ms = now.saturating_add(lease);
            Some(())
        })?;
        Ok(claimed.is_some())
    }

    /// Publishes a good document; returns its version.
    pub fn publish(&self, body: &[u8], now: u64) -> Result<u64, WriteError> {
        let (meta, _) = self.read_meta()?;
        let version = meta.version.saturating_add(1);
        // The body names its source too: the record and the body are two writes, and a
        // document of another source (another configuration on this `vm_id`, or the one
        // before a reload) can land between them.
        let mut stored = version.to_le_bytes().to_vec();
        stored.extend_from_slice(&self.source.to_le_bytes());
        stored.extend_from_slice(body);
        self.store.write(&self.body_key(), &stored, None)?;
        self.update(|meta| {
            meta.version = meta.version.max(version);
            meta.fetched_ms = now;
            meta.lease_until_ms = 0;
            meta.failing = false;
            Some(())
        })?;
        Ok(version)
    }

    /// Records a failed attempt: the lease is released and the retry interval applies.
    pub fn fail(&self) -> Result<(), WriteError> {
        self.update(|meta| {
            meta.lease_until_ms = 0;
            meta.failing = true;
            Some(())
        })
        .map(|_| ())
    }

    /// The published document when its version is newer than `known`.
    pub fn newer(&self, known: u64) -> Result<Option<(u64, Vec<u8>)>, WriteError> {
        let (meta, _) = self.read_meta()?;
        if meta.version <= known {
            return Ok(None);
        }
        let (bytes, _) = self.store.read(&self.body_key())?;
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let word = |at: usize| -> Result<u64, WriteError> {
            let bytes: [u8; 8] = bytes
                .get(at..at + 8)
                .and_then(|word| word.try_into().ok())
                .ok_or(WriteError::Host)?;
            Ok(u64::from_le_bytes(bytes))
        };
        let (version, source) = (word(0)?, word(8)?);
        let body = bytes.get(16..).unwrap_or_default();
        Ok((version > known && source == self.source).then(|| (version, body.to_vec())))
    }
}
