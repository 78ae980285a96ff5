//! The walk: one schema node against one value, composition included.

use super::check_values;
use super::equal::equal;
use super::report::{Pointer, Report};
use super::rules::{type_of, Composition, Node, Rules, SchemaId};
use super::Tree;
use serde_json::Value;

/// Nodes visited per body, probes included, before the walk gives up (and refuses).
const MAX_STEPS: usize = 100_000;
/// Nested node visits (values, `$ref`s and composition together) before the walk gives up.
const MAX_DEPTH: usize = 256;

pub struct Walker<'t> {
    tree: &'t Tree,
    pub(super) pointer: Pointer,
    steps: usize,
    depth: usize,
    exhausted: bool,
}

impl<'t> Walker<'t> {
    pub fn new(tree: &'t Tree) -> Self {
        Walker {
            tree,
            pointer: Pointer::default(),
            steps: 0,
            depth: 0,
            exhausted: false,
        }
    }

    /// Whether a budget ran out; the walk's findings are then incomplete.
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Checks `value` against node `id`, adding what is wrong to `report`.
    pub fn check(&mut self, id: SchemaId, value: &Value, report: &mut Report) {
        if report.is_full() {
            return;
        }
        self.steps += 1;
        if self.exhausted || self.steps > MAX_STEPS || self.depth >= MAX_DEPTH {
            self.exhausted = true;
            report.fail(&self.pointer, "too complex to validate");
            return;
        }
        match self.tree.node(id) {
            Some(Node::Any) => {}
            Some(Node::Rules(rules)) => {
                self.depth += 1;
                self.check_rules(rules, value, report);
                self.depth -= 1;
            }
            Some(Node::Nothing) | None => report.fail(&self.pointer, "no value is allowed here"),
        }
    }

    /// Whether `value` is valid against node `id`, recording nothing.
    pub fn matches(&mut self, id: SchemaId, value: &Value) -> bool {
        let mut probe = Report::probe();
        self.check(id, value, &mut probe);
        probe.failures() == 0
    }

    /// Checks a member or item: the pointer names it while `id` is applied.
    pub fn check_child(
        &mut self,
        token: ChildToken<'_>,
        id: SchemaId,
        value: &Value,
        report: &mut Report,
    ) {
        let mark = match token {
            ChildToken::Key(key) => self.pointer.push(key),
            ChildToken::Index(index) => self.pointer.push_index(index),
        };
        self.check(id, value, report);
        self.pointer.restore(mark);
    }

    pub fn tree(&self) -> &'t Tree {
        self.tree
    }

    fn check_rules(&mut self, rules: &Rules, value: &Value, report: &mut Report) {
        if rules.read_only {
            report.fail(&self.pointer, "read-only, not accepted in a request");
            return;
        }
        if let Some(types) = rules.types {
            if !types.admits(value) {
                let reason = format!("expected {}, found {}", types.describe(), type_of(value));
                report.fail(&self.pointer, reason);
                return;
            }
        }
        if rules.constant.as_ref().is_some_and(|c| !equal(c, value)) {
            report.fail(&self.pointer, "must equal the constant value");
        }
        if let Some(allowed) = &rules.allowed {
            if !allowed.iter().any(|a| equal(a, value)) {
                report.fail(&self.pointer, "must be one of the allowed values");
            }
        }
        check_values::check_value(self, rules, value, report);
        if let Some(target) = rules.reference {
            self.check(target, value, report);
        }
        self.check_composition(&rules.composition, value, report);
    }

    fn check_composition(&mut self, rules: &Composition, value: &Value, report: &mut Report) {
        for id in &rules.all_of {
            self.check(*id, value, report);
        }
        if !rules.any_of.is_empty() && !rules.any_of.iter().any(|id| self.matches(*id, value)) {
            report.fail(&self.pointer, "matches none of the allowed schemas (anyOf)");
        }
        if !rules.one_of.is_empty() {
            let matched = rules
                .one_of
                .iter()
                .filter(|id| self.matches(**id, value))
                .count();
            if matched != 1 {
                let reason = format!("must match exactly one schema (oneOf), matches {matched}");
                report.fail(&self.pointer, reason);
            }
        }
        if rules.not.is_some_and(|id| self.matches(id, value)) {
            report.fail(&self.pointer, "matches a schema it must not (not)");
        }
    }
}

/// How a child is named in the pointer.
#[derive(Debug, Clone, Copy)]
pub enum ChildToken<'a> {
    Key(&'a str),
    Index(usize),
}
