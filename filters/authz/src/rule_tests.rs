//! Decisions beyond scopes: overrides, deprecation, roles, classes, ownership, dry run, limits.

use crate::config::Config;
use crate::decide::{decide, Grant, LoadedPrincipal, Request, Verdict};
use crate::limits::admit;
use crate::policy::Policy;
use palisade_shared::principal::{Principal, PrincipalKind};
use palisade_shared::problem::Problem;
use palisade_shared::shared_data::FakeSharedData;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;

fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "paths": {
            "/accounts/{accountId}": {
                "get": {"operationId": "getAccount", "security": [{"oauth": ["accounts:read"]}],
                        "x-palisade-policy": {"ownership": [
                            {"param": "accountId", "claim": "accounts", "match": "member",
                             "bypass_roles": ["support"]}]}},
                "delete": {"operationId": "closeAccount",
                           "x-palisade-policy": {"roles_any": ["admin"], "dry_run": true}}
            },
            "/reports": {"get": {"operationId": "reports", "security": [{"oauth": []}],
                                 "x-palisade-policy": {"classification": "partner",
                                                       "ownership": [{"param": "owner", "in": "query", "claim": "sub"}]}}},
            "/v1/legacy": {"get": {"operationId": "legacy", "security": [],
                                   "deprecated": true, "x-deprecated-at": "2027-01-01T00:00:00Z",
                                   "x-sunset": "2027-02-01T00:00:00Z", "x-successor": "/v2/legacy"}},
            "/v1/old": {"get": {"operationId": "old", "security": [], "deprecated": true,
                                "x-sunset": "2020-01-01T00:00:00Z"}},
            "/transfers": {"post": {"operationId": "createTransfer", "security": [{"oauth": ["transfers:write"]}],
                                    "x-palisade-policy": {"cost": 5}},
                           "get": {"operationId": "listTransfers", "security": [{"oauth": []}]}}
        }
    })
}

fn policy(extra: Value) -> Policy {
    let mut config = json!({"openapi": document()});
    if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
        config.extend(extra.clone());
    }
    let config: Config = palisade_shared::config::parse(config.to_string().as_bytes()).unwrap();
    Policy::compile(config).unwrap()
}

fn alice(scopes: &[&str], roles: &[&str], claims: Value) -> LoadedPrincipal {
    let mut principal = Principal::anonymous();
    principal.kind = PrincipalKind::Jwt;
    principal.id = "alice".into();
    principal.scopes = scopes.iter().map(|s| s.to_string()).collect();
    principal.roles = roles.iter().map(|s| s.to_string()).collect();
    if let Value::Object(claims) = claims {
        principal.claims = claims.into_iter().collect();
    }
    Ok(Some(principal))
}

fn run(
    policy: &Policy,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    who: LoadedPrincipal,
) -> Verdict {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let request = Request {
        method,
        path,
        headers: &headers,
        source_address: Some("10.1.2.3:5000"),
        now_unix: NOW,
        principal: who,
    };
    decide(policy, &request)
}

fn refused(verdict: Verdict) -> Problem {
    match verdict {
        Verdict::Refuse { problem, .. } => problem,
        Verdict::Allow(grant) => panic!("allowed: {grant:?}"),
    }
}

fn granted(verdict: Verdict) -> Grant {
    match verdict {
        Verdict::Allow(grant) => grant,
        Verdict::Refuse { problem, .. } => panic!("refused: {problem:?}"),
    }
}

#[test]
fn ownership_binds_the_path_parameter_to_the_callers_accounts() {
    let policy = policy(json!({}));
    let owner = || alice(&["accounts:read"], &[], json!({"accounts": ["a1"]}));
    granted(run(&policy, "GET", "/accounts/a1", &[], owner()));
    assert_eq!(
        refused(run(&policy, "GET", "/accounts/a2", &[], owner())).kind,
        "not-owner"
    );
    assert_eq!(
        refused(run(&policy, "GET", "/accounts/%61%32", &[], owner())).kind,
        "not-owner"
    );
    let support = alice(&["accounts:read"], &["support"], json!({}));
    granted(run(&policy, "GET", "/accounts/a2", &[], support));
    let no_claim = alice(&["accounts:read"], &[], json!({}));
    assert_eq!(
        refused(run(&policy, "GET", "/accounts/a1", &[], no_claim)).kind,
        "not-owner"
    );
}

