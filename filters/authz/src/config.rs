//! The authz configuration as operators write it.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Top-level configuration of the authz filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's OpenAPI 3.x document. Its operations form the inventory and their `security`
    /// requirements the default policy. Default: none; then `operations` must be given.
    #[serde(default)]
    pub openapi: Option<serde_json::Value>,
    /// Operations written in the config instead of (or in addition to) the document.
    /// Default: none.
    #[serde(default)]
    pub operations: Vec<OperationConfig>,
    /// Policies by `operationId`, overriding what the document says. Default: none.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyConfig>,
    /// Realm named in `WWW-Authenticate` challenges. Default `palisade`.
    #[serde(default = "default_realm")]
    pub realm: String,
}

/// One operation written in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationConfig {
    /// HTTP method, e.g. `GET`; case-insensitive. Required.
    pub method: String,
    /// OpenAPI path template, e.g. `/accounts/{accountId}`. Required.
    pub path: String,
    /// Identifier used in audit records and in `policies`. Default: none.
    #[serde(default)]
    pub operation_id: Option<String>,
    /// The policy; absent means no policy covers the operation, so it is denied.
    #[serde(default)]
    pub policy: Option<PolicyConfig>,
}

/// Who may call an operation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Callable without credentials. Default false. Security effect: anyone may call it.
    #[serde(default)]
    pub public: bool,
    /// Scopes that must all be granted. Default: none.
    #[serde(default)]
    pub scopes_all: Vec<String>,
    /// Scopes of which at least one must be granted (when non-empty). Default: none.
    #[serde(default)]
    pub scopes_any: Vec<String>,
}

fn default_realm() -> String {
    "palisade".to_string()
}
