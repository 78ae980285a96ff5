//! The keys and their configuration entries, from a source of random bytes.
//!
//! The randomness is passed in, so tests can check the output's shape with a fixed source;
//! the program uses [`os_random`], the operating system's CSPRNG.

use crate::args::{ApiKeyRequest, HmacKeyRequest, Holder};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_authn::mechanisms::apikey::digest::{to_hex, KeyDigest, MIN_PEPPER_BYTES};
use palisade_authn::mechanisms::apikey::format::{self, ID_LEN, SECRET_BYTES};
use palisade_shared::time::rfc3339_millis;
use serde_json::{json, Map, Value};

/// Fills a buffer with random bytes.
pub type Random<'a> = &'a dyn Fn(&mut [u8]) -> Result<(), String>;

/// Bytes of every generated secret: 256 bits.
pub const SECRET_LEN: usize = 32;

/// The operating system's CSPRNG.
pub fn os_random(buffer: &mut [u8]) -> Result<(), String> {
    getrandom::getrandom(buffer).map_err(|err| format!("no random bytes from the OS: {err}"))
}

/// An API key and its entry.
#[derive(Debug)]
pub struct IssuedApiKey {
    pub key: String,
    /// `sha256` or `hmac_sha256`, the `api_keys.hash` the entry needs.
    pub hash_kind: &'static str,
    pub entry: Value,
}

/// An HMAC secret and its entry.
#[derive(Debug)]
pub struct IssuedHmacKey {
    pub secret: String,
    pub entry: Value,
}

/// A fresh pepper for `api_keys.pepper`.
pub fn pepper(random: Random) -> Result<String, String> {
    let mut bytes = [0u8; SECRET_LEN];
    random(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A fresh API key; `pepper` is the text of the pepper file, when there is one.
pub fn api_key(
    request: &ApiKeyRequest,
    pepper: Option<&str>,
    now: u64,
    random: Random,
) -> Result<IssuedApiKey, String> {
    let digest = match pepper {
        Some(text) => match URL_SAFE_NO_PAD.decode(text.trim()) {
            Ok(bytes) if bytes.len() >= MIN_PEPPER_BYTES => KeyDigest::HmacSha256(bytes),
            _ => return Err("the pepper file must hold base64url of at least 32 bytes".into()),
        },
        None => KeyDigest::Sha256,
    };
    let id = key_id(random)?;
    let mut secret = [0u8; SECRET_BYTES];
    random(&mut secret)?;
    let key = format::compose(&id, &secret);
    let hash = digest.of(&key).ok_or("the key could not be hashed")?;
    let entry = entry(&request.holder, now, [("id", id), ("hash", to_hex(&hash))]);
    let hash_kind = match digest {
        KeyDigest::Sha256 => "sha256",
        KeyDigest::HmacSha256(_) => "hmac_sha256",
    };
    Ok(IssuedApiKey {
        key,
        hash_kind,
        entry,
    })
}

/// A fresh HMAC signing secret.
pub fn hmac_key(
    request: &HmacKeyRequest,
    now: u64,
    random: Random,
) -> Result<IssuedHmacKey, String> {
    let valid_id = (1..=64).contains(&request.key_id.len())
        && request
            .key_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !valid_id {
        return Err("--key-id must be 1 to 64 characters from [A-Za-z0-9._-]".into());
    }
    let secret = pepper(random)?;
    let fields = [("id", request.key_id.clone()), ("secret", secret.clone())];
    let entry = entry(&request.holder, now, fields);
    Ok(IssuedHmacKey { secret, entry })
}

/// Eight characters from `[a-z0-9]`, drawn without modulo bias.
fn key_id(random: Random) -> Result<String, String> {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut id = String::with_capacity(ID_LEN);
    while id.len() < ID_LEN {
        let mut byte = [0u8; 1];
        random(&mut byte)?;
        let [value] = byte;
        // 252 = 7 * 36: the four values above it would favour the first letters.
        if value < 252 {
            let letter = ALPHABET.get(usize::from(value) % ALPHABET.len());
            id.extend(letter.map(|&c| char::from(c)));
        }
    }
    Ok(id)
}

/// The configuration entry: the key's own fields, then its holder and validity.
fn entry(holder: &Holder, now: u64, key_fields: [(&str, String); 2]) -> Value {
    let expires = now.saturating_add(holder.valid_days.saturating_mul(86_400));
    let mut entry = Map::new();
    for (name, value) in key_fields {
        entry.insert(name.to_string(), Value::String(value));
    }
    let holder_fields = [
        ("consumer", json!(holder.consumer)),
        ("scopes", json!(holder.scopes)),
        ("roles", json!(holder.roles)),
        ("state", json!("active")),
        ("not_before", json!(rfc3339(now))),
        ("expires_at", json!(rfc3339(expires))),
    ];
    for (name, value) in holder_fields {
        entry.insert(name.to_string(), value);
    }
    Value::Object(entry)
}

fn rfc3339(unix: u64) -> String {
    let millis = i64::try_from(unix)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    rfc3339_millis(millis).replace(".000Z", "Z")
}

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
