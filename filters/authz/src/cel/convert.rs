//! Type conversions: `int()`, `uint()`, `double()`, `string()`, `bytes()`, `timestamp()`,
//! `duration()`.

use super::error::EvalError;
use super::functions::Function;
use super::time::{Duration, Timestamp};
use super::value::Value;

/// Doubles in [-2^63, 2^63) convert to int, those in [0, 2^64) to uint.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

pub(crate) fn convert(function: Function, subject: Value) -> Result<Value, EvalError> {
    match function {
        Function::Int => to_int(subject).map(Value::Int),
        Function::Uint => to_uint(subject).map(Value::Uint),
        Function::Double => to_double(subject).map(Value::Double),
        Function::String => to_string(subject),
        Function::Bytes => match subject {
            Value::Bytes(b) => Ok(Value::Bytes(b)),
            Value::String(s) => Ok(Value::Bytes(s.as_bytes().into())),
            _ => Err(EvalError::TypeMismatch("bytes")),
        },
        Function::Timestamp => to_timestamp(subject).map(Value::Timestamp),
        Function::Duration => to_duration(subject).map(Value::Duration),
        _ => Err(EvalError::TypeMismatch("function call")),
    }
}

fn to_int(subject: Value) -> Result<i64, EvalError> {
    match subject {
        Value::Int(i) => Ok(i),
        Value::Uint(u) => i64::try_from(u).map_err(|_| EvalError::Overflow),
        // In range and truncated toward zero, the cast is exact.
        Value::Double(d) if (-TWO_POW_63..TWO_POW_63).contains(&d) => Ok(d as i64),
        Value::Double(_) => Err(EvalError::Overflow),
        Value::String(s) => s.parse().map_err(|_| EvalError::InvalidArgument("int")),
        Value::Timestamp(t) => Ok(t.unix_seconds()),
        _ => Err(EvalError::TypeMismatch("int")),
    }
}

fn to_uint(subject: Value) -> Result<u64, EvalError> {
    match subject {
        Value::Int(i) => u64::try_from(i).map_err(|_| EvalError::Overflow),
        Value::Uint(u) => Ok(u),
        Value::Double(d) if d > -1.0 && d < TWO_POW_64 => Ok(d as u64),
        Value::Double(_) => Err(EvalError::Overflow),
        Value::String(s) => s.parse().map_err(|_| EvalError::InvalidArgument("uint")),
        _ => Err(EvalError::TypeMismatch("uint")),
    }
}

fn to_double(subject: Value) -> Result<f64, EvalError> {
    match subject {
        Value::Int(i) => Ok(i as f64),
        Value::Uint(u) => Ok(u as f64),
        Value::Double(d) => Ok(d),
        Value::String(s) => parse_double(&s).ok_or(EvalError::InvalidArgument("double")),
        _ => Err(EvalError::TypeMismatch("double")),
    }
}

fn to_string(subject: Value) -> Result<Value, EvalError> {
    let text = match subject {
        Value::String(s) => return Ok(Value::String(s)),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => d.to_string(),
        Value::Bytes(b) => {
            String::from_utf8(b.to_vec()).map_err(|_| EvalError::InvalidArgument("string"))?
        }
        Value::Timestamp(t) => t.to_string(),
        Value::Duration(d) => d.to_string(),
        _ => return Err(EvalError::TypeMismatch("string")),
    };
    Ok(Value::from(text))
}

fn to_timestamp(subject: Value) -> Result<Timestamp, EvalError> {
    match subject {
        Value::Timestamp(t) => Ok(t),
        Value::String(s) => Timestamp::parse(&s).ok_or(EvalError::InvalidArgument("timestamp")),
        Value::Int(seconds) => Timestamp::from_unix_seconds(seconds).ok_or(EvalError::Overflow),
        _ => Err(EvalError::TypeMismatch("timestamp")),
    }
}

fn to_duration(subject: Value) -> Result<Duration, EvalError> {
    match subject {
        Value::Duration(d) => Ok(d),
        Value::String(s) => Duration::parse(&s).ok_or(EvalError::InvalidArgument("duration")),
        _ => Err(EvalError::TypeMismatch("duration")),
    }
}

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` or `[+-].digits[(e|E)[+-]digits]`. The number goes through serde_json's parser: the module links it
/// anyway (core's `f64` parser would add about 18 KB of wasm), and it is the parser that read
/// the JSON claims these numbers are compared with. Like it, this is not always correctly
/// rounded beyond 17 significant digits.
pub(crate) fn parse_double(text: &str) -> Option<f64> {
    let (sign, unsigned) = match text.as_bytes().first() {
        Some(b'-') => ("-", text.get(1..)?),
        Some(b'+') => ("", text.get(1..)?),
        _ => ("", text),
    };
    let whole_len = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    let (whole, rest) = unsigned.split_at_checked(whole_len)?;
    if !is_fraction_and_exponent(rest.as_bytes(), whole.is_empty()) {
        return None;
    }
    // JSON wants exactly one leading zero where CEL allows any number, even none.
    let whole = match whole.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    };
    serde_json::from_slice(format!("{sign}{whole}{rest}").as_bytes()).ok()
}

/// Whether `rest` is `[.digits][(e|E)[+-]digits]`, with the fraction required when the whole
/// part before it is empty.
fn is_fraction_and_exponent(rest: &[u8], whole_is_empty: bool) -> bool {
    let digits = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = 0;
    if rest.first() == Some(&b'.') {
        let count = digits(rest.get(1..).unwrap_or_default());
        if count == 0 {
            return false;
        }
        i = 1 + count;
    } else if whole_is_empty {
        return false;
    }
    if matches!(rest.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(rest.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let count = digits(rest.get(i..).unwrap_or_default());
        if count == 0 {
            return false;
        }
        i += count;
    }
    i == rest.len()
}
