//! The syntax tree a program is compiled to, and the builder that enforces its size limits.

use super::error::{CompileError, CompileErrorKind};
use super::functions::Function;
use super::value::{Key, Value};
use super::{MAX_DEPTH, MAX_NODES};
use std::sync::Arc;

/// One node with the depth of the subtree it roots.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    depth: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    Literal(Value),
    Ident(Arc<str>),
    /// `operand.field`, or `has(operand.field)` when `test_only`.
    Select {
        operand: Box<Expr>,
        field: Key,
        test_only: bool,
    },
    Index(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `a && b && ...`, flattened so that long chains stay shallow.
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    /// A function: `subject` is the receiver of `x.f(a)` or the sole argument of `f(x)`.
    Call {
        function: Function,
        subject: Box<Expr>,
        argument: Option<Box<Expr>>,
    },
    Comprehension(Box<Comprehension>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    In,
}

/// The macros `all`, `exists`, `exists_one`, `map` and `filter` over a list or a map's keys.
#[derive(Debug, Clone)]
pub(crate) struct Comprehension {
    pub kind: MacroKind,
    pub range: Expr,
    pub variable: Arc<str>,
    /// The middle argument of the three-argument `map(x, filter, transform)`.
    pub filter: Option<Expr>,
    /// The predicate, or the transform of `map`.
    pub body: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacroKind {
    All,
    Exists,
    ExistsOne,
    Map,
    Filter,
}

impl Expr {
    /// Calls `visit` on each direct child.
    fn for_each_child<'e>(&'e self, mut visit: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Ident(_) => {}
            ExprKind::Select { operand: a, .. } | ExprKind::Not(a) | ExprKind::Negate(a) => {
                visit(a)
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                [a, b].into_iter().for_each(|e| visit(e))
            }
            ExprKind::Conditional(a, b, c) => [a, b, c].into_iter().for_each(|e| visit(e)),
            ExprKind::And(items) | ExprKind::Or(items) | ExprKind::List(items) => {
                items.iter().for_each(visit)
            }
            ExprKind::Map(entries) => entries.iter().for_each(|(k, v)| {
                visit(k);
                visit(v);
            }),
            ExprKind::Call {
                subject, argument, ..
            } => {
                visit(subject);
                argument.iter().for_each(|e| visit(e));
            }
            ExprKind::Comprehension(c) => [&c.range, &c.body]
                .into_iter()
                .chain(&c.filter)
                .for_each(visit),
        }
    }

    /// Activation variables the expression reads, i.e. identifiers no macro binds.
    pub(crate) fn free_variables<'e>(&'e self, bound: &mut Vec<&'e str>, out: &mut Vec<Arc<str>>) {
        match &self.kind {
            ExprKind::Ident(name) if !bound.contains(&&**name) && !out.contains(name) => {
                out.push(name.clone());
            }
            ExprKind::Comprehension(c) => {
                c.range.free_variables(bound, out);
                bound.push(&c.variable);
                c.body.free_variables(bound, out);
                if let Some(filter) = &c.filter {
                    filter.free_variables(bound, out);
                }
                bound.pop();
            }
            _ => self.for_each_child(|child| child.free_variables(bound, out)),
        }
    }
}

/// Makes nodes, counting them and checking the depth of each new subtree.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    nodes: usize,
}

impl Builder {
    pub(crate) fn make(&mut self, kind: ExprKind, at: usize) -> Result<Expr, CompileError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(CompileError::new(at, CompileErrorKind::TooManyNodes));
        }
        let mut expr = Expr { kind, depth: 0 };
        let mut deepest = 0;
        expr.for_each_child(|child| deepest = deepest.max(child.depth));
        expr.depth = 1 + deepest;
        if expr.depth > MAX_DEPTH {
            return Err(CompileError::new(at, CompileErrorKind::TooDeep));
        }
        Ok(expr)
    }
}
