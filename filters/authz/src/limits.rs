//! Applying the configured rate limits and the concurrency cap to an allowed request.

use crate::config::{RateLimitConfig, RateLimitKey};
use crate::decide::Grant;
use crate::policy::Policy;
use crate::ratelimit::{adjust_in_flight, take, BucketSpec, Take};
use palisade_shared::decision::MatchedOperation;
use palisade_shared::principal::{Principal, PrincipalKind};
use palisade_shared::problem::Problem;
use palisade_shared::shared_data::SharedData;

/// In-flight counts older than this are presumed leaked by a worker that went away.
const IN_FLIGHT_STALE_MS: u64 = 300_000;

/// What the limits leave on an allowed request: headers for the response, and the key whose
/// in-flight count must be released when the stream ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admission {
    pub response_headers: Vec<(&'static str, String)>,
    pub in_flight_key: Option<String>,
}

/// Who and what a request is counted as.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub principal: &'a Principal,
    /// The matched operation; `None` for requests refused before one was found.
    pub operation: Option<&'a MatchedOperation>,
    pub source_address: Option<&'a str>,
    pub cost: u64,
}

/// Draws from every limit that applies to an allowed request, then takes its concurrency
/// slot; the first limit exhausted refuses with 429.
pub fn admit(
    policy: &Policy,
    store: &dyn SharedData,
    grant: &Grant,
    source_address: Option<&str>,
    now_ms: u64,
) -> Result<Admission, Problem> {
    let caller = Caller {
        principal: &grant.principal,
        operation: Some(&grant.operation),
        source_address,
        cost: policy
            .rules
            .get(grant.rule_index)
            .map_or(1, |rule| rule.cost),
    };
    let mut admission = Admission {
        response_headers: draw(policy, store, &caller, now_ms)?,
        in_flight_key: None,
    };
    admission.in_flight_key = hold_in_flight(policy, store, grant, now_ms)?;
    Ok(admission)
}

/// Draws `caller.cost` from every limit that applies. Refused requests are drawn too, so that
/// probing (object ids, paths, credentials) is limited like any other traffic. Returns the
/// `RateLimit` headers of the tightest limit, or the 429 of the first exhausted one.
pub fn draw(
    policy: &Policy,
    store: &dyn SharedData,
    caller: &Caller,
    now_ms: u64,
) -> Result<Vec<(&'static str, String)>, Problem> {
    let cost = caller.cost;
    let mut tightest: Option<(u64, &RateLimitConfig, u64)> = None;
    for limit in policy
        .config
        .rate_limits
        .iter()
        .filter(|l| applies(l, caller.operation))
    {
        let Some(key) = bucket_key(limit.key, caller) else {
            continue;
        };
        let spec = BucketSpec {
            name: scoped_name(&policy.scope, &limit.name),
            capacity: limit.requests,
            window_seconds: limit.window_seconds,
            slots: limit.slots,
        };
        match take(store, &spec, &key, cost, now_ms) {
            Take::Allowed {
                remaining,
                reset_seconds,
            } => {
                if tightest.is_none_or(|(least, _, _)| remaining < least) {
                    tightest = Some((remaining, limit, reset_seconds));
                }
            }
            Take::Limited {
                retry_after_seconds,
            } => return Err(too_many(limit, retry_after_seconds)),
            Take::Unavailable => return Err(too_many(limit, 1)),
        }
    }
    Ok(tightest
        .map(|(remaining, limit, reset)| rate_limit_headers(limit, remaining, reset))
        .unwrap_or_default())
}

/// Creates the shared-data slots of every limit of `policy` that do not exist yet.
pub fn prepare(policy: &Policy, store: &dyn SharedData) {
    for limit in &policy.config.rate_limits {
        let spec = BucketSpec {
            name: scoped_name(&policy.scope, &limit.name),
            capacity: limit.requests,
            window_seconds: limit.window_seconds,
            slots: limit.slots,
        };
        crate::ratelimit::prepare(store, &spec);
    }
    if policy.config.max_concurrent_per_principal.is_some() {
        crate::ratelimit::prepare_in_flight(store);
    }
}

