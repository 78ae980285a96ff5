//! How API keys are stored: as a SHA-256 digest of the whole key, or as HMAC-SHA256 under a
//! secret pepper, so that a leaked configuration does not let anyone test guesses offline
//! without the pepper too. The key generator uses this module, so the hash it prints is the
//! one the filter computes.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Length of every digest.
pub const DIGEST_BYTES: usize = 32;
/// Shortest pepper accepted: 256 bits.
pub const MIN_PEPPER_BYTES: usize = 32;

/// The hashing configured for stored keys.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyDigest {
    Sha256,
    /// HMAC-SHA256 keyed with the pepper.
    HmacSha256(Vec<u8>),
}

// Hand-written so that the pepper never reaches a log line through `{:?}`.
impl std::fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyDigest::Sha256 => f.write_str("Sha256"),
            KeyDigest::HmacSha256(_) => f.write_str("HmacSha256(<pepper>)"),
        }
    }
}

impl KeyDigest {
    /// The stored form of `key`; `None` only if the MAC cannot be keyed (it always can).
    pub fn of(&self, key: &str) -> Option<[u8; DIGEST_BYTES]> {
        match self {
            KeyDigest::Sha256 => Some(Sha256::digest(key.as_bytes()).into()),
            KeyDigest::HmacSha256(pepper) => {
                let mut mac = Hmac::<Sha256>::new_from_slice(pepper).ok()?;
                mac.update(key.as_bytes());
                Some(mac.finalize().into_bytes().into())
            }
        }
    }
}

/// Compares two digests in time independent of where they differ.
pub fn equal(a: &[u8; DIGEST_BYTES], b: &[u8; DIGEST_BYTES]) -> bool {
    a.ct_eq(b).into()
}

/// Lowercase hex, as digests are written in the configuration.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads 64 lowercase hex digits.
pub fn from_hex(text: &str) -> Option<[u8; DIGEST_BYTES]> {
    if text.len() != DIGEST_BYTES * 2 {
        return None;
    }
    let mut out = [0u8; DIGEST_BYTES];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
        let digit = |c: &u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let (high, low) = (pair.first().and_then(digit)?, pair.get(1).and_then(digit)?);
        *byte = high << 4 | low;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "pk_ab12cd34_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    /// `printf %s "$KEY" | sha256sum`
    const KEY_SHA256: &str = "0712e25b29e3f78ea5484cb44bf333f74aea8ef7a241744cabe780ef68479594";
    /// `printf %s "$KEY" | openssl dgst -sha256 -mac HMAC -macopt hexkey:07070707…` (32 bytes)
    const KEY_HMAC_PEPPER_07: &str =
        "6dcc3c821c1c2d93df0bd2acd3b4588961967d72a6f4ae065ffb02f5d9166026";

    #[test]
    fn digests_match_independent_computations() {
        let cases = [
            (KeyDigest::Sha256, KEY_SHA256),
            (KeyDigest::HmacSha256(vec![7; 32]), KEY_HMAC_PEPPER_07),
        ];
        for (digest, expected) in cases {
            assert_eq!(to_hex(&digest.of(KEY).unwrap()), expected, "{digest:?}");
        }
        let other_pepper = KeyDigest::HmacSha256(vec![8; 32]).of(KEY).unwrap();
        assert_ne!(to_hex(&other_pepper), KEY_HMAC_PEPPER_07);
    }

    #[test]
    fn hex_round_trips_and_refuses_anything_else() {
        let digest = KeyDigest::Sha256.of(KEY).unwrap();
        assert_eq!(from_hex(&to_hex(&digest)), Some(digest));
        let hex = to_hex(&digest);
        for bad in [
            &hex[1..],
            &hex.to_uppercase(),
            &format!("{}g", &hex[1..]),
            "",
        ] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn equal_compares_whole_digests() {
        let a = [1u8; 32];
        let mut b = a;
        assert!(equal(&a, &b));
        b[31] = 2;
        assert!(!equal(&a, &b));
    }

    #[test]
    fn debug_never_shows_the_pepper() {
        let shown = format!("{:?}", KeyDigest::HmacSha256(b"secret-pepper".to_vec()));
        assert!(!shown.contains("115"), "{shown}"); // b's' as a number
        assert!(!shown.contains("secret"), "{shown}");
    }
}
