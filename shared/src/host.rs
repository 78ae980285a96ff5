//! The host as the filters see it: a handful of fallible calls behind one trait.
//!
//! Filter logic reads what it needs through [`Host`], decides in plain Rust, and acts through
//! [`Host`] again. Envoy is reached through [`ProxyHost`]; unit tests use [`FakeHost`].

mod fake;
mod header_list;
mod proxy;

pub use fake::{FakeHost, SentResponse};
pub use header_list::HeaderList;
pub use proxy::ProxyHost;

use std::time::SystemTime;

/// A host call failed; the status is the proxy-wasm ABI's, kept for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub call: &'static str,
    pub status: String,
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host call {} failed: {}", self.call, self.status)
    }
}

/// Which header map a call acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMap {
    Request,
    Response,
}

/// The calls a filter makes on its host during one HTTP stream.
pub trait Host {
    /// Every header of the map, in order, names lowercase as Envoy gives them.
    fn headers(&self, map: HeaderMap) -> Result<Vec<(String, String)>, HostError> {
        self.header_list(map).map(|list| list.to_owned_pairs())
    }
    /// The same headers kept in the host's buffer: one allocation instead of one per name and
    /// value, for the paths that every request takes.
    fn header_list(&self, map: HeaderMap) -> Result<HeaderList, HostError>;
    /// The values of one header, joined by Envoy with `,` when repeated.
    fn header(&self, map: HeaderMap, name: &str) -> Result<Option<String>, HostError>;
    /// Replaces every copy of a header; `None` removes them all.
    fn set_header(&self, map: HeaderMap, name: &str, value: Option<&str>) -> Result<(), HostError>;
    /// Adds one more copy of a header.
    fn add_header(&self, map: HeaderMap, name: &str, value: &str) -> Result<(), HostError>;
    /// An Envoy attribute or filter-state entry; `None` when absent.
    fn property(&self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError>;
    /// Writes a filter-state entry that later filters of this stream can read.
    fn set_property(&self, path: &[&str], value: &[u8]) -> Result<(), HostError>;
    /// Answers the request locally; the upstream is not called.
    fn send_response(
        &self,
        status: u32,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), HostError>;
    /// The host's clock.
    fn now(&self) -> SystemTime;
}

/// The plugin's configuration bytes as Envoy gives them to `on_configure`.
pub fn plugin_configuration() -> Option<Vec<u8>> {
    crate::abi::get_buffer(crate::abi::PLUGIN_CONFIGURATION, 0, usize::MAX)
        .ok()
        .flatten()
}

/// Envoy's request id for the current stream, for problem bodies and logs. Call it only in the
/// request phase: Envoy refuses request-header reads in response phases.
pub fn request_id(host: &dyn Host) -> Option<String> {
    host.header(HeaderMap::Request, "x-request-id")
        .ok()
        .flatten()
}
