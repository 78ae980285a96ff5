//! The authorization decision as a pure function of the request and the policy.

use crate::policy::{Alternative, Policy, Rule};
use palisade_shared::decision::MatchedOperation;
use palisade_shared::openapi::Lookup;
use palisade_shared::path::CanonicalPath;
use palisade_shared::principal::{Principal, PrincipalKind};
use palisade_shared::problem::{quoted, Problem};

/// Headers through which clients ask a server to act on another method than the request's.
pub const METHOD_OVERRIDE_HEADERS: [&str; 3] = [
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// The principal authn stored; `Err` when the record could not be read.
pub type LoadedPrincipal = Result<Option<Principal>, ()>;

/// What authz reads from a request before deciding.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Whether any of [`METHOD_OVERRIDE_HEADERS`] is present.
    pub has_method_override: bool,
    pub principal: LoadedPrincipal,
}

/// The outcome: allow with the matched operation, or refuse with a problem.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow(MatchedOperation),
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

/// Decides one request. Every path through this function that is not an explicit allow denies.
pub fn decide(policy: &Policy, request: &Request) -> Verdict {
    if matches!(request.method, "TRACE" | "CONNECT" | "TRACK") {
        return refuse(Problem::new(
            405,
            "method-not-allowed",
            "Method not allowed",
        ));
    }
    if request.has_method_override {
        return refuse(Problem::new(
            400,
            "method-override",
            "Method override refused",
        ));
    }
    let path = match CanonicalPath::parse(request.path) {
        Ok(path) => path,
        Err(err) => {
            return refuse(
                Problem::new(400, "invalid-path", "Invalid request path").with_detail(err.reason()),
            )
        }
    };
    let (index, operation) = match policy.inventory.find(request.method, &path) {
        Lookup::Found { operation, .. } => {
            let operations = &policy.inventory.operations;
            let index = operations
                .iter()
                .position(|known| std::ptr::eq(known, operation));
            (index, operation)
        }
        Lookup::MethodNotAllowed(allowed) => {
            return refuse(
                Problem::new(405, "method-not-allowed", "Method not allowed")
                    .with_header("allow", allowed.join(", ")),
            )
        }
        Lookup::NotFound => return refuse(Problem::new(404, "not-found", "Not found")),
    };
    let matched = MatchedOperation {
        method: operation.method.clone(),
        template: operation.template.as_str().to_string(),
        operation_id: operation.operation_id.clone(),
    };
    let rule = index.and_then(|index| policy.rules.get(index));
    match judge(policy, rule, &request.principal) {
        None => Verdict::Allow(matched),
        Some(problem) => Verdict::Refuse {
            problem,
            operation: Some(matched),
        },
    }
}

/// `None` allows; otherwise the problem to answer with.
fn judge(policy: &Policy, rule: Option<&Rule>, principal: &LoadedPrincipal) -> Option<Problem> {
    let rule = rule.unwrap_or(&Rule::Deny);
    match rule {
        Rule::Public => None,
        Rule::Deny => Some(Problem::new(403, "no-policy", "Forbidden")),
        Rule::Scopes(alternatives) => {
            let principal = match principal {
                Err(()) => return Some(Problem::new(403, "authorization-error", "Forbidden")),
                Ok(None) => return Some(authentication_required(&policy.realm)),
                Ok(Some(p)) if p.kind == PrincipalKind::Anonymous => {
                    return Some(authentication_required(&policy.realm))
                }
                Ok(Some(p)) => p,
            };
            if alternatives.iter().any(|alt| satisfies(principal, alt)) {
                None
            } else {
                Some(insufficient_scope(&policy.realm, alternatives))
            }
        }
    }
}

fn satisfies(principal: &Principal, alternative: &Alternative) -> bool {
    alternative
        .all
        .iter()
        .all(|scope| principal.has_scope(scope))
        && (alternative.any.is_empty() || alternative.any.iter().any(|s| principal.has_scope(s)))
}

fn authentication_required(realm: &str) -> Problem {
    Problem::new(401, "authentication-required", "Authentication required").with_header(
        "www-authenticate",
        format!("Bearer realm={}", quoted(realm)),
    )
}

fn insufficient_scope(realm: &str, alternatives: &[Alternative]) -> Problem {
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
