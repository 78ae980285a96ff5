//! Text to JSON value, guided by the schema's [`Shape`]: `5` becomes the number 5 where the
//! schema admits numbers, `true` a boolean where it admits booleans; anything else stays a
//! string, and the validator then says what was expected.

use crate::schema::{Shape, Types};
use serde_json::{Number, Value};

pub fn coerce(text: &str, shape: Shape) -> Value {
    let Some(types) = shape.types else {
        return Value::String(text.to_string());
    };
    if types.has(Types::INTEGER.with(Types::NUMBER)) {
        if let Some(number) = number(text) {
            return Value::Number(number);
        }
    }
    if types.has(Types::BOOLEAN) && (text == "true" || text == "false") {
        return Value::Bool(text == "true");
    }
    Value::String(text.to_string())
}

/// A number written as JSON writes it (no `+`, no leading zeros, no spaces, finite).
fn number(text: &str) -> Option<Number> {
    let first = text.bytes().next()?;
    let last = text.bytes().last()?;
    if !(first == b'-' || first.is_ascii_digit()) || !last.is_ascii_digit() {
        return None;
    }
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(types: Option<Types>) -> Shape {
        Shape {
            types,
            binary: false,
        }
    }

    #[test]
    fn reads_text_as_the_schema_types_allow() {
        let integer = shape(Some(Types::INTEGER));
        let number = shape(Some(Types::NUMBER));
        let boolean = shape(Some(Types::BOOLEAN));
        let string = shape(Some(Types::STRING));
        let cases = [
            ("5", integer, json!(5)),
            ("-5", integer, json!(-5)),
            ("1.5", integer, json!(1.5)),
            ("1.5", number, json!(1.5)),
            ("+5", integer, json!("+5")),
            ("05", integer, json!("05")),
            (" 5", integer, json!(" 5")),
            ("5 ", integer, json!("5 ")),
            ("1e999", number, json!("1e999")),
            ("0x10", integer, json!("0x10")),
            ("NaN", number, json!("NaN")),
            ("", integer, json!("")),
            ("true", boolean, json!(true)),
            ("True", boolean, json!("True")),
            ("1", boolean, json!("1")),
            ("5", string, json!("5")),
            ("5", shape(None), json!("5")),
        ];
        for (text, shape, expected) in cases {
            assert_eq!(coerce(text, shape), expected, "{text:?}");
        }
    }
}
