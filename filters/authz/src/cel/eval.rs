//! Tree-walking evaluation with a step budget. Recursion is bounded by the compile-time depth
//! limit; iteration by the budget.

use super::ast::{BinaryOp, Expr, ExprKind};
use super::budget::Budget;
use super::error::EvalError;
use super::functions::{apply, Function};
use super::ops;
use super::value::{lookup, lookup_value, Key, Map, Value};
use super::Activation;
use std::sync::Arc;

pub(crate) type EvalResult = Result<Value, EvalError>;

pub(crate) struct Evaluator<'p, 'a> {
    activation: &'a Activation,
    /// Variables bound by enclosing macros, innermost last.
    pub(crate) locals: Vec<(&'p str, Value)>,
    budget: Budget,
}

impl<'p, 'a> Evaluator<'p, 'a> {
    pub(crate) fn new(activation: &'a Activation, budget: usize) -> Self {
        Self {
            activation,
            locals: Vec::new(),
            budget: Budget::new(budget),
        }
    }

    /// Spends `steps` of the budget.
    pub(crate) fn charge(&mut self, steps: usize) -> Result<(), EvalError> {
        self.budget.charge(steps)
    }

    pub(crate) fn eval(&mut self, expr: &'p Expr) -> EvalResult {
        self.charge(1)?;
        match &expr.kind {
            ExprKind::Literal(value) => Ok(value.clone()),
            ExprKind::Ident(name) => self.variable(name),
            ExprKind::Select {
                operand,
                field,
                test_only,
            } => {
                let operand = self.eval(operand)?;
                select(&operand, field, *test_only)
            }
            ExprKind::Index(operand, index) => {
                let operand = self.eval(operand)?;
                let index = self.eval(index)?;
                self.index(&operand, &index)
            }
            ExprKind::Not(operand) => match self.eval(operand)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                _ => Err(EvalError::TypeMismatch("!")),
            },
            ExprKind::Negate(operand) => ops::negate(self.eval(operand)?),
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right),
            ExprKind::And(operands) => self.logical(operands, false, "&&"),
            ExprKind::Or(operands) => self.logical(operands, true, "||"),
            ExprKind::Conditional(condition, then, otherwise) => match self.eval(condition)? {
                Value::Bool(true) => self.eval(then),
                Value::Bool(false) => self.eval(otherwise),
                _ => Err(EvalError::TypeMismatch("?:")),
            },
            ExprKind::List(items) => self.list(items),
            ExprKind::Map(entries) => self.map(entries),
            ExprKind::Call {
                function,
                subject,
                argument,
            } => self.call(*function, subject, argument.as_deref()),
            ExprKind::Comprehension(c) => self.comprehension(c),
        }
    }

    fn binary(&mut self, op: BinaryOp, left: &'p Expr, right: &'p Expr) -> EvalResult {
        let left = self.eval(left)?;
        let right = self.eval(right)?;
        self.charge(ops::binary_cost(op, &left, &right))?;
        binary(op, left, right, &mut self.budget)
    }

    fn call(
        &mut self,
        function: Function,
        subject: &'p Expr,
        argument: Option<&'p Expr>,
    ) -> EvalResult {
        let subject = self.eval(subject)?;
        let argument = argument.map(|a| self.eval(a)).transpose()?;
        let text = ops::text_weight(&subject) + argument.as_ref().map_or(0, ops::text_weight);
        self.charge(text)?;
        apply(function, subject, argument)
    }

    fn variable(&self, name: &Arc<str>) -> EvalResult {
        let local = self
            .locals
            .iter()
            .rev()
            .find(|(bound, _)| *bound == &**name);
        match local {
            Some((_, value)) => Ok(value.clone()),
            None => self
                .activation
                .get(&**name)
                .cloned()
                .ok_or_else(|| EvalError::UnknownIdentifier(name.clone())),
        }
    }

    fn index(&mut self, operand: &Value, index: &Value) -> EvalResult {
        match operand {
            Value::List(items) => {
                let position = match index {
                    Value::Int(i) => usize::try_from(*i).ok(),
                    Value::Uint(u) => usize::try_from(*u).ok(),
                    _ => return Err(EvalError::TypeMismatch("[]")),
                };
                position
                    .and_then(|p| items.get(p))
                    .cloned()
                    .ok_or(EvalError::NoSuchIndex)
            }
            Value::Map(map) => lookup_value(map, index)
                .cloned()
                .ok_or(EvalError::NoSuchIndex),
            _ => Err(EvalError::TypeMismatch("[]")),
        }
    }

    /// `&&` (`short` false) and `||` (`short` true): the first operand equal to `short`
    /// decides, whatever errors others raised; otherwise the first error wins. The budget
    /// error is never absorbed.
    fn logical(&mut self, operands: &'p [Expr], short: bool, op: &'static str) -> EvalResult {
        let mut error = None;
        for operand in operands {
            match self.eval(operand) {
                Ok(Value::Bool(b)) if b == short => return Ok(Value::Bool(short)),
                Ok(Value::Bool(_)) => {}
                Ok(_) => {
                    error.get_or_insert(EvalError::TypeMismatch(op));
                }
                Err(EvalError::LimitExceeded) => return Err(EvalError::LimitExceeded),
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        error.map_or(Ok(Value::Bool(!short)), Err)
    }

    fn list(&mut self, items: &'p [Expr]) -> EvalResult {
        let values = items
            .iter()
            .map(|item| self.eval(item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Value::from(values))
    }

    /// Map literals: keys must be bool, int, uint or string, and distinct.
    fn map(&mut self, entries: &'p [(Expr, Expr)]) -> EvalResult {
        let mut map = Map::new();
        for (key, value) in entries {
            let key =
                Key::from_value(&self.eval(key)?).ok_or(EvalError::TypeMismatch("map key"))?;
            let value = self.eval(value)?;
            if lookup(&map, &key).is_some() {
                return Err(EvalError::InvalidArgument("map literal: duplicate key"));
            }
            map.insert(key, value);
        }
        Ok(Value::Map(map.into()))
    }
}

/// `operand.field`, or the presence test of `has(operand.field)`.
fn select(operand: &Value, field: &Key, test_only: bool) -> EvalResult {
    let Value::Map(map) = operand else {
        return Err(EvalError::TypeMismatch("field selection"));
    };
    let found = lookup(map, field);
    if test_only {
        return Ok(Value::Bool(found.is_some()));
    }
    found.cloned().ok_or_else(|| match field {
        Key::String(name) => EvalError::NoSuchKey(name.clone()),
        _ => EvalError::NoSuchIndex,
    })
}

fn binary(op: BinaryOp, left: Value, right: Value, budget: &mut Budget) -> EvalResult {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let ordered = |accept: &[std::cmp::Ordering], name| {
        let ordering = ops::compare(&left, &right, name)?;
        Ok(Value::Bool(ordering.is_some_and(|o| accept.contains(&o))))
    };
    match op {
        BinaryOp::Add => ops::add(left, right),
        BinaryOp::Subtract => ops::subtract(left, right),
        BinaryOp::Multiply => ops::multiply(left, right),
        BinaryOp::Divide => ops::divide(left, right, false),
        BinaryOp::Remainder => ops::divide(left, right, true),
        BinaryOp::Equal => Ok(Value::Bool(ops::equal(&left, &right, budget)?)),
        BinaryOp::NotEqual => Ok(Value::Bool(!ops::equal(&left, &right, budget)?)),
        BinaryOp::Less => ordered(&[Less], "<"),
        BinaryOp::LessEqual => ordered(&[Less, Equal], "<="),
        BinaryOp::Greater => ordered(&[Greater], ">"),
        BinaryOp::GreaterEqual => ordered(&[Greater, Equal], ">="),
        BinaryOp::In => ops::contains(&left, &right, budget),
    }
}
