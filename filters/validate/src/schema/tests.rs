//! The validator keyword by keyword, `$ref`s and cycles, composition, and configure-time
//! refusals; the helpers here compile a schema inside a small document and list violations.

mod annotations;
mod composition;
mod keywords;
mod references;
mod values;

use super::{Compiler, Tree};
use palisade_shared::config::ConfigError;
use serde_json::{json, Value};

/// Compiles `schema` inside a document whose `components.schemas` are `components`.
fn compile_with(components: Value, schema: &Value) -> Result<(Tree, super::SchemaId), ConfigError> {
    let document = json!({"components": {"schemas": components}});
    let mut compiler = Compiler::new(&document, "openapi");
    let id = compiler.compile(schema, "body")?;
    Ok((compiler.finish(), id))
}

/// The pointers of every violation of `instance` against `schema`.
fn pointers_with(components: Value, schema: Value, instance: Value) -> Vec<String> {
    let (tree, id) = compile_with(components, &schema).unwrap();
    tree.validate(id, &instance, 20)
        .into_iter()
        .map(|v| v.pointer)
        .collect()
}

/// The pointers of every violation with objects closed by default.
fn closed_pointers(schema: Value, instance: Value) -> Vec<String> {
    let (tree, id) = compile_with(json!({}), &schema).unwrap();
    tree.findings(id, &instance, &super::Place::body(true), 20)
        .into_iter()
        .map(|v| v.pointer)
        .collect()
}

fn pointers(schema: Value, instance: Value) -> Vec<String> {
    pointers_with(json!({}), schema, instance)
}

fn refusal(schema: Value) -> ConfigError {
    compile_with(json!({}), &schema).unwrap_err()
}

/// (what is special, schema, instance, pointers of the violations; none = valid)
type Case = (&'static str, Value, Value, &'static [&'static str]);

fn run(cases: Vec<Case>) {
    for (name, schema, instance, expected) in cases {
        assert_eq!(pointers(schema, instance), expected, "{name}");
    }
}
