//! Array keywords: sizes, uniqueness, `prefixItems`/`items`, `contains` and
//! `unevaluatedItems`.

use super::check::{ChildToken, Walker};
use super::equal::canonical;
use super::evaluated::Evaluated;
use super::finding::Kind;
use super::report::Report;
use super::rules::{ArrayRules, SchemaId};
use serde_json::Value;
use std::collections::HashSet;

pub fn check_array(
    walker: &mut Walker<'_>,
    rules: &ArrayRules,
    items: &[Value],
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    if let Some(min) = rules.min_items.filter(|min| items.len() < *min) {
        report.fail(
            &walker.pointer,
            Kind::Size,
            format!("must have at least {min} items"),
        );
    }
    if let Some(max) = rules.max_items.filter(|max| items.len() > *max) {
        report.fail(
            &walker.pointer,
            Kind::Size,
            format!("must have at most {max} items"),
        );
    }
    if rules.unique_items {
        let mut seen = HashSet::new();
        if let Some(index) = items.iter().position(|item| !seen.insert(canonical(item))) {
            let mark = walker.pointer.push_index(index);
            report.fail(
                &walker.pointer,
                Kind::Duplicate,
                "repeats an earlier item (uniqueItems)",
            );
            walker.pointer.restore(mark);
        }
    }
    for (index, item) in items.iter().enumerate() {
        let schema = rules.prefix_items.get(index).copied().or(rules.items);
        if let Some(schema) = schema {
            walker.check_child(ChildToken::Index(index), schema, item, report);
        }
    }
    evaluated.mark_first(rules.prefix_items.len().min(items.len()));
    if rules.items.is_some() {
        evaluated.mark_all();
    }
    if let Some(contains) = rules.contains {
        check_contains(walker, rules, contains, items, report, evaluated);
    }
}

/// `contains` with `minContains` (default 1) and `maxContains`; matching items are evaluated.
fn check_contains(
    walker: &mut Walker<'_>,
    rules: &ArrayRules,
    contains: SchemaId,
    items: &[Value],
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    let mut count = 0;
    for (index, item) in items.iter().enumerate() {
        let mark = walker.pointer.push_index(index);
        let matched = walker.matches(contains, item).is_some();
        walker.pointer.restore(mark);
        if matched {
            count += 1;
            evaluated.mark(index);
        }
    }
    let min = rules.min_contains.unwrap_or(1);
    if count < min {
        let reason = format!("must contain at least {min} matching items (contains)");
        report.fail(&walker.pointer, Kind::Composition, reason);
    }
    if let Some(max) = rules.max_contains.filter(|max| count > *max) {
        let reason = format!("must contain at most {max} matching items (contains)");
        report.fail(&walker.pointer, Kind::Composition, reason);
    }
}

/// `unevaluatedItems`: every item nothing else evaluated.
pub fn check_unevaluated(
    walker: &mut Walker<'_>,
    id: SchemaId,
    items: &[Value],
    report: &mut Report,
    evaluated: &mut Evaluated,
) {
    for (index, item) in items.iter().enumerate() {
        if !evaluated.is_marked(index) {
            walker.check_child(ChildToken::Index(index), id, item, report);
        }
    }
    evaluated.mark_all();
}
