//! HS256/384/512 with the provider's configured secret, compared in constant time.
//!
//! Only reached for a key whose material is a configured [`Secret`](crate::jwks::Secret): a
//! JWKS document never yields one, so a published public key cannot become an HMAC key.

use crate::alg::Digest;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

/// Whether `tag` is the HMAC of `signed` under `secret` with `digest`; the comparison takes the
/// same time wherever the first differing byte is.
pub fn verify(digest: Digest, secret: &[u8], signed: &[u8], tag: &[u8]) -> bool {
    match digest {
        Digest::Sha256 => check::<Hmac<Sha256>>(secret, signed, tag),
        Digest::Sha384 => check::<Hmac<Sha384>>(secret, signed, tag),
        Digest::Sha512 => check::<Hmac<Sha512>>(secret, signed, tag),
    }
}

fn check<M: Mac + hmac::digest::KeyInit>(secret: &[u8], signed: &[u8], tag: &[u8]) -> bool {
    let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(secret) else {
        return false;
    };
    mac.update(signed);
    // `verify_slice` compares with `subtle`'s constant-time equality.
    mac.verify_slice(tag).is_ok()
}
