//! One filter's configuration: demo JSON + merge patch + placeholders → one compact line.

use serde_json::{Map, Value};

use super::{Ports, Sources};
use crate::error::HarnessError;

const OPENAPI_PLACEHOLDER: &str = "{{OPENAPI}}";

/// The filter's configuration as compact JSON: `demo` with `patch` merged over it, the string
/// `"{{OPENAPI}}"` replaced by the whole document, and port placeholders inside strings filled.
pub fn filter_config(
    demo: &Value,
    patch: Option<&Value>,
    sources: &Sources,
    ports: &Ports,
) -> Result<String, HarnessError> {
    let mut config = demo.clone();
    if let Some(patch) = patch {
        merge_patch(&mut config, patch);
    }
    let filled = fill(config, &sources.openapi, ports);
    Ok(serde_json::to_string(&filled)?)
}

/// RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn fill(value: Value, openapi: &Value, ports: &Ports) -> Value {
    match value {
        Value::String(text) if text == OPENAPI_PLACEHOLDER => openapi.clone(),
        Value::String(text) => Value::String(fill_ports(&text, ports)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| fill(item, openapi, ports))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, item)| (key, fill(item, openapi, ports)))
                .collect(),
        ),
        other => other,
    }
}

fn fill_ports(text: &str, ports: &Ports) -> String {
    text.replace("{{IDP_PORT}}", &ports.idp.to_string())
        .replace("{{API_PORT}}", &ports.api.to_string())
        .replace("{{ENVOY_PORT}}", &ports.envoy.to_string())
        .replace("{{ADMIN_PORT}}", &ports.admin.to_string())
}
