//! The API's operation inventory, read from an OpenAPI 3.x document.
//!
//! An operation is a method and a path template. The document is kept whole (behind an `Rc`)
//! so that filters can resolve `$ref`s into its `components` when they compile schemas.

use crate::config::ConfigError;
use crate::path::CanonicalPath;
use crate::template::Template;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Methods an OpenAPI path item may declare, in the document's spelling.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// How many `$ref` hops are followed before a reference is called circular.
const MAX_REF_HOPS: usize = 32;

/// Who may call an operation according to the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// Neither the operation nor the document says: no policy covers it.
    Unspecified,
    /// `security: []` on the operation: callable without credentials.
    Public,
    /// Alternatives (any one suffices), each the scopes required together.
    Scopes(Vec<Vec<String>>),
}

/// One method on one path template.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case method, e.g. `GET`.
    pub method: String,
    pub template: Template,
    pub operation_id: Option<String>,
    pub security: Security,
    /// The operation object itself, `$ref`s not yet resolved.
    pub spec: Value,
    /// Path-item and operation parameters, merged, each `$ref`-resolved.
    pub parameters: Vec<Value>,
}

/// The result of looking a request up in the inventory.
#[derive(Debug)]
pub enum Lookup<'a> {
    Found {
        operation: &'a Operation,
        params: Vec<(String, String)>,
    },
    /// The path exists but not with this method; the methods it has, for `Allow`.
    MethodNotAllowed(Vec<String>),
    NotFound,
}

/// Every operation of a document, most specific template first.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub document: Rc<Value>,
    pub operations: Vec<Operation>,
}

impl Inventory {
    /// Reads the inventory; `field` is the config field holding the document, for errors.
    pub fn load(document: Value, field: &str) -> Result<Inventory, ConfigError> {
        let version = document
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !version.starts_with("3.") {
            return Err(ConfigError::new(
                format!("{field}.openapi"),
                "must name an OpenAPI 3.x version",
            ));
        }
        let paths = document
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| ConfigError::new(format!("{field}.paths"), "must be an object"))?;
        let global_security = document.get("security");
        let mut operations = Vec::new();
        for (text, item) in paths {
            let at = format!("{field}.paths.{text}");
            operations.extend(read_path_item(&document, text, item, global_security, &at)?);
        }
        operations.sort_by_key(|operation| operation.template.specificity());
        Ok(Inventory {
            document: Rc::new(document),
            operations,
        })
    }

    /// Finds the operation for a method and canonical path.
    pub fn find(&self, method: &str, path: &CanonicalPath) -> Lookup<'_> {
        let mut allowed: Vec<String> = Vec::new();
        for operation in &self.operations {
            let Some(params) = operation.template.matches(path) else {
                continue;
            };
            if operation.method == method {
                return Lookup::Found { operation, params };
            }
            if !allowed.contains(&operation.method) {
                allowed.push(operation.method.clone());
            }
        }
        if allowed.is_empty() {
            Lookup::NotFound
        } else {
            Lookup::MethodNotAllowed(allowed)
        }
    }

    /// Follows local `$ref`s (`#/components/...`) to the value they name.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> Result<&'a Value, String> {
        resolve_in(&self.document, value)
    }
}

/// Follows local `$ref`s inside `document`; errors name the reference.
pub fn resolve_in<'a>(document: &'a Value, mut value: &'a Value) -> Result<&'a Value, String> {
    for _ in 0..MAX_REF_HOPS {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| format!("$ref {reference} is not local to the document"))?;
        value = document
            .pointer(pointer)
            .ok_or_else(|| format!("$ref {reference} names nothing"))?;
    }
    Err("$ref chain too long or circular".to_string())
}

fn read_path_item(
    document: &Value,
    text: &str,
    item: &Value,
    global_security: Option<&Value>,
    at: &str,
) -> Result<Vec<Operation>, ConfigError> {
    let template = Template::parse(text).map_err(|err| ConfigError::new(at.to_string(), err.0))?;
    let item = resolve_in(document, item).map_err(|err| ConfigError::new(at.to_string(), err))?;
    let shared = read_parameters(document, item.get("parameters"), at)?;
    let mut operations = Vec::new();
    for method in METHODS {
        let Some(spec) = item.get(method) else {
            continue;
        };
        let at = format!("{at}.{method}");
        let own = read_parameters(document, spec.get("parameters"), &at)?;
        operations.push(Operation {
            method: method.to_ascii_uppercase(),
            template: template.clone(),
            operation_id: spec
                .get("operationId")
                .and_then(Value::as_str)
                .map(String::from),
            security: read_security(spec.get("security").or(global_security), &at)?,
            parameters: merge_parameters(shared.clone(), own),
            spec: spec.clone(),
        });
    }
    Ok(operations)
}

