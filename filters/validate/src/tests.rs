//! Configuration and the decision flow through the fake host, on the demo API's contract.

mod body;
mod config;
mod drive;
mod stream;

use crate::settings::Settings;
use serde_json::{json, Value};

/// The demo bank API's OpenAPI document: `POST /transfers` takes a required `NewTransfer`.
fn demo_openapi() -> Value {
    serde_json::from_str(include_str!("../../../schemas/demo-api.openapi.json")).unwrap()
}

fn config_with(extra: Value) -> Vec<u8> {
    let mut config = json!({"openapi": demo_openapi()});
    if let (Some(config), Some(extra)) = (config.as_object_mut(), extra.as_object()) {
        config.extend(extra.clone());
    }
    serde_json::to_vec(&config).unwrap()
}

fn settings_with(extra: Value) -> Settings {
    Settings::from_json(&config_with(extra)).unwrap()
}
