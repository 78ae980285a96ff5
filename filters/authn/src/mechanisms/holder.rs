//! The holder of a configured key: whom the key stands for, and when it may be used.
//!
//! A key is usable only while its state is `active` and the time lies in `[not_before,
//! expires_at)`. Two keys of one consumer may overlap in time, so a rotation hands out the new
//! key before the old one expires. The principal is built once here and shared by every request
//! that presents the key.

use palisade_shared::config::ConfigError;
use palisade_shared::principal::{Principal, PrincipalKind};
use palisade_shared::time::parse_rfc3339;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Whether a key may be used at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    Active,
    /// Temporarily refused, e.g. while a leak is investigated.
    Suspended,
    /// Refused for good.
    Revoked,
}

/// Why a key that verified cannot be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Suspended,
    Revoked,
    NotYetValid,
    Expired,
}

/// The holder fields of one key entry, as each mechanism's config entry spells them.
#[derive(Debug)]
pub struct HolderFields {
    pub consumer: String,
    pub scopes: Vec<String>,
    pub roles: Vec<String>,
    pub state: KeyState,
    pub not_before: Option<String>,
    pub expires_at: String,
    pub claims: BTreeMap<String, Value>,
}

/// A checked key holder.
#[derive(Debug)]
pub struct KeyHolder {
    pub principal: Rc<Principal>,
    pub state: KeyState,
    /// Unix second from which the key is accepted; `None` for always.
    pub not_before: Option<u64>,
    /// Unix second from which the key is refused.
    pub expires_at: u64,
}

/// Longest consumer name, scope, role or claim name accepted.
const MAX_NAME_BYTES: usize = 256;

impl KeyHolder {
    /// Checks the holder fields of the entry at `at` whose key id is `key_id`.
    pub fn load(
        fields: HolderFields,
        kind: PrincipalKind,
        key_id: &str,
        at: &str,
    ) -> Result<KeyHolder, ConfigError> {
        check_name(&format!("{at}.consumer"), &fields.consumer)?;
        for (field, names) in [("scopes", &fields.scopes), ("roles", &fields.roles)] {
            for (index, name) in names.iter().enumerate() {
                check_name(&format!("{at}.{field}[{index}]"), name)?;
            }
        }
        for name in fields.claims.keys() {
            check_name(&format!("{at}.claims"), name)?;
        }
        let not_before = match &fields.not_before {
            Some(text) => Some(instant(&format!("{at}.not_before"), text)?),
            None => None,
        };
        let expires_at = instant(&format!("{at}.expires_at"), &fields.expires_at)?;
        if not_before.is_some_and(|start| start >= expires_at) {
            let why = "must be later than not_before";
            return Err(ConfigError::new(format!("{at}.expires_at"), why));
        }
        let mut principal = Principal::anonymous();
        principal.kind = kind;
        principal.id = fields.consumer;
        principal.client_id = Some(key_id.to_string());
        principal.scopes = fields.scopes;
        principal.roles = fields.roles;
        principal.claims = fields.claims;
        Ok(KeyHolder {
            principal: Rc::new(principal),
            state: fields.state,
            not_before,
            expires_at,
        })
    }

    /// Whether the key may be used at `now` (Unix seconds).
    pub fn check(&self, now: u64) -> Result<(), Unusable> {
        match self.state {
            KeyState::Active => {}
            KeyState::Suspended => return Err(Unusable::Suspended),
            KeyState::Revoked => return Err(Unusable::Revoked),
        }
        if self.not_before.is_some_and(|start| now < start) {
            return Err(Unusable::NotYetValid);
        }
        if now >= self.expires_at {
            return Err(Unusable::Expired);
        }
        Ok(())
    }
}

/// Names go upstream in identity headers: visible ASCII only, no spaces.
fn check_name(field: &str, name: &str) -> Result<(), ConfigError> {
    if name.is_empty() || name.len() > MAX_NAME_BYTES || !name.bytes().all(|b| b.is_ascii_graphic())
    {
        let why = format!("must be 1 to {MAX_NAME_BYTES} visible ASCII characters");
        return Err(ConfigError::new(field, why));
    }
    Ok(())
}

fn instant(field: &str, text: &str) -> Result<u64, ConfigError> {
    parse_rfc3339(text)
        .and_then(|seconds| u64::try_from(seconds).ok())
        .ok_or_else(|| ConfigError::new(field, "must be an RFC 3339 date-time after 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(state: KeyState, not_before: Option<&str>, expires_at: &str) -> HolderFields {
        HolderFields {
            consumer: "partner-a".into(),
            scopes: vec!["accounts:read".into()],
            roles: vec!["teller".into()],
            state,
            not_before: not_before.map(String::from),
            expires_at: expires_at.into(),
            claims: BTreeMap::from([("consumer_class".into(), Value::from("partner"))]),
        }
    }

    fn holder(state: KeyState) -> KeyHolder {
        let fields = fields(state, Some("2027-01-01T00:00:00Z"), "2028-01-01T00:00:00Z");
        KeyHolder::load(fields, PrincipalKind::ApiKey, "abcd1234", "k").unwrap()
    }

    #[test]
    fn builds_the_principal_of_the_key() {
        let principal = holder(KeyState::Active).principal;
        assert_eq!(principal.kind, PrincipalKind::ApiKey);
        assert_eq!(principal.id, "partner-a");
        assert_eq!(principal.client_id.as_deref(), Some("abcd1234"));
        assert_eq!(principal.scopes, ["accounts:read"]);
        assert_eq!(principal.roles, ["teller"]);
        assert_eq!(principal.claims["consumer_class"], "partner");
    }

    #[test]
    fn a_key_is_usable_only_when_active_and_inside_its_window() {
        let start = 1_798_761_600; // 2027-01-01T00:00:00Z
        let end = 1_830_297_600; // 2028-01-01T00:00:00Z
        let cases = [
            (KeyState::Active, start, Ok(())),
            (KeyState::Active, end - 1, Ok(())),
            (KeyState::Active, start - 1, Err(Unusable::NotYetValid)),
            (KeyState::Active, end, Err(Unusable::Expired)),
            (KeyState::Suspended, start, Err(Unusable::Suspended)),
            (KeyState::Revoked, start, Err(Unusable::Revoked)),
        ];
        for (state, now, expected) in cases {
            assert_eq!(holder(state).check(now), expected, "{state:?} at {now}");
        }
    }

    #[test]
    fn refuses_bad_holder_fields() {
        let end = "2028-01-01T00:00:00Z";
        let mut spaced = fields(KeyState::Active, None, end);
        spaced.consumer = "two words".into();
        let mut empty_scope = fields(KeyState::Active, None, end);
        empty_scope.scopes = vec![String::new()];
        let cases = [
            (spaced, "k.consumer"),
            (empty_scope, "k.scopes[0]"),
            (fields(KeyState::Active, None, "tomorrow"), "k.expires_at"),
            (fields(KeyState::Active, Some(end), end), "k.expires_at"),
            (fields(KeyState::Active, Some("2027"), end), "k.not_before"),
        ];
        for (fields, field) in cases {
            let err = KeyHolder::load(fields, PrincipalKind::Hmac, "id", "k").unwrap_err();
            assert!(err.to_string().contains(field), "{err}");
        }
    }
}
