//! The demo bank that Palisade guards in the demo and the integration tests.
//!
//! Serves `schemas/demo-api.openapi.json` over HTTP/1.1 on 127.0.0.1. It does no authorization,
//! answers with fields the document does not declare and with `Server`/`X-Powered-By` headers,
//! and records every request it receives for tests at `GET /__recorded` (`DELETE /__recorded`
//! clears the log). The binary `palisade-demo-api` runs it; the integration tests start it
//! in-process with [`DemoApi::start`].

mod recorder;
mod routes;
mod server;
mod store;
mod wire;

pub use server::DemoApi;
