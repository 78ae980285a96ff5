use super::*;
use crate::args::Holder;
use palisade_authn::mechanisms::apikey::config::{self as api_config, RawApiKeys};
use palisade_authn::mechanisms::hmac_request::config::{self as hmac_config, RawHmac};
use std::cell::RefCell;

const NOW: u64 = 1_800_000_000;

fn holder() -> Holder {
    Holder {
        consumer: "partner-a".into(),
        scopes: vec!["accounts:read".into()],
        roles: vec![],
        valid_days: 30,
    }
}

fn request() -> ApiKeyRequest {
    ApiKeyRequest {
        holder: holder(),
        pepper_file: None,
    }
}

/// A source that counts up from `start` and records how many bytes each call asked for.
struct Counting {
    next: RefCell<u8>,
    asked: RefCell<Vec<usize>>,
}

impl Counting {
    fn new(start: u8) -> Self {
        Counting {
            next: RefCell::new(start),
            asked: RefCell::new(Vec::new()),
        }
    }

    fn fill(&self, buffer: &mut [u8]) -> Result<(), String> {
        self.asked.borrow_mut().push(buffer.len());
        for byte in buffer.iter_mut() {
            let mut next = self.next.borrow_mut();
            *byte = *next;
            *next = next.wrapping_add(1);
        }
        Ok(())
    }
}

/// The part after `pk_<id>_` (it may hold `_` itself).
fn secret_part(key: &str) -> &str {
    &key[format::PREFIX.len() + ID_LEN + 1..]
}

/// The filter's own configuration loader and check, fed with the printed entry.
fn filter_accepts(entry: &Value, hash: &str, pepper: Option<&str>, key: &str) -> bool {
    let mut section = json!({"hash": hash, "keys": [entry]});
    if let Some(pepper) = pepper {
        section["pepper"] = json!(pepper);
    }
    let raw: RawApiKeys = serde_json::from_value(section).unwrap();
    let keys = api_config::load(raw).unwrap();
    keys.authenticate(key, NOW + 60).is_ok()
}

#[test]
fn an_api_key_has_the_documented_shape_and_256_random_bits() {
    let source = Counting::new(0);
    let issued = api_key(&request(), None, NOW, &|b| source.fill(b)).unwrap();
    assert_eq!(issued.key.len(), format::KEY_LEN);
    let id = format::id_of(&issued.key).unwrap();
    assert_eq!(issued.entry["id"], id);
    assert_eq!(id, "abcdefgh", "bytes 0..8 pick the first letters");
    assert_eq!(
        *source.asked.borrow(),
        [1, 1, 1, 1, 1, 1, 1, 1, SECRET_BYTES]
    );
    let secret = secret_part(&issued.key);
    let expected: Vec<u8> = (8..40).collect();
    assert_eq!(URL_SAFE_NO_PAD.decode(secret).unwrap(), expected);
}

#[test]
fn the_printed_entry_holds_the_hash_the_filter_computes_never_the_key() {
    let issued = api_key(&request(), None, NOW, &os_random).unwrap();
    assert_eq!(issued.hash_kind, "sha256");
    let secret = secret_part(&issued.key);
    assert!(!issued.entry.to_string().contains(secret));
    assert!(filter_accepts(&issued.entry, "sha256", None, &issued.key));
    let other = api_key(&request(), None, NOW, &os_random).unwrap();
    assert_ne!(issued.key, other.key);
    assert!(!filter_accepts(&issued.entry, "sha256", None, &other.key));
}

#[test]
fn a_peppered_hash_matches_only_with_the_same_pepper() {
    let pepper_text = pepper(&os_random).unwrap();
    let file_text = format!("{pepper_text}\n");
    let issued = api_key(&request(), Some(&file_text), NOW, &os_random).unwrap();
    assert_eq!(issued.hash_kind, "hmac_sha256");
    let key = &issued.key;
    assert!(filter_accepts(
        &issued.entry,
        "hmac_sha256",
        Some(&pepper_text),
        key
    ));
    let other_pepper = pepper(&os_random).unwrap();
    assert!(!filter_accepts(
        &issued.entry,
        "hmac_sha256",
        Some(&other_pepper),
        key
    ));
    assert!(!filter_accepts(&issued.entry, "sha256", None, key));
}

#[test]
fn refuses_a_short_or_garbled_pepper_file() {
    for text in ["c2hvcnQ", "not base64!", ""] {
        assert!(
            api_key(&request(), Some(text), NOW, &os_random).is_err(),
            "{text}"
        );
    }
}

#[test]
fn the_entry_states_holder_and_validity() {
    let issued = api_key(&request(), None, NOW, &os_random).unwrap();
    let entry = &issued.entry;
    assert_eq!(entry["consumer"], "partner-a");
    assert_eq!(entry["scopes"], json!(["accounts:read"]));
    assert_eq!(entry["state"], "active");
    assert_eq!(entry["not_before"], "2027-01-15T08:00:00Z");
    assert_eq!(entry["expires_at"], "2027-02-14T08:00:00Z");
}

#[test]
fn key_ids_skip_the_bytes_that_would_bias_them() {
    let source = Counting::new(250); // 250, 251 map; 252..=255 are skipped; then 0, 1, ...
    let id = key_id(&|b| source.fill(b)).unwrap();
    assert_eq!(id, "89abcdef");
    assert_eq!(source.asked.borrow().len(), 12);
}

#[test]
fn an_hmac_key_is_a_256_bit_secret_the_filter_loads() {
    let request = HmacKeyRequest {
        key_id: "partner-a-2026".into(),
        holder: holder(),
    };
    let issued = hmac_key(&request, NOW, &os_random).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(&issued.secret).unwrap().len(), 32);
    assert_eq!(issued.entry["secret"], issued.secret.as_str());
    let section = json!({"keys": [issued.entry]});
    let raw: RawHmac = serde_json::from_value(section).unwrap();
    assert!(hmac_config::load(raw).is_ok());
    let bad = HmacKeyRequest {
        key_id: "two words".into(),
        holder: holder(),
    };
    assert!(hmac_key(&bad, NOW, &os_random).is_err());
}

#[test]
fn peppers_are_fresh_and_long_enough() {
    let (a, b) = (pepper(&os_random).unwrap(), pepper(&os_random).unwrap());
    assert_ne!(a, b);
    assert_eq!(URL_SAFE_NO_PAD.decode(a).unwrap().len(), MIN_PEPPER_BYTES);
}
