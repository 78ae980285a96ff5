//! The `grpc` section of the configuration, checked and compiled once.

use super::schema::Schema;
use super::Grpc;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use palisade_shared::config::ConfigError;
use serde::Deserialize;

/// Deepest message nesting a configuration may allow.
const MAX_DEPTH: usize = 100;

/// The `grpc` section as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrpc {
    /// The services' `FileDescriptorSet` in base64, as `protoc --include_imports
    /// --descriptor_set_out` writes it. Required. Its methods are the only gRPC routes.
    descriptor_set: String,
    /// Largest request message, in bytes. Default 16384. The whole body stays within
    /// `max_body_bytes` too.
    #[serde(default = "default_max_message_bytes")]
    max_message_bytes: usize,
    /// Most messages in one client-streaming request. Default 16.
    #[serde(default = "default_max_messages")]
    max_messages: usize,
    /// Deepest nesting of messages. Default 32, at most 100.
    #[serde(default = "default_max_depth")]
    max_depth: usize,
    /// Accept compressed messages (they pass unchecked). Default false: refused, so that
    /// every message is checked.
    #[serde(default)]
    allow_compressed: bool,
}

fn default_max_message_bytes() -> usize {
    16 * 1024
}

fn default_max_messages() -> usize {
    16
}

fn default_max_depth() -> usize {
    32
}

impl RawGrpc {
    pub fn compile(self, at: &str, max_body_bytes: usize) -> Result<Grpc, ConfigError> {
        let field = format!("{at}.descriptor_set");
        let bytes = STANDARD
            .decode(self.descriptor_set.trim())
            .map_err(|_| ConfigError::new(field.as_str(), "is not base64"))?;
        let schema = Schema::compile(&bytes, &field)?;
        if self.max_message_bytes == 0 || self.max_message_bytes > max_body_bytes {
            let why = "must be between 1 and max_body_bytes";
            return Err(ConfigError::new(format!("{at}.max_message_bytes"), why));
        }
        if self.max_messages == 0 {
            return Err(ConfigError::new(
                format!("{at}.max_messages"),
                "must be at least 1",
            ));
        }
        if self.max_depth == 0 || self.max_depth > MAX_DEPTH {
            let why = format!("must be between 1 and {MAX_DEPTH}");
            return Err(ConfigError::new(format!("{at}.max_depth"), why));
        }
        Ok(Grpc {
            schema,
            max_message_bytes: self.max_message_bytes,
            max_messages: self.max_messages,
            max_depth: self.max_depth,
            allow_compressed: self.allow_compressed,
        })
    }
}
