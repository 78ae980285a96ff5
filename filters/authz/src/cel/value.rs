//! CEL values, map keys, and conversions from JSON and Rust types.

use super::time::{Duration, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A CEL map. Keys are bools, integers or strings.
pub type Map = BTreeMap<Key, Value>;

/// A CEL value. Strings, bytes, lists and maps are shared, so cloning a value never copies
/// its contents; evaluation hands out activation data without copying it. `PartialEq` is
/// structural (`Int(1) != Double(1.0)`); CEL's `==` is implemented by the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(Arc<str>),
    Bytes(Arc<[u8]>),
    List(Arc<[Value]>),
    Map(Arc<Map>),
    Timestamp(Timestamp),
    Duration(Duration),
}

/// A map key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Bool(bool),
    Int(i64),
    Uint(u64),
    String(Arc<str>),
}

impl Value {
    /// A list of the given values.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// A map with string keys, e.g. request headers.
    pub fn string_map<K: Into<Arc<str>>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        // Inserting one by one links much less code into the wasm than `collect()`.
        let mut map = Map::new();
        for (key, value) in entries {
            map.insert(Key::String(key.into()), value);
        }
        Value::Map(Arc::new(map))
    }
}

impl Key {
    /// The key a literal map entry or `in` test uses; `None` for values that cannot be keys.
    pub(crate) fn from_value(value: &Value) -> Option<Key> {
        match value {
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Uint(u) => Some(Key::Uint(*u)),
            Value::String(s) => Some(Key::String(s.clone())),
            _ => None,
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Uint(u) => Value::Uint(*u),
            Key::String(s) => Value::String(s.clone()),
        }
    }
}

/// Looks `key` up in `map`; integer keys match whatever numeric type holds the same number.
pub(crate) fn lookup<'m>(map: &'m Map, key: &Key) -> Option<&'m Value> {
    map.get(key).or_else(|| match key {
        Key::Int(i) => map.get(&Key::Uint(u64::try_from(*i).ok()?)),
        Key::Uint(u) => map.get(&Key::Int(i64::try_from(*u).ok()?)),
        _ => None,
    })
}

/// Looks up a value used as an index; doubles holding a whole number act as integers.
pub(crate) fn lookup_value<'m>(map: &'m Map, index: &Value) -> Option<&'m Value> {
    if let Value::Double(d) = index {
        let whole = d.fract() == 0.0 && d.abs() < 9.2e18;
        // The bound above keeps the cast exact.
        return whole.then(|| lookup(map, &Key::Int(*d as i64))).flatten();
    }
    lookup(map, &Key::from_value(index)?)
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<u64> for Value {
    fn from(u: u64) -> Self {
        Value::Uint(u)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl From<Timestamp> for Value {
    fn from(t: Timestamp) -> Self {
        Value::Timestamp(t)
    }
}

impl From<Duration> for Value {
    fn from(d: Duration) -> Self {
        Value::Duration(d)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items.into())
    }
}

/// JSON maps to CEL as the spec's `google.protobuf.Value` does, except that integral numbers
/// become `int` (or `uint` above `i64::MAX`) so that claims like `exp` compare as integers.
impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Value::Int(i),
                (None, Some(u), _) => Value::Uint(u),
                (None, None, d) => Value::Double(d.unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(items) => Value::list(items.iter().map(Value::from)),
            serde_json::Value::Object(fields) => {
                Value::string_map(fields.iter().map(|(k, v)| (k.as_str(), Value::from(v))))
            }
        }
    }
}
