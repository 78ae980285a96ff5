//! One GraphQL endpoint's configuration (`graphql` in the filter's configuration), checked and
//! compiled once.

use super::limits::{Costing, Limits};
use super::parser::MAX_NESTING;
use super::persisted::{Persisted, RawPersisted};
use palisade_shared::config::ConfigError;
use palisade_shared::template::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One endpoint as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// Path template of the endpoint, e.g. `/graphql`. Required. GET (`?query=`) and POST
    /// (`application/json`, `application/graphql`) requests to it are checked; other methods
    /// get 405 and other media types 415.
    path: String,
    /// Deepest field nesting, fragments expanded. Default 10, at most 64.
    #[serde(default = "defaults::depth")]
    max_depth: u64,
    /// Most aliased fields per operation (alias amplification). Default 15.
    #[serde(default = "defaults::aliases")]
    max_aliases: u64,
    /// Most fields at the root of an operation. Default 10.
    #[serde(default = "defaults::root_fields")]
    max_root_fields: u64,
    /// Most directives per operation (directive overloading). Default 20.
    #[serde(default = "defaults::directives")]
    max_directives: u64,
    /// Most tokens per document; the lexer stops there. Default 2000.
    #[serde(default = "defaults::tokens")]
    max_tokens: usize,
    /// Most operations in one batched (JSON array) request. Default 1: batching off.
    #[serde(default = "defaults::batch")]
    max_batch: usize,
    /// Highest cost of a request, a batch summed. Default 1000. A field costs its weight plus
    /// its children's cost times the list size its arguments ask for.
    #[serde(default = "defaults::cost")]
    max_cost: u64,
    /// Weight per field name. Default 1 for every field.
    #[serde(default)]
    field_weights: BTreeMap<String, u64>,
    /// Argument names that size a list. Default `first`, `last`, `limit`.
    #[serde(default = "defaults::list_arguments")]
    list_size_arguments: Vec<String>,
    /// List size assumed when such an argument is not a known non-negative integer (a
    /// variable left out, a negative number). Default 100: pessimistic, so the cost holds.
    #[serde(default = "defaults::unresolved")]
    unresolved_list_size: u64,
    /// Allow introspection (`__schema`, `__type`). Default false: it maps the whole API for an
    /// attacker.
    #[serde(default)]
    introspection: bool,
    /// Only documents on this list are accepted. Default: any document within the limits.
    #[serde(default)]
    persisted_queries: Option<RawPersisted>,
}

mod defaults {
    pub fn depth() -> u64 {
        10
    }
    pub fn aliases() -> u64 {
        15
    }
    pub fn root_fields() -> u64 {
        10
    }
    pub fn directives() -> u64 {
        20
    }
    pub fn tokens() -> usize {
        2000
    }
    pub fn batch() -> usize {
        1
    }
    pub fn cost() -> u64 {
        1000
    }
    pub fn list_arguments() -> Vec<String> {
        ["first", "last", "limit"].map(String::from).to_vec()
    }
    pub fn unresolved() -> u64 {
        100
    }
}

/// One endpoint, compiled.
#[derive(Debug)]
pub struct Endpoint {
    pub template: Template,
    pub limits: Limits,
    pub costing: Costing,
    pub introspection: bool,
    pub persisted: Option<Persisted>,
}

impl RawEndpoint {
    pub fn compile(self, at: &str) -> Result<Endpoint, ConfigError> {
        let template = Template::parse(&self.path)
            .map_err(|error| ConfigError::new(format!("{at}.path"), error.0))?;
        self.check_bounds(at)?;
        let persisted = self
            .persisted_queries
            .map(|raw| raw.compile(&format!("{at}.persisted_queries")))
            .transpose()?;
        Ok(Endpoint {
            template,
            limits: Limits {
                max_depth: self.max_depth,
                max_aliases: self.max_aliases,
                max_root_fields: self.max_root_fields,
                max_directives: self.max_directives,
                max_tokens: self.max_tokens,
                max_batch: self.max_batch,
                max_cost: self.max_cost,
            },
            costing: Costing {
                weights: self.field_weights,
                list_arguments: self.list_size_arguments,
                unresolved_list_size: self.unresolved_list_size,
            },
            introspection: self.introspection,
            persisted,
        })
    }

    /// Zero aliases or directives may be wanted; zero of the others would refuse everything.
    fn check_bounds(&self, at: &str) -> Result<(), ConfigError> {
        let at_least_one = [
            ("max_depth", self.max_depth),
            ("max_root_fields", self.max_root_fields),
            ("max_tokens", self.max_tokens as u64),
            ("max_batch", self.max_batch as u64),
            ("max_cost", self.max_cost),
        ];
        if let Some((field, _)) = at_least_one.iter().find(|(_, value)| *value == 0) {
            return Err(ConfigError::new(
                format!("{at}.{field}"),
                "must be at least 1",
            ));
        }
        if self.max_depth > MAX_NESTING as u64 {
            let why = format!("must be at most {MAX_NESTING}");
            return Err(ConfigError::new(format!("{at}.max_depth"), why));
        }
        Ok(())
    }
}
