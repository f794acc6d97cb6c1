//! Building a store: settings first, then one of the three ways to reach Redis.

use std::future::Future;
use std::time::Duration;

use idempotency_store::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;

use crate::config::Settings;
use crate::connection::Connection;
use crate::{RedisStore, error};

/// How many times a connection manager retries a lost connection before the call that
/// noticed fails; the next call starts over, so the store always recovers by itself.
const RECONNECT_RETRIES: usize = 3;

/// The longest pause between two reconnect attempts.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Builds a [`RedisStore`] with settings other than the defaults.
///
/// ```no_run
/// # async fn run() -> Result<(), idempotency_store::StoreError> {
/// use std::time::Duration;
///
/// let store = idempotency_store_redis::RedisStore::builder()
///     .key_prefix("shop:idem")
///     .timeout(Duration::from_secs(2))
///     .max_response_bytes(1024 * 1024)
///     .connect("redis://127.0.0.1:6379")
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct RedisStoreBuilder {
    settings: Settings,
}

impl RedisStoreBuilder {
    /// The prefix of every record key (default `idem`): 1 to 64 ASCII letters, digits and
    /// `_ - . :`. Stores that share a prefix share records.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.key_prefix = prefix.into();
        self
    }

    /// The longest any one call may take, connecting included (default 5 s). A call that
    /// takes longer fails with the retryable [`StoreError::Timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// The largest response [`size`](idempotency_store::SavedResponse::size) accepted
    /// (default 4 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.settings.max_response_bytes = limit;
        self
    }

    /// Connects to a standalone Redis through one multiplexed [`ConnectionManager`] that
    /// reconnects by itself and is shared by every clone of the store, then loads the
    /// scripts.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] for an invalid setting or URL, or a server that refuses the
    /// credentials; [`StoreError::Unavailable`] or [`StoreError::Timeout`] when Redis cannot
    /// be reached within the timeout.
    pub async fn connect(self, url: &str) -> Result<RedisStore, StoreError> {
        self.settings.validate()?;
        let timeout = self.settings.timeout;
        let client = redis::Client::open(url).map_err(|e| error::from_redis(e, timeout))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.settings.timeout))
            .set_response_timeout(Some(self.settings.timeout))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_max_delay(MAX_RECONNECT_DELAY);
        let manager = within(self.settings.timeout, async {
            ConnectionManager::new_with_config(client, config)
                .await
                .map_err(|e| error::from_redis(e, timeout))
        })
        .await?;
        self.finish(Connection::Manager(manager)).await
    }

    /// Connects to a Redis Cluster through the given seed nodes (URLs of some of its
    /// masters), then loads the scripts on every master.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_cluster(self, nodes: &[&str]) -> Result<RedisStore, StoreError> {
        self.settings.validate()?;
        let timeout = self.settings.timeout;
        let client = ClusterClient::builder(nodes.iter().copied())
            .connection_timeout(self.settings.timeout)
            .response_timeout(self.settings.timeout)
            .build()
            .map_err(|e| error::from_redis(e, timeout))?;
        let cluster = within(self.settings.timeout, async {
            client
                .get_async_connection()
                .await
                .map_err(|e| error::from_redis(e, timeout))
        })
        .await?;
        self.finish(Connection::Cluster(cluster)).await
    }

    /// Uses a deadpool-redis pool the application already runs. Nothing is sent until the
    /// first call; scripts are loaded when a server first answers `NOSCRIPT`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] for an invalid setting.
    pub fn build_with_pool(self, pool: deadpool_redis::Pool) -> Result<RedisStore, StoreError> {
        self.settings.validate()?;
        Ok(RedisStore::from_parts(
            Connection::Pool(pool),
            self.settings,
        ))
    }

    /// Uses a [`ConnectionManager`] the application already made. Nothing is sent until the
    /// first call; scripts are loaded when a server first answers `NOSCRIPT`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] for an invalid setting.
    pub fn build_with_manager(self, manager: ConnectionManager) -> Result<RedisStore, StoreError> {
        self.settings.validate()?;
        Ok(RedisStore::from_parts(
            Connection::Manager(manager),
            self.settings,
        ))
    }

    async fn finish(self, connection: Connection) -> Result<RedisStore, StoreError> {
        let timeout = self.settings.timeout;
        within(timeout, connection.load_scripts(timeout)).await?;
        Ok(RedisStore::from_parts(connection, self.settings))
    }
}

/// Runs `work`, giving up with [`StoreError::Timeout`] after `timeout`.
pub(crate) async fn within<T>(
    timeout: Duration,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(?timeout, "redis call timed out");
            Err(StoreError::Timeout(timeout))
        }
    }
}
