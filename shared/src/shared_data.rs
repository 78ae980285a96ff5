//! Envoy's process-wide shared data (all workers of one `vm_id`), behind a trait.
//!
//! Values carry a CAS token: a write with the token of the last read fails when another worker
//! wrote in between, so read-modify-write loops stay consistent across workers.

use crate::abi;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Why a shared-data write did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// Another worker wrote since our read: read again and retry.
    CasMismatch,
    /// The host refused the call.
    Host,
}

/// Read and compare-and-set access to shared data.
pub trait SharedData {
    /// The value and its CAS token; `(None, token)` when the key has no value yet.
    fn read(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), WriteError>;
    fn write(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError>;
}

/// The running Envoy's shared data.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProxySharedData;

impl SharedData for ProxySharedData {
    fn read(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), WriteError> {
        abi::shared_data(key).map_err(|_| WriteError::Host)
    }

    fn write(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError> {
        match abi::set_shared_data(key, value, cas) {
            Ok(()) => Ok(()),
            Err(abi::CAS_MISMATCH) => Err(WriteError::CasMismatch),
            Err(_) => Err(WriteError::Host),
        }
    }
}

/// Shared data in memory with real CAS semantics, for unit tests.
#[derive(Debug, Default)]
pub struct FakeSharedData {
    entries: RefCell<BTreeMap<String, (Vec<u8>, u32)>>,
}

impl SharedData for FakeSharedData {
    fn read(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), WriteError> {
        Ok(match self.entries.borrow().get(key) {
            Some((value, cas)) => (Some(value.clone()), Some(*cas)),
            None => (None, None),
        })
    }

    fn write(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError> {
        let mut entries = self.entries.borrow_mut();
        let current = entries.get(key).map(|(_, cas)| *cas);
        if cas.is_some() && cas != current {
            return Err(WriteError::CasMismatch);
        }
        let next = current.unwrap_or(0).wrapping_add(1);
        entries.insert(key.to_string(), (value.to_vec(), next));
        Ok(())
    }
}

impl FakeSharedData {
    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }
}
