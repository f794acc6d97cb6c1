//! What can go wrong when a store is opened from a URL.

use idempotency_store::StoreError;

/// Why [`open_store`](crate::open_store) or [`StoreUrl::parse`](crate::StoreUrl::parse)
/// failed. Every URL in it has its password replaced by `***`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenStoreError {
    /// The scheme names no backend this crate knows.
    #[error(
        "unknown store scheme {scheme:?}: expected memory, sqlite, postgres, postgresql, \
         redis, rediss, redis+cluster or rediss+cluster"
    )]
    UnknownScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// The URL does not have the shape its scheme needs.
    #[error("invalid store URL {url}: {reason}")]
    InvalidUrl {
        /// The URL, credentials redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An option in the URL's query is unknown to its backend, repeated, or refused.
    #[error("invalid option {name:?} in store URL {url}: {reason}")]
    InvalidOption {
        /// The URL, credentials redacted.
        url: String,
        /// The option's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL is valid but the backend could not be opened, connected or migrated.
    #[error("could not open the store at {url}")]
    Open {
        /// The URL, credentials redacted.
        url: String,
        /// The backend's error.
        #[source]
        source: StoreError,
    },
}

impl OpenStoreError {
    /// Whether trying again later may succeed (the backend was unreachable or slow).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Open { source, .. } => source.is_retryable(),
            _ => false,
        }
    }
}
