//! The keywords that apply to one kind of value: strings, numbers, arrays, objects.

use super::check::{ChildToken, Walker};
use super::equal::canonical;
use super::number::{compare, is_multiple_of};
use super::report::Report;
use super::rules::{ArrayRules, Node, NumberRules, ObjectRules, Rules, StringRules};
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;
use std::collections::HashSet;

pub fn check_value(walker: &mut Walker<'_>, rules: &Rules, value: &Value, report: &mut Report) {
    if let Some(format) = rules.string.format {
        if !format.accepts(value) {
            report.fail(
                &walker.pointer,
                format!("must be a valid {}", format.name()),
            );
        }
    }
    match value {
        Value::String(text) => check_string(walker, &rules.string, text, report),
        Value::Number(n) => check_number(walker, &rules.number, n, report),
        Value::Array(items) => check_array(walker, &rules.array, items, report),
        Value::Object(members) => check_object(walker, &rules.object, members, report),
        Value::Null | Value::Bool(_) => {}
    }
}

fn check_string(walker: &Walker<'_>, rules: &StringRules, text: &str, report: &mut Report) {
    if rules.min_length.is_some() || rules.max_length.is_some() {
        let length = text.chars().count();
        if let Some(min) = rules.min_length.filter(|min| length < *min) {
            report.fail(
                &walker.pointer,
                format!("must be at least {min} characters long"),
            );
        }
        if let Some(max) = rules.max_length.filter(|max| length > *max) {
            report.fail(
                &walker.pointer,
                format!("must be at most {max} characters long"),
            );
        }
    }
    if rules.pattern.as_ref().is_some_and(|p| !p.is_match(text)) {
        report.fail(&walker.pointer, "does not match the required pattern");
    }
}

fn check_number(walker: &Walker<'_>, rules: &NumberRules, n: &Number, report: &mut Report) {
    // A comparison that cannot be made (`None`) counts as a failed bound.
    let bounds = [
        (
            &rules.minimum,
            "at least",
            [Ordering::Greater, Ordering::Equal],
        ),
        (
            &rules.exclusive_minimum,
            "greater than",
            [Ordering::Greater, Ordering::Greater],
        ),
        (&rules.maximum, "at most", [Ordering::Less, Ordering::Equal]),
        (
            &rules.exclusive_maximum,
            "less than",
            [Ordering::Less, Ordering::Less],
        ),
    ];
    for (bound, words, accepted) in bounds {
        if let Some(limit) = bound {
            if !compare(n, limit).is_some_and(|order| accepted.contains(&order)) {
                report.fail(&walker.pointer, format!("must be {words} {limit}"));
            }
        }
    }
    if let Some(divisor) = &rules.multiple_of {
        if !is_multiple_of(n, divisor) {
            report.fail(&walker.pointer, format!("must be a multiple of {divisor}"));
        }
    }
}

fn check_array(walker: &mut Walker<'_>, rules: &ArrayRules, items: &[Value], report: &mut Report) {
    if let Some(min) = rules.min_items.filter(|min| items.len() < *min) {
        report.fail(&walker.pointer, format!("must have at least {min} items"));
    }
    if let Some(max) = rules.max_items.filter(|max| items.len() > *max) {
        report.fail(&walker.pointer, format!("must have at most {max} items"));
    }
    if rules.unique_items {
        let mut seen = HashSet::new();
        if let Some(index) = items.iter().position(|item| !seen.insert(canonical(item))) {
            let mark = walker.pointer.push_index(index);
            report.fail(&walker.pointer, "repeats an earlier item (uniqueItems)");
            walker.pointer.restore(mark);
        }
    }
    for (index, item) in items.iter().enumerate() {
        let schema = rules.prefix_items.get(index).copied().or(rules.items);
        if let Some(schema) = schema {
            walker.check_child(ChildToken::Index(index), schema, item, report);
        }
    }
}

fn check_object(
    walker: &mut Walker<'_>,
    rules: &ObjectRules,
    members: &Map<String, Value>,
    report: &mut Report,
) {
    if let Some(min) = rules.min_properties.filter(|min| members.len() < *min) {
        report.fail(
            &walker.pointer,
            format!("must have at least {min} properties"),
        );
    }
    if let Some(max) = rules.max_properties.filter(|max| members.len() > *max) {
        report.fail(
            &walker.pointer,
            format!("must have at most {max} properties"),
        );
    }
    for name in &rules.required {
        if !members.contains_key(name) {
            let mark = walker.pointer.push(name);
            report.fail(&walker.pointer, "required property is missing");
            walker.pointer.restore(mark);
        }
    }
    for (key, value) in members {
        check_member(walker, rules, key, value, report);
    }
}

/// Applies `properties`, then matching `patternProperties`, and `additionalProperties` to a
/// member named by neither.
fn check_member(
    walker: &mut Walker<'_>,
    rules: &ObjectRules,
    key: &str,
    value: &Value,
    report: &mut Report,
) {
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
    let Some(additional) = rules
        .additional
        .filter(|_| declared.is_none() && !patterned)
    else {
        return;
    };
    if matches!(walker.tree().node(additional), Some(Node::Nothing)) {
        let mark = walker.pointer.push(key);
        report.fail(&walker.pointer, "property is not allowed");
        walker.pointer.restore(mark);
    } else {
        walker.check_child(ChildToken::Key(key), additional, value, report);
    }
}
