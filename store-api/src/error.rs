//! The errors every store returns.

use std::error::Error as StdError;
use std::time::Duration;

/// A backend's own error, kept whole so callers can walk the source chain.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a call to an [`IdempotencyStore`](crate::IdempotencyStore) failed.
///
/// Only [`Unavailable`](Self::Unavailable), [`Timeout`](Self::Timeout) and
/// [`CapacityExceeded`](Self::CapacityExceeded) can succeed when retried unchanged; see
/// [`is_retryable`](Self::is_retryable). Every other variant is final for that call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The caller passed a value the contract does not allow. Nothing was changed.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),

    /// The lease token does not own an in-flight record for this key any more: the lease ran
    /// out, the key was released or completed, or another claim took it over. Nothing was
    /// changed.
    #[error("lease lost: the token does not own an in-flight record for this key")]
    LeaseLost,

    /// A stored record could not be decoded. The record is left as it is for an operator to
    /// inspect; it expires like any other.
    #[error("stored record is corrupt: {reason}")]
    Corrupt {
        /// What was wrong with it.
        reason: String,
        /// The decoder's own error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The store holds as many records as it was configured to hold. Retry after expired
    /// records have been purged or some have expired.
    #[error("store is full: it holds at most {limit} records")]
    CapacityExceeded {
        /// The configured number of records.
        limit: usize,
    },

    /// The backend could not be reached or dropped the connection. The operation may or may
    /// not have been applied; every operation of the contract is safe to retry.
    #[error("backend unavailable")]
    Unavailable {
        /// The backend's error.
        #[source]
        source: BoxError,
    },

    /// The backend did not answer within the configured time. As with
    /// [`Unavailable`](Self::Unavailable), the operation may or may not have been applied.
    #[error("backend did not answer within {0:?}")]
    Timeout(Duration),

    /// The backend's stored schema was written by a newer release of this store.
    #[error("stored schema version {found} is newer than the {supported} this release knows")]
    IncompatibleSchema {
        /// The version found in the backend.
        found: i64,
        /// The newest version this release can read and write.
        supported: i64,
    },

    /// Any other backend failure: a misconfiguration, a permission, a bug. Retrying the same
    /// call will not help.
    #[error("backend error")]
    Backend {
        /// The backend's error.
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    /// Whether the same call may succeed if made again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. } | Self::Timeout(_) | Self::CapacityExceeded { .. }
        )
    }

    /// Wraps a backend error that a retry may cure (connection refused, reset, pool closed).
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            source: source.into(),
        }
    }

    /// Wraps a backend error that a retry will not cure.
    pub fn backend(source: impl Into<BoxError>) -> Self {
        Self::Backend {
            source: source.into(),
        }
    }

    /// A corrupt record with a reason and no underlying error.
    pub fn corrupt(reason: impl Into<String>) -> Self {
        Self::Corrupt {
            reason: reason.into(),
            source: None,
        }
    }
}

/// A value that breaks the contract's input rules. Returned inside
/// [`StoreError::InvalidInput`] and by the validating constructors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// The scope is the empty string.
    #[error("scope is empty")]
    EmptyScope,
    /// The scope is longer than [`MAX_SCOPE_BYTES`](crate::MAX_SCOPE_BYTES).
    #[error("scope is {len} bytes long; at most {max} are allowed", max = crate::MAX_SCOPE_BYTES)]
    ScopeTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The scope holds a control character (NUL included).
    #[error("scope holds a control character at byte {index}")]
    ScopeControlCharacter {
        /// Byte offset of the first such character.
        index: usize,
    },
    /// The key is the empty string.
    #[error("key is empty")]
    EmptyKey,
    /// The key is longer than [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES).
    #[error("key is {len} bytes long; at most {max} are allowed", max = crate::MAX_KEY_BYTES)]
    KeyTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The key holds a byte outside printable ASCII (0x20 to 0x7E).
    #[error("key holds byte {byte:#04x} at {index}; only printable ASCII is allowed")]
    KeyNotPrintableAscii {
        /// Byte offset of the first such byte.
        index: usize,
        /// The byte.
        byte: u8,
    },
    /// The fingerprint is longer than [`MAX_FINGERPRINT_BYTES`](crate::MAX_FINGERPRINT_BYTES).
    #[error("fingerprint is {len} bytes long; at most {max} are allowed",
        max = crate::MAX_FINGERPRINT_BYTES)]
    FingerprintTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A lease is zero, below the millisecond resolution, or longer than
    /// [`Lease::MAX`](crate::Lease::MAX).
    #[error("lease of {0:?} is out of range (1 ms to 30 days)")]
    LeaseOutOfRange(Duration),
    /// A retention is zero, below the millisecond resolution, or longer than
    /// [`Retention::MAX`](crate::Retention::MAX).
    #[error("retention of {0:?} is out of range (1 ms to 365 days)")]
    RetentionOutOfRange(Duration),
    /// The response is larger than the store's configured limit.
    #[error("response of {size} bytes exceeds the store's limit of {limit} bytes")]
    ResponseTooLarge {
        /// The response's [`size`](crate::SavedResponse::size).
        size: usize,
        /// The store's [`max_response_bytes`](crate::IdempotencyStore::max_response_bytes).
        limit: usize,
    },
}
