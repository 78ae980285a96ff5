//! A strict JSON reader for untrusted input: one pass, bounded, duplicates refused.
//!
//! serde_json keeps the last of duplicate keys, which lets two parsers disagree about a body or
//! a token's claims. This reader refuses duplicates, nesting beyond a depth, oversized objects,
//! arrays and strings, and NUL characters, and reports where with a JSON pointer.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

/// Bounds applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    pub max_object_entries: usize,
    pub max_array_items: usize,
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_object_entries: 256,
            max_array_items: 1024,
            max_string_bytes: 65536,
        }
    }
}

/// What made a document unacceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    Syntax,
    DuplicateKey,
    TooDeep,
    TooManyEntries,
    TooManyItems,
    StringTooLong,
    NulCharacter,
}

/// A refusal with the JSON pointer of the place (empty for the whole document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub kind: JsonErrorKind,
    pub pointer: String,
}

impl JsonError {
    pub fn reason(&self) -> &'static str {
        match self.kind {
            JsonErrorKind::Syntax => "not valid JSON",
            JsonErrorKind::DuplicateKey => "duplicate key",
            JsonErrorKind::TooDeep => "nested too deeply",
            JsonErrorKind::TooManyEntries => "too many object entries",
            JsonErrorKind::TooManyItems => "too many array items",
            JsonErrorKind::StringTooLong => "string too long",
            JsonErrorKind::NulCharacter => "NUL character",
        }
    }
}

/// Parses `bytes` as one JSON document within `limits`.
pub fn parse_strict(bytes: &[u8], limits: &Limits) -> Result<Value, JsonError> {
    let state = State {
        limits: *limits,
        failure: RefCell::new(None),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let seed = Node {
        state: &state,
        depth: 0,
        pointer: String::new(),
    };
    let parsed = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    match (parsed, state.failure.into_inner()) {
        (Ok(value), None) => Ok(value),
        (_, Some(failure)) => Err(failure),
        (Err(_), None) => Err(JsonError {
            kind: JsonErrorKind::Syntax,
            pointer: String::new(),
        }),
    }
}

struct State {
    limits: Limits,
    failure: RefCell<Option<JsonError>>,
}

impl State {
    fn fail<E: de::Error>(&self, kind: JsonErrorKind, pointer: &str) -> E {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(JsonError {
                kind,
                pointer: pointer.to_string(),
            });
        }
        E::custom("refused")
    }
}

struct Node<'s> {
    state: &'s State,
    depth: usize,
    pointer: String,
}

impl<'s> Node<'s> {
    fn child(&self, token: &str) -> Node<'s> {
        let escaped = token.replace('~', "~0").replace('/', "~1");
        Node {
            state: self.state,
            depth: self.depth + 1,
            pointer: format!("{}/{}", self.pointer, escaped),
        }
    }

    fn check_string<E: de::Error>(&self, text: &str) -> Result<(), E> {
        if text.len() > self.state.limits.max_string_bytes {
            return Err(self.state.fail(JsonErrorKind::StringTooLong, &self.pointer));
        }
        if text.contains('\0') {
            return Err(self.state.fail(JsonErrorKind::NulCharacter, &self.pointer));
        }
        Ok(())
    }

    fn check_depth<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= self.state.limits.max_depth {
            return Err(self.state.fail(JsonErrorKind::TooDeep, &self.pointer));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| self.state.fail(JsonErrorKind::Syntax, &self.pointer))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.check_string(v)?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.check_string(&v)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.check_depth()?;
        let mut items = Vec::new();
        loop {
            if items.len() >= self.state.limits.max_array_items {
                return Err(self.state.fail(JsonErrorKind::TooManyItems, &self.pointer));
            }
            let child = self.child(&items.len().to_string());
            match seq.next_element_seed(child)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.check_depth()?;
        let mut object = Map::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            self.check_string(&key)?;
            let child = self.child(&key);
            if !seen.insert(key.clone()) {
                return Err(self.state.fail(JsonErrorKind::DuplicateKey, &child.pointer));
            }
            if object.len() >= self.state.limits.max_object_entries {
                return Err(self
                    .state
                    .fail(JsonErrorKind::TooManyEntries, &self.pointer));
            }
            let value = map.next_value_seed(child)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuse(text: &str, limits: &Limits) -> JsonError {
        parse_strict(text.as_bytes(), limits).unwrap_err()
    }

    #[test]
    fn parses_ordinary_documents() {
        let value = parse_strict(
            br#"{"a":[1,2.5,"x",null,true],"b":{"c":-3}}"#,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(value["b"]["c"], -3);
    }

    #[test]
    fn refuses_duplicate_keys_at_any_depth() {
        let limits = Limits::default();
        let err = refuse(r#"{"sub":"a","sub":"b"}"#, &limits);
        assert_eq!(
            (err.kind, err.pointer.as_str()),
            (JsonErrorKind::DuplicateKey, "/sub")
        );
        let err = refuse(r#"{"a":[{"x/y":1,"x/y":2}]}"#, &limits);
        assert_eq!(err.pointer, "/a/0/x~1y");
        let err = refuse(r#"{"a":1,"\u0061":2}"#, &limits);
        assert_eq!(err.kind, JsonErrorKind::DuplicateKey);
    }

    #[test]
    fn refuses_documents_beyond_each_limit() {
        let limits = Limits {
            max_depth: 3,
            max_object_entries: 2,
            max_array_items: 2,
            max_string_bytes: 4,
        };
        assert_eq!(refuse("[[[[1]]]]", &limits).kind, JsonErrorKind::TooDeep);
        assert_eq!(
            refuse(r#"{"a":1,"b":2,"c":3}"#, &limits).kind,
            JsonErrorKind::TooManyEntries
        );
        assert_eq!(refuse("[1,2,3]", &limits).kind, JsonErrorKind::TooManyItems);
        assert_eq!(
            refuse(r#"["abcde"]"#, &limits).kind,
            JsonErrorKind::StringTooLong
        );
        assert!(parse_strict(b"[[[1]]]", &limits).is_ok());
    }

    #[test]
    fn refuses_nul_bom_bad_utf8_and_trailing_data() {
        let limits = Limits::default();
        assert_eq!(
            refuse(r#"{"a":"x\u0000"}"#, &limits).kind,
            JsonErrorKind::NulCharacter
        );
        assert_eq!(refuse("\u{feff}{}", &limits).kind, JsonErrorKind::Syntax);
        assert_eq!(refuse("{} {}", &limits).kind, JsonErrorKind::Syntax);
        let bad_utf8 = parse_strict(b"[\"\xff\"]", &limits).unwrap_err();
        assert_eq!(bad_utf8.kind, JsonErrorKind::Syntax);
    }
}
