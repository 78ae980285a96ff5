//! Cross-checks of the configuration that serde cannot express.

use crate::config::Config;
use palisade_shared::config::ConfigError;
use palisade_shared::openapi::Inventory;

/// Refuses references to unknown operations, duplicate or malformed limit names, zero sizes.
pub fn check(config: &Config, inventory: &Inventory) -> Result<(), ConfigError> {
    let known = |id: &str| {
        inventory
            .operations
            .iter()
            .any(|operation| operation.operation_id.as_deref() == Some(id))
    };
    for name in config.policies.keys() {
        if !known(name) {
            return Err(ConfigError::new(
                format!("policies.{name}"),
                "names no operation of the inventory",
            ));
        }
    }
    for (index, limit) in config.rate_limits.iter().enumerate() {
        let field = format!("rate_limits[{index}]");
        let well_formed = !limit.name.is_empty()
            && limit.name.len() <= 64
            && limit
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(ConfigError::new(
                format!("{field}.name"),
                "must match [a-z0-9_-]{1,64}",
            ));
        }
        let repeated = config
            .rate_limits
            .iter()
            .filter(|l| l.name == limit.name)
            .count()
            > 1;
        if repeated {
            return Err(ConfigError::new(format!("{field}.name"), "is not unique"));
        }
        if limit.requests == 0 || limit.window_seconds == 0 || limit.slots == 0 {
            return Err(ConfigError::new(
                field,
                "requests, window_seconds and slots must be at least 1",
            ));
        }
        if let Some(unknown) = limit.operations.iter().find(|id| !known(id)) {
            return Err(ConfigError::new(
                format!("{field}.operations"),
                format!("names no operation of the inventory: {unknown}"),
            ));
        }
    }
    if config.max_concurrent_per_principal == Some(0) {
        return Err(ConfigError::new(
            "max_concurrent_per_principal",
            "must be at least 1",
        ));
    }
    if config
        .realm
        .chars()
        .any(|c| c.is_ascii_control() || c == '"' || c == '\\')
    {
        return Err(ConfigError::new(
            "realm",
            "must be printable, without quotes",
        ));
    }
    Ok(())
}
