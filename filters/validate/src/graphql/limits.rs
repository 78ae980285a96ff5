//! An endpoint's limits and cost model, and the check of a summary against them.

use super::analysis::Summary;
use super::ast::Value;
use serde_json::Map;
use std::collections::BTreeMap;

/// The bounds one endpoint sets on every document it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: u64,
    pub max_aliases: u64,
    pub max_root_fields: u64,
    pub max_directives: u64,
    pub max_tokens: usize,
    pub max_batch: usize,
    pub max_cost: u64,
}

impl Limits {
    /// The first bound an operation's summary breaks, as a reason for the client.
    pub fn check(&self, summary: &Summary) -> Result<(), String> {
        let bounds = [
            ("depth", summary.depth, self.max_depth),
            ("aliases", summary.aliases, self.max_aliases),
            ("root fields", summary.fields, self.max_root_fields),
            ("directives", summary.directives, self.max_directives),
            ("cost", summary.cost, self.max_cost),
        ];
        for (what, found, limit) in bounds {
            if found > limit {
                return Err(format!("{what} {found} exceeds the limit of {limit}"));
            }
        }
        Ok(())
    }
}

/// How much a field costs: its weight (default 1), plus its children's cost times the list
/// size its arguments ask for (`first: 50`), 1 where it asks for none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Costing {
    pub weights: BTreeMap<String, u64>,
    /// Argument names that size a list, e.g. `first`, `last`, `limit`.
    pub list_arguments: Vec<String>,
    /// The size assumed when such an argument's value is not a known non-negative integer.
    pub unresolved_list_size: u64,
}

impl Costing {
    pub fn weight(&self, field: &str) -> u64 {
        self.weights.get(field).copied().unwrap_or(1)
    }

    /// The largest list size the field's arguments ask for; 1 when none sizes a list.
    pub fn list_size(
        &self,
        arguments: &[(String, Value)],
        variables: &Map<String, serde_json::Value>,
        defaults: &[(String, Value)],
    ) -> u64 {
        arguments
            .iter()
            .filter(|(name, _)| self.list_arguments.contains(name))
            .map(|(_, value)| self.size_of(value, variables, defaults))
            .max()
            .unwrap_or(1)
    }

    fn size_of(
        &self,
        value: &Value,
        variables: &Map<String, serde_json::Value>,
        defaults: &[(String, Value)],
    ) -> u64 {
        let literal = |value: &Value| match value {
            Value::Int(n) => *n,
            Value::Variable(_) | Value::Other => None,
        };
        let resolved = match value {
            Value::Variable(name) => match variables.get(name) {
                Some(given) => given.as_i64(),
                None => defaults
                    .iter()
                    .find(|(known, _)| known == name)
                    .and_then(|(_, default)| literal(default)),
            },
            other => literal(other),
        };
        resolved
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(self.unresolved_list_size)
    }
}
