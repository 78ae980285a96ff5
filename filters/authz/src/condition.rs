//! CEL conditions of a rule, compiled once and evaluated over the request's facts.
//!
//! Variables: `request` (`method`, `path`, `query` map, `headers` map with lowercase names),
//! `path` (the template's parameters), `principal` (`id`, `kind`, `issuer`, `client_id`,
//! `scopes`, `roles`, `claims`), `source` (`address`) and `now` (a timestamp). A condition that
//! evaluates to anything but `true`, or fails, denies.

use crate::cel::{Activation, Program, Timestamp, Value};
use crate::decide::Facts;
use palisade_shared::principal::Principal;
use palisade_shared::problem::Problem;

/// The variable names a condition may read.
const VARIABLES: [&str; 5] = ["request", "path", "principal", "source", "now"];

/// A compiled condition.
#[derive(Debug)]
pub struct Condition {
    program: Program,
}

impl Condition {
    /// Compiles a condition; unknown variables are refused here rather than per request.
    pub fn compile(source: &str) -> Result<Condition, String> {
        let program = Program::compile(source).map_err(|err| err.to_string())?;
        if let Some(unknown) = program.variables().find(|name| !VARIABLES.contains(name)) {
            return Err(format!("unknown variable {unknown}"));
        }
        Ok(Condition { program })
    }

    /// Evaluates the condition; false or any evaluation error denies.
    pub fn check(&self, facts: &Facts, principal: &Principal) -> Result<(), Problem> {
        let Some(activation) = activation(facts, principal) else {
            return Err(
                Problem::new(400, "duplicate-parameter", "Duplicate parameter")
                    .with_detail("a query parameter or header appears more than once"),
            );
        };
        match self.program.evaluate_bool(&activation) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Problem::new(403, "condition-failed", "Forbidden")),
            Err(_) => Err(Problem::new(403, "condition-error", "Forbidden")),
        }
    }
}

fn text_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::string_map(
        pairs
            .into_iter()
            .map(|(name, value)| (name.as_str(), Value::from(value.as_str()))),
    )
}

/// Whether a name occurs twice; header names compare case-insensitively.
fn has_repeats<'a>(names: impl Iterator<Item = &'a str>) -> bool {
    let mut names: Vec<String> = names.map(str::to_ascii_lowercase).collect();
    names.sort_unstable();
    names.windows(2).any(|pair| pair.first() == pair.get(1))
}

/// The principal kind as authn serialises it (`jwt`, `api_key`, …).
fn kind_name(principal: &Principal) -> String {
    match serde_json::to_value(principal.kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn strings(items: &[String]) -> Value {
    Value::list(items.iter().map(|item| Value::from(item.as_str())))
}

/// The facts as CEL values; `None` when a query parameter or a header repeats, since a
/// condition could otherwise see one value while the upstream acts on another.
fn activation(facts: &Facts, principal: &Principal) -> Option<Activation> {
    let query = facts.parameters.query.clone().unwrap_or_default();
    if has_repeats(query.iter().map(|(name, _)| name.as_str()))
        || has_repeats(facts.request.headers.iter().map(|(name, _)| name.as_str()))
    {
        return None;
    }
    let request = Value::string_map([
        ("method", Value::from(facts.method)),
        ("path", Value::from(facts.path.display())),
        ("query", text_map(query.iter().map(|(n, v)| (n, v)))),
        (
            "headers",
            text_map(facts.request.headers.iter().map(|(n, v)| (n, v))),
        ),
    ]);
    let claims = serde_json::Value::Object(principal.claims.clone().into_iter().collect());
    let principal_value = Value::string_map([
        ("id", Value::from(principal.id.as_str())),
        ("kind", Value::from(kind_name(principal))),
        (
            "issuer",
            Value::from(principal.issuer.clone().unwrap_or_default()),
        ),
        (
            "client_id",
            Value::from(principal.client_id.clone().unwrap_or_default()),
        ),
        ("scopes", strings(&principal.scopes)),
        ("roles", strings(&principal.roles)),
        ("claims", Value::from(&claims)),
    ]);
    let source = Value::string_map([(
        "address",
        Value::from(facts.request.source_address.unwrap_or_default()),
    )]);
    let now =
        Timestamp::from_unix_seconds(facts.request.now_unix).map_or(Value::Null, Value::Timestamp);
    let mut activation = Activation::new();
    activation.insert("request".into(), request);
    activation.insert(
        "path".into(),
        text_map(facts.parameters.path.iter().map(|(n, v)| (n, v))),
    );
    activation.insert("principal".into(), principal_value);
    activation.insert("source".into(), source);
    activation.insert("now".into(), now);
    Some(activation)
}
