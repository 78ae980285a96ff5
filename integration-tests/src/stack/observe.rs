//! What a test can look at: audit records, requests the upstream received, Envoy's counters.

use std::time::Duration;

use serde_json::Value;

use super::Stack;
use crate::error::HarnessError;
use crate::http::{self, Request};
use crate::process::poll_until;

/// The marker the audit filter puts before each record's JSON in Envoy's log.
const AUDIT_MARKER: &str = "palisade-audit ";
const WAIT: Duration = Duration::from_secs(20);
/// Longer than an authn worker's tick before it holds a key set (it polls shared data).
const WORKER_TICK: Duration = Duration::from_millis(1500);

/// A request as the demo API received it (header names lower-cased, duplicates kept).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedRequest {
    /// Every value of the header, by case-insensitive name.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of the header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).first().copied()
    }

    fn from_json(value: &Value) -> Option<RecordedRequest> {
        let text = |key: &str| value.get(key)?.as_str().map(str::to_string);
        let headers = value
            .get("headers")?
            .as_array()?
            .iter()
            .filter_map(|pair| {
                let name = pair.get(0)?.as_str()?.to_string();
                Some((name, pair.get(1)?.as_str()?.to_string()))
            })
            .collect();
        Some(RecordedRequest {
            method: text("method")?,
            path: text("path")?,
            headers,
            body: text("body")?,
        })
    }
}

/// The audit records in an Envoy log, oldest first; lines that do not parse are skipped.
pub fn parse_audit_records(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|line| line.split_once(AUDIT_MARKER))
        .filter_map(|(_, json)| serde_json::from_str(json.trim()).ok())
        .collect()
}

impl Stack {
    /// Every audit record Envoy has logged so far.
    pub fn audit_records(&self) -> Vec<Value> {
        parse_audit_records(&self.envoy_log())
    }

    /// Waits (bounded) until at least `count` audit records are in the log: the audit filter
    /// writes its record after the answer has been sent.
    pub fn wait_for_audit_records(&self, count: usize) -> Result<Vec<Value>, HarnessError> {
        poll_until("audit records", WAIT, || {
            Ok(self.audit_records().len() >= count)
        })?;
        Ok(self.audit_records())
    }

    /// What the demo API received so far (asked directly on its port, not through Envoy).
    pub fn recorded(&self) -> Result<Vec<RecordedRequest>, HarnessError> {
        let response = http::send(self.ports.api, &Request::get("/__recorded"))?;
        let body = response.json()?;
        let requests = body.get("requests").and_then(Value::as_array);
        Ok(requests
            .map(|list| list.iter().filter_map(RecordedRequest::from_json).collect())
            .unwrap_or_default())
    }

    /// Forgets what the demo API received so far.
    pub fn clear_recorded(&self) -> Result<(), HarnessError> {
        http::send(self.ports.api, &Request::new("DELETE", "/__recorded"))?;
        Ok(())
    }

    /// Envoy's admin `/stats` as text (`name: value` lines).
    pub fn stats(&self) -> Result<String, HarnessError> {
        Ok(http::send(self.ports.admin, &Request::get("/stats"))?.text())
    }

    /// One counter or gauge from `/stats`, e.g. `wasmcustom.palisade_authn_denied_total`;
    /// `None` if Envoy does not know it (yet).
    pub fn counter(&self, name: &str) -> Result<Option<u64>, HarnessError> {
        let stats = self.stats()?;
        Ok(stats.lines().find_map(|line| {
            let (key, value) = line.split_once(": ")?;
            (key == name).then(|| value.trim().parse().ok()).flatten()
        }))
    }

    /// Authn fetches the JWKS on a timer after start: waits (bounded) until a request with a
    /// valid token for `client` is no longer answered 503, then until every worker has it.
    pub fn wait_for_authn(&self, client: &str) -> Result<(), HarnessError> {
        let token = self.token(client)?;
        poll_until("authn (JWKS fetched)", WAIT, || {
            let response = self.get("/accounts/a1", Some(&token))?;
            Ok(response.status != 503)
        })?;
        // One root context fetched for all. Key sets the other workers take from shared data
        // on demand, but a revocation list only on their next tick: give them that tick
        // without sending requests (tests count requests that reach authz against rate limits).
        if self.workers > 1 {
            std::thread::sleep(WORKER_TICK);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_audit_lines_and_skips_the_rest() {
        let log = "\
[2026-01-01 00:00:00.000][info][wasm] wasm log palisade_audit: palisade-audit {\"status\":200}
[2026-01-01 00:00:00.001][info][main] starting
[2026-01-01 00:00:00.002][info][wasm] palisade-audit {not json
[2026-01-01 00:00:00.003][info][wasm] palisade-audit {\"status\":401}
";
        let records = parse_audit_records(log);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1]["status"], 401);
    }

    #[test]
    fn reads_recorded_requests_from_the_api_format() {
        let value = serde_json::json!({
            "method": "GET", "path": "/x", "body": "",
            "headers": [["x-a", "1"], ["x-a", "2"]]
        });
        let request = RecordedRequest::from_json(&value).unwrap();
        assert_eq!(request.header_values("X-A"), vec!["1", "2"]);
        assert_eq!(request.header("x-b"), None);
    }
}
