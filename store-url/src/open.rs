//! Opening the backend a [`StoreUrl`] names.

use std::sync::Arc;

use idempotency_store::{IdempotencyStore, StoreError};
use idempotency_store_memory::MemoryStore;
use idempotency_store_postgres::{PostgresConfig, PostgresStore};
use idempotency_store_redis::RedisStore;
use idempotency_store_sqlite::{SqliteStore, SqliteStoreBuilder};

use crate::parse::Backend;
use crate::{OpenStoreError, StoreUrl};

impl StoreUrl {
    /// Opens the store: creates the SQLite file, connects to Postgres and creates its
    /// table (an idempotent migration), connects to Redis and loads its scripts.
    ///
    /// # Errors
    ///
    /// [`OpenStoreError::InvalidOption`] for a table or schema name Postgres refuses;
    /// [`OpenStoreError::Open`] with the backend's [`StoreError`] when it cannot be opened,
    /// reached or migrated ([`OpenStoreError::is_retryable`] tells whether a later attempt
    /// may succeed).
    pub async fn open(&self) -> Result<Arc<dyn IdempotencyStore>, OpenStoreError> {
        let failed = |source: StoreError| OpenStoreError::Open {
            url: self.shown(),
            source,
        };
        let store: Arc<dyn IdempotencyStore> = match &self.backend {
            Backend::Memory => Arc::new(MemoryStore::new()),
            Backend::Sqlite { path, table } => {
                let mut builder = match path {
                    Some(path) => SqliteStore::builder(path),
                    None => SqliteStoreBuilder::in_memory(),
                };
                if let Some(table) = table {
                    builder = builder.table(table);
                }
                Arc::new(builder.open().await.map_err(failed)?)
            }
            Backend::Postgres { url, table, schema } => {
                let config = self.postgres_config(table.as_deref(), schema.as_deref())?;
                let store = PostgresStore::connect_with_config(url, config)
                    .await
                    .map_err(failed)?;
                store.migrate().await.map_err(failed)?;
                Arc::new(store)
            }
            Backend::Redis { url, prefix } => {
                let mut builder = RedisStore::builder();
                if let Some(prefix) = prefix {
                    builder = builder.key_prefix(prefix);
                }
                Arc::new(builder.connect(url).await.map_err(failed)?)
            }
            Backend::RedisCluster { nodes, prefix } => {
                let mut builder = RedisStore::builder();
                if let Some(prefix) = prefix {
                    builder = builder.key_prefix(prefix);
                }
                let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
                Arc::new(builder.connect_cluster(&nodes).await.map_err(failed)?)
            }
        };
        Ok(store)
    }

    fn postgres_config(
        &self,
        table: Option<&str>,
        schema: Option<&str>,
    ) -> Result<PostgresConfig, OpenStoreError> {
        let refused = |name: &str, reason: String| OpenStoreError::InvalidOption {
            url: self.shown(),
            name: name.to_owned(),
            reason,
        };
        let mut config = PostgresConfig::new();
        if let Some(table) = table {
            config = config
                .with_table(table)
                .map_err(|error| refused("table", error.to_string()))?;
        }
        if let Some(schema) = schema {
            config = config
                .with_schema(schema)
                .map_err(|error| refused("schema", error.to_string()))?;
        }
        Ok(config)
    }
}
