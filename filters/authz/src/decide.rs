//! The authorization decision as a pure function of the request and the policy.

use crate::config::MethodOverride;
use crate::ownership::{self, OwnershipError, Parameters};
use crate::policy::Policy;
use crate::rule::{Access, Deprecation, Rule};
use palisade_shared::decision::MatchedOperation;
use palisade_shared::openapi::Lookup;
use palisade_shared::path::{query_pairs, CanonicalPath};
use palisade_shared::principal::{Principal, PrincipalKind};
use palisade_shared::problem::{quoted, Problem};
use palisade_shared::time::http_date;

/// Headers through which clients ask a server to act on another method than the request's.
pub const METHOD_OVERRIDE_HEADERS: [&str; 4] = [
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-method",
];

/// Query parameters through which frameworks let a client change the method; always refused.
pub const METHOD_OVERRIDE_PARAMETERS: [&str; 2] = ["_method", "x-http-method-override"];

/// The principal authn stored; `Err` when the record could not be read.
pub type LoadedPrincipal = Result<Option<Principal>, ()>;

/// What authz reads from a request before deciding.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Request headers, names lowercase (conditions and header ownership read them).
    pub headers: &'a [(String, String)],
    pub source_address: Option<&'a str>,
    pub now_unix: i64,
    pub principal: LoadedPrincipal,
}

/// An allowed request: what later steps (limits, response headers, audit) need.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub operation: MatchedOperation,
    pub rule_index: usize,
    pub principal: Principal,
    /// Set when a dry-run policy would have denied: the problem kind it would have sent.
    pub would_deny: Option<&'static str>,
    /// Headers to add to the response (deprecation, sunset, successor link).
    pub response_headers: Vec<(&'static str, String)>,
    /// Whether ownership rules bind body fields: the decision waits for [`decide_body`].
    pub needs_body: bool,
}

/// The outcome: allow with a grant, or refuse with a problem.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow(Grant),
    Refuse {
        problem: Problem,
        operation: Option<MatchedOperation>,
    },
}

fn refuse(problem: Problem) -> Verdict {
    Verdict::Refuse {
        problem,
        operation: None,
    }
}

fn is_never_allowed(method: &str) -> bool {
    matches!(method, "TRACE" | "TRACK" | "CONNECT")
}

/// Decides one request. Every path through this function that is not an explicit allow denies.
pub fn decide(policy: &Policy, request: &Request) -> Verdict {
    let method = match effective_method(policy, request) {
        Ok(method) => method,
        Err(problem) => return refuse(problem),
    };
    let path = match CanonicalPath::parse_with(request.path, policy.config.path) {
        Ok(path) => path,
        Err(err) => {
            return refuse(
                Problem::new(400, "invalid-path", "Invalid request path").with_detail(err.reason()),
            )
        }
    };
    let (operation, params) = match policy.inventory.find(&method, &path) {
        Lookup::Found { operation, params } => (operation, params),
        Lookup::MethodNotAllowed(allowed) => {
            return refuse(
                Problem::new(405, "method-not-allowed", "Method not allowed")
                    .with_header("allow", allowed.join(", ")),
            )
        }
        Lookup::NotFound => return refuse(Problem::new(404, "not-found", "Not found")),
    };
    let index = policy
        .inventory
        .operations
        .iter()
        .position(|known| std::ptr::eq(known, operation));
    let matched = MatchedOperation {
        method: operation.method.clone(),
        template: operation.template.as_str().to_string(),
        operation_id: operation.operation_id.clone(),
    };
    let (Some(index), Some(rule)) = (index, index.and_then(|i| policy.rules.get(i))) else {
        return refuse(Problem::new(403, "no-policy", "Forbidden"));
    };
    let parameters = Parameters {
        path: params,
        query: query_pairs(&path.query),
        headers: request.headers.to_vec(),
        body: None,
    };
    let facts = Facts {
        request,
        method: &method,
        path: &path,
        parameters: &parameters,
    };
    match judge(policy, rule, &facts) {
        Ok((principal, would_deny)) => Verdict::Allow(Grant {
            operation: matched,
            rule_index: index,
            principal,
            would_deny,
            response_headers: deprecation_headers(rule.deprecation.as_ref()),
            needs_body: rule.ownership.iter().any(is_body_rule),
        }),
        Err(problem) => Verdict::Refuse {
            problem: with_deprecation(problem, rule.deprecation.as_ref()),
            operation: Some(matched),
        },
    }
}