fn read_parameters(
    document: &Value,
    list: Option<&Value>,
    at: &str,
) -> Result<Vec<Value>, ConfigError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ConfigError::new(format!("{at}.parameters"), "must be an array"))?;
    list.iter()
        .map(|p| {
            resolve_in(document, p)
                .cloned()
                .map_err(|err| ConfigError::new(format!("{at}.parameters"), err))
        })
        .collect()
}

/// Operation parameters override path-item ones with the same name and location.
fn merge_parameters(shared: Vec<Value>, own: Vec<Value>) -> Vec<Value> {
    let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
    let mut merged: Vec<Value> = shared
        .into_iter()
        .filter(|p| !own.iter().any(|o| key(o) == key(p)))
        .collect();
    merged.extend(own);
    merged
}

fn read_security(value: Option<&Value>, at: &str) -> Result<Security, ConfigError> {
    let Some(value) = value else {
        return Ok(Security::Unspecified);
    };
    let bad = || ConfigError::new(format!("{at}.security"), "must be a list of requirements");
    let requirements = value.as_array().ok_or_else(bad)?;
    if requirements.is_empty() {
        return Ok(Security::Public);
    }
    let mut alternatives = Vec::new();
    for requirement in requirements {
        let requirement: &Map<String, Value> = requirement.as_object().ok_or_else(bad)?;
        let mut scopes = Vec::new();
        for list in requirement.values() {
            for scope in list.as_array().ok_or_else(bad)? {
                scopes.push(scope.as_str().ok_or_else(bad)?.to_string());
            }
        }
        alternatives.push(scopes);
    }
    Ok(Security::Scopes(alternatives))
}

/// Media type → schema for a `content` map, `$ref`s not yet resolved.
pub fn content_schemas(content: Option<&Value>) -> BTreeMap<String, Value> {
    content
        .and_then(Value::as_object)
        .map(|media| {
            media
                .iter()
                .map(|(name, entry)| {
                    let schema = entry.get("schema").cloned().unwrap_or(Value::Bool(true));
                    (name.to_ascii_lowercase(), schema)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inventory() -> Inventory {
        Inventory::load(
            json!({
                "openapi": "3.1.0",
                "security": [{"oauth": ["api"]}],
                "paths": {
                    "/accounts/{accountId}": {
                        "parameters": [{"$ref": "#/components/parameters/AccountId"}],
                        "get": {"operationId": "getAccount",
                                "security": [{"oauth": ["accounts:read"]}]},
                        "delete": {"operationId": "deleteAccount"}
                    },
                    "/accounts/me": {"get": {"operationId": "me", "security": []}}
                },
                "components": {"parameters": {"AccountId": {"name": "accountId", "in": "path"}}}
            }),
            "openapi",
        )
        .unwrap()
    }

    fn find<'a>(inventory: &'a Inventory, method: &str, target: &str) -> Lookup<'a> {
        inventory.find(method, &CanonicalPath::parse(target).unwrap())
    }

    #[test]
    fn finds_operations_and_prefers_literal_paths() {
        let inventory = inventory();
        let Lookup::Found { operation, params } = find(&inventory, "GET", "/accounts/me") else {
            panic!("not found");
        };
        assert_eq!(operation.operation_id.as_deref(), Some("me"));
        assert_eq!(operation.security, Security::Public);
        assert!(params.is_empty());
        let Lookup::Found { operation, params } = find(&inventory, "GET", "/accounts/a1") else {
            panic!("not found");
        };
        assert_eq!(operation.operation_id.as_deref(), Some("getAccount"));
        assert_eq!(params, vec![("accountId".to_string(), "a1".to_string())]);
        assert_eq!(operation.parameters.len(), 1);
        assert_eq!(operation.parameters[0]["in"], "path");
    }

    #[test]
    fn operation_without_own_security_inherits_the_documents() {
        let inventory = inventory();
        let Lookup::Found { operation, .. } = find(&inventory, "DELETE", "/accounts/a1") else {
            panic!("not found");
        };
        assert_eq!(
            operation.security,
            Security::Scopes(vec![vec!["api".to_string()]])
        );
    }

    #[test]
    fn reports_allowed_methods_and_unknown_paths() {
        let inventory = inventory();
        match find(&inventory, "PUT", "/accounts/a1") {
            Lookup::MethodNotAllowed(allowed) => assert_eq!(allowed, vec!["GET", "DELETE"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            find(&inventory, "GET", "/transfers"),
            Lookup::NotFound
        ));
    }

    #[test]
    fn refuses_documents_that_are_not_openapi_3() {
        let err = Inventory::load(json!({"swagger": "2.0", "paths": {}}), "openapi").unwrap_err();
        assert_eq!(err.field, "openapi.openapi");
        let err = Inventory::load(json!({"openapi": "3.0.3"}), "openapi").unwrap_err();
        assert_eq!(err.field, "openapi.paths");
    }

    #[test]
    fn refuses_circular_references() {
        let document = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        assert!(resolve_in(&document, &json!({"$ref": "#/a"})).is_err());
        assert!(resolve_in(&document, &json!({"$ref": "other.json#/a"})).is_err());
    }
}
