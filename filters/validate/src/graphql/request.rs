//! GraphQL requests as HTTP carries them: a JSON object (or an array of them, a batch), an
//! `application/graphql` document, or GET parameters. Members other than `query`,
//! `operationName`, `variables`, `extensions` (holding only `persistedQuery`) and `documentId`
//! are refused, as are parameters given twice.

use palisade_shared::json::{self, JsonError, Limits};
use palisade_shared::path::query_pairs;
use serde_json::{Map, Value};

/// One GraphQL request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphqlRequest {
    /// Where the request sits in the body (`/0` in a batch); empty otherwise.
    pub at: String,
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Map<String, Value>,
    /// `extensions.persistedQuery.sha256Hash`.
    pub sha256: Option<String>,
    pub document_id: Option<String>,
}

/// Why the request could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Json(JsonError),
    Shape {
        pointer: String,
        reason: &'static str,
    },
    BatchTooLarge {
        size: usize,
        limit: usize,
    },
}

fn shape(pointer: String, reason: &'static str) -> ReadError {
    ReadError::Shape { pointer, reason }
}

/// A JSON body: one request object, or a batch of at most `max_batch`.
pub fn from_json(
    body: &[u8],
    limits: &Limits,
    max_batch: usize,
) -> Result<Vec<GraphqlRequest>, ReadError> {
    match json::parse_strict(body, limits).map_err(ReadError::Json)? {
        Value::Object(members) => Ok(vec![from_members(members, String::new())?]),
        Value::Array(items) if items.is_empty() => Err(shape(String::new(), "empty batch")),
        Value::Array(items) if items.len() > max_batch => Err(ReadError::BatchTooLarge {
            size: items.len(),
            limit: max_batch,
        }),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(members) => from_members(members, format!("/{i}")),
                _ => Err(shape(format!("/{i}"), "must be a GraphQL request object")),
            })
            .collect(),
        _ => Err(shape(String::new(), "must be a GraphQL request object")),
    }
}

/// An `application/graphql` body: the document itself.
pub fn from_document(body: &[u8]) -> Result<Vec<GraphqlRequest>, ReadError> {
    let text = std::str::from_utf8(body).map_err(|_| shape(String::new(), "not UTF-8"))?;
    Ok(vec![GraphqlRequest {
        query: Some(text.to_string()),
        ..GraphqlRequest::default()
    }])
}

/// GET parameters; `variables` and `extensions` hold JSON.
pub fn from_query(query: &str, limits: &Limits) -> Result<GraphqlRequest, ReadError> {
    let pairs = query_pairs(query).ok_or_else(|| shape(String::new(), "malformed query string"))?;
    let mut members = Map::new();
    for (name, value) in pairs {
        let pointer = format!("/{name}");
        let value = match name.as_str() {
            "variables" | "extensions" => {
                json::parse_strict(value.as_bytes(), limits).map_err(|error| {
                    ReadError::Json(JsonError {
                        kind: error.kind,
                        pointer: format!("{pointer}{}", error.pointer),
                    })
                })?
            }
            _ => Value::String(value),
        };
        if members.insert(name, value).is_some() {
            return Err(shape(pointer, "given more than once"));
        }
    }
    from_members(members, String::new())
}

fn from_members(members: Map<String, Value>, at: String) -> Result<GraphqlRequest, ReadError> {
    let mut request = GraphqlRequest {
        at: at.clone(),
        ..GraphqlRequest::default()
    };
    for (name, value) in members {
        let pointer = format!("{at}/{name}");
        match (name.as_str(), value) {
            ("query", Value::String(text)) => request.query = Some(text),
            ("operationName", Value::String(text)) => request.operation_name = Some(text),
            ("documentId", Value::String(text)) => request.document_id = Some(text),
            ("variables", Value::Object(variables)) => request.variables = variables,
            ("extensions", Value::Object(extensions)) => {
                request.sha256 = persisted_hash(extensions, &pointer)?;
            }
            ("operationName" | "variables" | "extensions", Value::Null) => {}
            ("query" | "operationName" | "documentId", _) => {
                return Err(shape(pointer, "must be a string"))
            }
            ("variables" | "extensions", _) => return Err(shape(pointer, "must be an object")),
            _ => return Err(shape(pointer, "is not a GraphQL request member")),
        }
    }
    Ok(request)
}

/// `{"persistedQuery": {"version": 1, "sha256Hash": "..."}}`, nothing else.
fn persisted_hash(extensions: Map<String, Value>, at: &str) -> Result<Option<String>, ReadError> {
    let mut hash = None;
    for (name, value) in extensions {
        let pointer = format!("{at}/{name}");
        let persisted = match (name.as_str(), value) {
            ("persistedQuery", Value::Object(persisted)) => persisted,
            _ => return Err(shape(pointer, "is not an extension this endpoint accepts")),
        };
        for (key, value) in persisted {
            match (key.as_str(), value) {
                ("version", Value::Number(n)) if n.as_u64() == Some(1) => {}
                ("sha256Hash", Value::String(digest)) => hash = Some(digest),
                _ => return Err(shape(format!("{pointer}/{key}"), "is not understood")),
            }
        }
    }
    Ok(hash)
}
