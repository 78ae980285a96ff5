//! The `failed_auth_throttle` section.

use palisade_shared::config::ConfigError;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Failures within `window_seconds` that lock a source or principal out. Default 10,
    /// 1 to 1000.
    #[serde(default = "default_max_failures")]
    max_failures: u64,
    /// Length of the counting window in seconds. Default 60, 1 to 86400.
    #[serde(default = "default_window")]
    window_seconds: u64,
    /// First lockout in seconds; each further lockout doubles it. Default 30, 1 to 86400.
    #[serde(default = "default_lockout")]
    lockout_seconds: u64,
    /// Longest lockout in seconds; the count of lockouts (for the doubling) is forgotten this
    /// long after the last lockout ended. Default 900, at least `lockout_seconds`, at most 86400.
    #[serde(default = "default_max_lockout")]
    max_lockout_seconds: u64,
    /// Whether failures are counted per client address. Default true.
    #[serde(default = "yes")]
    per_source: bool,
    /// Whether failures are also counted per claimed principal (a token's unverified issuer and
    /// subject, an API key's or HMAC key's id). Default false: every credential Palisade takes
    /// is unguessable (a signature, a secret of at least 256 bits), so counting per claimed
    /// principal stops no guessing, while anyone can claim a principal and lock it out.
    /// Turn it on only where that trade (AC-7) is wanted.
    #[serde(default)]
    per_principal: bool,
    /// Shared-data slots per kind (sources, principals). Default 4096, 16 to 65536. When the
    /// probed slots are all busy, a key shares a slot, which only makes lockouts earlier.
    #[serde(default = "default_slots")]
    slots: u64,
}

fn default_max_failures() -> u64 {
    10
}
fn default_window() -> u64 {
    60
}
fn default_lockout() -> u64 {
    30
}
fn default_max_lockout() -> u64 {
    900
}
fn default_slots() -> u64 {
    4096
}
fn yes() -> bool {
    true
}

/// The checked section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleConfig {
    pub max_failures: u64,
    pub window_ms: u64,
    pub lockout_ms: u64,
    pub max_lockout_ms: u64,
    pub per_source: bool,
    pub per_principal: bool,
    pub slots: u64,
}

pub fn load(raw: RawThrottle) -> Result<ThrottleConfig, ConfigError> {
    let bounds = [
        ("max_failures", raw.max_failures, 1, 1000),
        ("window_seconds", raw.window_seconds, 1, 86400),
        ("lockout_seconds", raw.lockout_seconds, 1, 86400),
        (
            "max_lockout_seconds",
            raw.max_lockout_seconds,
            raw.lockout_seconds,
            86400,
        ),
        ("slots", raw.slots, 16, 65536),
    ];
    for (name, value, min, max) in bounds {
        if value < min || value > max {
            let why = format!("must be between {min} and {max}");
            return Err(ConfigError::new(
                format!("failed_auth_throttle.{name}"),
                why,
            ));
        }
    }
    if !raw.per_source && !raw.per_principal {
        let why = "must count per_source, per_principal or both";
        return Err(ConfigError::new("failed_auth_throttle", why));
    }
    Ok(ThrottleConfig {
        max_failures: raw.max_failures,
        window_ms: raw.window_seconds * 1000,
        lockout_ms: raw.lockout_seconds * 1000,
        max_lockout_ms: raw.max_lockout_seconds * 1000,
        per_source: raw.per_source,
        per_principal: raw.per_principal,
        slots: raw.slots,
    })
}
