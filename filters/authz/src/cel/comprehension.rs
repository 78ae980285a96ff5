//! Evaluation of the macros `all`, `exists`, `exists_one`, `map` and `filter` over a list's
//! elements or a map's keys. Every iteration costs a step of the budget.

use super::ast::{Comprehension, MacroKind};
use super::error::EvalError;
use super::eval::{EvalResult, Evaluator};
use super::value::{Key, Value};
use std::collections::btree_map;
use std::slice;

/// What a macro iterates over.
enum Range<'r> {
    List(slice::Iter<'r, Value>),
    MapKeys(btree_map::Keys<'r, Key, Value>),
}

impl Iterator for Range<'_> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Range::List(items) => items.next().cloned(),
            Range::MapKeys(keys) => keys.next().map(Key::to_value),
        }
    }
}

impl<'p> Evaluator<'p, '_> {
    pub(crate) fn comprehension(&mut self, c: &'p Comprehension) -> EvalResult {
        let range_value = self.eval(&c.range)?;
        let range = match &range_value {
            Value::List(items) => Range::List(items.iter()),
            Value::Map(map) => Range::MapKeys(map.keys()),
            _ => return Err(EvalError::TypeMismatch("macro range")),
        };
        self.locals.push((&c.variable, Value::Null));
        let result = match c.kind {
            MacroKind::All => self.quantify(c, range, false),
            MacroKind::Exists => self.quantify(c, range, true),
            MacroKind::ExistsOne => self.exists_one(c, range),
            MacroKind::Map | MacroKind::Filter => self.collect(c, range),
        };
        self.locals.pop();
        result
    }

    /// Binds the macro variable to `item` and charges the iteration.
    fn bind(&mut self, item: Value) -> Result<(), EvalError> {
        self.charge(1)?;
        if let Some(slot) = self.locals.last_mut() {
            slot.1 = item;
        }
        Ok(())
    }

    /// `all` (`decisive` false) and `exists` (`decisive` true): an element whose predicate
    /// equals `decisive` settles the result even if others raised errors, like `&&` and `||`.
    fn quantify(&mut self, c: &'p Comprehension, range: Range<'_>, decisive: bool) -> EvalResult {
        let mut error = None;
        for item in range {
            self.bind(item)?;
            match self.eval(&c.body) {
                Ok(Value::Bool(b)) if b == decisive => return Ok(Value::Bool(decisive)),
                Ok(Value::Bool(_)) => {}
                Ok(_) => {
                    error.get_or_insert(EvalError::TypeMismatch("macro predicate"));
                }
                Err(EvalError::LimitExceeded) => return Err(EvalError::LimitExceeded),
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        error.map_or(Ok(Value::Bool(!decisive)), Err)
    }

    fn exists_one(&mut self, c: &'p Comprehension, range: Range<'_>) -> EvalResult {
        let mut matches = 0usize;
        for item in range {
            self.bind(item)?;
            if self.predicate(&c.body)? {
                matches += 1;
            }
        }
        Ok(Value::Bool(matches == 1))
    }

    /// `map` (with its optional filter) and `filter`.
    fn collect(&mut self, c: &'p Comprehension, range: Range<'_>) -> EvalResult {
        let mut out = Vec::new();
        for item in range {
            self.bind(item.clone())?;
            if c.kind == MacroKind::Filter {
                if self.predicate(&c.body)? {
                    out.push(item);
                }
                continue;
            }
            let selected = match &c.filter {
                Some(filter) => self.predicate(filter)?,
                None => true,
            };
            if selected {
                out.push(self.eval(&c.body)?);
            }
        }
        Ok(Value::from(out))
    }

    fn predicate(&mut self, expr: &'p super::ast::Expr) -> Result<bool, EvalError> {
        match self.eval(expr)? {
            Value::Bool(b) => Ok(b),
            _ => Err(EvalError::TypeMismatch("macro predicate")),
        }
    }
}
