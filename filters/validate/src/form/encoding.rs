//! A media type's `encoding` map: per property, the part content types (multipart) and the
//! serialisation style (form bodies).

use crate::media::MediaRange;
use crate::params::Style;
use palisade_shared::config::ConfigError;
use serde_json::Value;
use std::collections::BTreeMap;

/// How one property is encoded in a form or multipart body.
#[derive(Debug, Default)]
pub struct FieldEncoding {
    /// `contentType`: the media ranges a part may declare; empty when not given.
    pub content_types: Vec<MediaRange>,
    pub style: Option<Style>,
    pub explode: Option<bool>,
}

/// Every property's encoding, by property name.
#[derive(Debug, Default)]
pub struct Encodings(BTreeMap<String, FieldEncoding>);

impl Encodings {
    pub fn compile(value: Option<&Value>, at: &str) -> Result<Encodings, ConfigError> {
        let Some(value) = value else {
            return Ok(Encodings::default());
        };
        let members = value
            .as_object()
            .ok_or_else(|| ConfigError::new(at, "must be an object"))?;
        let mut out = BTreeMap::new();
        for (name, entry) in members {
            out.insert(name.clone(), field(entry, &format!("{at}.{name}"))?);
        }
        Ok(Encodings(out))
    }

    pub fn get(&self, name: &str) -> Option<&FieldEncoding> {
        self.0.get(name)
    }

    /// Names encoded as `deepObject`.
    pub fn deep_objects(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(|(_, e)| e.style == Some(Style::DeepObject))
            .map(|(name, _)| name.as_str())
    }
}

fn field(entry: &Value, at: &str) -> Result<FieldEncoding, ConfigError> {
    let content_types = match entry.get("contentType") {
        None => Vec::new(),
        Some(Value::String(list)) => list
            .split(',')
            .map(|range| {
                MediaRange::parse(range.trim()).map_err(|_| {
                    ConfigError::new(format!("{at}.contentType"), "is not a list of media ranges")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ConfigError::new(
                format!("{at}.contentType"),
                "must be a string",
            ))
        }
    };
    let style = match entry.get("style").map(|s| s.as_str()) {
        None => None,
        Some(Some("form")) => Some(Style::Form),
        Some(Some("spaceDelimited")) => Some(Style::SpaceDelimited),
        Some(Some("pipeDelimited")) => Some(Style::PipeDelimited),
        Some(Some("deepObject")) => Some(Style::DeepObject),
        Some(_) => {
            let why = "must be form, spaceDelimited, pipeDelimited or deepObject";
            return Err(ConfigError::new(format!("{at}.style"), why));
        }
    };
    let explode = match entry.get("explode") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(ConfigError::new(
                format!("{at}.explode"),
                "must be a boolean",
            ))
        }
    };
    Ok(FieldEncoding {
        content_types,
        style,
        explode,
    })
}
