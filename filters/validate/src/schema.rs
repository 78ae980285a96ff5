//! A JSON Schema validator for request bodies: the 2020-12 keywords OpenAPI 3.1 uses.
//!
//! [`Compiler`] turns the schemas of an OpenAPI document into a [`Tree`] at configure time: an
//! arena of immutable nodes in which every `$ref` is an index, so shared and recursive schemas
//! are compiled once. [`Tree::validate`] walks a parsed body against one node and reports each
//! violation as a JSON pointer with a short reason that never quotes the body. Keywords this
//! validator does not know are ignored, as JSON Schema asks.
//!
//! Annotations (which members and items were evaluated) flow up through `$ref`, `allOf`, the
//! passing branches of `anyOf`/`oneOf`, `if`/`then`/`else` and `dependentSchemas`, so
//! `unevaluatedProperties`/`unevaluatedItems` and the default closure of objects
//! (`reject_additional_properties`) cannot be opened by composition.
//!
//! Limitation: `$dynamicRef` and `$id`-based references are not applied, so a schema relying on
//! them accepts more than it says (`$ref`s into the document and the bundled documents work).

mod applicators;
mod check;
mod check_arrays;
mod check_objects;
mod check_values;
mod compile;
mod equal;
mod evaluated;
pub mod finding;
mod format;
mod number;
mod read;
mod report;
mod rules;
mod shape;

#[cfg(test)]
mod tests;

pub use compile::Compiler;
pub use finding::{Finding, Kind};
pub use rules::{SchemaId, Types};
pub use shape::{Category, Shape};

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

    /// Whether the schema is `true` or `{}`.
    pub fn accepts_anything(&self, id: SchemaId) -> bool {
        matches!(self.node(id), Some(Node::Any))
    }

    /// A schema every value satisfies (the compiler's first node).
    pub fn anything(&self) -> SchemaId {
        SchemaId(0)
    }

    /// Every violation of `value` against schema `root`, at most `cap` of them; empty when
    /// the value is valid. Objects stay open where their schema does not close them.
    pub fn validate(&self, root: SchemaId, value: &Value, cap: usize) -> Vec<Violation> {
        let findings = self.findings(root, value, &Place::body(false), cap);
        findings.iter().map(Finding::violation).collect()
    }

    /// Every violation of `value`, found at `place`, against schema `root`; at most `cap`.
    pub fn findings(
        &self,
        root: SchemaId,
        value: &Value,
        place: &Place<'_>,
        cap: usize,
    ) -> Vec<Finding> {
        let mut report = Report::new(cap.max(1));
        let mut walker = Walker::new(self, place.close_objects);
        for token in place.prefix {
            walker.pointer.push(token);
        }
        walker.check_place(root, value, &mut report);
        if walker.is_exhausted() {
            // The verdict of a cut-short walk is unknown, so it is a refusal whatever it found.
            let mut cut = Report::new(1);
            cut.fail(
                &Pointer::default(),
                Kind::Complexity,
                "too complex to validate",
            );
            return cut.into_findings();
        }
        report.into_findings()
    }
}

/// A JSON pointer from tokens, each escaped as in violations (`/query/a~1b`).
pub fn pointer(tokens: &[&str]) -> String {
    let mut pointer = Pointer::default();
    for token in tokens {
        pointer.push(token);
    }
    pointer.reported()
}

/// Where a validated value sits in the request, and how strictly objects are read.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// Pointer tokens before the value's own, e.g. `["query", "limit"]`; none for a body.
    pub prefix: &'a [&'a str],
    /// `reject_additional_properties`: an object whose schemas declare `properties` accepts
    /// no member that none of them evaluated.
    pub close_objects: bool,
}

impl Place<'static> {
    pub fn body(close_objects: bool) -> Place<'static> {
        Place {
            prefix: &[],
            close_objects,
        }
    }
}
