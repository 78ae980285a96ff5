//! The compiled form of one schema: keyword values read, checked and ready to apply.

use super::format::Format;
use regex_lite::Regex;
use serde_json::{Number, Value};
use std::collections::BTreeMap;

/// A schema's place in the [`Tree`](super::Tree) arena; `$ref`s are these indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaId(pub(super) usize);

/// One compiled schema.
#[derive(Debug)]
pub enum Node {
    /// `true` or `{}`: every value is valid.
    Any,
    /// `false`: no value is valid.
    Nothing,
    Rules(Box<Rules>),
}

/// The keywords of an object schema that this validator applies; others are ignored.
#[derive(Debug, Default)]
pub struct Rules {
    pub types: Option<Types>,
    pub reference: Option<SchemaId>,
    pub allowed: Option<Vec<Value>>,
    pub constant: Option<Value>,
    /// `readOnly: true`: the value belongs to responses and is refused in a request.
    pub read_only: bool,
    /// Raw bytes rather than text: `format: binary`, `contentMediaType` or `contentEncoding`
    /// (multipart parts of such properties are size-checked, not read as UTF-8).
    pub binary: bool,
    pub string: StringRules,
    pub number: NumberRules,
    pub array: ArrayRules,
    pub object: ObjectRules,
    pub composition: Composition,
    /// `if`/`then`/`else`.
    pub conditional: Option<Conditional>,
}

/// `if` decides which of `then` and `else` applies; `if` alone asserts nothing.
#[derive(Debug)]
pub struct Conditional {
    pub condition: SchemaId,
    pub then: Option<SchemaId>,
    pub otherwise: Option<SchemaId>,
}

#[derive(Debug, Default)]
pub struct StringRules {
    /// Bounds in Unicode scalar values, as JSON Schema counts them.
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<Regex>,
    pub format: Option<Format>,
    /// `x-palisade-url-allowlist`: the value must be a URL this allowlist accepts (SSRF).
    pub url: Option<std::rc::Rc<crate::ssrf::UrlPolicy>>,
}

#[derive(Debug, Default)]
pub struct NumberRules {
    pub minimum: Option<Number>,
    pub exclusive_minimum: Option<Number>,
    pub maximum: Option<Number>,
    pub exclusive_maximum: Option<Number>,
    /// Always greater than zero (checked when compiled).
    pub multiple_of: Option<Number>,
}

#[derive(Debug, Default)]
pub struct ArrayRules {
    pub prefix_items: Vec<SchemaId>,
    /// Applies to every item after the `prefix_items`.
    pub items: Option<SchemaId>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub contains: Option<SchemaId>,
    /// `minContains` (default 1 when `contains` is present; 0 lets it match nothing).
    pub min_contains: Option<usize>,
    pub max_contains: Option<usize>,
    /// Applies to every item no other keyword evaluated, composition included.
    pub unevaluated_items: Option<SchemaId>,
}

#[derive(Debug, Default)]
pub struct ObjectRules {
    pub properties: BTreeMap<String, SchemaId>,
    pub pattern_properties: Vec<(Regex, SchemaId)>,
    /// Applies to members named neither in `properties` nor by a pattern.
    pub additional: Option<SchemaId>,
    /// Required names, minus those whose own schema is read-only (they are response-only).
    pub required: Vec<String>,
    pub min_properties: Option<usize>,
    pub max_properties: Option<usize>,
    /// Every member name, as a string value, must satisfy it.
    pub property_names: Option<SchemaId>,
    /// When the first member is present, the others are required too.
    pub dependent_required: Vec<(String, Vec<String>)>,
    /// When the member is present, the whole object must satisfy the schema.
    pub dependent_schemas: Vec<(String, SchemaId)>,
    /// Applies to every member no other keyword evaluated, composition included.
    pub unevaluated: Option<SchemaId>,
}

impl ObjectRules {
    /// Whether the schema names members (`properties`): with `reject_additional_properties`,
    /// an object it applies to is closed unless some schema opens it.
    pub fn declares_members(&self) -> bool {
        !self.properties.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct Composition {
    pub all_of: Vec<SchemaId>,
    pub any_of: Vec<SchemaId>,
    pub one_of: Vec<SchemaId>,
    pub not: Option<SchemaId>,
}

/// The set of JSON types a `type` keyword admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Types(u8);

const NAMES: [(&str, Types); 7] = [
    ("null", Types::NULL),
    ("boolean", Types::BOOLEAN),
    ("object", Types::OBJECT),
    ("array", Types::ARRAY),
    ("number", Types::NUMBER),
    ("string", Types::STRING),
    ("integer", Types::INTEGER),
];

impl Types {
    pub const NULL: Types = Types(1);
    pub const BOOLEAN: Types = Types(2);
    pub const OBJECT: Types = Types(4);
    pub const ARRAY: Types = Types(8);
    pub const NUMBER: Types = Types(16);
    pub const STRING: Types = Types(32);
    pub const INTEGER: Types = Types(64);

    /// The set holding one named type; `None` for a name JSON Schema does not define.
    pub fn named(name: &str) -> Option<Types> {
        NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, types)| *types)
    }

    pub fn with(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    /// The types both sets admit; `number` admits integers.
    pub fn and(self, other: Types) -> Types {
        let widen = |t: Types| {
            if t.has(Types::NUMBER) {
                t.with(Types::INTEGER)
            } else {
                t
            }
        };
        Types(widen(self).0 & widen(other).0)
    }

    pub fn has(self, other: Types) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether `value` has one of the types; a number with no fraction is an integer.
    pub fn admits(self, value: &Value) -> bool {
        match value {
            Value::Null => self.has(Types::NULL),
            Value::Bool(_) => self.has(Types::BOOLEAN),
            Value::Object(_) => self.has(Types::OBJECT),
            Value::Array(_) => self.has(Types::ARRAY),
            Value::String(_) => self.has(Types::STRING),
            Value::Number(n) => {
                self.has(Types::NUMBER)
                    || (self.has(Types::INTEGER) && super::number::is_integer(n))
            }
        }
    }

    /// The names in the set, e.g. `string or null`, for reasons.
    pub fn describe(self) -> String {
        let names: Vec<&str> = NAMES
            .iter()
            .filter(|(_, types)| self.has(*types))
            .map(|(name, _)| *name)
            .collect();
        names.join(" or ")
    }
}

/// The JSON type of a value, for reasons (`expected string, found number`).
pub fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(n) if super::number::is_integer(n) => "integer",
        Value::Number(_) => "number",
    }
}
