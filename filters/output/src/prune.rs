//! Applying a plan to a response document: undeclared properties go, everything else stays.

use crate::plan::{Node, NodeId, Plans};
use serde_json::Value;
use std::collections::BTreeMap;

/// What an unknown node id lets through: no property, at any depth. Never reached with a plan
/// from the compiler; it makes a broken plan remove data rather than keep it.
static CLOSED: Node = Node {
    keeps_all: false,
    write_only: false,
    properties: BTreeMap::new(),
    extras: None,
    items: NodeId::MAX,
};

/// Why a response body could not be filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// The body is not one JSON document.
    NotJson,
    /// The body is larger than `max_body_bytes`.
    TooLarge,
    /// The response is compressed, so its JSON cannot be read.
    Encoded,
}

impl BodyError {
    /// Stable reason, used as the decision reason and in the problem document.
    pub fn reason(self) -> &'static str {
        match self {
            BodyError::NotJson => "response-not-json",
            BodyError::TooLarge => "response-too-large",
            BodyError::Encoded => "response-encoded",
        }
    }
}

/// A rewritten body and how many properties were removed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub body: Vec<u8>,
    pub removed: u64,
}

/// Parses `body`, prunes it with the plan rooted at `root` and serialises it again.
///
/// Key order follows serde_json's map (sorted); numbers beyond `f64` and `u64`/`i64` precision
/// are rounded by the parser, which is the price of re-serialising.
pub fn rewrite(plans: &Plans, root: NodeId, body: &[u8]) -> Result<Rewritten, BodyError> {
    let mut document: Value = serde_json::from_slice(body).map_err(|_| BodyError::NotJson)?;
    let removed = prune(plans, root, &mut document);
    let body = serde_json::to_vec(&document).map_err(|_| BodyError::NotJson)?;
    Ok(Rewritten { body, removed })
}

/// Removes from `value` every property the node at `id` does not let through; returns how many.
///
/// Recursion follows the document, whose depth serde_json bounds at 128 levels.
pub fn prune(plans: &Plans, id: NodeId, value: &mut Value) -> u64 {
    let node = plans.node(id).unwrap_or(&CLOSED);
    if node.keeps_all {
        return 0;
    }
    match value {
        Value::Object(map) => {
            let mut removed = 0;
            map.retain(|name, child| {
                let keep = node
                    .property(name)
                    .filter(|child_id| plans.node(*child_id).is_some_and(|n| !n.write_only));
                match keep {
                    Some(child_id) => {
                        removed += prune(plans, child_id, child);
                        true
                    }
                    None => {
                        removed += 1;
                        false
                    }
                }
            });
            removed
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| prune(plans, node.items, item))
            .sum(),
        _ => 0,
    }
}
