//! Typed readers for keyword values; a value of the wrong shape refuses the configuration.

use super::format::Format;
use super::number::compare;
use super::rules::{NumberRules, StringRules, Types};
use palisade_shared::config::ConfigError;
use regex_lite::{Regex, RegexBuilder};
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// Compiled-size bound for one `pattern`, so one schema cannot take the VM's memory.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;
const PATTERN_NEST_LIMIT: u32 = 64;

pub type Keywords = Map<String, Value>;

pub fn wrong(at: &str, key: &str, why: impl Into<String>) -> ConfigError {
    ConfigError::new(format!("{at}.{key}"), why)
}

/// A non-negative integer keyword such as `maxLength`.
pub fn count(map: &Keywords, key: &str, at: &str) -> Result<Option<usize>, ConfigError> {
    let Some(value) = map.get(key) else {
        return Ok(None);
    };
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| wrong(at, key, "must be a non-negative integer"))
}

/// A numeric keyword such as `minimum`.
pub fn number(map: &Keywords, key: &str, at: &str) -> Result<Option<Number>, ConfigError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(Some(n.clone())),
        Some(_) => Err(wrong(at, key, "must be a number")),
    }
}

/// A boolean keyword such as `uniqueItems`; absent is false.
pub fn flag(map: &Keywords, key: &str, at: &str) -> Result<bool, ConfigError> {
    match map.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong(at, key, "must be a boolean")),
    }
}

/// `type` as one name or a list of names; OpenAPI 3.0's `nullable: true` adds `null`.
pub fn types(map: &Keywords, at: &str) -> Result<Option<Types>, ConfigError> {
    let bad = || wrong(at, "type", "must be a type name or a list of type names");
    let names: Vec<&str> = match map.get("type") {
        None => return Ok(None),
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_str().ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad()),
    };
    let mut set = Types::default();
    for name in names {
        set = set.with(Types::named(name).ok_or_else(|| wrong(at, "type", "unknown type name"))?);
    }
    if flag(map, "nullable", at)? {
        set = set.with(Types::NULL);
    }
    Ok(Some(set))
}

/// The `pattern` keyword, compiled now.
pub fn pattern(map: &Keywords, at: &str) -> Result<Option<Regex>, ConfigError> {
    match map.get("pattern") {
        None => Ok(None),
        Some(Value::String(text)) => regex(text, &format!("{at}.pattern")).map(Some),
        Some(_) => Err(wrong(at, "pattern", "must be a regular expression string")),
    }
}

/// A regular expression, compiled now; JSON Schema patterns are unanchored.
pub fn regex(text: &str, at: &str) -> Result<Regex, ConfigError> {
    RegexBuilder::new(text)
        .size_limit(PATTERN_SIZE_LIMIT)
        .nest_limit(PATTERN_NEST_LIMIT)
        .build()
        .map_err(|_| ConfigError::new(at, "is not a regular expression this filter supports"))
}

/// `format`, when it names a format this validator asserts.
pub fn format(map: &Keywords, at: &str) -> Result<Option<Format>, ConfigError> {
    match map.get("format") {
        None => Ok(None),
        Some(Value::String(name)) => Ok(Format::named(name)),
        Some(_) => Err(wrong(at, "format", "must be a string")),
    }
}

/// A list of strings such as `required`.
pub fn names(map: &Keywords, key: &str, at: &str) -> Result<Vec<String>, ConfigError> {
    let Some(value) = map.get(key) else {
        return Ok(Vec::new());
    };
    let bad = || wrong(at, key, "must be a list of strings");
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| v.as_str().map(String::from).ok_or_else(bad))
        .collect()
}

/// A list of values such as `enum`.
pub fn values(map: &Keywords, key: &str, at: &str) -> Result<Option<Vec<Value>>, ConfigError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Array(list)) => Ok(Some(list.clone())),
        Some(_) => Err(wrong(at, key, "must be a list")),
    }
}

pub fn string_rules(map: &Keywords, at: &str) -> Result<StringRules, ConfigError> {
    Ok(StringRules {
        min_length: count(map, "minLength", at)?,
        max_length: count(map, "maxLength", at)?,
        pattern: pattern(map, at)?,
        format: format(map, at)?,
        url: None,
    })
}

pub fn number_rules(map: &Keywords, at: &str) -> Result<NumberRules, ConfigError> {
    let mut minimum = number(map, "minimum", at)?;
    let mut maximum = number(map, "maximum", at)?;
    let exclusive_minimum = exclusive(map, "exclusiveMinimum", &mut minimum, at)?;
    let exclusive_maximum = exclusive(map, "exclusiveMaximum", &mut maximum, at)?;
    let multiple_of = number(map, "multipleOf", at)?;
    if let Some(divisor) = &multiple_of {
        if compare(divisor, &Number::from(0)) != Some(Ordering::Greater) {
            return Err(wrong(at, "multipleOf", "must be greater than 0"));
        }
    }
    Ok(NumberRules {
        minimum,
        exclusive_minimum,
        maximum,
        exclusive_maximum,
        multiple_of,
    })
}

/// `exclusiveMinimum`/`exclusiveMaximum`: a number (3.1), or OpenAPI 3.0's `true`, which makes
/// the plain bound exclusive.
fn exclusive(
    map: &Keywords,
    key: &str,
    bound: &mut Option<Number>,
    at: &str,
) -> Result<Option<Number>, ConfigError> {
    match map.get(key) {
        None | Some(Value::Bool(false)) => Ok(None),
        Some(Value::Bool(true)) => Ok(bound.take()),
        Some(Value::Number(n)) => Ok(Some(n.clone())),
        Some(_) => Err(wrong(at, key, "must be a number")),
    }
}

/// `dependentRequired`: member name → the names required with it.
pub fn dependent_required(
    map: &Keywords,
    at: &str,
) -> Result<Vec<(String, Vec<String>)>, ConfigError> {
    let Some(value) = map.get("dependentRequired") else {
        return Ok(Vec::new());
    };
    let bad = || wrong(at, "dependentRequired", "must map names to lists of names");
    let members = value.as_object().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(members.len());
    for (name, list) in members {
        let names = list
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|v| v.as_str().map(String::from).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((name.clone(), names));
    }
    Ok(out)
}

/// Whether the schema describes raw bytes rather than text.
pub fn is_binary(map: &Keywords) -> bool {
    map.get("format").and_then(Value::as_str) == Some("binary")
        || map.contains_key("contentMediaType")
        || map.contains_key("contentEncoding")
}
