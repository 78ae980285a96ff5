//! gRPC requests (`application/grpc`, `application/grpc+proto`): the framing and every request
//! message checked against the service's protobuf descriptors before the upstream sees them.
//!
//! The configured `FileDescriptorSet` names the methods: a request whose path is a method
//! (`/package.Service/Method`) must be a POST in a protobuf gRPC content type (415 problem
//! otherwise), without compression unless allowed; a gRPC request to any other path is refused
//! as UNIMPLEMENTED. The body is buffered to the end of the stream (within `max_body_bytes`),
//! split into messages (compressed flag refused unless allowed, each within
//! `max_message_bytes`), and each message is checked against the method's request type (see
//! [`wire`]). Unary and server-streaming methods take exactly one message.
//!
//! A gRPC client reads errors from `grpc-status`, not from the HTTP status: refusals of gRPC
//! requests are gRPC replies (HTTP 200, `grpc-status` 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED
//! or 12 UNIMPLEMENTED, and a `grpc-message`); Envoy turns the local reply into that form when
//! the request is gRPC. Audit records the HTTP-style status.
//!
//! Limitation: bidirectional-streaming methods are refused (UNIMPLEMENTED), since their request
//! stream cannot be held until it ends; compressed messages, where allowed, pass unchecked.

mod config;
mod descriptor;
mod frames;
mod schema;
mod wire;

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_wire;

pub use config::RawGrpc;
pub use schema::Method;

use frames::FrameError;
use schema::Schema;

/// gRPC status codes used in refusals.
pub const INVALID_ARGUMENT: u32 = 3;
pub const RESOURCE_EXHAUSTED: u32 = 8;
pub const UNIMPLEMENTED: u32 = 12;

/// The compiled section.
#[derive(Debug)]
pub struct Grpc {
    schema: Schema,
    max_message_bytes: usize,
    max_messages: usize,
    max_depth: usize,
    allow_compressed: bool,
}

/// A refusal: the gRPC status, a stable kind for audit and problems, and a message that names
/// the field at fault but never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrpcError {
    pub status: u32,
    pub kind: &'static str,
    pub message: String,
}

fn refuse(status: u32, kind: &'static str, message: impl Into<String>) -> GrpcError {
    GrpcError {
        status,
        kind,
        message: message.into(),
    }
}

/// What the request headers decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// Neither a gRPC content type nor a method path: not ours.
    NotGrpc,
    /// A method path in another content type: 415.
    NotGrpcContent,
    Decided(Result<(), GrpcError>),
    /// Buffer the body and check it against the method.
    Buffer(Method),
}

/// Whether a content type is gRPC's (`application/grpc` and its `+suffix` forms).
pub fn is_grpc_content_type(content_type: Option<&str>) -> bool {
    let essence = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default();
    let essence = essence.trim().to_ascii_lowercase();
    essence == "application/grpc" || essence.starts_with("application/grpc+")
}

impl Grpc {
    /// The request line and headers: `path` is `:path`, `encoding` is `grpc-encoding`.
    pub fn judge_head(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        encoding: Option<&str>,
        end_of_stream: bool,
    ) -> Head {
        let grpc_content = is_grpc_content_type(content_type);
        let route = path.split('?').next().unwrap_or_default();
        let Some(target) = self.schema.methods.get(route) else {
            return match grpc_content {
                true => Head::Decided(Err(refuse(
                    UNIMPLEMENTED,
                    "grpc-unknown-method",
                    "unknown method",
                ))),
                false => Head::NotGrpc,
            };
        };
        if !grpc_content {
            return Head::NotGrpcContent;
        }
        match self.check_call(method, content_type, encoding, target) {
            Err(error) => Head::Decided(Err(error)),
            Ok(()) if !end_of_stream => Head::Buffer(*target),
            Ok(()) if target.client_streaming => Head::Decided(Ok(())),
            Ok(()) => Head::Decided(Err(refuse(
                INVALID_ARGUMENT,
                "grpc-invalid-message",
                "the request message is missing",
            ))),
        }
    }

    /// What the headers must say of a call to a known method.
    fn check_call(
        &self,
        method: &str,
        content_type: Option<&str>,
        encoding: Option<&str>,
        target: &Method,
    ) -> Result<(), GrpcError> {
        let invalid = "grpc-invalid-request";
        if method != "POST" {
            return Err(refuse(UNIMPLEMENTED, invalid, "gRPC requests are POSTs"));
        }
        if !is_protobuf(content_type) {
            let why = "only protobuf-encoded messages are accepted";
            return Err(refuse(INVALID_ARGUMENT, invalid, why));
        }
        if !self.allow_compressed && is_compressed(encoding) {
            let why = "compressed messages are not accepted";
            return Err(refuse(UNIMPLEMENTED, "grpc-compression-refused", why));
        }
        if target.client_streaming && target.server_streaming {
            let why = "bidirectional streaming cannot be validated here";
            return Err(refuse(UNIMPLEMENTED, "grpc-streaming-refused", why));
        }
        Ok(())
    }

    /// The whole request stream of a call to `method`.
    pub fn judge_body(&self, method: &Method, body: &[u8]) -> Result<(), GrpcError> {
        let frames = frames::split(
            body,
            self.max_message_bytes,
            self.max_messages,
            self.allow_compressed,
        )
        .map_err(frame_error)?;
        if !method.client_streaming && frames.len() != 1 {
            return Err(refuse(
                INVALID_ARGUMENT,
                "grpc-invalid-message",
                "a unary request carries one message",
            ));
        }
        for (index, frame) in frames.iter().enumerate() {
            if frame.compressed {
                continue;
            }
            wire::check(&self.schema, method.input, frame.message, self.max_depth).map_err(
                |error| {
                    let place = match error.path.is_empty() {
                        true => String::new(),
                        false => format!(" field {}:", error.path),
                    };
                    let message = format!("request message {}:{place} {}", index + 1, error.reason);
                    refuse(INVALID_ARGUMENT, "grpc-invalid-message", message)
                },
            )?;
        }
        Ok(())
    }
}

fn is_protobuf(content_type: Option<&str>) -> bool {
    let essence = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default();
    let essence = essence.trim().to_ascii_lowercase();
    essence == "application/grpc" || essence == "application/grpc+proto"
}

fn is_compressed(encoding: Option<&str>) -> bool {
    encoding.is_some_and(|coding| !coding.trim().eq_ignore_ascii_case("identity"))
}

fn frame_error(error: FrameError) -> GrpcError {
    match error {
        FrameError::TooLarge { limit } => refuse(
            RESOURCE_EXHAUSTED,
            "grpc-message-too-large",
            format!("a request message is larger than {limit} bytes"),
        ),
        FrameError::TooMany { limit } => refuse(
            RESOURCE_EXHAUSTED,
            "grpc-too-many-messages",
            format!("more than {limit} request messages"),
        ),
        FrameError::Compressed => refuse(
            UNIMPLEMENTED,
            "grpc-compression-refused",
            "compressed messages are not accepted",
        ),
        FrameError::Truncated | FrameError::BadFlag => refuse(
            INVALID_ARGUMENT,
            "grpc-invalid-message",
            "malformed message framing",
        ),
    }
}

/// The gRPC status for a refusal made in HTTP terms (size, path, host failure).
pub fn status_for_http(status: u32) -> u32 {
    match status {
        400 | 415 => INVALID_ARGUMENT,
        413 => RESOURCE_EXHAUSTED,
        401 => 16,
        403 => 7,
        404 | 405 => UNIMPLEMENTED,
        429 | 503 => 14,
        500 => 13,
        _ => 2,
    }
}
