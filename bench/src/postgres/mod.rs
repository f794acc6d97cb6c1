//! The Postgres store against its own statements driven by bare sqlx on the same pool.

mod raw;

use std::sync::Arc;
use std::time::Duration;

use idempotency_store_postgres::sql::Statements;
use idempotency_store_postgres::{PostgresConfig, PostgresStore};
use sqlx::postgres::{PgConnection, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgPool};

use crate::cli::StoreKind;
use crate::report::{Row, Variant};
use crate::session::{Contender, Session};
use crate::store_target::StoreTarget;
use crate::target::{BenchError, describe};
use crate::url::redact;

use self::raw::RawSql;

/// How long connecting may take before the backend counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an operation may wait for a pooled connection once the run is going: long,
/// so that a stall of the server (a slow fsync) shows in the latencies, not as errors.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

/// One pool, two tables of this run (one for the store, one for the raw statements).
#[derive(Debug)]
pub(crate) struct PostgresBench {
    pool: PgPool,
    store: Arc<StoreTarget>,
    raw: Arc<RawSql>,
    tables: Vec<String>,
}

impl PostgresBench {
    /// Connects a pool of `pool_size` and creates both tables with the store's migration.
    pub(crate) async fn open(
        session: &Session,
        url: &str,
        pool_size: u32,
    ) -> Result<Self, BenchError> {
        let unreachable = |reason: String| {
            format!(
                "postgres at {} is unreachable: {reason}. Start PostgreSQL, pass \
                 --database-url (or set DATABASE_URL), or leave postgres out of --stores",
                redact(url)
            )
        };
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url))
            .await
            .map_err(|_| unreachable(format!("no connection within {CONNECT_TIMEOUT:?}")))?
            .map_err(|error| unreachable(describe(&error)))?;
        probe.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(|error| unreachable(describe(&error)))?;
        let store_config =
            PostgresConfig::new().with_table(&format!("idem_bench_{}", session.run))?;
        let raw_config =
            PostgresConfig::new().with_table(&format!("idem_bench_{}_raw", session.run))?;
        let mut bench = Self {
            store: Arc::new(StoreTarget::new(
                Arc::new(PostgresStore::with_config(
                    pool.clone(),
                    store_config.clone(),
                )),
                session.fixture.clone(),
            )),
            raw: Arc::new(RawSql::new(
                pool.clone(),
                &Statements::for_config(&raw_config),
                &session.fixture,
            )),
            tables: Vec::new(),
            pool,
        };
        for config in [store_config, raw_config] {
            let store = PostgresStore::with_config(bench.pool.clone(), config.clone());
            bench.tables.push(config.qualified_table());
            bench.tables.push(format!(
                "\"{}\".\"{}_schema\"",
                config.schema(),
                config.table()
            ));
            if let Err(error) = store.migrate().await {
                bench.close().await;
                return Err(format!(
                    "postgres: cannot create the bench tables: {}",
                    describe(&error)
                )
                .into());
            }
        }
        Ok(bench)
    }

    /// Each workload on the raw statements, then on the store.
    pub(crate) async fn run(&self, session: &Session) -> Result<Vec<Row>, BenchError> {
        let contenders = [
            Contender::new(Variant::Raw, Arc::clone(&self.raw)),
            Contender::new(Variant::Store, Arc::clone(&self.store)),
        ];
        let mut rows = Vec::new();
        for &workload in &session.workloads {
            rows.extend(
                session
                    .compare(StoreKind::Postgres, workload, &contenders)
                    .await?,
            );
        }
        Ok(rows)
    }

    /// Drops this run's tables (and only those) and closes the pool.
    pub(crate) async fn close(&self) {
        if !self.tables.is_empty() {
            let drop = format!("DROP TABLE IF EXISTS {}", self.tables.join(", "));
            if let Err(error) = sqlx::query(AssertSqlSafe(drop)).execute(&self.pool).await {
                eprintln!(
                    "warning: postgres: could not drop {}: {}",
                    self.tables.join(", "),
                    describe(&error)
                );
            }
        }
        self.pool.close().await;
    }
}
