//! A JSON Schema validator for request bodies: the 2020-12 keywords OpenAPI 3.1 uses.
//!
//! [`Compiler`] turns the schemas of an OpenAPI document into a [`Tree`] at configure time: an
//! arena of immutable nodes in which every `$ref` is an index, so shared and recursive schemas
//! are compiled once. [`Tree::validate`] walks a parsed body against one node and reports each
//! violation as a JSON pointer with a short reason that never quotes the body. Keywords this
//! validator does not know are ignored, as JSON Schema asks.
//!
//! Limitation: `unevaluatedProperties`, `unevaluatedItems`, `contains`, `propertyNames`,
//! `dependentRequired`/`dependentSchemas`, `if`/`then`/`else`, `$dynamicRef` and `$id`-based
//! references are not applied yet, so a schema relying on them accepts more than it says.

mod check;
mod check_values;
mod compile;
mod equal;
mod format;
mod number;
mod read;
mod report;
mod rules;

#[cfg(test)]
mod tests;

pub use compile::Compiler;
pub use rules::SchemaId;

use check::Walker;
use palisade_shared::problem::Violation;
use report::{Pointer, Report};
use rules::Node;
use serde_json::Value;

/// Compiled schemas, indexed by [`SchemaId`]; immutable once built.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn node(&self, id: SchemaId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    /// Every violation of `value` against schema `root`, at most `cap` of them; empty when
    /// the value is valid.
    pub fn validate(&self, root: SchemaId, value: &Value, cap: usize) -> Vec<Violation> {
        let mut report = Report::new(cap.max(1));
        let mut walker = Walker::new(self);
        walker.check(root, value, &mut report);
        if walker.is_exhausted() {
            // The verdict of a cut-short walk is unknown, so it is a refusal whatever it found.
            let mut cut = Report::new(1);
            cut.fail(&Pointer::default(), "too complex to validate");
            return cut.into_violations();
        }
        report.into_violations()
    }
}
