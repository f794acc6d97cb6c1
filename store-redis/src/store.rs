//! The store: each operation is one script call on one key, bounded by the timeout.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, Record, RecordId, Retention,
    SavedResponse, StoreError, encode_response,
};
use redis::aio::ConnectionManager;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Script, Value};

use crate::builder::within;
use crate::config::Settings;
use crate::connection::Connection;
use crate::scripts::{SCRIPTS, call};
use crate::{RedisStoreBuilder, key, layout, reply};

/// An [`IdempotencyStore`] on Redis or Redis Cluster.
///
/// Each operation is one Lua script, invoked by SHA-1, that touches one key: atomic on a
/// standalone server and on a cluster alike. Leases and retentions are Redis TTLs, so
/// Redis's clock alone decides what has expired. Clones share the connection.
#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    settings: Settings,
}

impl RedisStore {
    /// Settings other than the defaults, then one of the ways to connect.
    pub fn builder() -> RedisStoreBuilder {
        RedisStoreBuilder::default()
    }

    /// Connects to a standalone Redis at `url` (`redis://[user:password@]host:port[/db]`,
    /// or `rediss://` with TLS support enabled in the redis crate) with the default
    /// settings: one multiplexed connection that reconnects by itself, shared by every
    /// clone.
    ///
    /// # Errors
    ///
    /// As [`RedisStoreBuilder::connect`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::builder().connect(url).await
    }

    /// Connects to a Redis Cluster through some of its masters with the default settings.
    ///
    /// # Errors
    ///
    /// As [`RedisStoreBuilder::connect_cluster`].
    pub async fn connect_cluster(nodes: &[&str]) -> Result<Self, StoreError> {
        Self::builder().connect_cluster(nodes).await
    }

    /// Uses a deadpool-redis pool the application already runs, with the default settings.
    /// Every call checks a connection out of the pool (which pings it), so a shared
    /// [`connect`](Self::connect) store answers faster under load.
    pub fn from_pool(pool: deadpool_redis::Pool) -> Self {
        Self::from_parts(Connection::Pool(pool), Settings::default())
    }

    pub(crate) fn from_parts(connection: Connection, settings: Settings) -> Self {
        Self {
            connection,
            settings,
        }
    }

    /// The Redis key that holds the record of `id`: the prefix, then an injective
    /// encoding of the scope and the key (see the crate documentation).
    pub fn record_key(&self, id: &RecordId) -> Vec<u8> {
        key::record_key(&self.settings.key_prefix, id)
    }

    /// A `SCAN MATCH` pattern that matches every record key of this store's prefix.
    pub fn key_pattern(&self) -> String {
        key::prefix_pattern(&self.settings.key_prefix)
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// The shared connection manager, when the store was built with one: for sending
    /// other commands over the same connection (a benchmark's bare `EVALSHA`, a health
    /// check).
    pub fn connection_manager(&self) -> Option<ConnectionManager> {
        match &self.connection {
            Connection::Manager(manager) => Some(manager.clone()),
            _ => None,
        }
    }

    /// The cluster connection, when the store was built with one.
    pub fn cluster_connection(&self) -> Option<ClusterConnection> {
        match &self.connection {
            Connection::Cluster(cluster) => Some(cluster.clone()),
            _ => None,
        }
    }

    /// The deadpool-redis pool, when the store was built with one.
    pub fn pool(&self) -> Option<&deadpool_redis::Pool> {
        match &self.connection {
            Connection::Pool(pool) => Some(pool),
            _ => None,
        }
    }

    async fn run(&self, script: &Script, call: &Cmd) -> Result<Value, StoreError> {
        let timeout = self.settings.timeout;
        within(timeout, self.connection.run(script, call, timeout)).await
    }

    async fn fenced(
        &self,
        operation: &'static str,
        id: &RecordId,
        script: &Script,
        call: &Cmd,
    ) -> Result<(), StoreError> {
        let result = reply::fenced(&self.run(script, call).await?);
        match &result {
            Ok(()) => tracing::debug!(operation, scope = id.scope(), key = id.key(), "done"),
            Err(StoreError::LeaseLost) => {
                tracing::warn!(operation, scope = id.scope(), key = id.key(), "lease lost");
            }
            Err(_) => {}
        }
        result
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("connection", &self.connection.kind())
            .field("key_prefix", &self.settings.key_prefix)
            .field("timeout", &self.settings.timeout)
            .field("max_response_bytes", &self.settings.max_response_bytes)
            .finish()
    }
}

