//! Object keywords: sizes, `required`, `dependentRequired`, `propertyNames`, the member
//! applicators and `unevaluatedProperties`.

use super::check::{ChildToken, Walker};
use super::evaluated::Evaluated;
use super::finding::Kind;
use super::report::Report;
use super::rules::{Node, ObjectRules, SchemaId};
use serde_json::{Map, Value};

pub fn check_object(
    walker: &mut Walker<'_>,
    rules: &ObjectRules,
    members: &Map<String, Value>,
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    if let Some(min) = rules.min_properties.filter(|min| members.len() < *min) {
        let reason = format!("must have at least {min} properties");
        report.fail(&walker.pointer, Kind::Size, reason);
    }
    if let Some(max) = rules.max_properties.filter(|max| members.len() > *max) {
        let reason = format!("must have at most {max} properties");
        report.fail(&walker.pointer, Kind::Size, reason);
    }
    for name in &rules.required {
        if !members.contains_key(name) {
            fail_member(
                walker,
                name,
                report,
                Kind::Required,
                "required property is missing",
            );
        }
    }
    for (name, needed) in &rules.dependent_required {
        if !members.contains_key(name) {
            continue;
        }
        for other in needed.iter().filter(|other| !members.contains_key(*other)) {
            let reason = format!("required when {} is present", shorten(name));
            fail_member(walker, other, report, Kind::Required, reason);
        }
    }
    if rules.declares_members() {
        evaluated.declare();
    }
    for (index, (key, value)) in members.iter().enumerate() {
        if let Some(names) = rules.property_names {
            check_name(walker, names, key, report);
        }
        if check_member(walker, rules, key, value, report) {
            evaluated.mark(index);
        }
    }
    if rules.additional.is_some() {
        evaluated.mark_all();
    }
}

/// `propertyNames`: the member's name, as a string, against the schema.
fn check_name(walker: &mut Walker<'_>, names: SchemaId, key: &str, report: &mut Report) {
    if walker
        .matches(names, &Value::String(key.to_string()))
        .is_none()
    {
        fail_member(
            walker,
            key,
            report,
            Kind::Unknown,
            "property name is not allowed",
        );
    }
}

/// Applies `properties`, then matching `patternProperties`, and `additionalProperties` to a
/// member named by neither. Returns whether `properties` or a pattern evaluated it.
fn check_member(
    walker: &mut Walker<'_>,
    rules: &ObjectRules,
    key: &str,
    value: &Value,
    report: &mut Report,
) -> bool {
    let declared = rules.properties.get(key);
    if let Some(schema) = declared {
        walker.check_child(ChildToken::Key(key), *schema, value, report);
    }
    let mut patterned = false;
    for (pattern, schema) in &rules.pattern_properties {
        if pattern.is_match(key) {
            patterned = true;
            walker.check_child(ChildToken::Key(key), *schema, value, report);
        }
    }
    let named = declared.is_some() || patterned;
    if let Some(additional) = rules.additional.filter(|_| !named) {
        check_extra(walker, additional, key, value, report);
    }
    named
}

/// A member left to `additionalProperties` or `unevaluatedProperties`.
fn check_extra(
    walker: &mut Walker<'_>,
    id: SchemaId,
    key: &str,
    value: &Value,
    report: &mut Report,
) {
    if matches!(walker.tree().node(id), Some(Node::Nothing)) {
        fail_member(
            walker,
            key,
            report,
            Kind::Unknown,
            "property is not allowed",
        );
    } else {
        walker.check_child(ChildToken::Key(key), id, value, report);
    }
}

/// `unevaluatedProperties`: every member nothing else evaluated, composition included.
pub fn check_unevaluated(
    walker: &mut Walker<'_>,
    id: SchemaId,
    members: &Map<String, Value>,
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    for (index, (key, value)) in members.iter().enumerate() {
        if !evaluated.is_marked(index) {
            check_extra(walker, id, key, value, report);
        }
    }
    evaluated.mark_all();
}

fn fail_member(
    walker: &mut Walker<'_>,
    name: &str,
    report: &mut Report,
    kind: Kind,
    reason: impl Into<String>,
) {
    let mark = walker.pointer.push(name);
    report.fail(&walker.pointer, kind, reason);
    walker.pointer.restore(mark);
}

/// A schema-defined name for a reason: at most 40 characters.
fn shorten(name: &str) -> String {
    name.chars().take(40).collect()
}
