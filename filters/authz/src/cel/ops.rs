//! Operators: equality, ordering, arithmetic. No implicit numeric conversion in arithmetic;
//! equality and ordering compare int, uint and double by their numeric value, as CEL does.

use super::ast::BinaryOp;
use super::budget::Budget;
use super::error::EvalError;
use super::value::{lookup, lookup_value, Value};
use std::cmp::Ordering;

type EvalResult = Result<Value, EvalError>;

/// CEL equality: values of different types are unequal, except numbers of equal value.
/// Walking lists and maps costs a step per element pair.
pub(crate) fn equal(left: &Value, right: &Value, budget: &mut Budget) -> Result<bool, EvalError> {
    match (left, right) {
        (Value::List(a), Value::List(b)) => {
            if a.len() != b.len() {
                return Ok(false);
            }
            for (x, y) in a.iter().zip(b.iter()) {
                budget.charge(1)?;
                if !equal(x, y, budget)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (Value::Map(a), Value::Map(b)) => {
            if a.len() != b.len() {
                return Ok(false);
            }
            for (key, x) in a.iter() {
                budget.charge(1)?;
                let Some(y) = lookup(b, key) else {
                    return Ok(false);
                };
                if !equal(x, y, budget)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        _ => Ok(scalar_equal(left, right)),
    }
}

fn scalar_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bytes(a), Value::Bytes(b)) => a == b,
        (Value::Timestamp(a), Value::Timestamp(b)) => a == b,
        (Value::Duration(a), Value::Duration(b)) => a == b,
        _ => compare_numbers(left, right) == Some(Ordering::Equal),
    }
}

/// Orders two values of the same type, or two numbers; `Ok(None)` when a NaN is involved.
pub(crate) fn compare(
    left: &Value,
    right: &Value,
    op: &'static str,
) -> Result<Option<Ordering>, EvalError> {
    Ok(match (left, right) {
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bytes(a), Value::Bytes(b)) => Some(a.cmp(b)),
        (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
        (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(b)),
        (
            Value::Int(_) | Value::Uint(_) | Value::Double(_),
            Value::Int(_) | Value::Uint(_) | Value::Double(_),
        ) => compare_numbers(left, right),
        _ => return Err(EvalError::TypeMismatch(op)),
    })
}

/// Exact numeric comparison across int, uint and double; `None` for NaN or non-numbers.
fn compare_numbers(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Uint(a), Value::Uint(b)) => Some(a.cmp(b)),
        (Value::Double(a), Value::Double(b)) => a.partial_cmp(b),
        (Value::Int(a), Value::Uint(b)) => Some(int_cmp_uint(*a, *b)),
        (Value::Uint(a), Value::Int(b)) => Some(int_cmp_uint(*b, *a).reverse()),
        (Value::Int(a), Value::Double(b)) => int_cmp_double(i128::from(*a), *b),
        (Value::Uint(a), Value::Double(b)) => int_cmp_double(i128::from(*a), *b),
        (Value::Double(a), Value::Int(b)) => {
            int_cmp_double(i128::from(*b), *a).map(Ordering::reverse)
        }
        (Value::Double(a), Value::Uint(b)) => {
            int_cmp_double(i128::from(*b), *a).map(Ordering::reverse)
        }
        _ => None,
    }
}

fn int_cmp_uint(a: i64, b: u64) -> Ordering {
    u64::try_from(a).map_or(Ordering::Less, |a| a.cmp(&b))
}

/// Compares an integer with a double without rounding the integer.
fn int_cmp_double(a: i128, b: f64) -> Option<Ordering> {
    if b.is_nan() {
        return None;
    }
    // Beyond ±2^64 no i64 or u64 can reach b; inside, b's whole part converts exactly.
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    if b >= LIMIT {
        return Some(Ordering::Less);
    }
    if b <= -LIMIT {
        return Some(Ordering::Greater);
    }
    let whole = b.trunc();
    let ordering = a.cmp(&(whole as i128));
    Some(ordering.then_with(|| 0.0_f64.partial_cmp(&(b - whole)).unwrap_or(Ordering::Equal)))
}

pub(crate) fn add(left: Value, right: Value) -> EvalResult {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => {
            a.checked_add(b).map(Value::Int).ok_or(EvalError::Overflow)
        }
        (Value::Uint(a), Value::Uint(b)) => {
            a.checked_add(b).map(Value::Uint).ok_or(EvalError::Overflow)
        }
        (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a + b)),
        (Value::String(a), Value::String(b)) => Ok(Value::String(format!("{a}{b}").into())),
        (Value::Bytes(a), Value::Bytes(b)) => {
            Ok(Value::Bytes(a.iter().chain(b.iter()).copied().collect()))
        }
        (Value::List(a), Value::List(b)) => {
            Ok(Value::List(a.iter().chain(b.iter()).cloned().collect()))
        }
        (Value::Timestamp(t), Value::Duration(d)) | (Value::Duration(d), Value::Timestamp(t)) => {
            t.add(d).map(Value::Timestamp).ok_or(EvalError::Overflow)
        }
        (Value::Duration(a), Value::Duration(b)) => {
            a.add(b).map(Value::Duration).ok_or(EvalError::Overflow)
        }
        _ => Err(EvalError::TypeMismatch("+")),
    }
}

