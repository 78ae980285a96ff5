use super::*;
use crate::binding::fixture::{mtls_peer, request, Fixture};
use crate::testing::{es256_token, good_claims};
use palisade_shared::host::{FakeHost, Host};
use serde_json::{json, Value};

const PAYMENTS: &str = "spiffe://example.org/ns/payments/sa/api";
const BILLING: &str = "spiffe://example.org/ns/billing/sa/api";
const FRONT: &str = "spiffe://example.org/ns/edge/sa/front";
const CERT: [u8; 32] = [0xc1; 32];

fn section(operations: Value) -> Value {
    json!({"mtls": {
        "operations": operations,
        "allow": [
            {"spiffe_id": "spiffe://example.org/ns/payments/*", "scopes": ["accounts:read"]},
            {"spiffe_id": BILLING, "roles": ["billing"]},
            {"subject": "O=Example,CN=legacy", "scopes": ["accounts:read"]}
        ],
        "trusted_front_proxies": [FRONT]
    }})
}

fn fixture() -> Fixture {
    Fixture::new(json!({}), section(json!(["listAccounts"])))
}

fn peer(uri: Option<&str>, subject: Option<&str>) -> PeerFacts {
    PeerFacts {
        mtls: true,
        uri_san: uri.map(String::from),
        subject: subject.map(String::from),
        sha256: Some(CERT),
    }
}

/// The principal's id, or the refusal's reason.
fn outcome(verdict: &Verdict) -> Result<String, &'static str> {
    match verdict {
        Verdict::Service { principal } => Ok(principal.id.clone()),
        Verdict::Refused(refusal) => Err(refusal.reason()),
        _ => Err("not a service verdict"),
    }
}

#[test]
fn admits_allowlisted_identities_of_the_connection() {
    let fixture = fixture();
    let accounts = request("GET", "/accounts", &[]);
    let cases = [
        (peer(Some(PAYMENTS), None), Ok(PAYMENTS.to_string())),
        (peer(Some(BILLING), None), Ok(BILLING.to_string())),
        (
            peer(None, Some("O=Example,CN=legacy")),
            Ok("O=Example,CN=legacy".to_string()),
        ),
        (
            peer(Some("spiffe://example.org/ns/other/sa/x"), None),
            Err("mtls_not_allowed"),
        ),
        (
            peer(Some("spiffe://example.org/ns/payments"), None),
            Err("mtls_not_allowed"),
        ),
        (
            peer(Some("spiffe://evil.org/ns/payments/sa/api"), None),
            Err("mtls_not_allowed"),
        ),
        (
            peer(Some("https://payments.example.org"), None),
            Err("mtls_bad_spiffe_id"),
        ),
        (
            peer(None, Some("CN=legacy,O=Example")),
            Err("mtls_not_allowed"),
        ),
        (PeerFacts::default(), Err("mtls_no_certificate")),
    ];
    for (facts, expected) in cases {
        let verdict = fixture.decide(&accounts, &facts);
        assert_eq!(outcome(&verdict), expected, "{facts:?}");
    }
}

#[test]
fn gives_the_principal_the_entry_s_scopes_and_roles() {
    let fixture = fixture();
    let accounts = request("GET", "/accounts", &[]);
    let Verdict::Service { principal } = fixture.decide(&accounts, &peer(Some(PAYMENTS), None))
    else {
        panic!("not admitted");
    };
    assert_eq!(principal.kind, PrincipalKind::Mtls);
    assert_eq!(principal.issuer.as_deref(), Some("spiffe://example.org"));
    assert_eq!(principal.scopes, vec!["accounts:read"]);
    let Verdict::Service { principal } = fixture.decide(&accounts, &peer(Some(BILLING), None))
    else {
        panic!("not admitted");
    };
    assert_eq!(
        (principal.roles.clone(), principal.scopes.len()),
        (vec!["billing".to_string()], 0)
    );
}

#[test]
fn other_operations_follow_the_usual_rules() {
    let fixture = fixture();
    let one = request("GET", "/accounts/a1", &[]);
    let verdict = fixture.decide(&one, &peer(Some(PAYMENTS), None));
    assert_eq!(outcome(&verdict), Err("missing_token"));
    let health = request("GET", "/health", &[]);
    assert_eq!(
        fixture.decide(&health, &PeerFacts::default()),
        Verdict::Anonymous
    );
    let everything = Fixture::new(json!({}), section(json!(["*"])));
    let verdict = everything.decide(&health, &PeerFacts::default());
    assert_eq!(outcome(&verdict), Err("mtls_no_certificate"));
}

#[test]
fn refuses_a_second_credential_on_service_operations() {
    let fixture = fixture();
    let token = es256_token(&json!({"alg": "ES256", "kid": "ec-1"}), &good_claims());
    let authorization = format!("Bearer {token}");
    let accounts = request("GET", "/accounts", &[("authorization", &authorization)]);
    let verdict = fixture.decide(&accounts, &peer(Some(PAYMENTS), None));
    assert_eq!(outcome(&verdict), Err("multiple_credentials"));
}

