//! What each operation's `requestBody` asks for, compiled at configure time.

use crate::media::{MediaRange, MediaType};
use crate::schema::{Compiler, SchemaId};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::{Inventory, Operation};
use serde_json::Value;

/// One operation's request body contract.
#[derive(Debug)]
pub struct BodyRule {
    /// `requestBody.required`; OpenAPI's default is false.
    pub required: bool,
    pub media: Vec<MediaEntry>,
}

/// One declared media range and the schema a body of that type must satisfy.
#[derive(Debug)]
pub struct MediaEntry {
    pub range: MediaRange,
    pub schema: SchemaId,
    /// The `encoding` map (form and multipart bodies).
    pub encoding: crate::form::encoding::Encodings,
}

impl BodyRule {
    /// The operation's body contract, `None` when it declares no `requestBody`. Every schema is
    /// compiled now, so a broken one refuses the configuration instead of a request.
    pub fn compile(
        inventory: &Inventory,
        operation: &Operation,
        compiler: &mut Compiler<'_>,
        at: &str,
    ) -> Result<Option<BodyRule>, ConfigError> {
        let Some(declared) = operation.spec.get("requestBody") else {
            return Ok(None);
        };
        let at = format!("{at}.requestBody");
        let body = inventory
            .resolve(declared)
            .map_err(|why| ConfigError::new(at.as_str(), why))?;
        let required = match body.get("required") {
            None => false,
            Some(Value::Bool(required)) => *required,
            Some(_) => {
                return Err(ConfigError::new(
                    format!("{at}.required"),
                    "must be a boolean",
                ))
            }
        };
        let media = media_entries(body.get("content"), compiler, &format!("{at}.content"))?;
        Ok(Some(BodyRule { required, media }))
    }

    /// The declared entry for a request's media type: the most specific range that matches.
    pub fn select(&self, media: &MediaType) -> Option<&MediaEntry> {
        self.media
            .iter()
            .filter(|entry| entry.range.matches(media))
            .max_by_key(|entry| entry.range.specificity())
    }

    /// The declared media ranges, for a 415 answer.
    pub fn declared(&self) -> String {
        let names: Vec<String> = self.media.iter().map(|e| e.range.to_string()).collect();
        names.join(", ")
    }
}

/// The `content` map: at least one media range, each with its schema compiled (none is `true`).
fn media_entries(
    content: Option<&Value>,
    compiler: &mut Compiler<'_>,
    at: &str,
) -> Result<Vec<MediaEntry>, ConfigError> {
    let content = content
        .and_then(Value::as_object)
        .filter(|content| !content.is_empty())
        .ok_or_else(|| ConfigError::new(at, "must declare a media type"))?;
    let mut media = Vec::with_capacity(content.len());
    for (name, entry) in content {
        let at = format!("{at}.{name}");
        let range = MediaRange::parse(name)
            .map_err(|_| ConfigError::new(at.as_str(), "is not a media range"))?;
        let schema = entry.get("schema").unwrap_or(&Value::Bool(true));
        let schema = compiler.compile(schema, &format!("{at}.schema"))?;
        let encoding = crate::form::encoding::Encodings::compile(
            entry.get("encoding"),
            &format!("{at}.encoding"),
        )?;
        media.push(MediaEntry {
            range,
            schema,
            encoding,
        });
    }
    Ok(media)
}
