//! Turns parsed calls into macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`) or
//! built-in functions, refusing unknown names and wrong arities at compile time.

use super::ast::{Comprehension, Expr, ExprKind, MacroKind};
use super::convert::convert;
use super::error::{CompileError, CompileErrorKind};
use super::functions::{resolve, Function};
use super::parser::Parser;

type ParseResult = Result<Expr, CompileError>;

/// Builds the call `target.name(args)`, or `name(args)` without a target.
pub(crate) fn call(
    p: &mut Parser<'_>,
    at: usize,
    target: Option<Expr>,
    name: &str,
    args: Vec<Expr>,
) -> ParseResult {
    match target {
        None if name == "has" => has(p, at, args),
        Some(target) => match macro_kind(name, args.len()) {
            Some(kind) => comprehension(p, at, kind, target, args),
            None => function(p, at, Some(target), name, args),
        },
        None => function(p, at, None, name, args),
    }
}

fn macro_kind(name: &str, args: usize) -> Option<MacroKind> {
    match (name, args) {
        ("all", 2) => Some(MacroKind::All),
        ("exists", 2) => Some(MacroKind::Exists),
        ("exists_one", 2) => Some(MacroKind::ExistsOne),
        ("map", 2 | 3) => Some(MacroKind::Map),
        ("filter", 2) => Some(MacroKind::Filter),
        _ => None,
    }
}

/// `has(a.b)` becomes a presence test of field `b` on `a`.
fn has(p: &mut Parser<'_>, at: usize, mut args: Vec<Expr>) -> ParseResult {
    let only = args.pop().filter(|_| args.is_empty());
    match only.map(|arg| arg.kind) {
        Some(ExprKind::Select {
            operand,
            field,
            test_only: false,
        }) => p.builder.make(
            ExprKind::Select {
                operand,
                field,
                test_only: true,
            },
            at,
        ),
        _ => Err(CompileError::new(
            at,
            CompileErrorKind::Syntax("has() needs a field selection"),
        )),
    }
}

/// `range.kind(variable, body)` or `range.map(variable, filter, body)`.
fn comprehension(
    p: &mut Parser<'_>,
    at: usize,
    kind: MacroKind,
    range: Expr,
    args: Vec<Expr>,
) -> ParseResult {
    let mut args = args.into_iter();
    let (Some(first), Some(second)) = (args.next(), args.next()) else {
        return Err(CompileError::new(
            at,
            CompileErrorKind::Syntax("macro needs two arguments"),
        ));
    };
    let ExprKind::Ident(variable) = first.kind else {
        let why = "macro variable must be a simple name";
        return Err(CompileError::new(at, CompileErrorKind::Syntax(why)));
    };
    let (filter, body) = match args.next() {
        Some(third) => (Some(second), third),
        None => (None, second),
    };
    let comprehension = Comprehension {
        kind,
        range,
        variable,
        filter,
        body,
    };
    p.builder
        .make(ExprKind::Comprehension(comprehension.into()), at)
}

fn function(
    p: &mut Parser<'_>,
    at: usize,
    target: Option<Expr>,
    name: &str,
    args: Vec<Expr>,
) -> ParseResult {
    let unknown = || CompileError::new(at, CompileErrorKind::UnknownFunction(name.into()));
    let function = resolve(name, target.is_some(), args.len()).ok_or_else(unknown)?;
    let mut args = args.into_iter();
    let (subject, argument) = match target {
        Some(target) => (target, args.next()),
        None => (args.next().ok_or_else(unknown)?, None),
    };
    if let (Function::Timestamp | Function::Duration, ExprKind::Literal(value)) =
        (function, &subject.kind)
    {
        return fold_literal(p, at, function, value.clone());
    }
    let call = ExprKind::Call {
        function,
        subject: subject.into(),
        argument: argument.map(Box::new),
    };
    p.builder.make(call, at)
}

/// Converts `timestamp("...")` and `duration("...")` once, so a bad literal is a compile error.
fn fold_literal(
    p: &mut Parser<'_>,
    at: usize,
    function: Function,
    value: super::value::Value,
) -> ParseResult {
    let what = if function == Function::Timestamp {
        "timestamp"
    } else {
        "duration"
    };
    let folded = convert(function, value)
        .map_err(|_| CompileError::new(at, CompileErrorKind::InvalidLiteral(what)))?;
    p.builder.make(ExprKind::Literal(folded), at)
}
