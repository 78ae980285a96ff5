//! The output configuration as operators write it, and its compiled form.

use crate::plan::{Compiler, Plans};
use crate::responses::{self, ResponsePlans};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::{Inventory, Operation};
use serde::Deserialize;

/// Default `max_body_bytes`: 1 MiB minus 64 KiB, below Envoy's default per-connection buffer
/// limit of 1 MiB so that the filter, not Envoy, decides what happens to larger bodies.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024 - 64 * 1024;
const _: () = assert!(DEFAULT_MAX_BODY_BYTES < 1024 * 1024);
/// Largest `max_body_bytes` accepted. A higher value needs a matching
/// `per_connection_buffer_limit_bytes` on the listener and cluster, or Envoy resets the stream.
pub const MAX_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Top-level configuration of the output filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's OpenAPI 3.x document. Required. For each operation, the JSON responses whose
    /// status and media type declare a schema are filtered: properties the schema does not
    /// declare are removed before the response leaves. Declared media types without a schema
    /// (or not JSON) pass unchanged. A body the document does not describe (status or media
    /// type not declared) never leaves: an error status keeps its status with a generic
    /// problem document, any other is withheld with a 502.
    pub openapi: serde_json::Value,
    /// Largest response body, in bytes, that is filtered. Default 983040 (1 MiB − 64 KiB);
    /// between 1 and 16 MiB. Security effect: a body that should be filtered but is larger is
    /// never passed on; it is replaced by a 502 problem document (fail closed).
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Whether every response gets `x-content-type-options: nosniff` and
    /// `cache-control: no-store`, and loses `server` and `x-powered-by`. Default true.
    /// Security effect: off lets upstream software versions show and lets caches keep
    /// responses that carry personal data.
    #[serde(default = "default_security_headers")]
    pub security_headers: bool,
    /// Operations whose undescribed responses pass unchanged instead of being replaced, each
    /// named by its `operationId` or as `METHOD /template` (e.g. `GET /accounts/{accountId}`).
    /// Default empty: every operation is strict. Declared JSON responses of these operations
    /// are still pruned. Security effect: an undeclared status or media type of a listed
    /// operation (an upstream's 500 page with internals, a differently labelled document)
    /// reaches the client as the upstream sent it.
    #[serde(default)]
    pub pass_undeclared_responses: Vec<String>,
}

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

fn default_security_headers() -> bool {
    true
}

/// The configuration compiled: the inventory and a response plan per operation.
#[derive(Debug, Clone)]
pub struct Filter {
    pub inventory: Inventory,
    pub plans: Plans,
    /// Parallel to `inventory.operations`.
    responses: Vec<ResponsePlans>,
    pub max_body_bytes: usize,
    pub security_headers: bool,
    /// Parallel to `inventory.operations`: whether undescribed responses pass.
    passes_undeclared: Vec<bool>,
}

impl Filter {
    pub fn compile(config: Config) -> Result<Filter, ConfigError> {
        if !(1..=MAX_MAX_BODY_BYTES).contains(&config.max_body_bytes) {
            return Err(ConfigError::new(
                "max_body_bytes",
                format!("must be between 1 and {MAX_MAX_BODY_BYTES}"),
            ));
        }
        let inventory = Inventory::load(config.openapi, "openapi")?;
        let document = inventory.document.clone();
        let mut compiler = Compiler::new(&document);
        let responses = inventory
            .operations
            .iter()
            .map(|operation| responses::compile(&mut compiler, &document, operation, "openapi"))
            .collect::<Result<Vec<_>, _>>()?;
        let plans = compiler.finish();
        let passes_undeclared = relaxed(&inventory, &config.pass_undeclared_responses)?;
        Ok(Filter {
            inventory,
            plans,
            responses,
            max_body_bytes: config.max_body_bytes,
            security_headers: config.security_headers,
            passes_undeclared,
        })
    }

    /// Index of the operation in the inventory, for streams to remember.
    pub fn index_of(&self, operation: &Operation) -> Option<usize> {
        self.inventory
            .operations
            .iter()
            .position(|o| std::ptr::eq(o, operation))
    }

    /// Index of the operation with this method and path template.
    pub fn index_by_template(&self, method: &str, template: &str) -> Option<usize> {
        self.inventory
            .operations
            .iter()
            .position(|o| o.method == method && o.template.as_str() == template)
    }

    pub fn responses_at(&self, index: usize) -> Option<&ResponsePlans> {
        self.responses.get(index)
    }

    /// Whether the operation at `index` lets undescribed responses pass.
    pub fn passes_undeclared(&self, index: usize) -> bool {
        self.passes_undeclared.get(index).copied().unwrap_or(false)
    }
}

/// Marks the operations named in `pass_undeclared_responses`; a name that matches no operation
/// is refused, so that a typo shows at start-up, not as a strict operation in production.
fn relaxed(inventory: &Inventory, names: &[String]) -> Result<Vec<bool>, ConfigError> {
    let mut marks = vec![false; inventory.operations.len()];
    for (i, name) in names.iter().enumerate() {
        let index = inventory
            .operations
            .iter()
            .position(|o| names_operation(o, name))
            .ok_or_else(|| {
                ConfigError::new(
                    format!("pass_undeclared_responses[{i}]"),
                    "names no operation of the document (operationId or METHOD /template)",
                )
            })?;
        if let Some(mark) = marks.get_mut(index) {
            *mark = true;
        }
    }
    Ok(marks)
}

fn names_operation(operation: &Operation, name: &str) -> bool {
    if operation.operation_id.as_deref() == Some(name) {
        return true;
    }
    name.split_once(' ').is_some_and(|(method, template)| {
        method.eq_ignore_ascii_case(&operation.method) && template == operation.template.as_str()
    })
}
