//! One request (or batch) against an endpoint: persisted-query allowlist, syntax, document
//! rules, introspection, then the limits of every operation and the cost of the whole batch.

use super::analysis::{Analysis, DocumentError};
use super::ast::{Document, Operation, OperationKind, Selection};
use super::config::Endpoint;
use super::lexer::{self, LexError};
use super::parser;
use super::persisted::{self, Outcome, PersistedError, Reference};
use super::request::GraphqlRequest;
use super::{ErrorKind, GraphqlError};
use std::collections::HashSet;

/// Fields that describe the schema itself.
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// Judges every request of a batch; `over_get` allows queries only.
pub fn judge(
    endpoint: &Endpoint,
    requests: &[GraphqlRequest],
    over_get: bool,
) -> Result<(), GraphqlError> {
    let mut total_cost = 0u64;
    for request in requests {
        total_cost = total_cost.saturating_add(judge_one(endpoint, request, over_get)?);
    }
    let limit = endpoint.limits.max_cost;
    if total_cost > limit {
        let reason = format!("batch cost {total_cost} exceeds the limit of {limit}");
        return Err(GraphqlError::new(ErrorKind::Limit, String::new(), reason));
    }
    Ok(())
}

/// The cost of the operation the request runs; 0 for a listed document sent by reference.
fn judge_one(
    endpoint: &Endpoint,
    request: &GraphqlRequest,
    over_get: bool,
) -> Result<u64, GraphqlError> {
    let at = |member: &str| format!("{}/{member}", request.at);
    let reference = Reference {
        query: request.query.as_deref(),
        sha256: request.sha256.as_deref(),
        document_id: request.document_id.as_deref(),
    };
    match persisted::judge(endpoint.persisted.as_ref(), reference) {
        Ok(Outcome::Listed) => return Ok(0),
        Ok(Outcome::CheckText) => {}
        Err(error) => return Err(persisted_error(error, at("query"))),
    }
    let text = request.query.as_deref().unwrap_or_default();
    let document = read(text, endpoint.limits.max_tokens, at("query"))?;
    let operation = select(&document, request.operation_name.as_deref()).map_err(|reason| {
        GraphqlError::new(ErrorKind::InvalidRequest, at("operationName"), reason)
    })?;
    check_kinds(endpoint, &document, over_get)
        .map_err(|(kind, reason)| GraphqlError::new(kind, at("query"), reason))?;
    measure(endpoint, request, &document, operation)
        .map_err(|(kind, reason)| GraphqlError::new(kind, at("query"), reason))
}

/// Queries only over GET; introspection only where enabled.
fn check_kinds(
    endpoint: &Endpoint,
    document: &Document,
    over_get: bool,
) -> Result<(), (ErrorKind, &'static str)> {
    let mutates = document
        .operations
        .iter()
        .any(|op| op.kind != OperationKind::Query);
    if over_get && mutates {
        return Err((
            ErrorKind::InvalidRequest,
            "only queries may be sent with GET",
        ));
    }
    if !endpoint.introspection && asks_introspection(document) {
        return Err((ErrorKind::Introspection, "introspection is disabled"));
    }
    Ok(())
}

/// Every operation against the limits; the cost of the one the request runs.
fn measure(
    endpoint: &Endpoint,
    request: &GraphqlRequest,
    document: &Document,
    selected: &Operation,
) -> Result<u64, (ErrorKind, String)> {
    let mut analysis = Analysis::new(document, &endpoint.costing, &request.variables);
    let invalid = |error| (ErrorKind::InvalidRequest, describe(error).to_string());
    analysis.check_fragments().map_err(invalid)?;
    let mut selected_cost = 0;
    for candidate in &document.operations {
        let summary = analysis.operation(candidate).map_err(invalid)?;
        endpoint
            .limits
            .check(&summary)
            .map_err(|reason| (ErrorKind::Limit, reason))?;
        if std::ptr::eq(candidate, selected) {
            selected_cost = summary.cost;
        }
    }
    Ok(selected_cost)
}

