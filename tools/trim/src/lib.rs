//! Trims a filter module's exports to the stream callbacks the filter implements.
//!
//! The proxy-wasm SDK exports every callback of the ABI, and Envoy calls each exported one on
//! every request: a filter that only reads request headers is still entered for the response
//! headers, each chunk of the response body, the log and the end of the stream. Envoy skips a
//! callback the module does not export, so removing the ones a filter does not implement
//! spares each request those calls into the VM. Each filter names the callbacks it implements in
//! its `Cargo.toml` (`[package.metadata.palisade] stream_callbacks`); `make build` trims every
//! filter module after building it.

pub mod module;

/// The per-stream callbacks of the ABI (`proxy_on_<name>`); root-context callbacks (VM start,
/// configuration, ticks, HTTP call responses, queues) are never removed. `done` is also sent to
/// root contexts at shutdown: a filter whose root context implements `on_done` must list it
/// (the test `lists_match_filters` checks every filter's list against its code).
pub const STREAM_CALLBACKS: [&str; 15] = [
    "request_headers",
    "request_body",
    "request_trailers",
    "request_metadata",
    "response_headers",
    "response_body",
    "response_trailers",
    "response_metadata",
    "log",
    "done",
    "new_connection",
    "downstream_data",
    "upstream_data",
    "downstream_connection_close",
    "upstream_connection_close",
];

/// Whether `export` is a stream callback that a filter implementing `implemented` does not
/// implement.
pub fn is_unused_callback(export: &str, implemented: &[String]) -> bool {
    let Some(callback) = export.strip_prefix("proxy_on_") else {
        return false;
    };
    STREAM_CALLBACKS.contains(&callback) && !implemented.iter().any(|name| name == callback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stream_callbacks_outside_the_list_are_unused() {
        let implemented = vec!["request_headers".to_string(), "log".to_string()];
        let unused = |export: &str| is_unused_callback(export, &implemented);
        assert!(!unused("proxy_on_request_headers"));
        assert!(!unused("proxy_on_log"));
        assert!(unused("proxy_on_response_headers"));
        assert!(unused("proxy_on_done"));
        assert!(unused("proxy_on_upstream_connection_close"));
        for kept in [
            "proxy_on_context_create",
            "proxy_on_delete",
            "proxy_on_configure",
            "proxy_on_vm_start",
            "proxy_on_tick",
            "proxy_on_http_call_response",
            "proxy_on_memory_allocate",
            "memory",
            "_initialize",
        ] {
            assert!(!unused(kept), "{kept}");
        }
    }
}
