//! Unit tests of the output filter's logic, run natively with a fake host.

mod config;
mod media;
mod pruning;
mod responses;
mod stream;
mod undeclared;

use serde_json::Value;

/// The demo API's contract, as the demo configuration uses it.
pub fn demo_document() -> Value {
    let text = include_str!("../../../schemas/demo-api.openapi.json");
    serde_json::from_str(text).unwrap()
}
