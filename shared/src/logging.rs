//! Log lines for operators: the stream's context id first, then `key=value` fields.
//!
//! Never pass a token, key, password or body to these helpers.

use crate::abi;
use proxy_wasm::types::LogLevel;

pub use proxy_wasm::types::LogLevel as Level;

/// Writes one line through Envoy's log, tagged with the filter and context id.
pub fn line(level: LogLevel, filter: &str, context_id: u32, message: &str) {
    let text = format!("{filter} ctx={context_id} {message}");
    // A failing log call has nowhere better to report to.
    let _ = abi::log(level as u32, &text);
}

/// Writes one line without a stream context (root context events: configuration, fetches).
pub fn root_line(level: LogLevel, filter: &str, message: &str) {
    let _ = abi::log(level as u32, &format!("{filter} {message}"));
}

/// A configuration refusal: exactly one line, naming the field.
pub fn config_refused(filter: &str, error: &crate::config::ConfigError) {
    let _ = abi::log(LogLevel::Critical as u32, &format!("{filter}: {error}"));
}
