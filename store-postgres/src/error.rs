//! How sqlx's errors become the contract's typed, retry-aware [`StoreError`]s.

use std::fmt;

use idempotency_store::StoreError;

/// SQLSTATEs after which the same call can succeed: the server is shutting down or
/// restarting, the connection broke, the server is out of connection slots, the
/// transaction lost a serialization race or was cancelled, or a failover left the
/// connection on a read-only standby.
fn sqlstate_is_transient(code: &str) -> bool {
    code.starts_with("08")
        || matches!(
            code,
            "57P01" // admin_shutdown (also pg_terminate_backend)
                | "57P02" // crash_shutdown
                | "57P03" // cannot_connect_now (starting up or shutting down)
                | "57P05" // idle_session_timeout
                | "57014" // query_canceled (statement_timeout, pg_cancel_backend)
                | "53300" // too_many_connections
                | "40001" // serialization_failure
                | "40P01" // deadlock_detected
                | "25006" // read_only_sql_transaction (a standby after failover)
        )
}

/// Whether a retry of the same call may succeed.
pub(crate) fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| sqlstate_is_transient(&code)),
        _ => false,
    }
}

/// Maps a sqlx error to a [`StoreError`] and logs it: `warn!` for a retryable failure,
/// `error!` for anything unexpected. `operation` names the store method.
pub(crate) fn map_sqlx(operation: &'static str, error: sqlx::Error) -> StoreError {
    if is_transient(&error) {
        tracing::warn!(operation, %error, "postgres unavailable; the call can be retried");
        return StoreError::unavailable(error);
    }
    match error {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            tracing::error!(operation, %error, "a stored value does not decode");
            StoreError::Corrupt {
                reason: "a column of the record does not decode".to_owned(),
                source: Some(Box::new(error)),
            }
        }
        other => {
            tracing::error!(operation, error = %other, "postgres failed");
            StoreError::backend(other)
        }
    }
}

/// A claim kept finding its key changed under it, a sign of extreme contention on one
/// key. Reported as retryable.
#[derive(Debug)]
pub(crate) struct ClaimContended {
    pub(crate) attempts: u32,
}

impl fmt::Display for ClaimContended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the key changed under the claim {} times in a row",
            self.attempts
        )
    }
}

impl std::error::Error for ClaimContended {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_and_shutdown_states_are_transient_and_others_are_not() {
        for code in [
            "08006", "08001", "57P01", "57P02", "57P03", "53300", "40001",
        ] {
            assert!(sqlstate_is_transient(code), "{code}");
        }
        for code in ["23505", "42P01", "42501", "22P02", "XX000"] {
            assert!(!sqlstate_is_transient(code), "{code}");
        }
    }

    #[test]
    fn pool_and_io_failures_are_unavailable_and_decode_failures_corrupt() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(matches!(
            map_sqlx("test", sqlx::Error::Io(io)),
            StoreError::Unavailable { .. }
        ));
        assert!(matches!(
            map_sqlx("test", sqlx::Error::PoolTimedOut),
            StoreError::Unavailable { .. }
        ));
        assert!(matches!(
            map_sqlx("test", sqlx::Error::PoolClosed),
            StoreError::Unavailable { .. }
        ));
        assert!(matches!(
            map_sqlx("test", sqlx::Error::Decode("bad".into())),
            StoreError::Corrupt { .. }
        ));
        assert!(matches!(
            map_sqlx("test", sqlx::Error::RowNotFound),
            StoreError::Backend { .. }
        ));
        assert!(map_sqlx("test", sqlx::Error::PoolClosed).is_retryable());
    }
}
