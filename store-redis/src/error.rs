//! How Redis failures become [`StoreError`]s.

use std::fmt;
use std::time::Duration;

use idempotency_store::StoreError;
use redis::{ErrorKind, RedisError, RetryMethod, ServerErrorKind};

/// Maps a Redis error: the client's own response or connection timeout (set to the store's
/// `timeout`) is [`StoreError::Timeout`]; lost or refused connections, cluster
/// reconfiguration (`TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `MOVED`), `LOADING` and
/// `READONLY` are retryable [`StoreError::Unavailable`]; bad credentials, bad configuration
/// and script errors are final [`StoreError::Backend`].
pub(crate) fn from_redis(error: RedisError, timeout: Duration) -> StoreError {
    if error.is_timeout() {
        tracing::warn!(?timeout, "redis call timed out");
        StoreError::Timeout(timeout)
    } else if is_retryable(&error) {
        tracing::warn!(error = %error, "redis unavailable");
        StoreError::unavailable(error)
    } else {
        tracing::error!(error = %error, "redis failed");
        StoreError::backend(error)
    }
}

fn is_retryable(error: &RedisError) -> bool {
    match error.kind() {
        ErrorKind::AuthenticationFailed
        | ErrorKind::InvalidClientConfig
        | ErrorKind::Server(ServerErrorKind::NoPerm) => false,
        ErrorKind::Io | ErrorKind::ClusterConnectionNotFound => true,
        _ if error.is_connection_dropped() || error.is_connection_refusal() => true,
        _ if error.is_cluster_error() => true,
        _ => !matches!(error.retry_method(), RetryMethod::NoRetry),
    }
}

/// Maps a deadpool checkout error: a closed pool or a checkout timeout is retryable.
pub(crate) fn from_pool(error: deadpool_redis::PoolError, timeout: Duration) -> StoreError {
    match error {
        deadpool_redis::PoolError::Backend(error) => from_redis(error, timeout),
        deadpool_redis::PoolError::Timeout(_) | deadpool_redis::PoolError::Closed => {
            tracing::warn!(error = %error, "redis pool unavailable");
            StoreError::unavailable(error)
        }
        other => {
            tracing::error!(error = %other, "redis pool failed");
            StoreError::backend(other)
        }
    }
}

/// Redis answered a script with a reply this release does not expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnexpectedReply(pub(crate) &'static str);

impl fmt::Display for UnexpectedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected reply from a store script: {}", self.0)
    }
}

impl std::error::Error for UnexpectedReply {}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn lost_connections_are_retryable() {
        for kind in [
            io::ErrorKind::ConnectionRefused,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::UnexpectedEof,
        ] {
            let error = RedisError::from(io::Error::new(kind, "test"));

            assert!(
                matches!(from_redis(error, SECOND), StoreError::Unavailable { .. }),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn client_timeouts_are_the_store_timeout() {
        let error = RedisError::from(io::Error::new(io::ErrorKind::TimedOut, "test"));

        assert!(matches!(
            from_redis(error, SECOND),
            StoreError::Timeout(SECOND)
        ));
    }

    #[test]
    fn configuration_errors_are_final() {
        let error = RedisError::from((ErrorKind::InvalidClientConfig, "bad url"));

        assert!(matches!(
            from_redis(error, SECOND),
            StoreError::Backend { .. }
        ));
    }

    #[test]
    fn closed_pool_is_retryable() {
        assert!(from_pool(deadpool_redis::PoolError::Closed, SECOND).is_retryable());
    }
}