/// The method the upstream will act on: the request's, or an override header's when allowed.
fn effective_method(policy: &Policy, request: &Request) -> Result<String, Problem> {
    let not_allowed = || Problem::new(405, "method-not-allowed", "Method not allowed");
    if is_never_allowed(request.method) {
        return Err(not_allowed());
    }
    let overrides: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| METHOD_OVERRIDE_HEADERS.contains(&name.as_str()))
        .map(|(_, value)| value.as_str())
        .collect();
    let in_query = request
        .path
        .split_once('?')
        .and_then(|(_, query)| query_pairs(query))
        .unwrap_or_default()
        .into_iter()
        .any(|(name, _)| METHOD_OVERRIDE_PARAMETERS.contains(&name.to_ascii_lowercase().as_str()));
    if in_query {
        // Rails, Laravel, Express (method-override) and others honour these query parameters.
        return Err(Problem::new(
            400,
            "method-override",
            "Method override refused",
        ));
    }
    let Some(first) = overrides.first() else {
        return Ok(request.method.to_string());
    };
    let refused = || Problem::new(400, "method-override", "Method override refused");
    if policy.config.method_override == MethodOverride::Refuse {
        return Err(refused());
    }
    let consistent = overrides.iter().all(|value| value == first);
    let is_token = !first.is_empty() && first.bytes().all(|b| b.is_ascii_alphabetic());
    if !consistent || !is_token {
        return Err(refused());
    }
    let method = first.to_ascii_uppercase();
    if is_never_allowed(&method) {
        return Err(not_allowed());
    }
    Ok(method)
}

/// What a rule is judged on.
pub struct Facts<'a> {
    pub request: &'a Request<'a>,
    pub method: &'a str,
    pub path: &'a CanonicalPath,
    pub parameters: &'a Parameters,
}

/// The caller and, for dry-run rules, what would have been denied; or the problem.
fn judge(
    policy: &Policy,
    rule: &Rule,
    facts: &Facts,
) -> Result<(Principal, Option<&'static str>), Problem> {
    if let Some(sunset) = rule.deprecation.as_ref().and_then(|d| d.sunset) {
        if facts.request.now_unix >= sunset {
            return Err(Problem::new(
                410,
                "sunset",
                "This operation is no longer available",
            ));
        }
    }
    let alternatives = match &rule.access {
        Access::Public => return Ok((Principal::anonymous(), None)),
        Access::Deny => return Err(Problem::new(403, "no-policy", "Forbidden")),
        Access::Scopes(alternatives) => alternatives,
    };
    let principal = match &facts.request.principal {
        Err(()) => return Err(Problem::new(403, "authorization-error", "Forbidden")),
        Ok(Some(p)) if p.kind != PrincipalKind::Anonymous => p.clone(),
        Ok(_) => return Err(authentication_required(&policy.config.realm)),
    };
    let verdict = if !alternatives.iter().any(|alt| alt.is_met_by(&principal)) {
        Err(insufficient_scope(&policy.config.realm, alternatives))
    } else {
        check_conditions(policy, rule, facts, &principal)
    };
    match verdict {
        Ok(()) => Ok((principal, None)),
        Err(problem) if rule.dry_run => Ok((principal, Some(problem.kind))),
        Err(problem) => Err(problem),
    }
}