/// Tokens, then the document, then the rules on names.
fn read(text: &str, max_tokens: usize, pointer: String) -> Result<Document, GraphqlError> {
    let tokens = lexer::tokens(text, max_tokens).map_err(|error| match error {
        LexError::TooManyTokens => {
            let reason = format!("more than {max_tokens} tokens");
            GraphqlError::new(ErrorKind::Limit, pointer.clone(), reason)
        }
        _ => GraphqlError::new(
            ErrorKind::Syntax,
            pointer.clone(),
            "not a valid GraphQL document",
        ),
    })?;
    let document = parser::parse(&tokens).map_err(|error| {
        let reason = match error.nested_too_deeply {
            true => "nested too deeply".to_string(),
            false => format!("syntax error at token {}", error.at + 1),
        };
        GraphqlError::new(ErrorKind::Syntax, pointer.clone(), reason)
    })?;
    check_names(&document)
        .map_err(|reason| GraphqlError::new(ErrorKind::Syntax, pointer, reason))?;
    Ok(document)
}

/// Operation and fragment names are unique; an anonymous operation stands alone.
fn check_names(document: &Document) -> Result<(), &'static str> {
    let mut operations = HashSet::new();
    for operation in &document.operations {
        match &operation.name {
            None if document.operations.len() > 1 => {
                return Err("an anonymous operation must be the only one")
            }
            Some(name) if !operations.insert(name.as_str()) => {
                return Err("operation names must be unique")
            }
            _ => {}
        }
    }
    let mut fragments = HashSet::new();
    if document
        .fragments
        .iter()
        .any(|f| !fragments.insert(f.name.as_str()))
    {
        return Err("fragment names must be unique");
    }
    Ok(())
}

/// The operation the request runs: the one named, or the only one.
fn select<'d>(document: &'d Document, name: Option<&str>) -> Result<&'d Operation, &'static str> {
    match (name, document.operations.as_slice()) {
        (Some(name), operations) => operations
            .iter()
            .find(|op| op.name.as_deref() == Some(name))
            .ok_or("names no operation in the document"),
        (None, [only]) => Ok(only),
        (None, _) => Err("is required when the document holds several operations"),
    }
}

fn asks_introspection(document: &Document) -> bool {
    let operations = document.operations.iter().map(|op| &op.selections);
    let fragments = document.fragments.iter().map(|f| &f.selections);
    operations
        .chain(fragments)
        .any(|set| has_introspection(set))
}

fn has_introspection(selections: &[Selection]) -> bool {
    selections.iter().any(|selection| match selection {
        Selection::Field(field) => {
            INTROSPECTION_FIELDS.contains(&field.name.as_str())
                || has_introspection(&field.selections)
        }
        Selection::Inline { selections, .. } => has_introspection(selections),
        Selection::Spread { .. } => false,
    })
}

fn describe(error: DocumentError) -> &'static str {
    match error {
        DocumentError::UnknownFragment(_) => "a spread names a fragment the document lacks",
        DocumentError::FragmentCycle(_) => "a fragment spreads itself",
        DocumentError::TooDeep => "fragments nest too deeply",
    }
}

fn persisted_error(error: PersistedError, pointer: String) -> GraphqlError {
    let (kind, reason) = match error {
        PersistedError::MissingDocument => (ErrorKind::InvalidRequest, "a query is required"),
        PersistedError::DigestMismatch => (
            ErrorKind::InvalidRequest,
            "the persisted-query hash does not match the query",
        ),
        PersistedError::NotListed => (ErrorKind::NotListed, "the document is not on the allowlist"),
        PersistedError::UnknownDocumentId => {
            (ErrorKind::NotListed, "documentId is not accepted here")
        }
    };
    GraphqlError::new(kind, pointer, reason)
}
