//! The verified caller, handed from authn to the later filters through Envoy filter state.
//!
//! Filter state is written only by filters, so a client cannot forge it; the record is
//! versioned so that filters built at different times refuse a shape they do not know.

use crate::host::{Host, HostError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Filter-state key of the principal record.
pub const PROPERTY: &str = "palisade.principal";
/// Version of the record's shape; bump on any incompatible change.
pub const VERSION: u32 = 1;

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Jwt,
    ApiKey,
    Hmac,
    Mtls,
    Anonymous,
}

/// Who is calling, as established by authn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    pub version: u32,
    pub kind: PrincipalKind,
    /// Subject: `sub` for tokens, consumer id for keys, SPIFFE ID for mTLS.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Claims that policies asked authn to keep (ownership checks, conditions).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<String, serde_json::Value>,
}

/// Why the principal record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalError {
    Host(HostError),
    Malformed,
    UnknownVersion(u32),
}

impl PrincipalKind {
    /// The reason of authn's decision to admit a caller of this kind.
    pub fn admission_reason(self) -> &'static str {
        match self {
            PrincipalKind::Jwt => "bearer_token",
            PrincipalKind::ApiKey => "api_key",
            PrincipalKind::Hmac => "hmac_signature",
            PrincipalKind::Mtls => "mtls_identity",
            PrincipalKind::Anonymous => "public_operation",
        }
    }
}

impl Principal {
    pub fn anonymous() -> Self {
        Principal {
            version: VERSION,
            kind: PrincipalKind::Anonymous,
            id: String::new(),
            issuer: None,
            client_id: None,
            scopes: Vec::new(),
            roles: Vec::new(),
            claims: BTreeMap::new(),
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    pub fn store(&self, host: &dyn Host) -> Result<(), HostError> {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        host.set_property(&[PROPERTY], &bytes)
    }

    /// The principal authn stored for this stream, or `None` when authn did not run.
    pub fn load(host: &dyn Host) -> Result<Option<Principal>, PrincipalError> {
        let Some(bytes) = host.property(&[PROPERTY]).map_err(PrincipalError::Host)? else {
            return Ok(None);
        };
        Self::decode(&bytes).map(Some)
    }

    pub fn decode(bytes: &[u8]) -> Result<Principal, PrincipalError> {
        let principal: Principal =
            serde_json::from_slice(bytes).map_err(|_| PrincipalError::Malformed)?;
        if principal.version != VERSION {
            return Err(PrincipalError::UnknownVersion(principal.version));
        }
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FakeHost;

    #[test]
    fn round_trips_through_filter_state() {
        let host = FakeHost::default();
        let mut principal = Principal::anonymous();
        principal.kind = PrincipalKind::Jwt;
        principal.id = "alice".into();
        principal.scopes = vec!["accounts:read".into()];
        principal.store(&host).unwrap();
        assert_eq!(Principal::load(&host).unwrap(), Some(principal));
    }

    #[test]
    fn refuses_a_record_of_another_version() {
        let bytes = br#"{"version":2,"kind":"jwt","id":"x"}"#;
        assert_eq!(
            Principal::decode(bytes),
            Err(PrincipalError::UnknownVersion(2))
        );
    }

    #[test]
    fn absent_record_is_none() {
        assert_eq!(Principal::load(&FakeHost::default()).unwrap(), None);
    }
}
