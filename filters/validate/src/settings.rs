//! The filter's configuration: read strictly, checked, and compiled once in `on_configure`.

use crate::body::BodyRule;
use crate::multipart::{MultipartLimits, RawMultipart};
use crate::params::policy::{self, RawOperationPolicy, UnknownQuery};
use crate::params::{ParamPolicy, ParamRules};
use crate::protocols::Protocols;
use crate::schema::{Compiler, Tree};
use crate::ssrf::{RawAllowlist, UrlPolicies};
use crate::{graphql, grpc, websocket};
use palisade_shared::config::{self, ConfigError};
use palisade_shared::json::Limits;
use palisade_shared::openapi::{Inventory, Operation};
use palisade_shared::path::PathOptions;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Envoy's default `per_connection_buffer_limit_bytes`; our own limit must answer first.
pub const ENVOY_BUFFER_LIMIT: usize = 1024 * 1024;
/// serde_json's own nesting limit; a deeper guard limit could never be reached.
const MAX_JSON_DEPTH: usize = 128;

/// The configuration as written (JSON in the plugin's `configuration` string).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// The OpenAPI 3.0 or 3.1 document (a JSON object, or its JSON or YAML text) whose
    /// operations' parameters and `requestBody`s are enforced. Required. Operations without a
    /// `requestBody` accept no body at all.
    openapi: Value,
    /// Further documents the contract's `$ref`s may name (`common.yaml#/components/...`), by
    /// name: each a JSON object or JSON or YAML text. Default none. A `$ref` to anything not
    /// bundled here refuses the configuration.
    #[serde(default)]
    documents: BTreeMap<String, Value>,
    /// Treat an object schema with `properties` and no `additionalProperties` (nor
    /// `unevaluatedProperties`) as closed: members no applied schema declares are refused
    /// (mass assignment). Default true; a schema that sets `additionalProperties` stays as
    /// written.
    #[serde(default = "default_true")]
    reject_additional_properties: bool,
    /// Query parameters an operation does not declare: `refuse` (default, 400) or `allow`.
    #[serde(default)]
    unknown_query_parameters: UnknownQuery,
    /// Per-operation overrides of the two switches above, keyed by `operationId` or
    /// `"METHOD /template"`. Default none; a key naming no operation refuses the configuration.
    #[serde(default)]
    operations: BTreeMap<String, RawOperationPolicy>,
    /// Bounds on `multipart/form-data` bodies.
    #[serde(default)]
    multipart: RawMultipart,
    /// Largest request body buffered and validated, in bytes. Default 65536. A larger body is
    /// refused with 413 before it is fully read. Must stay below Envoy's 1 MiB buffer limit.
    #[serde(default = "default_max_body_bytes")]
    max_body_bytes: usize,
    /// Bounds applied while parsing a JSON body, before any schema is looked at.
    #[serde(default)]
    json: RawLimits,
    /// How strictly request paths are read before the operation is looked up; keep it equal to
    /// authz's `path`. Default: every ambiguous form refused with 400, trailing slash
    /// significant. Only used when authz has not already matched the operation.
    #[serde(default)]
    path: PathOptions,
    /// Hold the request headers until the body has been judged, so that nothing of a refused
    /// request reaches the upstream. Default false. Requires `allow_on_headers_stop_iteration:
    /// true` in this plugin's Envoy `PluginConfig`: without it Envoy never hands the body to the
    /// filter and every request with a body hangs. When false, the headers go on to the upstream
    /// while the body is buffered, and a refused body resets that upstream request.
    #[serde(default)]
    hold_request_headers: bool,
    /// Named allowlists of outbound URL destinations: a request-body string whose schema says
    /// `x-palisade-url-allowlist: <name>` (with `format: uri`) must be a URL to a scheme, host
    /// and port on that list, and never to a private, loopback, link-local or metadata address
    /// (SSRF). Default none; a schema naming an allowlist not defined here refuses the
    /// configuration.
    #[serde(default)]
    url_allowlists: BTreeMap<String, RawAllowlist>,
    /// GraphQL endpoints, each with its limits (depth, aliases, root fields, directives,
    /// tokens, batch size, cost), introspection switch and optional persisted-query allowlist.
    /// Default none.
    #[serde(default)]
    graphql: Vec<graphql::RawEndpoint>,
    /// WebSocket endpoints with their allowed origins and subprotocols. Default none: every
    /// upgrade request is refused with 403.
    #[serde(default)]
    websocket: Vec<websocket::RawEndpoint>,
    /// gRPC services (a protobuf descriptor set) whose request messages are checked. Default
    /// none: gRPC requests are judged like any other request.
    #[serde(default)]
    grpc: Option<grpc::RawGrpc>,
}

/// Bounds on a JSON body's shape; each refusal is a 400 with a pointer to the place.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawLimits {
    /// Deepest nesting of objects and arrays. Default 32, at most 128. Bounds the parser's and
    /// the validator's recursion.
    max_depth: usize,
    /// Most members in one object. Default 256. Bounds hash-flooding and per-object work.
    max_object_entries: usize,
    /// Most items in one array. Default 1024.
    max_array_items: usize,
    /// Longest string (or member name), in bytes. Default 65536.
    max_string_bytes: usize,
}