#[test]
fn duplicate_or_encoded_query_parameters_never_slip_past_ownership() {
    let policy = policy(json!({}));
    let who = || alice(&[], &[], json!({}));
    granted(run(&policy, "GET", "/reports?owner=alice", &[], who()));
    granted(run(&policy, "GET", "/reports?owner=%61lice", &[], who()));
    let cases = [
        ("/reports?owner=alice&owner=bob", 400),
        ("/reports?owner=bob&owner=alice", 400),
        ("/reports?owner=alice&%6fwner=bob", 400),
        ("/reports?owner=bob", 403),
        ("/reports?owner=alice%00", 400),
        ("/reports", 403),
        ("/reports?owner=%zz", 400),
    ];
    for (path, status) in cases {
        assert_eq!(
            refused(run(&policy, "GET", path, &[], who())).status,
            status,
            "{path}"
        );
    }
}

#[test]
fn dry_run_policies_let_a_would_deny_pass_and_say_so() {
    let policy = policy(json!({}));
    let grant = granted(run(
        &policy,
        "DELETE",
        "/accounts/a1",
        &[],
        alice(&[], &[], json!({})),
    ));
    assert_eq!(grant.would_deny, Some("insufficient-role"));
    let admin = granted(run(
        &policy,
        "DELETE",
        "/accounts/a1",
        &[],
        alice(&[], &["admin"], json!({})),
    ));
    assert_eq!(admin.would_deny, None);
}

#[test]
fn consumer_classes_reach_only_their_classifications() {
    let policy = policy(json!({"consumer_classes": {
        "allowed": {"public": ["public"], "partner": ["public", "partner"], "internal": ["public", "partner", "internal"]}
    }}));
    let partner = || alice(&[], &[], json!({"consumer_class": "partner"}));
    granted(run(&policy, "GET", "/reports?owner=alice", &[], partner()));
    let public = alice(&[], &[], json!({}));
    assert_eq!(
        refused(run(&policy, "GET", "/reports?owner=alice", &[], public)).kind,
        "classification"
    );
    let unknown = alice(&[], &[], json!({"consumer_class": "robot"}));
    assert_eq!(
        refused(run(&policy, "GET", "/reports?owner=alice", &[], unknown)).kind,
        "classification"
    );
    // An operation without classification counts as internal: partners cannot reach it.
    let verdict = run(&policy, "GET", "/transfers", &[], partner());
    assert_eq!(refused(verdict).kind, "classification");
}

#[test]
fn deprecated_operations_announce_it_and_refuse_after_sunset() {
    let policy = policy(json!({}));
    let grant = granted(run(&policy, "GET", "/v1/legacy", &[], Ok(None)));
    let headers: Vec<(&str, &str)> = grant
        .response_headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    assert_eq!(
        headers,
        vec![
            ("deprecation", "@1798761600"),
            ("sunset", "Mon, 01 Feb 2027 00:00:00 GMT"),
            ("link", "</v2/legacy>; rel=\"successor-version\""),
        ]
    );
    let gone = refused(run(&policy, "GET", "/v1/old", &[], Ok(None)));
    assert_eq!((gone.status, gone.kind), (410, "sunset"));
    assert!(gone
        .headers
        .iter()
        .any(|(n, v)| *n == "sunset" && v.ends_with("2020 00:00:00 GMT")));
}

#[test]
fn method_overrides_are_refused_by_default_and_matched_when_applied() {
    let strict = policy(json!({}));
    let who = || alice(&["transfers:write"], &[], json!({}));
    for header in [
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
    ] {
        let problem = refused(run(
            &strict,
            "GET",
            "/transfers",
            &[(header, "POST")],
            who(),
        ));
        assert_eq!(
            (problem.status, problem.kind),
            (400, "method-override"),
            "{header}"
        );
    }
    let applying = policy(json!({"method_override": "apply"}));
    let grant = granted(run(
        &applying,
        "GET",
        "/transfers",
        &[("x-http-method-override", "post")],
        who(),
    ));
    assert_eq!(grant.operation.method, "POST");
    let reader = alice(&[], &[], json!({}));
    let problem = refused(run(
        &applying,
        "GET",
        "/transfers",
        &[("x-http-method-override", "POST")],
        reader,
    ));
    assert_eq!(problem.kind, "insufficient-scope");
    let cases = [
        (vec![("x-http-method-override", "TRACE")], 405),
        (vec![("x-http-method-override", "PO ST")], 400),
        (
            vec![
                ("x-http-method-override", "POST"),
                ("x-http-method", "DELETE"),
            ],
            400,
        ),
    ];
    for (headers, status) in cases {
        assert_eq!(
            refused(run(&applying, "GET", "/transfers", &headers, who())).status,
            status
        );
    }
}

