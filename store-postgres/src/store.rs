//! [`PostgresStore`]: the contract on one Postgres table, one statement per operation.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, Record, RecordId, Retention,
    SavedResponse, StoreError, encode_response,
};
use sqlx::{AssertSqlSafe, PgPool};

use crate::decode::{ClaimRow, claim_row, lookup_row};
use crate::error::{ClaimContended, map_sqlx};
use crate::sql::Statements;
use crate::{PostgresConfig, schema};

/// How many times a claim runs its statement before calling the key contended. A second
/// run is needed only when a concurrent claim committed during the first; a third only
/// when the key changed again in between.
const MAX_CLAIM_ATTEMPTS: u32 = 8;

/// An [`IdempotencyStore`] on a Postgres table, shared by every app server that points at
/// the same database.
///
/// Cheap to clone: clones share the pool. See the crate docs for the table, the statements
/// and what each operation costs.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    config: PostgresConfig,
    statements: Statements,
    sql: Rendered,
}

/// The statements as shared strings, so running one copies no SQL text.
struct Rendered {
    claim: Arc<str>,
    complete: Arc<str>,
    release: Arc<str>,
    renew: Arc<str>,
    lookup: Arc<str>,
    purge_batch: Arc<str>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.inner.config.schema())
            .field("table", &self.inner.config.table())
            .field(
                "max_response_bytes",
                &self.inner.config.max_response_bytes(),
            )
            .field("pool_size", &self.inner.pool.size())
            .field("pool_idle", &self.inner.pool.num_idle())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// A store on `pool` with the default [`PostgresConfig`] (table
    /// `public.idempotency_records`). Call [`migrate`](Self::migrate) once, or apply
    /// `sql/schema.sql` yourself, before the first claim.
    pub fn new(pool: PgPool) -> Self {
        Self::with_config(pool, PostgresConfig::default())
    }

    /// A store on `pool` with the given settings.
    pub fn with_config(pool: PgPool, config: PostgresConfig) -> Self {
        let statements = Statements::for_config(&config);
        let sql = Rendered {
            claim: Arc::from(statements.claim.as_str()),
            complete: Arc::from(statements.complete.as_str()),
            release: Arc::from(statements.release.as_str()),
            renew: Arc::from(statements.renew.as_str()),
            lookup: Arc::from(statements.lookup.as_str()),
            purge_batch: Arc::from(statements.purge_batch.as_str()),
        };
        Self {
            inner: Arc::new(Inner {
                pool,
                config,
                statements,
                sql,
            }),
        }
    }

    /// Connects a pool with sqlx's default settings to `url`
    /// (`postgres://user:password@host:port/database`) and makes a store on it with the
    /// default configuration.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the server cannot be reached;
    /// [`StoreError::Backend`] for a malformed URL or a refused login.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_config(url, PostgresConfig::default()).await
    }

    /// As [`connect`](Self::connect), with the given settings.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_with_config(
        url: &str,
        config: PostgresConfig,
    ) -> Result<Self, StoreError> {
        let pool = PgPool::connect(url)
            .await
            .map_err(|e| map_sqlx("connect", e))?;
        Ok(Self::with_config(pool, config))
    }

    /// Creates the schema (when missing), the table, its expiry index and the store's
    /// version table `<table>_schema`. Idempotent and safe to run from several app servers
    /// at once: one transaction under an advisory lock; a later run that finds the version
    /// recorded changes nothing. Never touches sqlx's `_sqlx_migrations`.
    ///
    /// # Errors
    ///
    /// [`StoreError::IncompatibleSchema`] when a newer release created the table;
    /// [`StoreError::Unavailable`] when the server cannot be reached (retry);
    /// [`StoreError::Backend`] for anything else, such as a missing privilege.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        schema::migrate(&self.inner.pool, &self.inner.config).await
    }

    /// The pool the store runs on.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The store's settings.
    pub fn config(&self) -> &PostgresConfig {
        &self.inner.config
    }

    /// The statements the store runs, rendered for its table.
    pub fn statements(&self) -> &Statements {
        &self.inner.statements
    }

    /// Runs the claim statement once.
    async fn claim_once(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<Option<ClaimRow>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(Arc::clone(&self.inner.sql.claim)))
            .bind(id.scope())
            .bind(id.key())
            .bind(fingerprint.as_bytes())
            .bind(token.as_bytes().as_slice())
            .bind(millis(lease.as_millis()))
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| map_sqlx("claim", e))?;
        row.as_ref().map(claim_row).transpose()
    }

    /// Runs one of the token-fenced statements and reports whether it hit the record.
    async fn fenced(
        &self,
        operation: &'static str,
        query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<(), StoreError> {
        let done = query
            .execute(&self.inner.pool)
            .await
            .map_err(|e| map_sqlx(operation, e))?;
        if done.rows_affected() == 0 {
            tracing::warn!(operation, "lease lost");
            return Err(StoreError::LeaseLost);
        }
        tracing::debug!(operation, "done");
        Ok(())
    }
}

