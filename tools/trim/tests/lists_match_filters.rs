//! Each filter's `stream_callbacks` list names exactly the proxy-wasm callbacks its code
//! implements: a callback implemented but not listed would be trimmed away and never called, one
//! listed but not implemented would cost every request a call into the VM for nothing.

// A test crate: helpers outside #[test] functions fail the test by panicking too.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The SDK method of each stream callback the trim tool may remove.
const METHODS: [(&str, &str); 8] = [
    ("on_http_request_headers", "request_headers"),
    ("on_http_request_body", "request_body"),
    ("on_http_request_trailers", "request_trailers"),
    ("on_http_response_headers", "response_headers"),
    ("on_http_response_body", "response_body"),
    ("on_http_response_trailers", "response_trailers"),
    ("on_log", "log"),
    ("on_done", "done"),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The list in a filter's Cargo.toml (`stream_callbacks = [...]`, one line).
fn listed(filter: &Path) -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(filter.join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find_map(|line| line.strip_prefix("stream_callbacks = "))
        .unwrap_or_else(|| panic!("{}: no stream_callbacks", filter.display()));
    serde_json::from_str(line).unwrap()
}

/// The callbacks implemented in the filter's non-test sources.
fn implemented(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "tests" {
                implemented(&path, found);
            }
            continue;
        }
        if !name.ends_with(".rs") || name.ends_with("tests.rs") || name == "testing.rs" {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for (method, callback) in METHODS {
            if source.contains(&format!("fn {method}(")) {
                found.insert(callback.to_string());
            }
        }
    }
}

#[test]
fn every_filter_lists_exactly_the_callbacks_it_implements() {
    let filters = std::fs::read_dir(workspace().join("filters")).unwrap();
    let mut checked = 0;
    for filter in filters {
        let filter = filter.unwrap().path();
        let mut found = BTreeSet::new();
        implemented(&filter.join("src"), &mut found);
        assert_eq!(listed(&filter), found, "{}", filter.display());
        checked += 1;
    }
    assert_eq!(checked, 5, "the five filters");
}