/// Roles, classification, ownership and the CEL condition, in that order.
fn check_conditions(
    policy: &Policy,
    rule: &Rule,
    facts: &Facts,
    principal: &Principal,
) -> Result<(), Problem> {
    let forbidden = |kind: &'static str| Problem::new(403, kind, "Forbidden");
    if !rule.roles_any.is_empty() && !rule.roles_any.iter().any(|r| principal.roles.contains(r)) {
        return Err(forbidden("insufficient-role"));
    }
    if let Some(classes) = &policy.config.consumer_classes {
        if !crate::classes::may_reach(classes, principal, rule.classification.as_deref()) {
            return Err(forbidden("classification"));
        }
    }
    for ownership_rule in rule.ownership.iter().filter(|r| !is_body_rule(r)) {
        match ownership::check(ownership_rule, facts.parameters, principal) {
            Ok(()) => {}
            Err(OwnershipError::DuplicateParameter) => {
                return Err(
                    Problem::new(400, "duplicate-parameter", "Duplicate parameter").with_detail(
                        format!("parameter {} appears more than once", ownership_rule.param),
                    ),
                )
            }
            Err(_) => return Err(forbidden("not-owner")),
        }
    }
    if let Some(condition) = &rule.condition {
        return condition.check(facts, principal);
    }
    Ok(())
}

fn is_body_rule(rule: &crate::config::OwnershipConfig) -> bool {
    rule.r#in == crate::config::ParamLocation::Body
}

/// The second half of a decision whose rule binds body fields: the JSON body (`None` when the
/// request had none) against the body ownership rules. `Ok` carries a dry-run would-deny.
pub fn decide_body(
    policy: &Policy,
    grant: &Grant,
    body: Option<&[u8]>,
) -> Result<Option<&'static str>, Problem> {
    let Some(rule) = policy.rules.get(grant.rule_index) else {
        return Err(Problem::new(403, "no-policy", "Forbidden"));
    };
    let body = match body.filter(|bytes| !bytes.is_empty()) {
        None => None,
        Some(bytes) => match palisade_shared::json::parse_strict(bytes, &Default::default()) {
            Ok(value) => Some(value),
            Err(err) => {
                return Err(Problem::new(400, "invalid-body", "Invalid request body")
                    .with_detail(err.reason()))
            }
        },
    };
    let parameters = Parameters {
        body,
        ..Parameters::default()
    };
    for ownership_rule in rule.ownership.iter().filter(|r| is_body_rule(r)) {
        match ownership::check(ownership_rule, &parameters, &grant.principal) {
            Ok(()) => {}
            Err(OwnershipError::DuplicateParameter) => {
                return Err(
                    Problem::new(400, "duplicate-parameter", "Duplicate parameter")
                        .with_detail("the body holds the bound field under more than one spelling"),
                )
            }
            Err(_) if rule.dry_run => return Ok(Some("not-owner")),
            Err(_) => return Err(Problem::new(403, "not-owner", "Forbidden")),
        }
    }
    Ok(grant.would_deny)
}

fn deprecation_headers(deprecation: Option<&Deprecation>) -> Vec<(&'static str, String)> {
    let Some(deprecation) = deprecation else {
        return Vec::new();
    };
    let mut headers = vec![("deprecation", format!("@{}", deprecation.since))];
    if let Some(sunset) = deprecation.sunset {
        headers.push(("sunset", http_date(sunset)));
    }
    if let Some(successor) = &deprecation.successor {
        headers.push(("link", format!("<{successor}>; rel=\"successor-version\"")));
    }
    headers
}

fn with_deprecation(mut problem: Problem, deprecation: Option<&Deprecation>) -> Problem {
    problem.headers.extend(deprecation_headers(deprecation));
    problem
}

fn authentication_required(realm: &str) -> Problem {
    Problem::new(401, "authentication-required", "Authentication required").with_header(
        "www-authenticate",
        format!("Bearer realm={}", quoted(realm)),
    )
}

fn insufficient_scope(realm: &str, alternatives: &[crate::rule::Alternative]) -> Problem {
    let needed = alternatives
        .first()
        .map(|alt| {
            let mut scopes = alt.all.clone();
            scopes.extend(alt.any.first().cloned());
            scopes.join(" ")
        })
        .unwrap_or_default();
    let challenge = format!(
        "Bearer realm={}, error=\"insufficient_scope\", scope={}",
        quoted(realm),
        quoted(&needed)
    );
    Problem::new(403, "insufficient-scope", "Insufficient scope")
        .with_header("www-authenticate", challenge)
}
