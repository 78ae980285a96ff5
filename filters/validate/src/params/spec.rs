//! One declared parameter, compiled: where it is, how it is serialised, its schema.

use super::text::Allow;
use crate::media::MediaType;
use crate::schema::{Compiler, SchemaId};
use palisade_shared::config::ConfigError;
use serde_json::Value;

/// Where a parameter travels; the name is the pointer's first token (`/query/limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    pub fn token(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// OpenAPI serialisation styles this filter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Simple,
    Label,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// A parameter as the operation declares it.
#[derive(Debug)]
pub struct ParamSpec {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub style: Style,
    pub explode: bool,
    pub schema: SchemaId,
    /// Declared with `content: {application/json: …}`: the value is a JSON text.
    pub json: bool,
    /// `allowEmptyValue`: `?flag=` is accepted without a schema check.
    pub allow_empty: bool,
    /// `x-palisade-allow-control-characters` and `x-palisade-allow-encoded-values`.
    pub allow: Allow,
}

/// Header parameters OpenAPI says to ignore: the HTTP layer owns them.
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

impl ParamSpec {
    /// Compiles one resolved parameter object; `None` for one OpenAPI says to ignore.
    pub fn compile(
        parameter: &Value,
        compiler: &mut Compiler<'_>,
        at: &str,
    ) -> Result<Option<ParamSpec>, ConfigError> {
        let field = |key: &str| format!("{at}.{key}");
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| ConfigError::new(field("name"), "must be a non-empty string"))?;
        let location = location(parameter.get("in"), &field("in"))?;
        if location == Location::Header
            && IGNORED_HEADERS.contains(&name.to_ascii_lowercase().as_str())
        {
            return Ok(None);
        }
        let style = style(parameter.get("style"), location, &field("style"))?;
        let explode =
            flag(parameter, "explode", &field("explode"))?.unwrap_or(style == Style::Form);
        let (schema, json) = schema(parameter, compiler, at)?;
        Ok(Some(ParamSpec {
            name: if location == Location::Header {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            },
            location,
            required: location == Location::Path
                || flag(parameter, "required", &field("required"))?.unwrap_or(false),
            style,
            explode,
            schema,
            json,
            allow_empty: flag(parameter, "allowEmptyValue", &field("allowEmptyValue"))?
                .unwrap_or(false),
            allow: Allow {
                control: extension(parameter, "x-palisade-allow-control-characters", at)?,
                encoded: extension(parameter, "x-palisade-allow-encoded-values", at)?,
            },
        }))
    }
}

/// A boolean extension; absent is false.
fn extension(parameter: &Value, key: &str, at: &str) -> Result<bool, ConfigError> {
    Ok(flag(parameter, key, &format!("{at}.{key}"))?.unwrap_or(false))
}

fn flag(parameter: &Value, key: &str, at: &str) -> Result<Option<bool>, ConfigError> {
    match parameter.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ConfigError::new(at, "must be a boolean")),
    }
}

fn location(value: Option<&Value>, at: &str) -> Result<Location, ConfigError> {
    match value.and_then(Value::as_str) {
        Some("path") => Ok(Location::Path),
        Some("query") => Ok(Location::Query),
        Some("header") => Ok(Location::Header),
        Some("cookie") => Ok(Location::Cookie),
        _ => Err(ConfigError::new(
            at,
            "must be path, query, header or cookie",
        )),
    }
}

/// The style, checked against the location; defaults as OpenAPI sets them.
fn style(value: Option<&Value>, location: Location, at: &str) -> Result<Style, ConfigError> {
    let Some(value) = value else {
        return Ok(match location {
            Location::Path | Location::Header => Style::Simple,
            Location::Query | Location::Cookie => Style::Form,
        });
    };
    let style = match value.as_str() {
        Some("simple") => Style::Simple,
        Some("label") => Style::Label,
        Some("form") => Style::Form,
        Some("spaceDelimited") => Style::SpaceDelimited,
        Some("pipeDelimited") => Style::PipeDelimited,
        Some("deepObject") => Style::DeepObject,
        Some("matrix") => {
            let why = "matrix style is not supported: `;` in a path is refused as ambiguous";
            return Err(ConfigError::new(at, why));
        }
        _ => return Err(ConfigError::new(at, "is not an OpenAPI parameter style")),
    };
    let fits = match location {
        Location::Path => matches!(style, Style::Simple | Style::Label),
        Location::Query => !matches!(style, Style::Simple | Style::Label),
        Location::Header => style == Style::Simple,
        Location::Cookie => style == Style::Form,
    };
    if !fits {
        return Err(ConfigError::new(
            at,
            "does not apply to this parameter location",
        ));
    }
    Ok(style)
}

/// `schema`, or a `content` map with exactly one media type (JSON read as JSON).
fn schema(
    parameter: &Value,
    compiler: &mut Compiler<'_>,
    at: &str,
) -> Result<(SchemaId, bool), ConfigError> {
    if let Some(schema) = parameter.get("schema") {
        return Ok((compiler.compile(schema, &format!("{at}.schema"))?, false));
    }
    let content = parameter.get("content").and_then(Value::as_object);
    let Some((media, entry)) = content
        .filter(|c| c.len() == 1)
        .and_then(|c| c.iter().next())
    else {
        let why = "must declare a schema or exactly one content media type";
        return Err(ConfigError::new(at, why));
    };
    let place = format!("{at}.content.{media}");
    let json = MediaType::parse(media)
        .map_err(|_| ConfigError::new(place.as_str(), "is not a media type"))?
        .is_json();
    let schema = entry.get("schema").unwrap_or(&Value::Bool(true));
    Ok((compiler.compile(schema, &format!("{place}.schema"))?, json))
}
