//! Settings of a Redis store and the builder that applies them.

use std::fmt;
use std::time::Duration;

use idempotency_store::{DEFAULT_MAX_RESPONSE_BYTES, StoreError};

/// The key prefix used unless one is configured.
pub const DEFAULT_KEY_PREFIX: &str = "idem";

/// The time each call may take unless another is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest key prefix accepted, in bytes.
const MAX_PREFIX_BYTES: usize = 64;

/// Settings a [`RedisStore`](crate::RedisStore) runs with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) key_prefix: String,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl Settings {
    /// Checks the settings before a store uses them.
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        validate_prefix(&self.key_prefix)?;
        if self.timeout.is_zero() {
            return Err(StoreError::backend(ConfigError::ZeroTimeout));
        }
        Ok(())
    }
}

/// Accepts 1 to 64 bytes of ASCII letters, digits and `_ - . :`: no braces (they would make
/// a Redis Cluster hash tag) and no glob characters (the prefix is used in `SCAN MATCH`).
fn validate_prefix(prefix: &str) -> Result<(), StoreError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':');
    if prefix.is_empty() || prefix.len() > MAX_PREFIX_BYTES || !prefix.bytes().all(allowed) {
        return Err(StoreError::backend(ConfigError::InvalidKeyPrefix(
            prefix.to_owned(),
        )));
    }
    Ok(())
}

/// A setting a store cannot run with. Returned as the source of [`StoreError::Backend`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The key prefix is empty, over 64 bytes, or holds a byte other than ASCII letters,
    /// digits and `_ - . :`.
    InvalidKeyPrefix(String),
    /// The per-call timeout is zero.
    ZeroTimeout,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidKeyPrefix(prefix) => write!(
                f,
                "key prefix {prefix:?} must be 1 to {MAX_PREFIX_BYTES} ASCII letters, digits, \
                 '_', '-', '.' or ':'"
            ),
            Self::ZeroTimeout => write!(f, "the per-call timeout must be above zero"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_error(result: Result<(), StoreError>) -> ConfigError {
        match result {
            Err(StoreError::Backend { source }) => source
                .downcast_ref::<ConfigError>()
                .cloned()
                .expect("a ConfigError source"),
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn prefixes_with_braces_globs_or_spaces_are_refused() {
        for bad in [
            "",
            "a{b",
            "a}b",
            "a*",
            "a?",
            "a[b]",
            "a b",
            "é",
            &"p".repeat(65),
        ] {
            assert_eq!(
                config_error(validate_prefix(bad)),
                ConfigError::InvalidKeyPrefix(bad.to_owned())
            );
        }
        for good in ["idem", "app:idem", "a.b-c_d", &"p".repeat(64)] {
            assert!(validate_prefix(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn zero_timeout_is_refused() {
        let settings = Settings {
            timeout: Duration::ZERO,
            ..Settings::default()
        };

        assert_eq!(config_error(settings.validate()), ConfigError::ZeroTimeout);
    }
}
