//! OpenID discovery (OpenID Connect Discovery 1.0 §4): the provider's metadata document names
//! its `jwks_uri`. The document's `issuer` must equal the configured issuer exactly (§4.3), or a
//! document served for another issuer could hand over its keys.

use crate::config::Target;
use palisade_shared::json::{self, Limits};
use serde_json::Value;

/// Largest discovery document accepted.
pub const MAX_DISCOVERY_BYTES: usize = 64 * 1024;

/// The JWKS location a discovery document gives for `issuer`.
pub fn jwks_target(body: &[u8], issuer: &str) -> Result<Target, &'static str> {
    if body.len() > MAX_DISCOVERY_BYTES {
        return Err("discovery document too large");
    }
    let limits = Limits {
        max_depth: 8,
        max_object_entries: 256,
        max_array_items: 256,
        max_string_bytes: 8 * 1024,
    };
    let document =
        json::parse_strict(body, &limits).map_err(|_| "discovery document is not valid JSON")?;
    if document.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err("discovery document names another issuer");
    }
    let uri = document
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or("discovery document has no jwks_uri")?;
    Target::parse(uri).map_err(|_| "discovery document has an unusable jwks_uri")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "http://127.0.0.1:18081";

    fn target(document: Value) -> Result<Target, &'static str> {
        jwks_target(document.to_string().as_bytes(), ISSUER)
    }

    #[test]
    fn reads_the_jwks_uri_of_the_configured_issuer() {
        let found = target(json!({"issuer": ISSUER, "jwks_uri": "http://127.0.0.1:18081/jwks"}));
        let found = found.unwrap();
        assert_eq!(
            (found.authority.as_str(), found.path.as_str()),
            ("127.0.0.1:18081", "/jwks")
        );
    }

    #[test]
    fn refuses_other_issuers_and_unusable_documents() {
        let cases = [
            json!({"issuer": "http://evil.test", "jwks_uri": "http://evil.test/jwks"}),
            json!({"issuer": format!("{ISSUER}/"), "jwks_uri": "http://127.0.0.1:18081/jwks"}),
            json!({"jwks_uri": "http://127.0.0.1:18081/jwks"}),
            json!({"issuer": ISSUER}),
            json!({"issuer": ISSUER, "jwks_uri": "file:///etc/passwd"}),
            json!({"issuer": ISSUER, "jwks_uri": 7}),
            json!([ISSUER]),
        ];
        for document in cases {
            assert!(target(document.clone()).is_err(), "{document}");
        }
        let duplicate = format!(r#"{{"issuer":"{ISSUER}","issuer":"x","jwks_uri":"http://a/j"}}"#);
        assert!(jwks_target(duplicate.as_bytes(), ISSUER).is_err());
    }
}
