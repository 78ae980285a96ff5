//! The built-in functions, resolved by name and arity at compile time.

use super::calendar::days_from_civil;
use super::error::EvalError;
use super::time::{Duration, Timestamp};
use super::value::Value;

/// A built-in function. Each takes a subject (receiver, or sole argument) and at most one
/// more argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Size,
    StartsWith,
    EndsWith,
    Contains,
    LowerAscii,
    UpperAscii,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    Dyn,
    /// Calendar fields of a timestamp in UTC, or totals of a duration.
    Time(TimeField),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeField {
    FullYear,
    Month,
    DayOfYear,
    DayOfMonth,
    Date,
    DayOfWeek,
    Hours,
    Minutes,
    Seconds,
    Milliseconds,
}

/// How a function is called: `f(x)` is global, `x.f()` a member call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Global,
    Member,
}

/// (name, style, arguments besides the receiver, function).
const TABLE: &[(&str, Style, usize, Function)] = &[
    ("size", Style::Global, 1, Function::Size),
    ("size", Style::Member, 0, Function::Size),
    ("startsWith", Style::Member, 1, Function::StartsWith),
    ("endsWith", Style::Member, 1, Function::EndsWith),
    ("contains", Style::Member, 1, Function::Contains),
    ("lowerAscii", Style::Member, 0, Function::LowerAscii),
    ("upperAscii", Style::Member, 0, Function::UpperAscii),
    ("int", Style::Global, 1, Function::Int),
    ("uint", Style::Global, 1, Function::Uint),
    ("double", Style::Global, 1, Function::Double),
    ("string", Style::Global, 1, Function::String),
    ("bytes", Style::Global, 1, Function::Bytes),
    ("timestamp", Style::Global, 1, Function::Timestamp),
    ("duration", Style::Global, 1, Function::Duration),
    ("dyn", Style::Global, 1, Function::Dyn),
    (
        "getFullYear",
        Style::Member,
        0,
        Function::Time(TimeField::FullYear),
    ),
    (
        "getMonth",
        Style::Member,
        0,
        Function::Time(TimeField::Month),
    ),
    (
        "getDayOfYear",
        Style::Member,
        0,
        Function::Time(TimeField::DayOfYear),
    ),
    (
        "getDayOfMonth",
        Style::Member,
        0,
        Function::Time(TimeField::DayOfMonth),
    ),
    ("getDate", Style::Member, 0, Function::Time(TimeField::Date)),
    (
        "getDayOfWeek",
        Style::Member,
        0,
        Function::Time(TimeField::DayOfWeek),
    ),
    (
        "getHours",
        Style::Member,
        0,
        Function::Time(TimeField::Hours),
    ),
    (
        "getMinutes",
        Style::Member,
        0,
        Function::Time(TimeField::Minutes),
    ),
    (
        "getSeconds",
        Style::Member,
        0,
        Function::Time(TimeField::Seconds),
    ),
    (
        "getMilliseconds",
        Style::Member,
        0,
        Function::Time(TimeField::Milliseconds),
    ),
];

/// Finds the function `name` called as a member (`x.name(...)`) or globally, with `args`
/// arguments besides the receiver.
pub(crate) fn resolve(name: &str, member: bool, args: usize) -> Option<Function> {
    let style = if member { Style::Member } else { Style::Global };
    TABLE
        .iter()
        .find(|(n, s, a, _)| *n == name && *s == style && *a == args)
        .map(|(_, _, _, function)| *function)
}

/// Applies `function` to evaluated operands.
pub(crate) fn apply(
    function: Function,
    subject: Value,
    argument: Option<Value>,
) -> Result<Value, EvalError> {
    match (function, subject, argument) {
        (Function::Size, subject, None) => size(&subject),
        (Function::StartsWith, Value::String(s), Some(Value::String(p))) => {
            Ok(Value::Bool(s.starts_with(&*p)))
        }
        (Function::EndsWith, Value::String(s), Some(Value::String(p))) => {
            Ok(Value::Bool(s.ends_with(&*p)))
        }
        (Function::Contains, Value::String(s), Some(Value::String(p))) => {
            Ok(Value::Bool(s.contains(&*p)))
        }
        (Function::LowerAscii, Value::String(s), None) => Ok(Value::from(s.to_ascii_lowercase())),
        (Function::UpperAscii, Value::String(s), None) => Ok(Value::from(s.to_ascii_uppercase())),
        (Function::Dyn, subject, None) => Ok(subject),
        (Function::Time(field), subject, None) => time_field(field, &subject),
        (function, subject, None) => super::convert::convert(function, subject),
        _ => Err(EvalError::TypeMismatch("function call")),
    }
}

fn size(subject: &Value) -> Result<Value, EvalError> {
    let length = match subject {
        Value::String(s) => s.chars().count(),
        Value::Bytes(b) => b.len(),
        Value::List(items) => items.len(),
        Value::Map(map) => map.len(),
        _ => return Err(EvalError::TypeMismatch("size")),
    };
    i64::try_from(length)
        .map(Value::Int)
        .map_err(|_| EvalError::Overflow)
}

fn time_field(field: TimeField, subject: &Value) -> Result<Value, EvalError> {
    match subject {
        Value::Timestamp(t) => Ok(Value::Int(timestamp_field(field, *t))),
        Value::Duration(d) => {
            let total = duration_field(field, *d)?;
            i64::try_from(total)
                .map(Value::Int)
                .map_err(|_| EvalError::Overflow)
        }
        _ => Err(EvalError::TypeMismatch("time accessor")),
    }
}

fn timestamp_field(field: TimeField, t: Timestamp) -> i64 {
    let civil = t.civil();
    let second_of_day = civil.second_of_day;
    match field {
        TimeField::FullYear => civil.year,
        TimeField::Month => civil.month - 1,
        TimeField::DayOfYear => civil.days - days_from_civil(civil.year, 1, 1),
        TimeField::DayOfMonth => civil.day - 1,
        TimeField::Date => civil.day,
        // 1970-01-01 was a Thursday; Sunday is 0.
        TimeField::DayOfWeek => (civil.days + 4).rem_euclid(7),
        TimeField::Hours => second_of_day / 3600,
        TimeField::Minutes => second_of_day / 60 % 60,
        TimeField::Seconds => second_of_day % 60,
        TimeField::Milliseconds => civil.nanos / 1_000_000,
    }
}

/// Durations answer with totals, truncated toward zero.
fn duration_field(field: TimeField, d: Duration) -> Result<i128, EvalError> {
    let unit: i128 = match field {
        TimeField::Hours => 3_600_000_000_000,
        TimeField::Minutes => 60_000_000_000,
        TimeField::Seconds => 1_000_000_000,
        TimeField::Milliseconds => 1_000_000,
        _ => return Err(EvalError::TypeMismatch("time accessor")),
    };
    Ok(d.nanos() / unit)
}
