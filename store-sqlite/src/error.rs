//! How SQLite's errors become [`StoreError`]s.

use std::time::Duration;

use idempotency_store::StoreError;
use rusqlite::ErrorCode;

/// Why an operation on a connection failed: a contract outcome decided by the store, or an
/// error from SQLite that still has to be classified.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Already a store error (lease lost, corrupt record...).
    Store(StoreError),
    /// SQLite refused a statement.
    Sqlite(rusqlite::Error),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

impl Failure {
    /// The store error a caller sees; `busy_timeout` is what a lock wait gave up after.
    pub(crate) fn into_store(self, busy_timeout: Duration) -> StoreError {
        match self {
            Self::Store(error) => error,
            Self::Sqlite(error) => from_sqlite(error, busy_timeout),
        }
    }
}

/// Classifies an SQLite error by what a retry can do about it.
///
/// - a lock still held by another connection when the busy timeout ran out:
///   [`StoreError::Timeout`], retryable;
/// - an I/O error, a full disk, no memory: [`StoreError::Unavailable`], retryable, the
///   operation may or may not have been applied;
/// - anything else (not a database, cannot open, read-only, schema mismatch):
///   [`StoreError::Backend`], final.
pub(crate) fn from_sqlite(error: rusqlite::Error, busy_timeout: Duration) -> StoreError {
    let classified = classify(error, busy_timeout);
    if let StoreError::Timeout(_) = classified {
        tracing::debug!(
            ?busy_timeout,
            "SQLite lock still held after the busy timeout"
        );
    } else {
        let cause = std::error::Error::source(&classified).map(ToString::to_string);
        tracing::error!(error = %classified, cause, "SQLite failed");
    }
    classified
}

/// [`from_sqlite`] without the log line, for the second and later callers told about one
/// failure.
pub(crate) fn classify(error: rusqlite::Error, busy_timeout: Duration) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Timeout(busy_timeout)
        }
        Some(ErrorCode::SystemIoFailure | ErrorCode::DiskFull | ErrorCode::OutOfMemory) => {
            StoreError::unavailable(error)
        }
        _ => StoreError::backend(error),
    }
}

/// A copy of an SQLite error, for answering every operation of a group that one failed
/// `BEGIN` or `COMMIT` undid.
pub(crate) fn duplicate(error: &rusqlite::Error) -> rusqlite::Error {
    match error {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn busy_is_a_retryable_timeout_and_not_a_database_is_final() {
        let wait = Duration::from_millis(250);

        let busy = from_sqlite(failure(rusqlite::ffi::SQLITE_BUSY), wait);
        let io = from_sqlite(failure(rusqlite::ffi::SQLITE_IOERR), wait);
        let not_a_database = from_sqlite(failure(rusqlite::ffi::SQLITE_NOTADB), wait);

        assert!(matches!(busy, StoreError::Timeout(d) if d == wait));
        assert!(io.is_retryable());
        assert!(matches!(not_a_database, StoreError::Backend { .. }));
        assert!(!not_a_database.is_retryable());
    }

    #[test]
    fn a_duplicate_keeps_the_code() {
        let original = failure(rusqlite::ffi::SQLITE_FULL);

        let copy = duplicate(&original);

        assert_eq!(copy.sqlite_error_code(), Some(ErrorCode::DiskFull));
        let other = duplicate(&rusqlite::Error::InvalidQuery);
        assert_eq!(other.sqlite_error_code(), Some(ErrorCode::Unknown));
    }
}