impl Default for RawLimits {
    fn default() -> Self {
        let limits = Limits::default();
        RawLimits {
            max_depth: limits.max_depth,
            max_object_entries: limits.max_object_entries,
            max_array_items: limits.max_array_items,
            max_string_bytes: limits.max_string_bytes,
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_max_body_bytes() -> usize {
    64 * 1024
}

/// The compiled configuration, shared read-only by every stream.
#[derive(Debug)]
pub struct Settings {
    pub inventory: Inventory,
    /// Each operation's body contract, in the order of `inventory.operations`.
    bodies: Vec<Option<BodyRule>>,
    /// Every request-body schema, compiled.
    pub schemas: Tree,
    pub max_body_bytes: usize,
    /// The JSON guard's bounds.
    pub limits: Limits,
    pub hold_request_headers: bool,
    pub path: PathOptions,
    /// Each operation's parameters and strictness, in the order of `inventory.operations`.
    params: Vec<(ParamRules, ParamPolicy)>,
    pub multipart: MultipartLimits,
    /// WebSocket, gRPC and GraphQL endpoints, checked before the contract.
    pub protocols: Protocols,
}

impl Settings {
    pub fn from_json(bytes: &[u8]) -> Result<Settings, ConfigError> {
        let raw: RawConfig = config::parse(bytes)?;
        if raw.max_body_bytes == 0 || raw.max_body_bytes >= ENVOY_BUFFER_LIMIT {
            let top = ENVOY_BUFFER_LIMIT - 1;
            let why = format!("must be between 1 and {top} (below Envoy's buffer limit)");
            return Err(ConfigError::new("max_body_bytes", why));
        }
        let limits = check_limits(&raw.json)?;
        let document = crate::document::load(raw.openapi, raw.documents)?;
        let inventory = Inventory::load(document, "openapi")?;
        let url_policies = UrlPolicies::compile(raw.url_allowlists, "url_allowlists")?;
        let (bodies, params, schemas) = compile_bodies(&inventory, url_policies)?;
        let protocols =
            Protocols::compile(raw.graphql, raw.websocket, raw.grpc, raw.max_body_bytes)?;
        let policies = policy::resolve(
            &inventory,
            raw.unknown_query_parameters,
            raw.reject_additional_properties,
            &raw.operations,
        )?;
        let multipart = raw.multipart.check(raw.max_body_bytes)?;
        Ok(Settings {
            inventory,
            bodies,
            schemas,
            max_body_bytes: raw.max_body_bytes,
            limits,
            hold_request_headers: raw.hold_request_headers,
            path: raw.path,
            params: params.into_iter().zip(policies).collect(),
            multipart,
            protocols,
        })
    }

    /// The operation with this method and path template, as authz names it in filter state.
    pub fn operation(&self, method: &str, template: &str) -> Option<&Operation> {
        self.inventory
            .operations
            .iter()
            .find(|op| op.method == method && op.template.as_str() == template)
    }

    /// The parameters and strictness of an operation found in this settings' inventory.
    pub fn params(&self, operation: &Operation) -> Option<&(ParamRules, ParamPolicy)> {
        let index = self
            .inventory
            .operations
            .iter()
            .position(|known| std::ptr::eq(known, operation))?;
        self.params.get(index)
    }

    /// The body contract of an operation found in this settings' inventory.
    pub fn body_rule(&self, operation: &Operation) -> Option<&BodyRule> {
        let index = self
            .inventory
            .operations
            .iter()
            .position(|known| std::ptr::eq(known, operation))?;
        self.bodies.get(index)?.as_ref()
    }
}

/// Every operation's body contract and parameters, with all their schemas compiled into one
/// tree.
#[allow(clippy::type_complexity)]
fn compile_bodies(
    inventory: &Inventory,
    url_policies: UrlPolicies,
) -> Result<(Vec<Option<BodyRule>>, Vec<ParamRules>, Tree), ConfigError> {
    let document = inventory.document.clone();
    let mut compiler = Compiler::new(&document, "openapi").with_url_policies(url_policies);
    let mut bodies = Vec::with_capacity(inventory.operations.len());
    let mut params = Vec::with_capacity(inventory.operations.len());
    for operation in &inventory.operations {
        let method = operation.method.to_ascii_lowercase();
        let at = format!("openapi.paths.{}.{method}", operation.template.as_str());
        bodies.push(BodyRule::compile(inventory, operation, &mut compiler, &at)?);
        params.push(ParamRules::compile(
            operation,
            &document,
            &mut compiler,
            &at,
        )?);
    }
    Ok((bodies, params, compiler.finish()))
}

fn check_limits(raw: &RawLimits) -> Result<Limits, ConfigError> {
    let fields = [
        ("json.max_depth", raw.max_depth, Some(MAX_JSON_DEPTH)),
        ("json.max_object_entries", raw.max_object_entries, None),
        ("json.max_array_items", raw.max_array_items, None),
        (
            "json.max_string_bytes",
            raw.max_string_bytes,
            Some(ENVOY_BUFFER_LIMIT),
        ),
    ];
    for (field, value, max) in fields {
        if value == 0 {
            return Err(ConfigError::new(field, "must be at least 1"));
        }
        if let Some(max) = max.filter(|max| value > *max) {
            return Err(ConfigError::new(field, format!("must be at most {max}")));
        }
    }
    Ok(Limits {
        max_depth: raw.max_depth,
        max_object_entries: raw.max_object_entries,
        max_array_items: raw.max_array_items,
        max_string_bytes: raw.max_string_bytes,
    })
}
