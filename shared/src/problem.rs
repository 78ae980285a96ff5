//! Refusals on the wire: RFC 9457 `application/problem+json`, mapped in one place.
//!
//! Every filter builds a [`Problem`] and sends it through [`Problem::send`]. The body names the
//! kind of refusal with a stable `type` URI, never anything internal (no key ids, no config, no
//! parser messages that quote secrets).

use crate::decision::Decision;
use crate::host::{Host, HostError};
use serde::Serialize;

/// Prefix of every problem `type` URI; the suffix is the problem's kind.
pub const TYPE_PREFIX: &str = "urn:palisade:problem:";

/// One failed check of a request, located by a JSON pointer into the request as validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub pointer: String,
    pub reason: String,
}

/// A refusal: status, kind, a short title and what the client needs to correct it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: u32,
    /// Stable, kebab-case kind, e.g. `invalid-token`; part of the public interface.
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: Option<String>,
    pub violations: Vec<Violation>,
    /// Extra response headers such as `WWW-Authenticate`, `Allow` or `Retry-After`.
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'a str,
    status: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    violations: &'a [Violation],
}

impl Problem {
    pub fn new(status: u32, kind: &'static str, title: &'static str) -> Self {
        Problem {
            status,
            kind,
            title,
            detail: None,
            violations: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_violations(mut self, violations: Vec<Violation>) -> Self {
        self.violations = violations;
        self
    }

    pub fn type_uri(&self) -> String {
        format!("{TYPE_PREFIX}{}", self.kind)
    }

    /// The serialised body; `request_id` is Envoy's `x-request-id` for correlation with audit.
    pub fn body(&self, request_id: Option<&str>) -> Vec<u8> {
        let body = Body {
            type_uri: self.type_uri(),
            title: self.title,
            status: self.status,
            detail: self.detail.as_deref(),
            request_id,
            violations: &self.violations,
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec())
    }

    /// Refuses the current request: records the deny decision for `stage` (for audit), then
    /// answers with this problem. Errors of either host call are returned for the log.
    pub fn refuse(&self, host: &dyn Host, stage: &str) -> Result<(), HostError> {
        let request_id = crate::host::request_id(host);
        self.refuse_with_id(host, stage, request_id.as_deref())
    }

    /// [`Problem::refuse`] for body phases, where Envoy no longer lets request headers be read:
    /// the request id is the one kept from the headers phase.
    pub fn refuse_with_id(
        &self,
        host: &dyn Host,
        stage: &str,
        request_id: Option<&str>,
    ) -> Result<(), HostError> {
        let recorded = Decision::deny(self.kind, self.status).store(host, stage);
        self.send(host, request_id)?;
        recorded
    }

    /// Sends the problem as the local reply to the current request.
    pub fn send(&self, host: &dyn Host, request_id: Option<&str>) -> Result<(), HostError> {
        let body = self.body(request_id);
        let mut headers: Vec<(&str, &str)> = vec![
            ("content-type", "application/problem+json"),
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
        ];
        headers.extend(self.headers.iter().map(|(n, v)| (*n, v.as_str())));
        host.send_response(self.status, &headers, &body)
    }
}

/// Quotes a value for an HTTP auth-param (RFC 9110 quoted-string), dropping what cannot appear.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars().filter(|c| *c == ' ' || c.is_ascii_graphic()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FakeHost;

    #[test]
    fn body_carries_type_title_status_and_request_id() {
        let problem = Problem::new(403, "insufficient-scope", "Insufficient scope")
            .with_detail("the operation needs scope accounts:read");
        let body: serde_json::Value = serde_json::from_slice(&problem.body(Some("abc"))).unwrap();
        assert_eq!(body["type"], "urn:palisade:problem:insufficient-scope");
        assert_eq!(body["status"], 403);
        assert_eq!(body["request_id"], "abc");
        assert!(body.get("violations").is_none());
    }

    #[test]
    fn send_sets_problem_content_type_and_extra_headers() {
        let host = FakeHost::default();
        Problem::new(401, "missing-token", "Missing token")
            .with_header("www-authenticate", "Bearer realm=\"api\"")
            .send(&host, None)
            .unwrap();
        let sent = host.sent().unwrap();
        assert_eq!(sent.status, 401);
        assert_eq!(
            sent.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(
            sent.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }

    #[test]
    fn quoted_escapes_quotes_and_drops_control_characters() {
        assert_eq!(quoted("a\"b\\c\n"), "\"a\\\"b\\\\c\"");
    }
}
