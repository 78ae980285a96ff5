//! What the Palisade filters share.
//!
//! Nothing here decides for a filter: this crate holds the host interface (a small trait with a
//! proxy-wasm adapter and an in-memory fake for unit tests), strict configuration loading, the
//! canonical request path and route templates, the OpenAPI operation inventory, the principal and
//! decision records that filters hand to each other through Envoy filter state, RFC 9457 problem
//! responses, a strict JSON reader, and metric and log helpers.

pub mod abi;
pub mod config;
pub mod decision;
pub mod host;
pub mod json;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod path;
pub mod principal;
pub mod problem;
pub mod shared_data;
pub mod template;
pub mod time;

pub use host::{Host, HostError};