#[async_trait]
impl IdempotencyStore for RedisStore {
    async fn claim(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        lease: Lease,
    ) -> Result<ClaimOutcome, StoreError> {
        let token = LeaseToken::generate()?;
        let value = layout::in_flight(fingerprint, &token);
        let script = &SCRIPTS.claim;
        let mut claim = call(script, &self.record_key(id), value.len());
        claim.arg(value).arg(lease.as_millis());

        let outcome = reply::claim(self.run(script, &claim).await?, token)?;

        let shown = match &outcome {
            ClaimOutcome::Acquired(_) => "acquired",
            ClaimOutcome::InFlight { .. } => "in flight",
            ClaimOutcome::Replay(_) => "replay",
            ClaimOutcome::Mismatch => "mismatch",
        };
        tracing::debug!(scope = id.scope(), key = id.key(), outcome = shown, "claim");
        Ok(outcome)
    }

    async fn complete(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        response: &SavedResponse,
        retention: Retention,
    ) -> Result<(), StoreError> {
        response.check_size(self.settings.max_response_bytes)?;
        let encoded = encode_response(response)?;
        let script = &SCRIPTS.complete;
        let mut complete = call(script, &self.record_key(id), encoded.len() + 48);
        complete
            .arg(token.as_bytes().as_slice())
            .arg(encoded.as_slice())
            .arg(retention.as_millis());

        self.fenced("complete", id, script, &complete).await
    }

    async fn release(&self, id: &RecordId, token: &LeaseToken) -> Result<(), StoreError> {
        let script = &SCRIPTS.release;
        let mut release = call(script, &self.record_key(id), LeaseToken::LEN);
        release.arg(token.as_bytes().as_slice());

        self.fenced("release", id, script, &release).await
    }

    async fn renew(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<(), StoreError> {
        let script = &SCRIPTS.renew;
        let mut renew = call(script, &self.record_key(id), LeaseToken::LEN + 24);
        renew
            .arg(token.as_bytes().as_slice())
            .arg(lease.as_millis());

        self.fenced("renew", id, script, &renew).await
    }

    async fn lookup(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        let script = &SCRIPTS.lookup;
        let lookup = call(script, &self.record_key(id), 0);

        reply::lookup(self.run(script, &lookup).await?)
    }

    /// Returns 0: Redis deletes records whose TTL ran out by itself, and every script
    /// already treats them as absent.
    async fn purge_expired(&self) -> Result<u64, StoreError> {
        Ok(0)
    }

    fn max_response_bytes(&self) -> usize {
        self.settings.max_response_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_settings_and_never_the_url() {
        let pool = deadpool_redis::Config::from_url("redis://user:s3cret-pw@db.internal:6380/2")
            .create_pool(Some(deadpool_redis::Runtime::Tokio1))
            .expect("a pool that has not connected yet");
        let store = RedisStore::from_pool(pool);

        let shown = format!("{store:?}");

        assert!(shown.contains("key_prefix: \"idem\""), "{shown}");
        assert!(shown.contains("deadpool-redis Pool"), "{shown}");
        for secret in ["s3cret-pw", "user", "db.internal", "6380"] {
            assert!(!shown.contains(secret), "{shown} shows {secret}");
        }
    }

    #[test]
    fn record_keys_use_the_configured_prefix() {
        let pool = deadpool_redis::Config::from_url("redis://127.0.0.1:1")
            .create_pool(Some(deadpool_redis::Runtime::Tokio1))
            .expect("a pool that has not connected yet");
        let store = RedisStore::builder()
            .key_prefix("shop:idem")
            .build_with_pool(pool)
            .expect("a valid prefix");
        let id = RecordId::new("tenant", "key-1").expect("a valid id");

        assert_eq!(store.record_key(&id), b"shop:idem:{}6:tenantkey-1");
        assert_eq!(store.key_pattern(), "shop:idem:{}*");
    }
}