pub(crate) fn subtract(left: Value, right: Value) -> EvalResult {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => {
            a.checked_sub(b).map(Value::Int).ok_or(EvalError::Overflow)
        }
        (Value::Uint(a), Value::Uint(b)) => {
            a.checked_sub(b).map(Value::Uint).ok_or(EvalError::Overflow)
        }
        (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a - b)),
        (Value::Timestamp(a), Value::Timestamp(b)) => {
            a.since(b).map(Value::Duration).ok_or(EvalError::Overflow)
        }
        (Value::Timestamp(t), Value::Duration(d)) => {
            t.sub(d).map(Value::Timestamp).ok_or(EvalError::Overflow)
        }
        (Value::Duration(a), Value::Duration(b)) => {
            a.sub(b).map(Value::Duration).ok_or(EvalError::Overflow)
        }
        _ => Err(EvalError::TypeMismatch("-")),
    }
}

pub(crate) fn multiply(left: Value, right: Value) -> EvalResult {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => {
            a.checked_mul(b).map(Value::Int).ok_or(EvalError::Overflow)
        }
        (Value::Uint(a), Value::Uint(b)) => {
            a.checked_mul(b).map(Value::Uint).ok_or(EvalError::Overflow)
        }
        (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a * b)),
        _ => Err(EvalError::TypeMismatch("*")),
    }
}

/// `/` and `%`: integer division by zero is an error, `i64::MIN / -1` an overflow.
pub(crate) fn divide(left: Value, right: Value, remainder: bool) -> EvalResult {
    let op = if remainder { "%" } else { "/" };
    match (left, right) {
        (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => {
            Err(EvalError::DivisionByZero)
        }
        (Value::Int(a), Value::Int(b)) => {
            let result = if remainder {
                a.checked_rem(b)
            } else {
                a.checked_div(b)
            };
            result.map(Value::Int).ok_or(EvalError::Overflow)
        }
        (Value::Uint(a), Value::Uint(b)) => {
            let result = if remainder {
                a.checked_rem(b)
            } else {
                a.checked_div(b)
            };
            result.map(Value::Uint).ok_or(EvalError::Overflow)
        }
        (Value::Double(a), Value::Double(b)) if !remainder => Ok(Value::Double(a / b)),
        _ => Err(EvalError::TypeMismatch(op)),
    }
}

pub(crate) fn negate(value: Value) -> EvalResult {
    match value {
        Value::Int(i) => i.checked_neg().map(Value::Int).ok_or(EvalError::Overflow),
        Value::Double(d) => Ok(Value::Double(-d)),
        _ => Err(EvalError::TypeMismatch("unary -")),
    }
}

/// `element in container`: list membership by CEL equality, or map key presence.
pub(crate) fn contains(element: &Value, container: &Value, budget: &mut Budget) -> EvalResult {
    match container {
        Value::List(items) => {
            for item in items.iter() {
                budget.charge(1)?;
                if equal(element, item, budget)? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        Value::Map(map) => Ok(Value::Bool(lookup_value(map, element).is_some())),
        _ => Err(EvalError::TypeMismatch("in")),
    }
}

/// Evaluation cost of `op` beyond the one step every node costs: copying for `+`, comparing
/// text for `==` and ordering. (`==` and `in` charge list and map elements as they walk.)
pub(crate) fn binary_cost(op: BinaryOp, left: &Value, right: &Value) -> usize {
    match op {
        BinaryOp::Add => weight(left) + weight(right),
        BinaryOp::Equal
        | BinaryOp::NotEqual
        | BinaryOp::Less
        | BinaryOp::LessEqual
        | BinaryOp::Greater
        | BinaryOp::GreaterEqual => text_weight(left).min(text_weight(right)),
        _ => 0,
    }
}

/// One step per list or map element, one per 64 bytes of text.
fn weight(value: &Value) -> usize {
    match value {
        Value::List(items) => items.len(),
        Value::Map(map) => map.len(),
        _ => text_weight(value),
    }
}

/// One step per 64 bytes of a string or bytes value: what string functions scan or copy.
pub(crate) fn text_weight(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() / 64,
        Value::Bytes(b) => b.len() / 64,
        _ => 0,
    }
}
