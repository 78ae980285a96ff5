//! Talking to the demo IdP (`idp/server.mjs`): starting it, tokens, test-only signing.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::error::HarnessError;
use crate::http::{self, Request, Response};
use crate::paths;
use crate::process::{poll_until, Process};

/// The access-token audience (resource indicator) of the demo API.
pub const AUDIENCE: &str = "urn:palisade:demo-api";

/// The demo clients: id, secret, every scope it may ask for.
pub const CLIENTS: [(&str, &str, &str); 3] = [
    (
        "demo-client",
        "demo-client-secret",
        "accounts:read transfers:write",
    ),
    ("reader-client", "reader-client-secret", "accounts:read"),
    (
        "admin-client",
        "admin-client-secret",
        "accounts:read accounts:admin transfers:write",
    ),
];

/// Starts the IdP on a free port with the test-only admin endpoints on, plus `env`; returns
/// the process and its port.
pub fn start(env: &[(String, String)], log: &Path) -> Result<(Process, u16), HarnessError> {
    let script = paths::idp_script()?;
    let mut command = Command::new("node");
    command
        .arg(&script)
        .args(["--port", "0"])
        .env("PALISADE_IDP_ADMIN", "1")
        .current_dir(paths::repo_root().join("idp"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut process = Process::spawn("idp", command, log)?;
    let mut port = 0;
    let waited = poll_until("the IdP", Duration::from_secs(30), || {
        process.check_alive()?;
        port = announced_port(&process.log()).unwrap_or(0);
        let discovery = Request::get("/.well-known/openid-configuration");
        Ok(port != 0 && http::send(port, &discovery).is_ok_and(|r| r.status == 200))
    });
    match waited {
        Ok(()) => Ok((process, port)),
        Err(e) => Err(HarnessError::new(format!(
            "{e}; its log:\n{}",
            process.log()
        ))),
    }
}

/// The port in the IdP's `listening issuer=http://127.0.0.1:<port>` line.
fn announced_port(log: &str) -> Option<u16> {
    let rest = log.split("issuer=http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn basic_auth(client: &str) -> Result<String, HarnessError> {
    let (id, secret, _) = CLIENTS
        .iter()
        .find(|(id, _, _)| *id == client)
        .ok_or_else(|| HarnessError::new(format!("unknown demo client {client}")))?;
    let credentials = STANDARD.encode(format!("{id}:{secret}"));
    Ok(format!("Basic {credentials}"))
}

/// The client's full scope list.
pub fn client_scope(client: &str) -> Option<&'static str> {
    CLIENTS
        .iter()
        .find(|(id, _, _)| *id == client)
        .map(|(_, _, scope)| *scope)
}

/// Raw token request (client credentials); `None` leaves the parameter out.
pub fn token_request(
    port: u16,
    client: &str,
    scope: Option<&str>,
    resource: Option<&str>,
) -> Result<Response, HarnessError> {
    let mut form = String::from("grant_type=client_credentials");
    if let Some(scope) = scope {
        form.push_str(&format!("&scope={}", scope.replace(' ', "+")));
    }
    if let Some(resource) = resource {
        form.push_str(&format!("&resource={}", resource.replace(':', "%3A")));
    }
    let request = Request::new("POST", "/token")
        .header("authorization", &basic_auth(client)?)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    http::send(port, &request)
}

/// A JWT access token for `client` with all its scopes, for the demo API's audience.
pub fn token(port: u16, client: &str) -> Result<String, HarnessError> {
    let response = token_request(port, client, client_scope(client), Some(AUDIENCE))?;
    let body = response.json()?;
    match (
        response.status,
        body.get("access_token").and_then(Value::as_str),
    ) {
        (200, Some(token)) => Ok(token.to_string()),
        _ => Err(HarnessError::new(format!(
            "token request for {client} failed: {} {body}",
            response.status
        ))),
    }
}

/// Signs a token through the IdP's test-only `/__admin/sign` (see `idp/server.mjs` for fields).
pub fn sign(port: u16, request: &Value) -> Result<String, HarnessError> {
    let response = http::send(port, &Request::new("POST", "/__admin/sign").json(request))?;
    let body = response.json()?;
    match body.get("token").and_then(Value::as_str) {
        Some(token) if response.status == 200 => Ok(token.to_string()),
        _ => Err(HarnessError::new(format!("signing failed: {body}"))),
    }
}

/// Adds a fresh `alg` key that signs from now on; `retire` drops all older keys. Returns its kid.
pub fn rotate(port: u16, alg: &str, retire: bool) -> Result<String, HarnessError> {
    let target = format!(
        "/__admin/rotate?alg={alg}{}",
        if retire { "&retire=1" } else { "" }
    );
    let response = http::send(port, &Request::new("POST", &target))?;
    let body = response.json()?;
    match body.get("kid").and_then(Value::as_str) {
        Some(kid) if response.status == 200 => Ok(kid.to_string()),
        _ => Err(HarnessError::new(format!("rotation failed: {body}"))),
    }
}

/// Claims the IdP itself would put in a token for `client`, valid for an hour from now.
pub fn standard_claims(port: u16, client: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    json!({
        "iss": format!("http://127.0.0.1:{port}"),
        "sub": client,
        "client_id": client,
        "aud": AUDIENCE,
        "scope": client_scope(client).unwrap_or_default(),
        "iat": now,
        "exp": now + 3600,
        "jti": format!("test-{now}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_announced_port() {
        let log =
            "warning\npalisade-idp listening issuer=http://127.0.0.1:41234 signing_alg=ES256\n";
        assert_eq!(announced_port(log), Some(41234));
        assert_eq!(announced_port("starting"), None);
    }

    #[test]
    fn every_client_has_a_scope_and_unknown_ones_none() {
        assert_eq!(client_scope("reader-client"), Some("accounts:read"));
        assert_eq!(client_scope("nobody"), None);
        assert!(basic_auth("nobody").is_err());
    }
}
