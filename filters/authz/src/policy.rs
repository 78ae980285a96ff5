//! The compiled policy: the operation inventory and, for each operation, who may call it.

use crate::config::{Config, OperationConfig, PolicyConfig};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::{Inventory, Operation, Security};
use palisade_shared::template::Template;
use serde_json::json;

/// Scopes that together satisfy a rule: all of `all`, and one of `any` when it is non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    pub all: Vec<String>,
    pub any: Vec<String>,
}

/// Who may call one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// No policy covers the operation: every caller is refused.
    Deny,
    /// Anyone, with or without credentials.
    Public,
    /// An authenticated caller meeting any one alternative.
    Scopes(Vec<Alternative>),
}

/// Immutable after configuration; shared by every stream of a worker.
#[derive(Debug)]
pub struct Policy {
    pub inventory: Inventory,
    /// The rule of `inventory.operations[i]`, same order.
    pub rules: Vec<Rule>,
    pub realm: String,
}

impl Policy {
    pub fn compile(config: Config) -> Result<Policy, ConfigError> {
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
        let rules = rules_for(&inventory, &config)?;
        Ok(Policy {
            inventory,
            rules,
            realm: config.realm.clone(),
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

fn rules_for(inventory: &Inventory, config: &Config) -> Result<Vec<Rule>, ConfigError> {
    let policies = &config.policies;
    for name in policies.keys() {
        let known = inventory
            .operations
            .iter()
            .any(|operation| operation.operation_id.as_deref() == Some(name.as_str()));
        if !known {
            return Err(ConfigError::new(
                format!("policies.{name}"),
                "names no operation of the inventory",
            ));
        }
    }
    Ok(inventory
        .operations
        .iter()
        .map(|operation| {
            let by_id = operation
                .operation_id
                .as_ref()
                .and_then(|id| policies.get(id));
            match by_id.or_else(|| written_policy(config, operation)) {
                Some(policy) => rule_from_policy(policy),
                None => rule_from_security(&operation.security),
            }
        })
        .collect())
}

fn rule_from_policy(policy: &PolicyConfig) -> Rule {
    if policy.public {
        return Rule::Public;
    }
    Rule::Scopes(vec![Alternative {
        all: policy.scopes_all.clone(),
        any: policy.scopes_any.clone(),
    }])
}

fn rule_from_security(security: &Security) -> Rule {
    match security {
        Security::Unspecified => Rule::Deny,
        Security::Public => Rule::Public,
        Security::Scopes(alternatives) if alternatives.is_empty() => Rule::Deny,
        Security::Scopes(alternatives) => Rule::Scopes(
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