/// Durations are validated to at most a year, so they always fit an `int8`.
fn millis(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn claim(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        lease: Lease,
    ) -> Result<ClaimOutcome, StoreError> {
        let token = LeaseToken::generate()?;
        for attempt in 1..=MAX_CLAIM_ATTEMPTS {
            match self.claim_once(id, fingerprint, &token, lease).await? {
                Some(ClaimRow::Acquired { took_over }) => {
                    if took_over {
                        tracing::warn!(key = id.key(), "took over a claim whose lease ran out");
                    } else {
                        tracing::debug!(key = id.key(), "claim acquired");
                    }
                    return Ok(ClaimOutcome::Acquired(token));
                }
                Some(ClaimRow::Live(outcome)) => {
                    tracing::debug!(key = id.key(), attempt, outcome = outcome_name(&outcome));
                    return Ok(outcome);
                }
                None => {
                    tracing::debug!(key = id.key(), attempt, "claim raced a concurrent one");
                }
            }
        }
        tracing::warn!(key = id.key(), "claim gave up on a contended key");
        Err(StoreError::unavailable(ClaimContended {
            attempts: MAX_CLAIM_ATTEMPTS,
        }))
    }

    async fn complete(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        response: &SavedResponse,
        retention: Retention,
    ) -> Result<(), StoreError> {
        response.check_size(self.inner.config.max_response_bytes())?;
        let encoded = encode_response(response)?;
        let query = sqlx::query(AssertSqlSafe(Arc::clone(&self.inner.sql.complete)))
            .bind(id.scope())
            .bind(id.key())
            .bind(token.as_bytes().as_slice())
            .bind(encoded)
            .bind(millis(retention.as_millis()));
        self.fenced("complete", query).await
    }

    async fn release(&self, id: &RecordId, token: &LeaseToken) -> Result<(), StoreError> {
        let query = sqlx::query(AssertSqlSafe(Arc::clone(&self.inner.sql.release)))
            .bind(id.scope())
            .bind(id.key())
            .bind(token.as_bytes().as_slice());
        self.fenced("release", query).await
    }

    async fn renew(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<(), StoreError> {
        let query = sqlx::query(AssertSqlSafe(Arc::clone(&self.inner.sql.renew)))
            .bind(id.scope())
            .bind(id.key())
            .bind(token.as_bytes().as_slice())
            .bind(millis(lease.as_millis()));
        self.fenced("renew", query).await
    }

    async fn lookup(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(Arc::clone(&self.inner.sql.lookup)))
            .bind(id.scope())
            .bind(id.key())
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(|e| map_sqlx("lookup", e))?;
        row.as_ref().map(lookup_row).transpose()
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        let batch = self.inner.config.purge_batch();
        let mut deleted = 0_u64;
        loop {
            let done = sqlx::query(AssertSqlSafe(Arc::clone(&self.inner.sql.purge_batch)))
                .bind(i64::from(batch))
                .execute(&self.inner.pool)
                .await
                .map_err(|e| map_sqlx("purge_expired", e))?;
            deleted += done.rows_affected();
            if done.rows_affected() < u64::from(batch) {
                break;
            }
        }
        tracing::debug!(deleted, "purged expired records");
        Ok(deleted)
    }

    fn max_response_bytes(&self) -> usize {
        self.inner.config.max_response_bytes()
    }
}

fn outcome_name(outcome: &ClaimOutcome) -> &'static str {
    match outcome {
        ClaimOutcome::Acquired(_) => "acquired",
        ClaimOutcome::InFlight { .. } => "in flight",
        ClaimOutcome::Replay(_) => "replay",
        ClaimOutcome::Mismatch => "mismatch",
    }
}
