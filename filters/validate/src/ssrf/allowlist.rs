//! Named allowlists of outbound URL destinations (`url_allowlists` in the configuration), and
//! the lookup of `x-palisade-url-allowlist` while schemas are compiled.

use super::host::{self, Host};
use super::url::{self, is_scheme};
use super::{ranges, UrlError, EXTENSION};
use palisade_shared::config::ConfigError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::rc::Rc;

/// One allowlist as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllowlist {
    /// Schemes a URL may use, e.g. `["https"]`. Default `["https"]`; plain `http` lets the
    /// callback be read and changed on the way.
    #[serde(default = "default_schemes")]
    schemes: Vec<String>,
    /// Hosts a URL may name. Required, non-empty. An exact name (`hooks.example.com`), a
    /// wildcard (`*.example.com`: any name below it, not the name itself), a public IP address,
    /// or `*`: any name with a dot and any public address. Names are compared in lowercase
    /// ASCII; write internationalised names as `xn--` labels.
    hosts: Vec<String>,
    /// Ports a URL may name besides its scheme's default (443 for https). Default none.
    #[serde(default)]
    ports: Vec<u16>,
}

fn default_schemes() -> Vec<String> {
    vec!["https".to_string()]
}

/// One compiled allowlist.
#[derive(Debug)]
pub struct UrlPolicy {
    schemes: Vec<String>,
    hosts: Vec<HostPattern>,
    ports: Vec<u16>,
}

#[derive(Debug, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `.example.com` for `*.example.com`.
    Below(String),
    Address(IpAddr),
}

impl UrlPolicy {
    /// Accepts `text` when it is a URL this allowlist allows; says why not otherwise.
    pub fn check(&self, text: &str) -> Result<(), UrlError> {
        let url = url::parse(text)?;
        if !self.schemes.contains(&url.scheme) {
            return Err(UrlError::SchemeNotAllowed);
        }
        if !self.hosts.iter().any(|pattern| pattern.matches(&url.host)) {
            return Err(UrlError::HostNotAllowed);
        }
        let default_port = default_port(&url.scheme);
        match url.port {
            Some(port) if Some(port) != default_port && !self.ports.contains(&port) => {
                Err(UrlError::PortNotAllowed)
            }
            _ => Ok(()),
        }
    }

    fn compile(raw: RawAllowlist, at: &str) -> Result<UrlPolicy, ConfigError> {
        let mut schemes = Vec::with_capacity(raw.schemes.len());
        for scheme in raw.schemes {
            if !is_scheme(&scheme) {
                return Err(ConfigError::new(
                    format!("{at}.schemes"),
                    "is not a URL scheme",
                ));
            }
            schemes.push(scheme.to_ascii_lowercase());
        }
        if schemes.is_empty() || raw.hosts.is_empty() {
            return Err(ConfigError::new(
                at,
                "needs at least one scheme and one host",
            ));
        }
        let hosts = raw
            .hosts
            .iter()
            .map(|entry| HostPattern::compile(entry, &format!("{at}.hosts")))
            .collect::<Result<_, _>>()?;
        if raw.ports.contains(&0) {
            return Err(ConfigError::new(
                format!("{at}.ports"),
                "port 0 is not a port",
            ));
        }
        Ok(UrlPolicy {
            schemes,
            hosts,
            ports: raw.ports,
        })
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

impl HostPattern {
    fn compile(entry: &str, at: &str) -> Result<HostPattern, ConfigError> {
        let refuse = |error: UrlError| ConfigError::new(at, format!("{entry}: {}", error.reason()));
        if entry == "*" {
            return Ok(HostPattern::Any);
        }
        if let Some(suffix) = entry.strip_prefix("*.") {
            let suffix = suffix.to_ascii_lowercase();
            host::check_name(&suffix).map_err(refuse)?;
            return Ok(HostPattern::Below(format!(".{suffix}")));
        }
        let bracketed = entry.strip_prefix('[').and_then(|e| e.strip_suffix(']'));
        if let Ok(address) = bracketed.unwrap_or(entry).parse::<IpAddr>() {
            let blocked = match address {
                IpAddr::V4(v4) => ranges::v4_block(v4),
                IpAddr::V6(v6) => ranges::v6_block(v6),
            };
            return match blocked {
                Some(range) => Err(refuse(UrlError::BlockedAddress(range))),
                None => Ok(HostPattern::Address(address)),
            };
        }
        match host::classify(entry).map_err(refuse)? {
            Host::Name(name) => Ok(HostPattern::Exact(name)),
            Host::V4(_) | Host::V6(_) => Err(refuse(UrlError::IpNotation)),
        }
    }

    fn matches(&self, host: &Host) -> bool {
        match (self, host) {
            (HostPattern::Any, _) => true,
            (HostPattern::Exact(exact), Host::Name(name)) => exact == name,
            (HostPattern::Below(suffix), Host::Name(name)) => name.ends_with(suffix.as_str()),
            (HostPattern::Address(IpAddr::V4(allowed)), Host::V4(address)) => allowed == address,
            (HostPattern::Address(IpAddr::V6(allowed)), Host::V6(address)) => allowed == address,
            _ => false,
        }
    }
}

/// Every allowlist by name, shared by the schemas that name it.
#[derive(Debug, Default)]
pub struct UrlPolicies(BTreeMap<String, Rc<UrlPolicy>>);

impl UrlPolicies {
    /// Compiles `url_allowlists`; `field` is its name in the configuration.
    pub fn compile(
        raw: BTreeMap<String, RawAllowlist>,
        field: &str,
    ) -> Result<UrlPolicies, ConfigError> {
        let mut policies = BTreeMap::new();
        for (name, list) in raw {
            let policy = UrlPolicy::compile(list, &format!("{field}.{name}"))?;
            policies.insert(name, Rc::new(policy));
        }
        Ok(UrlPolicies(policies))
    }

    /// The allowlist a schema names with `x-palisade-url-allowlist`, if it names one. The name
    /// must be configured, and a `format` beside it must be `uri`.
    pub fn for_schema(
        &self,
        schema: &Map<String, Value>,
        at: &str,
    ) -> Result<Option<Rc<UrlPolicy>>, ConfigError> {
        let Some(value) = schema.get(EXTENSION) else {
            return Ok(None);
        };
        let field = format!("{at}.{EXTENSION}");
        let name = value
            .as_str()
            .ok_or_else(|| ConfigError::new(field.as_str(), "must name a url_allowlists entry"))?;
        let policy = self.0.get(name).ok_or_else(|| {
            ConfigError::new(
                field.as_str(),
                format!("names no url_allowlists entry ({name})"),
            )
        })?;
        if schema.get("format").is_some_and(|f| f != "uri") {
            return Err(ConfigError::new(
                format!("{at}.format"),
                format!("must be uri where {EXTENSION} is set"),
            ));
        }
        Ok(Some(policy.clone()))
    }
}
