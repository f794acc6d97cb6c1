//! The raw limit of Postgres: the store's own statements, driven by bare sqlx.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use idempotency_store_postgres::sql::Statements;
use sqlx::{AssertSqlSafe, PgPool, Row};

use crate::fixture::{Fixture, SCOPE};
use crate::target::{BenchError, Claimed, Target};

/// As the store: a claim that raced a concurrent one runs again, this many times at most.
const MAX_CLAIM_ATTEMPTS: u32 = 8;

/// The store's `CLAIM` and `COMPLETE` on the same pool, against a table of their own:
/// no validation, no response encoding or decoding, no random tokens, no error mapping.
#[derive(Debug)]
pub(crate) struct RawSql {
    pool: PgPool,
    claim: Arc<str>,
    complete: Arc<str>,
    fingerprint: Vec<u8>,
    response: Vec<u8>,
    lease_ms: i64,
    retention_ms: i64,
    tokens: AtomicU64,
}

impl RawSql {
    pub(crate) fn new(pool: PgPool, statements: &Statements, fixture: &Fixture) -> Self {
        Self {
            pool,
            claim: Arc::from(statements.claim.as_str()),
            complete: Arc::from(statements.complete.as_str()),
            fingerprint: fixture.fingerprint.as_bytes().to_vec(),
            response: fixture.encoded.clone(),
            lease_ms: fixture.lease_ms(),
            retention_ms: fixture.retention_ms(),
            tokens: AtomicU64::new(1),
        }
    }
}

impl Target for RawSql {
    type Token = [u8; 16];

    async fn claim(&self, key: &str) -> Result<Claimed<[u8; 16]>, BenchError> {
        let token = u128::from(self.tokens.fetch_add(1, Ordering::Relaxed)).to_le_bytes();
        for _ in 0..MAX_CLAIM_ATTEMPTS {
            let row = sqlx::query(AssertSqlSafe(Arc::clone(&self.claim)))
                .bind(SCOPE)
                .bind(key)
                .bind(self.fingerprint.as_slice())
                .bind(token.as_slice())
                .bind(self.lease_ms)
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else {
                continue;
            };
            if row.try_get::<bool, _>("acquired")? {
                return Ok(Claimed::Acquired(token));
            }
            if !row.try_get::<bool, _>("same_fingerprint")? {
                return Ok(Claimed::Mismatch);
            }
            let state: &str = row.try_get("state")?;
            return match state {
                "in_flight" => Ok(Claimed::InFlight),
                "completed" => {
                    let response: Option<&[u8]> = row.try_get("response")?;
                    if response == Some(self.response.as_slice()) {
                        Ok(Claimed::Replay)
                    } else {
                        Err("a raw replay read another response".into())
                    }
                }
                other => Err(format!("a raw claim read state {other:?}").into()),
            };
        }
        Err("a raw claim kept racing concurrent ones".into())
    }

    async fn complete(&self, key: &str, token: [u8; 16]) -> Result<(), BenchError> {
        let done = sqlx::query(AssertSqlSafe(Arc::clone(&self.complete)))
            .bind(SCOPE)
            .bind(key)
            .bind(token.as_slice())
            .bind(self.response.as_slice())
            .bind(self.retention_ms)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err("a raw complete lost its lease".into())
        }
    }
}
