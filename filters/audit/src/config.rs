//! The audit configuration as operators write it.

use palisade_shared::config::ConfigError;
use serde::Deserialize;

/// Default `max_path_bytes`.
pub const DEFAULT_MAX_PATH_BYTES: usize = 1024;
const PATH_BYTES_RANGE: std::ops::RangeInclusive<usize> = 64..=8192;

/// Top-level configuration of the audit filter; `{}` takes every default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Longest request path written into a record, in bytes; a longer path is cut at a
    /// character boundary. Default 1024, between 64 and 8192. Security effect: bounds the log
    /// volume one request can cause. The query string, the fragment and `;` path parameters are
    /// never written.
    #[serde(default = "default_max_path_bytes")]
    pub max_path_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_path_bytes: DEFAULT_MAX_PATH_BYTES,
        }
    }
}

fn default_max_path_bytes() -> usize {
    DEFAULT_MAX_PATH_BYTES
}

impl Config {
    /// Parses the plugin configuration; an empty one means `{}`.
    pub fn load(bytes: &[u8]) -> Result<Config, ConfigError> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            None => return Ok(Config::default()),
            // serde would also read a struct from an array of its fields in order.
            Some(b'{') => {}
            Some(_) => return Err(ConfigError::new("", "must be a JSON object")),
        }
        let config: Config = palisade_shared::config::parse(bytes)?;
        if !PATH_BYTES_RANGE.contains(&config.max_path_bytes) {
            return Err(ConfigError::new(
                "max_path_bytes",
                format!(
                    "must be between {} and {}",
                    PATH_BYTES_RANGE.start(),
                    PATH_BYTES_RANGE.end()
                ),
            ));
        }
        Ok(config)
    }
}
