//! A small evaluator for the Common Expression Language (CEL), for policy conditions.
//!
//! Compile once at configure time with [`Program::compile`], then evaluate per request with
//! [`Program::evaluate_bool`] over an [`Activation`] of variables (`request`, `principal`,
//! `source`, `path`, `now`, ...). Evaluation is bounded: the source, the syntax tree and its
//! depth are limited at compile time, the work per evaluation by a step budget; exceeding a
//! limit is an error, never a panic or a hang. Any evaluation error means "no answer", so the
//! caller must deny.
//!
//! Supported: literals (int, uint `1u`, double, string with escapes, raw and triple-quoted
//! forms, bytes `b"..."`, bool, null, lists, maps); operators `! - * / % + < <= > >= == != in
//! && || ?:`, indexing, field selection; functions `size`, `startsWith`, `endsWith`,
//! `contains`, `lowerAscii`, `upperAscii`, `int`, `uint`, `double`, `string`, `bytes`,
//! `timestamp`, `duration`, `dyn`, and the UTC accessors `getFullYear` ... `getMilliseconds`;
//! macros `has`, `all`, `exists`, `exists_one`, `map`, `filter`.
//!
//! Semantics follow the CEL spec: integer overflow is an error, arithmetic never mixes numeric
//! types (`1 + 1.0` is an error) while `==` and `<` compare numbers by value, `&&` and `||`
//! absorb an error when the other side decides, a missing map key is an error (test with
//! `has()`), and `1 == "1"` is simply false.
//!
//! The budget error ([`EvalError::LimitExceeded`]) is never absorbed, so a runaway operand
//! fails the whole evaluation. Map keys are bools, ints, uints or strings; header names with
//! dashes need indexing: `request.headers['x-api-key']`.
//!
//! Limitation: there is no type checker, so a type error in a branch that never runs goes
//! unnoticed until it runs; unknown variables are only reported by [`Program::variables`].
//! Limitation: `matches()` (regular expressions; it needs `regex-lite`), protobuf messages and
//! `Type{...}` construction, `type()`, leading-dot names, optional syntax (`?.`) and time zone
//! arguments are not supported and are compile errors.
//! Limitation: double literals and `double()` use serde_json's number parser, exact for up to
//! 15 significant digits and possibly one unit in the last place off beyond.

mod ast;
mod budget;
mod calendar;
mod comprehension;
mod convert;
mod error;
mod eval;
mod functions;
mod lexer;
mod macros;
mod ops;
mod parser;
mod primary;
mod strings;
mod time;
mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_compile;
#[cfg(test)]
mod tests_functions;
#[cfg(test)]
mod tests_fuzz;
#[cfg(test)]
mod tests_time;

pub use error::{CompileError, CompileErrorKind, EvalError};
pub use time::{Duration, Timestamp};
pub use value::{Key, Map, Value};

use std::collections::BTreeMap;
use std::sync::Arc;

/// Longest accepted source text, in bytes.
pub const MAX_SOURCE_BYTES: usize = 4096;
/// Most nodes in a syntax tree.
pub const MAX_NODES: usize = 512;
/// Deepest nesting of a syntax tree (and of the parser's recursion).
pub const MAX_DEPTH: usize = 32;
/// Evaluation budget: one step per node evaluated and per macro iteration, plus one per
/// list or map element that `+`, `==` or `in` walks and per 64 bytes of text handled.
pub const MAX_STEPS: usize = 10_000;

/// The variables an expression is evaluated against, by name.
pub type Activation = BTreeMap<String, Value>;

/// A compiled expression, immutable and cheap to share.
#[derive(Debug, Clone)]
pub struct Program {
    root: ast::Expr,
    variables: Vec<Arc<str>>,
}

impl Program {
    /// Parses and checks `source`: syntax, limits, function names and arities, and literal
    /// arguments of `timestamp()` and `duration()`.
    pub fn compile(source: &str) -> Result<Program, CompileError> {
        let root = parser::parse(source)?;
        let mut variables = Vec::new();
        root.free_variables(&mut Vec::new(), &mut variables);
        Ok(Program { root, variables })
    }

    /// The top-level variables the expression reads, in order of first use; callers can
    /// reject names they will never provide at configure time.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.variables.iter().map(|name| &**name)
    }

    /// Evaluates against `activation`.
    pub fn evaluate(&self, activation: &Activation) -> Result<Value, EvalError> {
        eval::Evaluator::new(activation, MAX_STEPS).eval(&self.root)
    }

    /// Evaluates a condition; a result other than a bool is [`EvalError::NotBool`].
    pub fn evaluate_bool(&self, activation: &Activation) -> Result<bool, EvalError> {
        match self.evaluate(activation)? {
            Value::Bool(b) => Ok(b),
            _ => Err(EvalError::NotBool),
        }
    }
}
