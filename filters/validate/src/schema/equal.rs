//! JSON equality as JSON Schema defines it: numbers by value (`1` equals `1.0`), objects
//! regardless of member order. Used by `enum`, `const` and `uniqueItems`.

use super::number;
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt::Write;

pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number::compare(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, value)| y.get(key).is_some_and(|other| equal(value, other)))
        }
        _ => a == b,
    }
}

/// A text that two values share exactly when they are [`equal`]: object members sorted by key,
/// integral numbers written as integers.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => write_number(n, out),
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut keys: Vec<&String> = members.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(member) = members.get(key) {
                    write_canonical(member, out);
                }
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn write_number(n: &serde_json::Number, out: &mut String) {
    if n.is_f64() && number::is_integer(n) {
        let f = n.as_f64().unwrap_or_default();
        if f.abs() < 1.0e38 {
            // Integral and in range: the same text as the integer it equals.
            let _ = write!(out, "{}", f as i128);
            return;
        }
    }
    let _ = write!(out, "{n}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_and_canonical_text_agree() {
        let cases = [
            (json!(1), json!(1.0), true),
            (json!({"a": 1, "b": [2]}), json!({"b": [2.0], "a": 1}), true),
            (json!([1, 2]), json!([2, 1]), false),
            (json!("1"), json!(1), false),
            (json!({"a": null}), json!({}), false),
            (json!(null), json!(null), true),
            (json!(0.5), json!(0.50), true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(equal(&a, &b), expected, "{a} vs {b}");
            assert_eq!(canonical(&a) == canonical(&b), expected, "{a} vs {b}");
        }
    }
}