#[test]
fn believes_xfcc_only_from_a_trusted_front_proxy() {
    let fixture = fixture();
    let forwarded =
        |value: &str| request("GET", "/accounts", &[("x-forwarded-client-cert", value)]);
    let billing = forwarded(&format!("URI={BILLING}"));
    let cases = [
        (
            forwarded(&format!("URI={PAYMENTS}")),
            mtls_peer(FRONT, [9; 32]),
            Ok(PAYMENTS.to_string()),
        ),
        (
            billing.clone(),
            mtls_peer(PAYMENTS, CERT),
            Ok(PAYMENTS.to_string()),
        ),
        (
            billing.clone(),
            PeerFacts::default(),
            Err("mtls_no_certificate"),
        ),
        (
            request("GET", "/accounts", &[]),
            mtls_peer(FRONT, [9; 32]),
            Err("mtls_no_certificate"),
        ),
        (
            forwarded("URI=a;URI=b"),
            mtls_peer(FRONT, [9; 32]),
            Err("xfcc_ambiguous_uri"),
        ),
        (
            forwarded("URI=a b"),
            mtls_peer(FRONT, [9; 32]),
            Err("xfcc_malformed"),
        ),
    ];
    for (headers, facts, expected) in cases {
        assert_eq!(
            outcome(&fixture.decide(&headers, &facts)),
            expected,
            "{headers:?}"
        );
    }
    // A trusted proxy's malformed header is refused on every operation.
    let health = request("GET", "/health", &[("x-forwarded-client-cert", "URI=\"")]);
    let verdict = fixture.decide(&health, &mtls_peer(FRONT, [9; 32]));
    assert_eq!(outcome(&verdict), Err("xfcc_malformed"));
    assert_eq!(
        Refusal::Mtls(MtlsRefusal::MalformedXfcc)
            .problem("demo")
            .status,
        400
    );
}

fn handle(fixture: &Fixture, headers: &[(&str, &str)], uri: &str) -> FakeHost {
    let host = FakeHost::with_request_headers(headers)
        .with_property(&["connection", "mtls"], &[1])
        .with_property(&["connection", "uri_san_peer_certificate"], uri.as_bytes());
    crate::stream::handle(&host, &fixture.authenticator());
    host
}

#[test]
fn forwards_the_identity_and_strips_untrusted_xfcc() {
    let fixture = fixture();
    let forged = format!("URI={BILLING}");
    let headers = [
        (":method", "GET"),
        (":path", "/accounts"),
        ("x-forwarded-client-cert", forged.as_str()),
    ];
    let host = handle(&fixture, &headers, PAYMENTS);
    assert_eq!(host.sent(), None);
    assert_eq!(
        host.request_header("x-palisade-subject").as_deref(),
        Some(PAYMENTS)
    );
    assert_eq!(
        host.request_header("x-palisade-scopes").as_deref(),
        Some("accounts:read")
    );
    assert_eq!(host.request_header("x-forwarded-client-cert"), None);
    let stored = host.property(&["palisade.principal"]).unwrap().unwrap();
    assert!(String::from_utf8(stored)
        .unwrap()
        .contains("\"kind\":\"mtls\""));
    // From the trusted proxy, the header is the client's and stays for the upstream.
    let host = handle(&fixture, &headers, FRONT);
    assert_eq!(
        host.request_header("x-palisade-subject").as_deref(),
        Some(BILLING)
    );
    assert_eq!(host.request_header("x-forwarded-client-cert"), Some(forged));
}

#[test]
fn answers_refusals_with_status_and_challenge() {
    let fixture = fixture();
    let host = handle(
        &fixture,
        &[(":method", "GET"), (":path", "/accounts")],
        "spiffe://e.org/x",
    );
    let sent = host.sent().unwrap();
    assert_eq!(sent.status, 403);
    assert_eq!(
        sent.json()["type"],
        "urn:palisade:problem:client-identity-not-allowed"
    );
    let host = FakeHost::with_request_headers(&[(":method", "GET"), (":path", "/accounts")]);
    crate::stream::handle(&host, &fixture.authenticator());
    let sent = host.sent().unwrap();
    assert_eq!(sent.status, 401);
    assert_eq!(
        sent.header("www-authenticate"),
        Some("Palisade-mTLS realm=\"palisade\"")
    );
}

#[test]
fn refuses_bad_sections() {
    let cases = [
        (
            json!({"operations": ["nope"], "allow": [{"subject": "CN=a"}]}),
            "mtls.operations",
        ),
        (json!({"operations": ["listAccounts"]}), "mtls.allow"),
        (
            json!({"allow": [{"spiffe_id": "spiffe://e.org/a/*/b"}]}),
            "mtls.allow[0].spiffe_id",
        ),
        (
            json!({"allow": [{"spiffe_id": "spiffe://e.org/a", "subject": "CN=a"}]}),
            "mtls.allow[0]",
        ),
        (json!({"allow": [{"subject": " "}]}), "mtls.allow[0]"),
        (
            json!({"allow": [{"subject": "CN=a", "scopes": ["a b"]}]}),
            "mtls.allow[0].scopes",
        ),
        (
            json!({"trusted_front_proxies": ["spiffe://e.org/*"]}),
            "mtls.trusted_front_proxies[0]",
        ),
    ];
    let openapi: Value =
        serde_json::from_str(include_str!("../../../../schemas/demo-api.openapi.json")).unwrap();
    let inventory = palisade_shared::openapi::Inventory::load(openapi, "openapi").unwrap();
    for (raw, field) in cases {
        let raw: config::RawMtls = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(config::load(raw, &inventory).unwrap_err().field, field);
    }
    let unknown = serde_json::from_value::<config::RawMtls>(json!({"allowlist": []}));
    assert!(unknown.is_err());
}
