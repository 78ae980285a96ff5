//! Path, query, header and cookie parameters checked against the operation's (and its path
//! item's) `parameters`, at the request-headers phase.
//!
//! Each value is read as its serialisation style says (`form`, exploded or not, `deepObject`,
//! `spaceDelimited`, `pipeDelimited` in the query; `simple` and `label` in the path; `simple`
//! in headers; `form` in cookies), decoded exactly once with everything decoding can hide
//! refused (see [`text`]), read as the schema's types allow, and validated by the schema.
//! Violations point into the request: `/query/limit`, `/path/accountId/1`,
//! `/header/x-request-id`, `/cookie/session`. Query parameters the operation does not declare
//! are refused unless the policy allows them; a repeated one only where its schema is an array.

mod coerce;
mod places;
pub mod policy;
mod query;
mod read;
mod spec;
pub mod text;

#[cfg(test)]
mod tests;

pub use coerce::coerce;
pub use query::{claim, pairs, unclaimed, Pair};
pub use read::{fault_at, Fault, Reader};
pub use spec::{Location, ParamSpec, Style};

use crate::schema::{self, Compiler, Finding, Kind, Place, Tree};
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::Operation;
use serde_json::Value;

/// One operation's parameters, compiled.
#[derive(Debug, Default)]
pub struct ParamRules {
    pub specs: Vec<ParamSpec>,
}

/// What the request shows of its parameters.
#[derive(Debug, Clone, Copy)]
pub struct ParamRequest<'a> {
    /// Path template captures, decoded once by the canonical path.
    pub path_params: &'a [(String, String)],
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a [(String, String)],
}

/// How strictly one operation's parameters are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamPolicy {
    pub allow_unknown_query: bool,
    pub close_objects: bool,
}

impl ParamRules {
    /// Compiles the operation's parameters; errors name the place a parameter is written
    /// (the `$ref`'s target, in whichever bundled document it is).
    pub fn compile(
        operation: &Operation,
        document: &Value,
        compiler: &mut Compiler<'_>,
        at: &str,
    ) -> Result<ParamRules, ConfigError> {
        let mut specs = Vec::with_capacity(operation.parameters.len());
        for parameter in &operation.parameters {
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
            let place = source(document, operation, parameter)
                .unwrap_or_else(|| format!("{at}.parameters.{name}"));
            specs.extend(ParamSpec::compile(parameter, compiler, &place)?);
        }
        Ok(ParamRules { specs })
    }

    /// Every violation among the request's parameters, at most `cap`.
    pub fn judge(
        &self,
        tree: &Tree,
        request: &ParamRequest<'_>,
        policy: ParamPolicy,
        cap: usize,
    ) -> Vec<Finding> {
        let mut pairs = match pairs(request.query, &["query"]) {
            Ok(pairs) => pairs,
            Err(finding) => return vec![finding],
        };
        let mut findings = Vec::new();
        for spec in &self.specs {
            let at = [spec.location.token(), spec.name.as_str()];
            let value = match spec.location {
                Location::Query => claim(&mut pairs, spec, tree),
                _ => places::read(spec, request.path_params, request.headers, tree),
            };
            match value {
                Err(fault) => findings.push(fault_at(schema::pointer(&at), fault)),
                Ok(None) if spec.required => findings.push(Finding::new(
                    Kind::Required,
                    schema::pointer(&at),
                    "required parameter is missing",
                )),
                Ok(None) => {}
                Ok(Some(value)) => {
                    let place = Place {
                        prefix: &at,
                        close_objects: policy.close_objects,
                    };
                    findings.extend(tree.findings(spec.schema, &value, &place, cap));
                }
            }
        }
        if !policy.allow_unknown_query {
            findings.extend(unclaimed(&pairs, &["query"]));
        }
        findings.truncate(cap);
        findings
    }
}

/// The parameters of a request to `operation`, judged at its headers: the refusal, if any.
pub fn judge_head(
    settings: &crate::settings::Settings,
    operation: &Operation,
    head: &crate::head::RequestHead,
) -> Option<crate::refusal::Refusal> {
    let (rules, policy) = settings.params(operation)?;
    // The query is read here, decoded per parameter, so its faults carry their pointers.
    let (target, query) = head.path.split_once('?').unwrap_or((&head.path, ""));
    let path = palisade_shared::path::CanonicalPath::parse_with(target, settings.path);
    let path = match path {
        Ok(path) => path,
        Err(error) => return Some(crate::refusal::Refusal::InvalidPath(error)),
    };
    let path_params = operation.template.matches(&path).unwrap_or_default();
    let request = ParamRequest {
        path_params: &path_params,
        query,
        headers: &head.headers,
    };
    let findings = rules.judge(
        &settings.schemas,
        &request,
        *policy,
        crate::flow::MAX_VIOLATIONS,
    );
    (!findings.is_empty()).then_some(crate::refusal::Refusal::InvalidParameters(findings))
}

/// Where a parameter given by `$ref` is written, as a config field.
fn source(document: &Value, operation: &Operation, parameter: &Value) -> Option<String> {
    let item = document.get("paths")?.get(operation.template.as_str());
    let lists = [
        item.and_then(|i| i.get("parameters")),
        operation.spec.get("parameters"),
    ];
    lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|entry| entry.get("$ref").and_then(Value::as_str))
        .filter_map(|target| target.strip_prefix('#'))
        .find(|pointer| document.pointer(pointer) == Some(parameter))
        .map(|pointer| crate::document::place("openapi", pointer))
}
