//! Consumer classes against data classifications (NIST AC-21).

use crate::config::ConsumerClasses;
use palisade_shared::principal::Principal;
use serde_json::Value;

/// The caller's class: its claim when it is a string, the default class otherwise.
pub fn class_of<'a>(classes: &'a ConsumerClasses, principal: &'a Principal) -> &'a str {
    match principal.claims.get(&classes.claim) {
        Some(Value::String(class)) => class,
        _ => &classes.default_class,
    }
}

/// Whether a caller of its class may reach an operation of this classification.
pub fn may_reach(
    classes: &ConsumerClasses,
    principal: &Principal,
    classification: Option<&str>,
) -> bool {
    let classification = classification.unwrap_or(&classes.default_classification);
    classes
        .allowed
        .get(class_of(classes, principal))
        .is_some_and(|reachable| reachable.iter().any(|c| c == classification))
}