#[test]
fn rate_limits_draw_costs_and_answer_429_with_headers() {
    let policy = policy(json!({"rate_limits": [
        {"name": "per-principal", "key": "principal", "requests": 10, "window_seconds": 60}
    ]}));
    let store = FakeSharedData::default();
    let who = || alice(&["transfers:write"], &[], json!({}));
    let grant = granted(run(&policy, "POST", "/transfers", &[], who()));
    let admission = admit(&policy, &store, &grant, None, 0).unwrap();
    assert_eq!(
        admission.response_headers,
        vec![
            (
                "ratelimit-policy",
                "\"per-principal\";q=10;w=60".to_string()
            ),
            ("ratelimit", "\"per-principal\";r=5;t=30".to_string()),
        ]
    );
    admit(&policy, &store, &grant, None, 0).unwrap();
    let problem = admit(&policy, &store, &grant, None, 0).unwrap_err();
    assert_eq!((problem.status, problem.kind), (429, "rate-limited"));
    assert!(problem.headers.contains(&("retry-after", "30".to_string())));
}

#[test]
fn concurrency_cap_counts_requests_in_flight_per_principal() {
    let policy = policy(json!({"max_concurrent_per_principal": 2}));
    let store = FakeSharedData::default();
    let grant = granted(run(
        &policy,
        "GET",
        "/transfers",
        &[],
        alice(&[], &[], json!({})),
    ));
    let first = admit(&policy, &store, &grant, None, 0).unwrap();
    admit(&policy, &store, &grant, None, 0).unwrap();
    assert_eq!(
        admit(&policy, &store, &grant, None, 0).unwrap_err().status,
        429
    );
    crate::limits::release(&store, first.in_flight_key.as_deref().unwrap(), 1);
    admit(&policy, &store, &grant, None, 2).unwrap();
}

