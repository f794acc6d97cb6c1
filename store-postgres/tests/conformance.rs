//! The Postgres store against the conformance suite.
//!
//! Each case gets a schema of its own; every `open` builds a new pool on it, as another app
//! server would, so the race cases run across four stores with separate pools.

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use idempotency_store::{IdempotencyStore, RecordId};
use idempotency_store_conformance::{Backend, conformance_tests};
use sqlx::AssertSqlSafe;

use support::{POOL_SIZE, TestSchema};

struct Postgres {
    schema: TestSchema,
}

#[async_trait]
impl Backend for Postgres {
    async fn open(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(self.schema.store(POOL_SIZE).await)
    }

    async fn corrupt_response(&self, id: &RecordId) -> bool {
        let admin = support::pool(&self.schema.url, "idem-store-postgres-admin", 1).await;
        let sql = format!(
            "UPDATE {} SET response = '\\x09ff00'::bytea \
             WHERE scope = $1 AND key = $2 AND state = 'completed'",
            self.schema.table()
        );
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(id.scope())
            .bind(id.key())
            .execute(&admin)
            .await
            .expect("the test overwrites the stored response");
        admin.close().await;
        assert_eq!(done.rows_affected(), 1, "the completed record to corrupt");
        true
    }
}

async fn backend() -> Postgres {
    Postgres {
        schema: TestSchema::create().await,
    }
}

conformance_tests!(backend);
