//! The request as its headers show it, read once in the headers callback.

use crate::refusal::Refusal;
use palisade_shared::decision::MatchedOperation;

/// The request as the headers show it; repeated headers joined with `,` as Envoy does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    pub content_length: Option<String>,
    pub transfer_encoding: Option<String>,
    pub content_encoding: Option<String>,
    /// The operation authz matched (filter state), if it ran and matched one.
    pub matched: Option<MatchedOperation>,
    /// Envoy's `x-request-id`, echoed in problem bodies.
    pub request_id: Option<String>,
    /// Envoy said no body follows the headers.
    pub end_of_stream: bool,
    /// Every header as Envoy gave it, for header and cookie parameters.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    pub fn from_headers(headers: &[(String, String)], end_of_stream: bool) -> RequestHead {
        let get = |name: &str| {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        };
        RequestHead {
            method: get(":method").unwrap_or_default(),
            path: get(":path").unwrap_or_default(),
            content_type: get("content-type"),
            content_length: get("content-length"),
            transfer_encoding: get("transfer-encoding"),
            content_encoding: get("content-encoding"),
            request_id: get("x-request-id"),
            matched: None,
            end_of_stream,
            headers: headers.to_vec(),
        }
    }

    /// `Content-Length` as a number; anything but plain digits is refused.
    pub fn content_length(&self) -> Result<Option<u64>, Refusal> {
        let Some(text) = self.content_length.as_deref() else {
            return Ok(None);
        };
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::InvalidContentLength);
        }
        text.parse()
            .map(Some)
            .map_err(|_| Refusal::InvalidContentLength)
    }

    pub fn is_chunked(&self) -> bool {
        self.transfer_encoding
            .as_deref()
            .is_some_and(|coding| coding.to_ascii_lowercase().contains("chunked"))
    }
}
