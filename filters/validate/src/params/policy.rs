//! The strictness switches, globally and per operation, resolved once per operation.

use super::ParamPolicy;
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::{Inventory, Operation};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What happens to a query parameter the operation does not declare.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownQuery {
    /// 400 with `/query/<name>`: nothing undeclared reaches the upstream (the default).
    #[default]
    Refuse,
    /// Passed on unchecked.
    Allow,
}

/// Overrides for one operation, named by `operationId` or `"METHOD /template"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperationPolicy {
    /// Overrides the global `unknown_query_parameters` for this operation.
    #[serde(default)]
    pub unknown_query_parameters: Option<UnknownQuery>,
    /// Overrides the global `reject_additional_properties` for this operation.
    #[serde(default)]
    pub reject_additional_properties: Option<bool>,
}

/// Each operation's policy, in the inventory's order; every override must name an operation.
pub fn resolve(
    inventory: &Inventory,
    unknown_query: UnknownQuery,
    close_objects: bool,
    overrides: &BTreeMap<String, RawOperationPolicy>,
) -> Result<Vec<ParamPolicy>, ConfigError> {
    for key in overrides.keys() {
        if !inventory.operations.iter().any(|op| names(op, key)) {
            let field = format!("operations.{key}");
            return Err(ConfigError::new(
                field,
                "names no operation of the document",
            ));
        }
    }
    let policies = inventory.operations.iter().map(|operation| {
        let own = overrides
            .iter()
            .find(|(key, _)| names(operation, key))
            .map(|(_, policy)| policy.clone())
            .unwrap_or_default();
        ParamPolicy {
            allow_unknown_query: own.unknown_query_parameters.unwrap_or(unknown_query)
                == UnknownQuery::Allow,
            close_objects: own.reject_additional_properties.unwrap_or(close_objects),
        }
    });
    Ok(policies.collect())
}

/// Whether `key` is the operation's id or its `METHOD /template`.
fn names(operation: &Operation, key: &str) -> bool {
    operation.operation_id.as_deref() == Some(key)
        || key.split_once(' ').is_some_and(|(method, template)| {
            method.eq_ignore_ascii_case(&operation.method)
                && template == operation.template.as_str()
        })
}
