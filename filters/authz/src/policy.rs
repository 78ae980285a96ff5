//! The compiled policy: the operation inventory and, for each operation, its rule.

use crate::config::{Config, OperationConfig, PolicyConfig};
use crate::rule::{Access, Alternative, Deprecation, Rule};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::{Inventory, Operation, Security};
use palisade_shared::template::Template;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Extension in the OpenAPI document carrying a policy of the same shape as `policies`.
pub const POLICY_EXTENSION: &str = "x-palisade-policy";

/// The top-level policy and the per-route ones, chosen by the Envoy route's name.
#[derive(Debug)]
pub struct PolicySet {
    pub default: Rc<Policy>,
    pub routes: BTreeMap<String, Rc<Policy>>,
}

impl PolicySet {
    pub fn compile(mut config: Config) -> Result<PolicySet, ConfigError> {
        let route_configs = std::mem::take(&mut config.routes);
        let mut routes = BTreeMap::new();
        for (name, route_config) in route_configs {
            let field = format!("routes.{name}");
            if !route_config.routes.is_empty() {
                return Err(ConfigError::new(
                    format!("{field}.routes"),
                    "routes do not nest",
                ));
            }
            let policy = Policy::compile_scoped(route_config, &name)
                .map_err(|err| ConfigError::new(format!("{field}.{}", err.field), err.reason))?;
            routes.insert(name, Rc::new(policy));
        }
        Ok(PolicySet {
            default: Rc::new(Policy::compile(config)?),
            routes,
        })
    }

    /// The policy for a request on the named route.
    pub fn for_route(&self, route: Option<&str>) -> Rc<Policy> {
        route
            .and_then(|name| self.routes.get(name))
            .unwrap_or(&self.default)
            .clone()
    }
}

/// Immutable after configuration; shared by every stream of a worker.
#[derive(Debug)]
pub struct Policy {
    pub inventory: Inventory,
    /// The rule of `inventory.operations[i]`, same order.
    pub rules: Vec<Rule>,
    pub config: Config,
    /// The route this policy belongs to; empty for the top level. Rate-limit buckets are kept
    /// apart per scope.
    pub scope: String,
}

impl Policy {
    pub fn compile(config: Config) -> Result<Policy, ConfigError> {
        Self::compile_scoped(config, "")
    }

    pub fn compile_scoped(config: Config, scope: &str) -> Result<Policy, ConfigError> {
        let document = config
            .openapi
            .clone()
            .unwrap_or_else(|| json!({"openapi": "3.1.0", "paths": {}}));
        let mut inventory = Inventory::load(document, "openapi")?;
        for (index, operation) in config.operations.iter().enumerate() {
            let compiled = compile_operation(operation, index)?;
            let clash = inventory.operations.iter().any(|known| {
                known.method == compiled.method
                    && known.template.as_str() == compiled.template.as_str()
            });
            if clash {
                return Err(ConfigError::new(
                    format!("operations[{index}]"),
                    "declares an operation the document already has",
                ));
            }
            inventory.operations.push(compiled);
        }
        inventory
            .operations
            .sort_by_key(|operation| operation.template.specificity());
        crate::validate::check(&config, &inventory)?;
        let rules = inventory
            .operations
            .iter()
            .map(|operation| rule_for(&config, operation))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            inventory,
            rules,
            config,
            scope: scope.to_string(),
        })
    }
}

fn compile_operation(operation: &OperationConfig, index: usize) -> Result<Operation, ConfigError> {
    let field = format!("operations[{index}]");
    let method = operation.method.to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ConfigError::new(
            format!("{field}.method"),
            "must be an HTTP method",
        ));
    }
    let template = Template::parse(&operation.path)
        .map_err(|err| ConfigError::new(format!("{field}.path"), err.0))?;
    Ok(Operation {
        method,
        template,
        operation_id: operation.operation_id.clone(),
        security: Security::Unspecified,
        spec: json!({}),
        parameters: Vec::new(),
    })
}

