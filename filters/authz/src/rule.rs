//! One operation's rule, compiled, and its evaluation against a caller.

use crate::config::{OwnershipConfig, PolicyConfig};
use palisade_shared::config::ConfigError;
use palisade_shared::principal::Principal;
use palisade_shared::time::parse_rfc3339;
use serde_json::Value;

/// Scopes that together satisfy access: all of `all`, and one of `any` when it is non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alternative {
    pub all: Vec<String>,
    pub any: Vec<String>,
}

impl Alternative {
    pub fn is_met_by(&self, principal: &Principal) -> bool {
        self.all.iter().all(|scope| principal.has_scope(scope))
            && (self.any.is_empty() || self.any.iter().any(|s| principal.has_scope(s)))
    }
}

/// Who may reach an operation at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// No policy covers the operation: every caller is refused.
    Deny,
    /// Anyone, with or without credentials.
    Public,
    /// An authenticated caller meeting any one alternative (an empty alternative: any caller
    /// who authenticated).
    Scopes(Vec<Alternative>),
}

/// Deprecation and sunset of an operation (RFC 9745, RFC 8594).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deprecation {
    /// Unix seconds since when the operation is deprecated; 0 when the document gives no date.
    pub since: i64,
    /// Unix seconds after which the operation is gone (410).
    pub sunset: Option<i64>,
    /// URI of the operation that replaces it.
    pub successor: Option<String>,
}

impl Deprecation {
    /// Reads `deprecated`, `x-deprecated-at`, `x-sunset` and `x-successor` of an operation.
    pub fn from_operation(spec: &Value) -> Result<Option<Deprecation>, String> {
        let deprecated = spec.get("deprecated").and_then(Value::as_bool) == Some(true);
        let date = |name: &str| -> Result<Option<i64>, String> {
            match spec.get(name) {
                None => Ok(None),
                Some(value) => value
                    .as_str()
                    .and_then(parse_rfc3339)
                    .map(Some)
                    .ok_or_else(|| format!("{name} must be an RFC 3339 date-time")),
            }
        };
        let since = date("x-deprecated-at")?;
        let sunset = date("x-sunset")?;
        let successor = spec.get("x-successor").and_then(Value::as_str);
        if !deprecated && since.is_none() && sunset.is_none() {
            return Ok(None);
        }
        if successor.is_some_and(|s| s.chars().any(|c| c.is_ascii_control() || c == '>')) {
            return Err("x-successor must be a plain URI reference".to_string());
        }
        Ok(Some(Deprecation {
            since: since.unwrap_or(0),
            sunset,
            successor: successor.map(String::from),
        }))
    }
}

/// A compiled rule; every part that is present must hold.
#[derive(Debug)]
pub struct Rule {
    pub access: Access,
    pub roles_any: Vec<String>,
    pub condition: Option<crate::condition::Condition>,
    pub ownership: Vec<OwnershipConfig>,
    pub classification: Option<String>,
    pub dry_run: bool,
    pub cost: u64,
    pub deprecation: Option<Deprecation>,
}

impl Rule {
    pub fn compile(
        policy: PolicyConfig,
        access: Access,
        deprecation: Option<Deprecation>,
        field: &str,
    ) -> Result<Rule, ConfigError> {
        let condition = match &policy.condition {
            Some(source) => Some(
                crate::condition::Condition::compile(source)
                    .map_err(|why| ConfigError::new(format!("{field}.condition"), why))?,
            ),
            None => None,
        };
        for (index, rule) in policy.ownership.iter().enumerate() {
            if rule.param.is_empty() || rule.claim.is_empty() {
                return Err(ConfigError::new(
                    format!("{field}.ownership[{index}]"),
                    "param and claim must not be empty",
                ));
            }
        }
        if policy.cost == Some(0) {
            return Err(ConfigError::new(
                format!("{field}.cost"),
                "must be at least 1",
            ));
        }
        Ok(Rule {
            access,
            roles_any: policy.roles_any,
            condition,
            ownership: policy.ownership,
            classification: policy.classification,
            dry_run: policy.dry_run,
            cost: policy.cost.unwrap_or(1),
            deprecation,
        })
    }
}
