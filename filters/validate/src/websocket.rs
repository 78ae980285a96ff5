//! WebSocket upgrades (RFC 6455; RFC 8441 over HTTP/2), checked before Envoy upgrades the
//! connection: nothing but the handshake is seen, so this is where the endpoint, the page that
//! opened the socket (`Origin`, the defence against cross-site WebSocket hijacking) and the
//! subprotocol are held to the configuration.
//!
//! Every upgrade request is refused unless its path is a configured endpoint and it asks for
//! `websocket` (403); the handshake must be well formed: GET with `Connection: upgrade`,
//! `Sec-WebSocket-Version: 13` and a key of 16 base64-encoded bytes (400). Envoy itself refuses
//! upgrades unless the connection manager lists them in `upgrade_configs`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use palisade_shared::config::ConfigError;
use palisade_shared::path::CanonicalPath;
use palisade_shared::template::Template;
use serde::Deserialize;

/// One endpoint as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// Path template of the endpoint, e.g. `/ws` or `/rooms/{room}/socket`. Required.
    path: String,
    /// Origins whose pages may open the socket, as browsers send them: `scheme://host[:port]`,
    /// e.g. `https://app.example.com`. Required, non-empty; compared case-insensitively. The
    /// opaque origin `null` is never accepted.
    origins: Vec<String>,
    /// Accept handshakes without an `Origin` header (clients that are not browsers). Default
    /// false: a missing origin is refused, as browsers always send one.
    #[serde(default)]
    allow_missing_origin: bool,
    /// Subprotocols a client may offer in `Sec-WebSocket-Protocol`. Default none: offering
    /// any is refused. When set, a handshake must offer at least one, and only listed ones.
    #[serde(default)]
    subprotocols: Vec<String>,
}

/// One endpoint, compiled.
#[derive(Debug)]
pub struct Endpoint {
    template: Template,
    origins: Vec<String>,
    allow_missing_origin: bool,
    subprotocols: Vec<String>,
}

impl RawEndpoint {
    pub fn compile(self, at: &str) -> Result<Endpoint, ConfigError> {
        let template = Template::parse(&self.path)
            .map_err(|error| ConfigError::new(format!("{at}.path"), error.0))?;
        if self.origins.is_empty() {
            return Err(ConfigError::new(
                format!("{at}.origins"),
                "must list an origin",
            ));
        }
        let mut origins = Vec::with_capacity(self.origins.len());
        for origin in &self.origins {
            let lower = origin.to_ascii_lowercase();
            let (scheme, host) = lower.split_once("://").unwrap_or_default();
            if scheme.is_empty() || host.is_empty() || host.contains('/') {
                let why = "each must be scheme://host[:port], e.g. https://app.example.com";
                return Err(ConfigError::new(format!("{at}.origins"), why));
            }
            origins.push(lower);
        }
        if !self.subprotocols.iter().all(|p| is_token(p)) {
            let why = "each must be an HTTP token";
            return Err(ConfigError::new(format!("{at}.subprotocols"), why));
        }
        Ok(Endpoint {
            template,
            origins,
            allow_missing_origin: self.allow_missing_origin,
            subprotocols: self.subprotocols,
        })
    }
}

/// Why a handshake was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeError {
    /// Not a configured endpoint, or an upgrade to something else than WebSocket (403).
    NotAllowedHere,
    /// Method, `Connection` or a second upgrade token (400).
    Malformed,
    /// `Sec-WebSocket-Version` other than 13 (400, answered with the version we speak).
    Version,
    /// `Sec-WebSocket-Key` missing or not 16 base64 bytes (400).
    Key,
    /// `Origin` missing or not listed (403).
    Origin,
    /// A subprotocol not listed, none where one is required, or one where none is (400).
    Subprotocol,
}

/// Whether the request asks for a protocol upgrade (HTTP/1.1 `Upgrade`, or HTTP/2's
/// extended CONNECT with `:protocol`).
pub fn is_upgrade(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(name, _)| name == "upgrade" || name == ":protocol")
}

/// Judges an upgrade request to `path`.
pub fn judge(
    endpoints: &[Endpoint],
    path: &CanonicalPath,
    headers: &[(String, String)],
) -> Result<(), HandshakeError> {
    let endpoint = endpoints
        .iter()
        .find(|endpoint| endpoint.template.matches(path).is_some())
        .ok_or(HandshakeError::NotAllowedHere)?;
    let get = |name: &str| joined(headers, name);
    let extended_connect = get(":protocol");
    match extended_connect {
        Some(protocol) if protocol.eq_ignore_ascii_case("websocket") => {
            if get(":method").as_deref() != Some("CONNECT") {
                return Err(HandshakeError::Malformed);
            }
        }
        Some(_) => return Err(HandshakeError::NotAllowedHere),
        None => check_http1(&get)?,
    }
    if get("sec-websocket-version").as_deref() != Some("13") {
        return Err(HandshakeError::Version);
    }
    check_origin(endpoint, get("origin").as_deref())?;
    check_subprotocols(endpoint, get("sec-websocket-protocol").as_deref())
}

/// GET, `Upgrade: websocket` alone, `Connection` naming `upgrade`, and the key.
fn check_http1(get: &dyn Fn(&str) -> Option<String>) -> Result<(), HandshakeError> {
    let upgrade = get("upgrade").unwrap_or_default();
    if !upgrade.trim().eq_ignore_ascii_case("websocket") {
        return Err(HandshakeError::NotAllowedHere);
    }
    if get(":method").as_deref() != Some("GET") {
        return Err(HandshakeError::Malformed);
    }
    let connection = get("connection").unwrap_or_default();
    if !tokens(&connection).any(|t| t.eq_ignore_ascii_case("upgrade")) {
        return Err(HandshakeError::Malformed);
    }
    let key = get("sec-websocket-key").unwrap_or_default();
    let decoded = STANDARD
        .decode(key.trim())
        .map_err(|_| HandshakeError::Key)?;
    if decoded.len() != 16 {
        return Err(HandshakeError::Key);
    }
    Ok(())
}

fn check_origin(endpoint: &Endpoint, origin: Option<&str>) -> Result<(), HandshakeError> {
    match origin.map(|o| o.trim().to_ascii_lowercase()) {
        None if endpoint.allow_missing_origin => Ok(()),
        Some(origin) if endpoint.origins.contains(&origin) => Ok(()),
        _ => Err(HandshakeError::Origin),
    }
}

fn check_subprotocols(endpoint: &Endpoint, offered: Option<&str>) -> Result<(), HandshakeError> {
    let offered: Vec<&str> = offered.map(|o| tokens(o).collect()).unwrap_or_default();
    let required = !endpoint.subprotocols.is_empty();
    let all_listed = offered
        .iter()
        .all(|p| is_token(p) && endpoint.subprotocols.iter().any(|s| s == p));
    if (required && offered.is_empty()) || !all_listed {
        return Err(HandshakeError::Subprotocol);
    }
    Ok(())
}

/// A header's values, repeated ones joined with `,` as Envoy joins them.
fn joined(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The comma-separated elements of a header value, trimmed.
fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim)
}

/// RFC 9110 `token`.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
#[path = "websocket_tests.rs"]
mod tests;