/// Where an operation's policy comes from, first found wins: `policies[operationId]`, the
/// operation written in the config, the document's `x-palisade-policy`, the document's
/// `security`.
fn rule_for(config: &Config, operation: &Operation) -> Result<Rule, ConfigError> {
    let field = match &operation.operation_id {
        Some(id) => format!("policies.{id}"),
        None => format!(
            "operations.{} {}",
            operation.method,
            operation.template.as_str()
        ),
    };
    let by_id = operation
        .operation_id
        .as_ref()
        .and_then(|id| config.policies.get(id));
    let written = written_policy(config, operation);
    let extension = document_policy(operation, &field)?;
    let deprecation = Deprecation::from_operation(&operation.spec)
        .map_err(|why| ConfigError::new(format!("{field}.deprecation"), why))?;
    let (policy, access) = match by_id.or(written) {
        Some(policy) => (
            policy.clone(),
            access_of(policy, &Security::Scopes(Vec::new())),
        ),
        None => match extension {
            Some(policy) => {
                let fallback = match &operation.security {
                    Security::Unspecified => Security::Scopes(Vec::new()),
                    other => other.clone(),
                };
                let access = access_of(&policy, &fallback);
                (policy, access)
            }
            None => (
                PolicyConfig::default(),
                access_from_security(&operation.security),
            ),
        },
    };
    Rule::compile(policy, access, deprecation, &field)
}

/// The policy an operation written in the config carries, found by method and template.
fn written_policy<'a>(config: &'a Config, operation: &Operation) -> Option<&'a PolicyConfig> {
    config
        .operations
        .iter()
        .find(|written| {
            written.method.eq_ignore_ascii_case(&operation.method)
                && written.path == operation.template.as_str()
        })
        .and_then(|written| written.policy.as_ref())
}

/// The document's policy for an operation: `x-palisade-policy`, or the shorthands
/// `x-palisade-scopes`, `x-palisade-roles` and `x-palisade-classification`.
fn document_policy(
    operation: &Operation,
    field: &str,
) -> Result<Option<PolicyConfig>, ConfigError> {
    let spec = &operation.spec;
    let shorthand = SHORTHANDS.iter().any(|(name, _)| spec.get(name).is_some());
    let value = match spec.get(POLICY_EXTENSION) {
        Some(_) if shorthand => {
            return Err(ConfigError::new(
                field.to_string(),
                "x-palisade-policy cannot be combined with its shorthands",
            ))
        }
        Some(value) => value.clone(),
        None if shorthand => {
            let mut policy = serde_json::Map::new();
            for (name, key) in SHORTHANDS {
                if let Some(value) = spec.get(name) {
                    policy.insert(key.to_string(), value.clone());
                }
            }
            Value::Object(policy)
        }
        None => return Ok(None),
    };
    serde_json::from_value::<PolicyConfig>(value)
        .map(Some)
        .map_err(|err| ConfigError::new(format!("{field}.{POLICY_EXTENSION}"), err.to_string()))
}

/// Operation extensions that stand for one field of `x-palisade-policy`.
const SHORTHANDS: [(&str, &str); 3] = [
    ("x-palisade-scopes", "scopes_all"),
    ("x-palisade-roles", "roles_any"),
    ("x-palisade-classification", "classification"),
];

/// A policy's own scopes when it names any; otherwise what `fallback` says.
fn access_of(policy: &PolicyConfig, fallback: &Security) -> Access {
    if policy.public {
        return Access::Public;
    }
    if policy.scopes_all.is_empty() && policy.scopes_any.is_empty() {
        return match fallback {
            Security::Scopes(alternatives) if alternatives.is_empty() => {
                Access::Scopes(vec![Alternative::default()])
            }
            other => access_from_security(other),
        };
    }
    Access::Scopes(vec![Alternative {
        all: policy.scopes_all.clone(),
        any: policy.scopes_any.clone(),
    }])
}

fn access_from_security(security: &Security) -> Access {
    match security {
        Security::Unspecified => Access::Deny,
        Security::Public => Access::Public,
        Security::Scopes(alternatives) if alternatives.is_empty() => Access::Deny,
        Security::Scopes(alternatives) => Access::Scopes(
            alternatives
                .iter()
                .map(|scopes| Alternative {
                    all: scopes.clone(),
                    any: Vec::new(),
                })
                .collect(),
        ),
    }
}

/// Reads a string extension of an operation object.
pub fn extension<'a>(spec: &'a Value, name: &str) -> Option<&'a str> {
    spec.get(name).and_then(Value::as_str)
}
