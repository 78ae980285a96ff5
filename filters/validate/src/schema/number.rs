//! Number comparisons that stay exact across JSON integers and floats.
//!
//! serde_json keeps integers as `i64`/`u64` and everything else as `f64`. Converting an integer
//! above 2^53 to `f64` rounds it, which would let `9007199254740993` pass `maximum:
//! 9007199254740992`; so integers are compared as integers, and an integer against a float by
//! its whole and fractional parts.

use serde_json::Number;
use std::cmp::Ordering;

/// Magnitude beyond which a float is above every integer serde_json can hold.
const BEYOND_INTEGERS: f64 = 1.0e38;

enum Exact {
    Int(i128),
    Float(f64),
}

fn exact(n: &Number) -> Exact {
    if let Some(i) = n.as_i64() {
        return Exact::Int(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Exact::Int(i128::from(u));
    }
    Exact::Float(n.as_f64().unwrap_or(f64::NAN))
}

/// Whether a number has no fractional part (`1.0` is an integer to JSON Schema).
pub fn is_integer(n: &Number) -> bool {
    match exact(n) {
        Exact::Int(_) => true,
        Exact::Float(f) => f.is_finite() && f.fract() == 0.0,
    }
}

/// Orders two numbers by value; `None` only for a value that is not a number at all.
pub fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    match (exact(a), exact(b)) {
        (Exact::Int(x), Exact::Int(y)) => Some(x.cmp(&y)),
        (Exact::Float(x), Exact::Float(y)) => x.partial_cmp(&y),
        (Exact::Int(x), Exact::Float(y)) => int_against_float(x, y),
        (Exact::Float(x), Exact::Int(y)) => int_against_float(y, x).map(Ordering::reverse),
    }
}

fn int_against_float(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    if float >= BEYOND_INTEGERS {
        return Some(Ordering::Less);
    }
    if float <= -BEYOND_INTEGERS {
        return Some(Ordering::Greater);
    }
    let whole = float.trunc();
    // Exact: `whole` is integral and well inside the i128 range.
    match int.cmp(&(whole as i128)) {
        Ordering::Equal => 0.0_f64.partial_cmp(&(float - whole)),
        unequal => Some(unequal),
    }
}

/// Whether `value` is an integral multiple of `divisor` (which must be positive).
///
/// Both are read as the decimals the client and the schema author wrote (the shortest form that
/// round-trips), so `10.23` is a multiple of `0.01` although `10.23 / 0.01` is not integral in
/// binary floating point. Only numbers too far apart in scale for 128-bit arithmetic fall back
/// to a float quotient with a relative tolerance of 1e-9.
pub fn is_multiple_of(value: &Number, divisor: &Number) -> bool {
    if let (Some(v), Some(d)) = (decimal(value), decimal(divisor)) {
        if let Some(answer) = decimal_multiple(v, d) {
            return answer;
        }
    }
    float_multiple(value, divisor)
}

/// A number as `digits × 10^exponent`.
fn decimal(n: &Number) -> Option<(i128, i32)> {
    match exact(n) {
        Exact::Int(i) => Some((i, 0)),
        Exact::Float(f) => parse_scientific(&format!("{f:e}")),
    }
}

/// Reads Rust's `{:e}` form, e.g. `-1.023e1`.
fn parse_scientific(text: &str) -> Option<(i128, i32)> {
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let magnitude: i128 = format!("{whole}{fraction}").parse().ok()?;
    let exponent = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
    Some((if negative { -magnitude } else { magnitude }, exponent))
}

fn decimal_multiple(value: (i128, i32), divisor: (i128, i32)) -> Option<bool> {
    let common = value.1.min(divisor.1);
    let scale = |(digits, exponent): (i128, i32)| -> Option<i128> {
        let shift = u32::try_from(exponent.checked_sub(common)?).ok()?;
        digits.checked_mul(10_i128.checked_pow(shift)?)
    };
    let (value, divisor) = (scale(value)?, scale(divisor)?);
    if divisor == 0 {
        return Some(false);
    }
    Some(value.checked_rem(divisor)? == 0)
}

fn float_multiple(value: &Number, divisor: &Number) -> bool {
    let (Some(value), Some(divisor)) = (value.as_f64(), divisor.as_f64()) else {
        return false;
    };
    if divisor == 0.0 {
        return false;
    }
    let quotient = value / divisor;
    quotient.is_finite() && (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(value: serde_json::Value) -> Number {
        match value {
            serde_json::Value::Number(n) => n,
            other => panic!("not a number: {other}"),
        }
    }

    #[test]
    fn compares_exactly_across_integers_and_floats() {
        let cases = [
            (
                json!(9007199254740993_u64),
                json!(9007199254740992.0),
                Ordering::Greater,
            ),
            (json!(3), json!(3.5), Ordering::Less),
            (json!(-3), json!(-3.5), Ordering::Greater),
            (json!(4), json!(4.0), Ordering::Equal),
            (json!(u64::MAX), json!(1.0e300), Ordering::Less),
            (json!(-1), json!(-1.0e300), Ordering::Greater),
            (json!(0.1), json!(0.2), Ordering::Less),
            (json!(i64::MIN), json!(u64::MAX), Ordering::Less),
        ];
        for (a, b, expected) in cases {
            assert_eq!(
                compare(&n(a.clone()), &n(b.clone())),
                Some(expected),
                "{a} vs {b}"
            );
            assert_eq!(compare(&n(b), &n(a)), Some(expected.reverse()));
        }
    }

    #[test]
    fn multiple_of_reads_decimals_as_written() {
        let cases = [
            (json!(10.23), json!(0.01), true),
            (json!(10.235), json!(0.01), false),
            (json!(0.3), json!(0.1), true),
            (json!(12), json!(4), true),
            (json!(-12), json!(5), false),
            (json!(7.5), json!(2.5), true),
            (json!(1e300), json!(0.01), true),
            (json!(3), json!(1.5), true),
            (json!(1), json!(0.3), false),
        ];
        for (value, divisor, expected) in cases {
            assert_eq!(
                is_multiple_of(&n(value.clone()), &n(divisor.clone())),
                expected,
                "{value} / {divisor}"
            );
        }
    }

    #[test]
    fn integral_floats_are_integers() {
        assert!(is_integer(&n(json!(1.0))));
        assert!(is_integer(&n(json!(-7))));
        assert!(!is_integer(&n(json!(1.5))));
    }
}
