//! The table of hostile tokens: each with the status and the precise refusal reason (the
//! `palisade_authn_denied_<reason>_total` counter it must move) that authn must give it.

use crate::node;
use crate::support::{assert_invalid_token, now, segment, NODE_ISSUER};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use palisade_integration_tests::{http, idp, Request, Response, Stack};
use serde_json::{json, Value};

/// Order `n` of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// One hostile request and what authn must answer.
pub struct Case {
    pub name: String,
    /// The whole `Authorization` value.
    pub authorization: String,
    pub status: u16,
    pub reason: &'static str,
}

impl Case {
    pub fn request(&self) -> Request {
        Request::get("/accounts/a1").header("authorization", &self.authorization)
    }

    pub fn check(&self, response: &Response) {
        match self.status {
            401 => assert_invalid_token(response, &self.name),
            status => {
                assert_eq!(
                    response.status,
                    status,
                    "{}: {}",
                    self.name,
                    response.text()
                );
                let challenge = response.header("www-authenticate").unwrap_or_default();
                assert!(
                    challenge.contains("error=\"invalid_request\""),
                    "{}: {challenge}",
                    self.name
                );
            }
        }
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn bearer(name: &str, token: String, reason: &'static str) -> Case {
    Case {
        name: name.to_string(),
        authorization: format!("Bearer {token}"),
        status: 401,
        reason,
    }
}

fn malformed(name: &str, authorization: String, reason: &'static str) -> Case {
    Case {
        name: name.to_string(),
        authorization,
        status: 400,
        reason,
    }
}

/// The IdP's published key for `alg`.
fn published(stack: &Stack, alg: &str) -> Value {
    let jwks = http::send(stack.ports().idp, &Request::get("/jwks")).unwrap();
    let keys = jwks.json().unwrap()["keys"].as_array().unwrap().clone();
    keys.into_iter().find(|key| key["alg"] == alg).unwrap()
}

/// `token` with its signature replaced by `signature`.
fn resigned(token: &str, signature: &[u8]) -> String {
    let (input, _) = token.rsplit_once('.').unwrap();
    format!("{input}.{}", b64(signature))
}

fn der_integer(value: &[u8]) -> Vec<u8> {
    let first = value
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(value.len() - 1);
    let mut digits = value[first..].to_vec();
    if digits[0] & 0x80 != 0 {
        digits.insert(0, 0);
    }
    [vec![0x02, digits.len() as u8], digits].concat()
}

/// The raw `r || s` of an ES256 signature re-encoded as DER, as a confused signer would send.
fn der_signature(raw: &[u8]) -> Vec<u8> {
    let body = [der_integer(&raw[..32]), der_integer(&raw[32..])].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

pub fn cases(stack: &Stack, node_keys: &Value) -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(alg_cases(stack));
    cases.extend(key_cases(stack, node_keys));
    cases.extend(signature_cases(stack));
    cases.extend(claim_cases(stack));
    cases.extend(syntax_cases(stack, node_keys));
    cases
}

fn good_claims(stack: &Stack) -> Value {
    idp::standard_claims(stack.ports().idp, "demo-client")
}

fn alg_cases(stack: &Stack) -> Vec<Case> {
    let claims = b64(good_claims(stack).to_string());
    let mut cases = Vec::new();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64(json!({"alg": alg, "typ": "at+jwt"}).to_string());
        cases.push(bearer(
            &format!("alg {alg}, unsigned"),
            format!("{header}.{claims}."),
            "empty_signature",
        ));
        let signed = format!("{header}.{claims}.{}", b64([7u8; 64]));
        cases.push(bearer(
            &format!("alg {alg}, some signature"),
            signed,
            "alg_not_allowed",
        ));
    }
    let real = stack.sign_token(&json!({"claims": good_claims(stack), "header": {"alg": "none"}}));
    cases.push(bearer(
        "alg none over a real ES256 signature",
        real.unwrap(),
        "alg_not_allowed",
    ));
    let es_token = stack.token("demo-client").unwrap();
    let (input, _) = es_token.rsplit_once('.').unwrap();
    cases.push(bearer(
        "valid header and claims, empty signature",
        format!("{input}."),
        "empty_signature",
    ));
    for (key_alg, reason) in [("RS256", "alg_not_allowed"), ("ES256", "alg_not_allowed")] {
        let public = published(stack, key_alg);
        let kid = public["kid"].as_str().unwrap();
        let request = json!({"claims": good_claims(stack), "hmac_secret": public.to_string(),
                             "header": {"kid": kid}});
        let name = format!("HS256 keyed with the published {key_alg} public key");
        cases.push(bearer(&name, stack.sign_token(&request).unwrap(), reason));
    }
    let modulus = published(stack, "RS256")["n"].as_str().unwrap().to_string();
    let request = json!({"claims": good_claims(stack), "hmac_secret": modulus});
    cases.push(bearer(
        "HS256 keyed with the RSA modulus",
        stack.sign_token(&request).unwrap(),
        "alg_not_allowed",
    ));
    cases
}

/// Keys named by the token, kid tricks, and public keys offered as HMAC secrets to a provider
/// that does accept HS256 (with its own configured secret).
fn key_cases(stack: &Stack, node_keys: &Value) -> Vec<Case> {
    let claims = good_claims(stack);
    let sign = |header: Value| {
        stack
            .sign_token(&json!({"claims": claims, "header": header}))
            .unwrap()
    };
    let mut cases = vec![
        bearer(
            "jku to elsewhere",
            sign(json!({"jku": "http://127.0.0.1:1/jwks"})),
            "forbidden_header",
        ),
        bearer(
            "x5u to elsewhere",
            sign(json!({"x5u": "http://127.0.0.1:1/cert.pem"})),
            "forbidden_header",
        ),
        bearer(
            "embedded jwk",
            sign(json!({"jwk": published(stack, "ES256")})),
            "forbidden_header",
        ),
        bearer(
            "embedded x5c chain",
            sign(json!({"x5c": ["MIIBszCCAVmgAwIBAgIUZmFrZQ=="]})),
            "forbidden_header",
        ),
        bearer(
            "unknown crit extension",
            sign(json!({"crit": ["urn:x"], "urn:x": 1})),
            "forbidden_header",
        ),
        bearer(
            "unknown kid",
            sign(json!({"kid": "no-such-key"})),
            "unknown_kid",
        ),
        bearer(
            "kid with path traversal",
            sign(json!({"kid": "../../../../etc/passwd"})),
            "unknown_kid",
        ),
        bearer(
            "kid with SQL",
            sign(json!({"kid": "x' UNION SELECT 'secret' --"})),
            "unknown_kid",
        ),
        bearer(
            "very long kid",
            sign(json!({"kid": "k".repeat(300)})),
            "bad_kid",
        ),
        bearer("kid null", sign(json!({"kid": null})), "bad_kid"),
        bearer("kid number", sign(json!({"kid": 7})), "bad_kid"),
        bearer("kid empty", sign(json!({"kid": ""})), "bad_kid"),
        bearer(
            "kid of the RSA key on ES256",
            sign(json!({"kid": published(stack, "RS256")["kid"]})),
            "wrong_key_type",
        ),
        bearer(
            "typ JWT instead of at+jwt",
            sign(json!({"typ": "JWT"})),
            "wrong_typ",
        ),
        bearer(
            "typ not a string",
            sign(json!({"typ": ["at+jwt"]})),
            "bad_typ",
        ),
    ];
    let node_public = |kid: &str| {
        let key = node_keys[kid].clone();
        let public: serde_json::Map<String, Value> = key
            .as_object()
            .unwrap()
            .iter()
            .filter(|(name, _)| !["d", "p", "q", "dp", "dq", "qi"].contains(&name.as_str()))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        Value::Object(public).to_string()
    };
    let node_claims = json!({"iss": NODE_ISSUER, "sub": "n", "aud": "urn:palisade:demo-api",
                             "iat": now(), "exp": now() + 300});
    for kid in ["rsa-1", "ec256-1", "ed-1"] {
        let secret = b64(node_public(kid));
        let request = json!({"alg": "HS256", "kid": kid, "secret": secret, "claims": node_claims});
        let token = node::mint(node_keys, &[request]).tokens.remove(0);
        let name = format!("HS256 keyed with the {kid} public key, HS256 enabled");
        cases.push(bearer(&name, token, "wrong_key_type"));
    }
    cases
}

fn signature_cases(stack: &Stack) -> Vec<Case> {
    let token = stack.token("demo-client").unwrap();
    assert_eq!(segment(&token, 0)["alg"], "ES256");
    let raw = URL_SAFE_NO_PAD
        .decode(token.rsplit_once('.').unwrap().1)
        .unwrap();
    let (r, s) = raw.split_at(32);
    let with = |r: &[u8], s: &[u8]| resigned(&token, &[r, s].concat());
    vec![
        bearer("ECDSA r = 0", with(&[0; 32], s), "bad_signature"),
        bearer("ECDSA s = 0", with(r, &[0; 32]), "bad_signature"),
        bearer("ECDSA r = n", with(&P256_ORDER, s), "bad_signature"),
        bearer("ECDSA s = n", with(r, &P256_ORDER), "bad_signature"),
        bearer("ECDSA r = s = 0", with(&[0; 32], &[0; 32]), "bad_signature"),
        bearer(
            "ECDSA signature DER-encoded",
            resigned(&token, &der_signature(&raw)),
            "bad_signature",
        ),
        bearer(
            "ECDSA signature of 63 bytes",
            resigned(&token, &raw[..63]),
            "bad_signature",
        ),
        bearer(
            "ECDSA signature of 65 bytes",
            resigned(&token, &[&raw[..], &[0]].concat()),
            "bad_signature",
        ),
        bearer(
            "signed by a key the IdP does not publish, under its kid",
            stack
                .sign_token(&json!({
            "claims": good_claims(stack), "unpublished_alg": "ES256",
            "header": {"kid": published(stack, "ES256")["kid"]}}))
                .unwrap(),
            "bad_signature",
        ),
    ]
}

fn claim_cases(stack: &Stack) -> Vec<Case> {
    let port = stack.ports().idp;
    let sign = |changes: Value| {
        let mut claims = idp::standard_claims(port, "demo-client");
        for (name, value) in changes.as_object().unwrap() {
            match value {
                Value::Null => claims.as_object_mut().unwrap().remove(name),
                value => claims
                    .as_object_mut()
                    .unwrap()
                    .insert(name.clone(), value.clone()),
            };
        }
        stack.sign_token(&json!({"claims": claims})).unwrap()
    };
    let now = now();
    vec![
        bearer(
            "wrong audience",
            sign(json!({"aud": "urn:other-api"})),
            "wrong_audience",
        ),
        bearer(
            "audience array without ours",
            sign(json!({"aud": ["a", "b"]})),
            "wrong_audience",
        ),
        bearer(
            "unknown issuer",
            sign(json!({"iss": "http://127.0.0.1:1"})),
            "unknown_issuer",
        ),
        bearer(
            "expired",
            sign(json!({"exp": now - 3600, "iat": now - 4000})),
            "expired",
        ),
        bearer(
            "not yet valid",
            sign(json!({"nbf": now + 3600})),
            "not_yet_valid",
        ),
        bearer(
            "issued in the future",
            sign(json!({"iat": now + 3600, "exp": now + 4000})),
            "issued_in_future",
        ),
        bearer("no expiry", sign(json!({"exp": null})), "missing_exp"),
        bearer(
            "exp not a number",
            sign(json!({"exp": "tomorrow"})),
            "bad_time_claim",
        ),
        bearer(
            "lifetime over the provider's maximum",
            sign(json!({"exp": now + 7200})),
            "lifetime_too_long",
        ),
        bearer("no subject", sign(json!({"sub": null})), "missing_sub"),
        bearer(
            "scope not a string",
            sign(json!({"scope": ["accounts:admin"]})),
            "bad_identity_claim",
        ),
    ]
}

fn syntax_cases(stack: &Stack, node_keys: &Value) -> Vec<Case> {
    let token = stack.token("demo-client").unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let node_claims = json!({"iss": NODE_ISSUER, "sub": "n", "aud": "urn:palisade:demo-api",
                             "iat": now(), "exp": now() + 300})
    .to_string();
    let duplicate_claim =
        node_claims.replacen("\"sub\":\"n\"", "\"sub\":\"n\",\"sub\":\"admin\"", 1);
    let raw = |header_text: &str, claims_text: &str| {
        let request =
            json!({"alg": "ES256", "header_text": header_text, "claims_text": claims_text});
        node::mint(node_keys, &[request]).tokens.remove(0)
    };
    let huge_claims = json!({"iss": NODE_ISSUER, "pad": "x".repeat(9000)}).to_string();
    let huge_header = json!({"alg": "ES256", "kid": "ec256-1", "pad": "x".repeat(900)}).to_string();
    vec![
        bearer(
            "four parts",
            format!("{token}.{}", parts[2]),
            "not_compact_jws",
        ),
        bearer(
            "two parts",
            format!("{}.{}", parts[0], parts[1]),
            "not_compact_jws",
        ),
        bearer("only dots", "..".to_string(), "empty_signature"),
        bearer("padded signature", format!("{token}="), "bad_base64url"),
        malformed(
            "padded header",
            format!("Bearer {}=.{}.{}", parts[0], parts[1], parts[2]),
            "malformed_authorization",
        ),
        bearer(
            "standard base64 alphabet",
            format!("{}.{}.+/{}", parts[0], parts[1], &parts[2][2..]),
            "bad_base64url",
        ),
        bearer(
            "header not JSON",
            format!("{}.{}.{}", b64("{\"alg\""), parts[1], parts[2]),
            "bad_json",
        ),
        bearer(
            "claims an array",
            format!("{}.{}.{}", parts[0], b64("[1]"), parts[2]),
            "not_an_object",
        ),
        bearer(
            "duplicate claim names",
            raw(r#"{"alg":"ES256","kid":"ec256-1"}"#, &duplicate_claim),
            "duplicate_name",
        ),
        bearer(
            "duplicate header names",
            raw(
                r#"{"alg":"ES256","alg":"none","kid":"ec256-1"}"#,
                &node_claims,
            ),
            "duplicate_name",
        ),
        bearer(
            "oversized token",
            raw(r#"{"alg":"ES256","kid":"ec256-1"}"#, &huge_claims),
            "token_too_large",
        ),
        bearer(
            "oversized header",
            raw(&huge_header, &node_claims),
            "header_too_large",
        ),
        malformed(
            "whitespace inside",
            format!("Bearer {}. {}", parts[0], parts[1]),
            "malformed_authorization",
        ),
        malformed(
            "tab inside",
            format!("Bearer {}\t{}", parts[0], parts[1]),
            "malformed_authorization",
        ),
        malformed(
            "characters outside base64url",
            format!("Bearer {}*", token),
            "malformed_authorization",
        ),
        malformed(
            "two tokens",
            format!("Bearer {token}, Bearer {token}"),
            "repeated_authorization",
        ),
    ]
}
