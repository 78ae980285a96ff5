//! The shape of a Palisade API key: `pk_<id>_<secret>`.
//!
//! `id` is 8 characters from `[a-z0-9]`, public, and only used to find the key's entry; the
//! secret is 32 random bytes in base64url without padding (43 characters, 256 bits). The stored
//! hash covers the whole key, prefix and id included. Keys are made by `palisade-keygen`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Every key starts with this.
pub const PREFIX: &str = "pk_";
/// Characters in the key id.
pub const ID_LEN: usize = 8;
/// Random bytes in the secret part.
pub const SECRET_BYTES: usize = 32;
/// Characters of the secret part (base64url of [`SECRET_BYTES`] without padding).
pub const SECRET_LEN: usize = 43;
/// Characters of a whole key.
pub const KEY_LEN: usize = PREFIX.len() + ID_LEN + 1 + SECRET_LEN;

/// Whether `id` is a well-formed key id.
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The id of a well-formed key; `None` when the key does not have the documented shape.
pub fn id_of(key: &str) -> Option<&str> {
    if key.len() != KEY_LEN {
        return None;
    }
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let secret_ok = secret.len() == SECRET_LEN
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (is_valid_id(id) && secret_ok).then_some(id)
}

/// The key for an id and secret.
pub fn compose(id: &str, secret: &[u8; SECRET_BYTES]) -> String {
    format!("{PREFIX}{id}_{}", URL_SAFE_NO_PAD.encode(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WELL_FORMED: &str = "pk_ab12cd34_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn composed_keys_have_the_documented_shape() {
        let key = compose("ab12cd34", &[0xfb; SECRET_BYTES]);
        assert_eq!(key.len(), KEY_LEN);
        assert_eq!(id_of(&key), Some("ab12cd34"));
        assert_eq!(id_of(WELL_FORMED), Some("ab12cd34"));
    }

    #[test]
    fn refuses_keys_of_any_other_shape() {
        let secret = "A".repeat(SECRET_LEN);
        let cases = [
            String::new(),
            format!("sk_ab12cd34_{secret}"),
            format!("pk_AB12CD34_{secret}"),
            format!("pk_ab12cd3_{secret}A"),
            format!("pk_ab12cd34_{}", "A".repeat(SECRET_LEN - 1)),
            format!("pk_ab12cd34_{}", "A".repeat(SECRET_LEN + 1)),
            format!("pk_ab12cd34_{}=", "A".repeat(SECRET_LEN - 1)),
            format!("pk_ab12cd34_{}+", "A".repeat(SECRET_LEN - 1)),
            format!("pk_ab12cd34-{secret}"),
            format!("pk_ab12cd34_{}é", "A".repeat(SECRET_LEN - 2)),
        ];
        for key in cases {
            assert_eq!(id_of(&key), None, "{key}");
        }
    }
}
