//! The walk: one schema node against one value, composition included. Each check returns what
//! it evaluated (see [`Evaluated`]), so that `unevaluated*` and the default closure of objects
//! see through `$ref`, `allOf`, the passing branches of `anyOf`/`oneOf` and `if`/`then`/`else`.

use super::check_values;
use super::equal::equal;
use super::evaluated::Evaluated;
use super::finding::Kind;
use super::report::{Pointer, Report};
use super::rules::{type_of, Composition, Conditional, Node, Rules, SchemaId};
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
    /// Refuse members no applied schema evaluated when one of them declared `properties`.
    close_objects: bool,
}

impl<'t> Walker<'t> {
    pub fn new(tree: &'t Tree, close_objects: bool) -> Self {
        Walker {
            tree,
            pointer: Pointer::default(),
            steps: 0,
            depth: 0,
            exhausted: false,
            close_objects,
        }
    }

    /// Whether a budget ran out; the walk's findings are then incomplete.
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Checks `value` against node `id`, adding what is wrong to `report`.
    pub fn check(&mut self, id: SchemaId, value: &Value, report: &mut Report) -> Evaluated {
        if report.is_full() {
            return Evaluated::default();
        }
        self.steps += 1;
        if self.exhausted || self.steps > MAX_STEPS || self.depth >= MAX_DEPTH {
            self.exhausted = true;
            report.fail(&self.pointer, Kind::Complexity, "too complex to validate");
            return Evaluated::default();
        }
        match self.tree.node(id) {
            Some(Node::Any) => Evaluated::default(),
            Some(Node::Rules(rules)) => {
                self.depth += 1;
                let evaluated = self.check_rules(rules, value, report);
                self.depth -= 1;
                evaluated
            }
            Some(Node::Nothing) | None => {
                report.fail(&self.pointer, Kind::Composition, "no value is allowed here");
                Evaluated::default()
            }
        }
    }

    /// What `value` evaluated against node `id` when valid, recording nothing.
    pub fn matches(&mut self, id: SchemaId, value: &Value) -> Option<Evaluated> {
        let mut probe = Report::probe();
        let evaluated = self.check(id, value, &mut probe);
        (probe.failures() == 0).then_some(evaluated)
    }

    /// Checks a value in its own place (the body, a member, an item): after its schema, the
    /// default closure refuses members nothing evaluated.
    pub fn check_place(&mut self, id: SchemaId, value: &Value, report: &mut Report) {
        let evaluated = self.check(id, value, report);
        let Value::Object(members) = value else {
            return;
        };
        if !self.close_objects || !evaluated.is_closed() {
            return;
        }
        for (index, key) in members.keys().enumerate() {
            if !evaluated.is_marked(index) {
                let mark = self.pointer.push(key);
                report.fail(&self.pointer, Kind::Unknown, "property is not allowed");
                self.pointer.restore(mark);
            }
        }
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
        self.check_place(id, value, report);
        self.pointer.restore(mark);
    }

    pub fn tree(&self) -> &'t Tree {
        self.tree
    }

    fn check_rules(&mut self, rules: &Rules, value: &Value, report: &mut Report) -> Evaluated {
        let mut evaluated = Evaluated::default();
        if rules.read_only {
            report.fail(
                &self.pointer,
                Kind::ReadOnly,
                "read-only, not accepted in a request",
            );
            return evaluated;
        }
        if let Some(types) = rules.types {
            if !types.admits(value) {
                let reason = format!("expected {}, found {}", types.describe(), type_of(value));
                report.fail(&self.pointer, Kind::Type, reason);
                return evaluated;
            }
        }
        if rules.constant.as_ref().is_some_and(|c| !equal(c, value)) {
            report.fail(&self.pointer, Kind::Enum, "must equal the constant value");
        }
        if let Some(allowed) = &rules.allowed {
            if !allowed.iter().any(|a| equal(a, value)) {
                report.fail(
                    &self.pointer,
                    Kind::Enum,
                    "must be one of the allowed values",
                );
            }
        }
        check_values::check_value(self, rules, value, report, &mut evaluated);
        if let Some(target) = rules.reference {
            evaluated.merge(self.check(target, value, report));
        }
        self.check_composition(&rules.composition, value, report, &mut evaluated);
        if let Some(conditional) = &rules.conditional {
            self.check_conditional(conditional, value, report, &mut evaluated);
        }
        check_values::check_dependent_schemas(self, rules, value, report, &mut evaluated);
        check_values::check_unevaluated(self, rules, value, report, &mut evaluated);
        evaluated
    }

    fn check_composition(
        &mut self,
        rules: &Composition,
        value: &Value,
        report: &mut Report,
        evaluated: &mut Evaluated,
    ) {
        for id in &rules.all_of {
            evaluated.merge(self.check(*id, value, report));
        }
        // Annotations of every passing branch count, so objects and arrays try them all.
        let every_branch = value.is_object() || value.is_array();
        if !rules.any_of.is_empty() {
            let mut matched = false;
            for id in &rules.any_of {
                if matched && !every_branch {
                    break;
                }
                if let Some(branch) = self.matches(*id, value) {
                    matched = true;
                    evaluated.merge(branch);
                }
            }
            if !matched {
                let reason = "matches none of the allowed schemas (anyOf)";
                report.fail(&self.pointer, Kind::Composition, reason);
            }
        }
        if !rules.one_of.is_empty() {
            self.check_one_of(&rules.one_of, value, report, evaluated);
        }
        if rules
            .not
            .is_some_and(|id| self.matches(id, value).is_some())
        {
            report.fail(
                &self.pointer,
                Kind::Composition,
                "matches a schema it must not (not)",
            );
        }
    }

    fn check_one_of(
        &mut self,
        branches: &[SchemaId],
        value: &Value,
        report: &mut Report,
        evaluated: &mut Evaluated,
    ) {
        let mut passed: Vec<Evaluated> = Vec::new();
        for id in branches {
            if let Some(branch) = self.matches(*id, value) {
                passed.push(branch);
            }
        }
        if passed.len() == 1 {
            evaluated.merge(passed.pop().unwrap_or_default());
        } else {
            let count = passed.len();
            let reason = format!("must match exactly one schema (oneOf), matches {count}");
            report.fail(&self.pointer, Kind::Composition, reason);
        }
    }

    fn check_conditional(
        &mut self,
        rules: &Conditional,
        value: &Value,
        report: &mut Report,
        evaluated: &mut Evaluated,
    ) {
        let branch = match self.matches(rules.condition, value) {
            Some(condition) => {
                evaluated.merge(condition);
                rules.then
            }
            None => rules.otherwise,
        };
        if let Some(id) = branch {
            evaluated.merge(self.check(id, value, report));
        }
    }
}

/// How a child is named in the pointer.
#[derive(Debug, Clone, Copy)]
pub enum ChildToken<'a> {
    Key(&'a str),
    Index(usize),
}
