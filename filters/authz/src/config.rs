//! The authz configuration as operators write it.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Top-level configuration of the authz filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's OpenAPI 3.x document. Its operations form the inventory; their `security`
    /// requirements and `x-palisade-*` extensions the default policy. Default: none; then
    /// `operations` must declare every callable operation.
    #[serde(default)]
    pub openapi: Option<serde_json::Value>,
    /// Operations written in the config instead of (or besides) the document. Default: none.
    #[serde(default)]
    pub operations: Vec<OperationConfig>,
    /// Policies by `operationId`, replacing what the document says. Default: none.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyConfig>,
    /// Realm named in `WWW-Authenticate` challenges. Default `palisade`.
    #[serde(default = "default_realm")]
    pub realm: String,
    /// What to do with `X-HTTP-Method-Override` and kin. Default `refuse` (400): an upstream
    /// that honours them would act on a method that authz did not check. `apply` matches the
    /// request as the overriding method instead.
    #[serde(default)]
    pub method_override: MethodOverride,
    /// Consumer classes against operation data classifications (AC-21). Default: none, and
    /// then operation classifications are not checked.
    #[serde(default)]
    pub consumer_classes: Option<ConsumerClasses>,
    /// Token-bucket rate limits, shared by every worker. Default: none.
    #[serde(default)]
    pub rate_limits: Vec<RateLimitConfig>,
    /// How strictly request paths are read before matching. Default: every ambiguous form
    /// (encoded slash, dot segment, `;`, double encoding…) refused with 400, trailing slash
    /// significant.
    #[serde(default)]
    pub path: palisade_shared::path::PathOptions,
    /// Largest request body read for `body` ownership rules; 413 above. Default 65536.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Hold the request headers while a body needed by an ownership rule is read, so that
    /// nothing of a refused request reaches the upstream. Needs
    /// `allow_on_headers_stop_iteration: true` in the plugin's Envoy config, or such requests
    /// hang. Default false: headers go on and a refusal resets the upstream request.
    #[serde(default)]
    pub hold_request_headers: bool,
    /// Per-route policies: the Envoy route's name (`xds.route_name`) → a configuration of the
    /// same shape (without `routes`), replacing this one for requests on that route. Requests
    /// on routes not listed get this top-level configuration. Default: none.
    #[serde(default)]
    pub routes: BTreeMap<String, Config>,
    /// Most requests in flight per principal (AC-10); 429 beyond. Default: unlimited.
    #[serde(default)]
    pub max_concurrent_per_principal: Option<u64>,
}

/// Treatment of method-override headers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodOverride {
    #[default]
    Refuse,
    Apply,
}

/// One operation written in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationConfig {
    /// HTTP method, e.g. `GET`; case-insensitive. Required.
    pub method: String,
    /// OpenAPI path template, e.g. `/accounts/{accountId}`. Required.
    pub path: String,
    /// Identifier used in audit records, rate limits and `policies`. Default: none.
    #[serde(default)]
    pub operation_id: Option<String>,
    /// The policy; absent means no policy covers the operation, so it is denied.
    #[serde(default)]
    pub policy: Option<PolicyConfig>,
}

/// Who may call an operation, and on what conditions. Every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Callable without credentials. Default false. Security effect: anyone may call it, and
    /// the other conditions are not evaluated.
    #[serde(default)]
    pub public: bool,
    /// Scopes that must all be granted. Default: none.
    #[serde(default)]
    pub scopes_all: Vec<String>,
    /// Scopes of which at least one must be granted, when non-empty. Default: none.
    #[serde(default)]
    pub scopes_any: Vec<String>,
    /// Roles of which at least one must be held, when non-empty. Default: none.
    #[serde(default)]
    pub roles_any: Vec<String>,
    /// A CEL expression that must evaluate to `true`; any evaluation error denies. Default: none.
    #[serde(default)]
    pub condition: Option<String>,
    /// Object-ownership rules (BOLA); each must hold. Default: none.
    #[serde(default)]
    pub ownership: Vec<OwnershipConfig>,
    /// Data classification of the operation, checked against `consumer_classes`. Default: none.
    #[serde(default)]
    pub classification: Option<String>,
    /// Count and audit a would-deny but let the request pass. Default false.
    #[serde(default)]
    pub dry_run: bool,
    /// Tokens this operation draws from each rate limit. Default 1.
    #[serde(default)]
    pub cost: Option<u64>,
}

/// Binds a request parameter to a claim of the caller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnershipConfig {
    /// Name of the parameter; for `body`, a JSON pointer into the JSON request body such as
    /// `/from` (an array there must hold only owned values). Required.
    pub param: String,
    /// Where the parameter is: `path`, `query`, `header` or `body`. Default `path`. A `body`
    /// rule makes authz read the request body (up to `max_body_bytes`) before deciding.
    #[serde(default)]
    pub r#in: ParamLocation,
    /// Claim it is compared with (`sub`, or a claim authn keeps, e.g. `accounts`). Required.
    pub claim: String,
    /// `equals`: the claim is the value; `member`: the claim is a list holding the value.
    /// Default `equals`.
    #[serde(default)]
    pub r#match: OwnershipMatch,
    /// Roles that bypass this rule (support staff, administrators). Default: none.
    #[serde(default)]
    pub bypass_roles: Vec<String>,
}

/// Where an ownership parameter is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamLocation {
    #[default]
    Path,
    Query,
    Header,
    Body,
}

/// How an ownership parameter is compared with its claim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnershipMatch {
    #[default]
    Equals,
    Member,
}

/// Consumer classes (public, partner, internal…) and the classifications each may reach.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerClasses {
    /// Claim naming the caller's class. Default `consumer_class`.
    #[serde(default = "default_class_claim")]
    pub claim: String,
    /// Class of a caller whose token has no such claim. Default `public`.
    #[serde(default = "default_class")]
    pub default_class: String,
    /// For each class, the classifications it may reach. An unknown class reaches none.
    pub allowed: BTreeMap<String, Vec<String>>,
    /// Classification of operations that declare none. Default `internal`, so that an
    /// unclassified operation is not exposed to public consumers by accident.
    #[serde(default = "default_classification")]
    pub default_classification: String,
}

/// One token-bucket limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Name shown in `RateLimit-Policy`; `[a-z0-9_-]`, unique. Required.
    pub name: String,
    /// What a bucket belongs to: `principal`, `api_key`, `source_address`, `operation`.
    pub key: RateLimitKey,
    /// Requests (cost units) per window. Required, at least 1.
    pub requests: u64,
    /// Window in seconds; the bucket refills evenly over it. Required, at least 1.
    pub window_seconds: u64,
    /// Operations (by operationId) the limit applies to. Default: all.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Buckets kept in shared data for this limit (bounds memory). Default 4096.
    #[serde(default = "default_slots")]
    pub slots: u64,
}

/// What one bucket is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitKey {
    Principal,
    ApiKey,
    SourceAddress,
    Operation,
}

fn default_realm() -> String {
    "palisade".to_string()
}

fn default_class_claim() -> String {
    "consumer_class".to_string()
}

fn default_class() -> String {
    "public".to_string()
}

fn default_classification() -> String {
    "internal".to_string()
}

fn default_max_body_bytes() -> usize {
    65536
}

fn default_slots() -> u64 {
    4096
}
