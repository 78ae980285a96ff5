//! Log lines for operators: the stream's context id first, then `key=value` fields.
//!
//! Never pass a token, key, password or body to these helpers.

use proxy_wasm::hostcalls;
use proxy_wasm::types::LogLevel;

pub use proxy_wasm::types::LogLevel as Level;

/// Writes one line through Envoy's log, tagged with the filter and context id.
pub fn line(level: LogLevel, filter: &str, context_id: u32, message: &str) {
    let text = format!("{filter} ctx={context_id} {message}");
    // A failing log call has nowhere better to report to.
    let _ = hostcalls::log(level, &text);
}

/// A configuration refusal: exactly one line, naming the field.
pub fn config_refused(filter: &str, error: &crate::config::ConfigError) {
    let _ = hostcalls::log(LogLevel::Critical, &format!("{filter}: {error}"));
}
