//! The keywords that apply to one kind of value: strings and numbers here, arrays and objects
//! in their own modules.

use super::check::Walker;
use super::check_arrays;
use super::check_objects;
use super::evaluated::Evaluated;
use super::finding::Kind;
use super::number::{compare, is_multiple_of};
use super::report::Report;
use super::rules::{NumberRules, Rules, StringRules};
use serde_json::{Number, Value};
use std::cmp::Ordering;

pub fn check_value(
    walker: &mut Walker<'_>,
    rules: &Rules,
    value: &Value,
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    if let Some(format) = rules.string.format {
        if !format.accepts(value) {
            let reason = format!("must be a valid {}", format.name());
            report.fail(&walker.pointer, Kind::Format, reason);
        }
    }
    match value {
        Value::String(text) => check_string(walker, &rules.string, text, report),
        Value::Number(n) => check_number(walker, &rules.number, n, report),
        Value::Array(items) => {
            check_arrays::check_array(walker, &rules.array, items, report, evaluated)
        }
        Value::Object(members) => {
            check_objects::check_object(walker, &rules.object, members, report, evaluated)
        }
        Value::Null | Value::Bool(_) => {}
    }
}

/// `dependentSchemas`: the whole object against each schema whose member is present.
pub fn check_dependent_schemas(
    walker: &mut Walker<'_>,
    rules: &Rules,
    value: &Value,
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    let Value::Object(members) = value else {
        return;
    };
    for (name, id) in &rules.object.dependent_schemas {
        if members.contains_key(name) {
            evaluated.merge(walker.check(*id, value, report));
        }
    }
}

/// `unevaluatedProperties` and `unevaluatedItems`, after every other keyword of the schema.
pub fn check_unevaluated(
    walker: &mut Walker<'_>,
    rules: &Rules,
    value: &Value,
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    match value {
        Value::Object(members) => {
            if let Some(id) = rules.object.unevaluated {
                check_objects::check_unevaluated(walker, id, members, report, evaluated);
            }
        }
        Value::Array(items) => {
            if let Some(id) = rules.array.unevaluated_items {
                check_arrays::check_unevaluated(walker, id, items, report, evaluated);
            }
        }
        _ => {}
    }
}

fn check_string(walker: &Walker<'_>, rules: &StringRules, text: &str, report: &mut Report) {
    if rules.min_length.is_some() || rules.max_length.is_some() {
        let length = text.chars().count();
        if let Some(min) = rules.min_length.filter(|min| length < *min) {
            let reason = format!("must be at least {min} characters long");
            report.fail(&walker.pointer, Kind::Size, reason);
        }
        if let Some(max) = rules.max_length.filter(|max| length > *max) {
            let reason = format!("must be at most {max} characters long");
            report.fail(&walker.pointer, Kind::Size, reason);
        }
    }
    if rules.pattern.as_ref().is_some_and(|p| !p.is_match(text)) {
        report.fail(
            &walker.pointer,
            Kind::Pattern,
            "does not match the required pattern",
        );
    }
    if let Some(Err(refused)) = rules.url.as_ref().map(|policy| policy.check(text)) {
        report.fail(&walker.pointer, Kind::Format, refused.reason());
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
                report.fail(
                    &walker.pointer,
                    Kind::Range,
                    format!("must be {words} {limit}"),
                );
            }
        }
    }
    if let Some(divisor) = &rules.multiple_of {
        if !is_multiple_of(n, divisor) {
            let reason = format!("must be a multiple of {divisor}");
            report.fail(&walker.pointer, Kind::Range, reason);
        }
    }
}