/// Releases a request counted by [`admit`].
pub fn release(store: &dyn SharedData, key: &str, now_ms: u64) {
    let _ = adjust_in_flight(store, key, -1, now_ms, IN_FLIGHT_STALE_MS);
}

fn hold_in_flight(
    policy: &Policy,
    store: &dyn SharedData,
    grant: &Grant,
    now_ms: u64,
) -> Result<Option<String>, Problem> {
    let Some(max) = policy.config.max_concurrent_per_principal else {
        return Ok(None);
    };
    if grant.principal.kind == PrincipalKind::Anonymous {
        return Ok(None);
    }
    let key = format!("{:?}:{}", grant.principal.kind, grant.principal.id);
    let busy = || {
        Problem::new(
            429,
            "too-many-concurrent-requests",
            "Too many concurrent requests",
        )
        .with_header("retry-after", "1")
    };
    match adjust_in_flight(store, &key, 1, now_ms, IN_FLIGHT_STALE_MS) {
        Some(count) if count <= max => Ok(Some(key)),
        Some(_) => {
            release(store, &key, now_ms);
            Err(busy())
        }
        None => Err(busy()),
    }
}

/// A limit's bucket name, kept apart per route scope (`/` cannot appear in either part).
fn scoped_name(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", crate::ratelimit::fingerprint(scope))
    }
}

fn applies(limit: &RateLimitConfig, operation: Option<&MatchedOperation>) -> bool {
    if limit.operations.is_empty() {
        return true;
    }
    operation
        .and_then(|operation| operation.operation_id.as_ref())
        .is_some_and(|id| limit.operations.contains(id))
}

/// The bucket a request counts against; `None` when the key kind does not fit the caller.
fn bucket_key(kind: RateLimitKey, caller: &Caller) -> Option<String> {
    let principal = caller.principal;
    match kind {
        RateLimitKey::Principal if principal.kind != PrincipalKind::Anonymous => {
            Some(format!("{:?}:{}", principal.kind, principal.id))
        }
        RateLimitKey::ApiKey if principal.kind == PrincipalKind::ApiKey => {
            Some(principal.id.clone())
        }
        RateLimitKey::SourceAddress => caller.source_address.map(host_of),
        RateLimitKey::Operation => caller
            .operation
            .map(|operation| format!("{} {}", operation.method, operation.template)),
        _ => None,
    }
}

/// The address without its port: `10.0.0.1:5555` → `10.0.0.1`, `[::1]:5555` → `::1`.
fn host_of(address: &str) -> String {
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    match address.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host.to_string()
        }
        _ => address.to_string(),
    }
}

fn rate_limit_headers(
    limit: &RateLimitConfig,
    remaining: u64,
    reset: u64,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "ratelimit-policy",
            format!(
                "\"{}\";q={};w={}",
                limit.name, limit.requests, limit.window_seconds
            ),
        ),
        (
            "ratelimit",
            format!("\"{}\";r={remaining};t={reset}", limit.name),
        ),
    ]
}

fn too_many(limit: &RateLimitConfig, retry_after: u64) -> Problem {
    let mut problem = Problem::new(429, "rate-limited", "Too many requests")
        .with_header("retry-after", retry_after.to_string());
    problem
        .headers
        .extend(rate_limit_headers(limit, 0, retry_after));
    problem
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn strips_ports_from_source_addresses() {
        assert_eq!(host_of("10.0.0.1:5555"), "10.0.0.1");
        assert_eq!(host_of("[::1]:5555"), "::1");
        assert_eq!(host_of("::1"), "::1");
        assert_eq!(host_of("10.0.0.1"), "10.0.0.1");
    }
}