#[test]
fn refuses_inconsistent_limits_and_policies() {
    let cases = [
        (
            json!({"rate_limits": [{"name": "A", "key": "principal", "requests": 1, "window_seconds": 1}]}),
            "rate_limits[0].name",
        ),
        (
            json!({"rate_limits": [{"name": "a", "key": "principal", "requests": 0, "window_seconds": 1}]}),
            "rate_limits[0]",
        ),
        (
            json!({"rate_limits": [{"name": "a", "key": "principal", "requests": 1, "window_seconds": 1, "operations": ["nope"]}]}),
            "rate_limits[0].operations",
        ),
        (
            json!({"rate_limits": [{"name": "a", "key": "user", "requests": 1, "window_seconds": 1}]}),
            "rate_limits[0].key",
        ),
        (
            json!({"policies": {"getAccount": {"cost": 0}}}),
            "policies.getAccount.cost",
        ),
        (
            json!({"max_concurrent_per_principal": 0}),
            "max_concurrent_per_principal",
        ),
        (json!({"realm": "a\"b"}), "realm"),
    ];
    for (extra, field) in cases {
        let mut config = json!({"openapi": document()});
        config
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let err = palisade_shared::config::parse::<Config>(config.to_string().as_bytes())
            .and_then(Policy::compile)
            .unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn cel_conditions_see_the_request_the_principal_and_the_time() {
    let policy = policy(json!({"policies": {"listTransfers": {"condition":
        "principal.claims.tier == 'gold' && request.headers['x-tenant'] == 't1' \
         && request.query.limit == '10' && source.address.startsWith('10.') \
         && now > timestamp('2020-01-01T00:00:00Z') && 'transfers:write' in principal.scopes"
    }, "getAccount": {"scopes_all": ["accounts:read"],
        "condition": "path.accountId.startsWith('a') && principal.kind == 'jwt'"}}}));
    let gold = || alice(&["transfers:write"], &[], json!({"tier": "gold"}));
    let headers = [("x-tenant", "t1")];
    granted(run(&policy, "GET", "/transfers?limit=10", &headers, gold()));
    let silver = alice(&["transfers:write"], &[], json!({"tier": "silver"}));
    let problem = refused(run(&policy, "GET", "/transfers?limit=10", &headers, silver));
    assert_eq!((problem.status, problem.kind), (403, "condition-failed"));
    // A missing claim or header is an evaluation error: denied, never allowed.
    let no_tier = alice(&["transfers:write"], &[], json!({}));
    let problem = refused(run(
        &policy,
        "GET",
        "/transfers?limit=10",
        &headers,
        no_tier,
    ));
    assert_eq!(problem.kind, "condition-error");
    assert_eq!(
        refused(run(&policy, "GET", "/transfers?limit=10", &[], gold())).kind,
        "condition-error"
    );
    // A repeated query parameter could show the condition one value and the upstream another.
    let problem = refused(run(
        &policy,
        "GET",
        "/transfers?limit=10&limit=99",
        &headers,
        gold(),
    ));
    assert_eq!((problem.status, problem.kind), (400, "duplicate-parameter"));
    let reader = || alice(&["accounts:read"], &[], json!({"accounts": ["b1"]}));
    granted(run(&policy, "GET", "/accounts/a1", &[], reader()));
    assert_eq!(
        refused(run(&policy, "GET", "/accounts/b1", &[], reader())).kind,
        "condition-failed"
    );
}

#[test]
fn refuses_conditions_that_do_not_compile_or_read_unknown_variables() {
    for condition in ["principal.id ==", "principle.id == 'x'", "size(", "1 +"] {
        let mut config = json!({"openapi": document()});
        config["policies"] = json!({"getAccount": {"condition": condition}});
        let err = palisade_shared::config::parse::<Config>(config.to_string().as_bytes())
            .and_then(Policy::compile)
            .unwrap_err();
        assert_eq!(
            err.field, "policies.getAccount.condition",
            "{condition}: {err}"
        );
    }
}

#[test]
fn document_shorthand_extensions_set_scopes_roles_and_classification() {
    let document = json!({"openapi": "3.1.0", "paths": {"/ops": {"get": {
        "operationId": "ops", "x-palisade-scopes": ["ops:read"], "x-palisade-roles": ["operator"],
        "x-palisade-classification": "internal"}}}});
    let config =
        json!({"openapi": document, "consumer_classes": {"allowed": {"staff": ["internal"]}}});
    let policy =
        Policy::compile(palisade_shared::config::parse(config.to_string().as_bytes()).unwrap())
            .unwrap();
    let staff = || {
        alice(
            &["ops:read"],
            &["operator"],
            json!({"consumer_class": "staff"}),
        )
    };
    granted(run(&policy, "GET", "/ops", &[], staff()));
    let no_role = alice(&["ops:read"], &[], json!({"consumer_class": "staff"}));
    assert_eq!(
        refused(run(&policy, "GET", "/ops", &[], no_role)).kind,
        "insufficient-role"
    );
    let no_scope = alice(&[], &["operator"], json!({"consumer_class": "staff"}));
    assert_eq!(
        refused(run(&policy, "GET", "/ops", &[], no_scope)).kind,
        "insufficient-scope"
    );
    let outsider = alice(&["ops:read"], &["operator"], json!({}));
    assert_eq!(
        refused(run(&policy, "GET", "/ops", &[], outsider)).kind,
        "classification"
    );
}

#[test]
fn each_route_can_carry_its_own_policy() {
    use crate::policy::PolicySet;
    let reports = json!({"openapi": "3.1.0", "paths": {"/reports": {"get": {
        "operationId": "reports", "security": [{"oauth": ["reports:read"]}]}}}});
    let config = json!({"openapi": document(), "routes": {"reports-api": {"openapi": reports}}});
    let set =
        PolicySet::compile(palisade_shared::config::parse(config.to_string().as_bytes()).unwrap())
            .unwrap();
    let who = || alice(&["reports:read", "transfers:write"], &[], json!({}));
    let on_reports = set.for_route(Some("reports-api"));
    granted(run(&on_reports, "GET", "/reports", &[], who()));
    assert_eq!(
        refused(run(&on_reports, "GET", "/transfers", &[], who())).status,
        404
    );
    for route in [None, Some("other")] {
        let default = set.for_route(route);
        // The top-level document's /reports binds `owner` to the caller; reports-api's does not.
        assert_eq!(
            refused(run(&default, "GET", "/reports?owner=bob", &[], who())).kind,
            "not-owner"
        );
        granted(run(&default, "GET", "/transfers", &[], who()));
    }
    let nested = json!({"routes": {"a": {"routes": {"b": {}}}}});
    let err =
        PolicySet::compile(palisade_shared::config::parse(nested.to_string().as_bytes()).unwrap())
            .unwrap_err();
    assert_eq!(err.field, "routes.a.routes");
    let bad = json!({"routes": {"a": {"policies": {"nope": {}}}}});
    let err =
        PolicySet::compile(palisade_shared::config::parse(bad.to_string().as_bytes()).unwrap())
            .unwrap_err();
    assert_eq!(err.field, "routes.a.policies.nope");
}

#[test]
fn aliases_of_bound_names_count_as_second_values() {
    let policy = policy(json!({}));
    let who = || alice(&[], &[], json!({}));
    for query in [
        "owner=alice&owner[]=bob",
        "owner=alice&owner%5B%5D=bob",
        "owner[0]=bob&owner=alice",
        "Owner=bob&owner=alice",
    ] {
        let problem = refused(run(
            &policy,
            "GET",
            &format!("/reports?{query}"),
            &[],
            who(),
        ));
        assert_eq!(
            (problem.status, problem.kind),
            (400, "duplicate-parameter"),
            "{query}"
        );
    }
}

#[test]
fn body_keys_differing_only_in_case_are_refused() {
    let policy = policy(
        json!({"policies": {"createTransfer": {"scopes_all": ["transfers:write"],
        "ownership": [{"param": "/from", "in": "body", "claim": "sub"}]}}}),
    );
    let grant = granted(run(
        &policy,
        "POST",
        "/transfers",
        &[],
        alice(&["transfers:write"], &[], json!({})),
    ));
    let decide = |body: &str| crate::decide::decide_body(&policy, &grant, Some(body.as_bytes()));
    assert_eq!(decide(r#"{"from":"alice"}"#), Ok(None));
    for body in [
        r#"{"from":"alice","FROM":"bob"}"#,
        r#"{"From":"bob","from":"alice"}"#,
    ] {
        let problem = decide(body).unwrap_err();
        assert_eq!(
            (problem.status, problem.kind),
            (400, "duplicate-parameter"),
            "{body}"
        );
    }
}

#[test]
fn repeated_headers_never_reach_a_condition() {
    let policy = policy(json!({"policies": {"listTransfers": {
        "condition": "request.headers['x-tenant'] == principal.id"}}}));
    let who = || alice(&[], &[], json!({}));
    granted(run(
        &policy,
        "GET",
        "/transfers",
        &[("x-tenant", "alice")],
        who(),
    ));
    let twice = [("x-tenant", "someone-else"), ("x-tenant", "alice")];
    let problem = refused(run(&policy, "GET", "/transfers", &twice, who()));
    assert_eq!((problem.status, problem.kind), (400, "duplicate-parameter"));
}

#[test]
fn method_override_query_parameters_are_refused() {
    let policy = policy(json!({"method_override": "apply"}));
    let who = || alice(&["transfers:write"], &[], json!({}));
    for path in [
        "/transfers?_method=DELETE",
        "/transfers?X-HTTP-Method-Override=GET",
    ] {
        let problem = refused(run(&policy, "POST", path, &[], who()));
        assert_eq!(
            (problem.status, problem.kind),
            (400, "method-override"),
            "{path}"
        );
    }
}

#[test]
fn refused_requests_draw_from_the_source_limit() {
    use crate::limits::{draw, Caller};
    let policy = policy(json!({"rate_limits": [
        {"name": "per-source", "key": "source_address", "requests": 2, "window_seconds": 600}]}));
    let store = palisade_shared::shared_data::FakeSharedData::default();
    let anonymous = Principal::anonymous();
    let caller = Caller {
        principal: &anonymous,
        operation: None,
        source_address: Some("10.0.0.9:1"),
        cost: 1,
    };
    assert!(draw(&policy, &store, &caller, 0).is_ok());
    assert!(draw(&policy, &store, &caller, 0).is_ok());
    assert_eq!(draw(&policy, &store, &caller, 0).unwrap_err().status, 429);
}
