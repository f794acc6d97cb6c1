//! The table's DDL (shipped as `sql/schema.sql`) and the idempotent migration that applies
//! it under an advisory lock, with bookkeeping of its own.

use sqlx::{AssertSqlSafe, PgPool};

use idempotency_store::StoreError;

use crate::PostgresConfig;
use crate::error::map_sqlx;

/// The schema version this release creates, reads and writes.
pub const SCHEMA_VERSION: i32 = 1;

/// The DDL of [`SCHEMA_VERSION`] for the default names (`"public"."idempotency_records"`),
/// exactly as shipped in the crate's `sql/schema.sql`.
pub const SCHEMA_SQL: &str = include_str!("../sql/schema.sql");

/// First key of the two-part advisory lock that serializes migrations; the second is a
/// hash of the schema name. The two-part form never collides with `pg_advisory_lock(int8)`
/// locks an application takes.
const LOCK_CLASS: i32 = 0x1de3_5701;

const SCHEMA_TOKEN: &str = "\"public\".";
const TABLE_TOKEN: &str = "\"idempotency_records";
const SENTINEL_SCHEMA: &str = "\u{1}schema\u{1}";
const SENTINEL_TABLE: &str = "\u{1}table\u{1}";

/// [`SCHEMA_SQL`] with the configured schema and table names in place of the defaults.
///
/// Every qualified name `"public".` becomes `"<schema>".` and every name starting with
/// `"idempotency_records` (the table, its index, constraints and version table) starts
/// with `"<table>` instead. Both names are validated identifiers, so they cannot end the
/// quoting.
pub fn schema_sql(config: &PostgresConfig) -> String {
    SCHEMA_SQL
        .replace(SCHEMA_TOKEN, SENTINEL_SCHEMA)
        .replace(TABLE_TOKEN, SENTINEL_TABLE)
        .replace(SENTINEL_SCHEMA, &format!("\"{}\".", config.schema()))
        .replace(SENTINEL_TABLE, &format!("\"{}", config.table()))
}

/// The version table's name as a text value for `to_regclass`.
fn version_table(config: &PostgresConfig) -> String {
    format!("\"{}\".\"{}_schema\"", config.schema(), config.table())
}

/// Creates the schema (when missing), the table, its index and the version table, in one
/// transaction under an advisory lock, so app servers that migrate at the same time wait
/// for each other and all succeed. Does nothing when the version is already recorded.
pub(crate) async fn migrate(pool: &PgPool, config: &PostgresConfig) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(|e| map_sqlx("migrate", e))?;
    match migrate_in(&mut tx, config).await {
        Ok(()) => tx.commit().await.map_err(|e| map_sqlx("migrate", e)),
        Err(error) => {
            // Roll back now rather than when the connection is next used, so the advisory
            // lock and catalog locks are not held by an idle pooled connection.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

async fn migrate_in(
    tx: &mut sqlx::PgTransaction<'_>,
    config: &PostgresConfig,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(LOCK_CLASS)
        .bind(config.schema())
        .execute(&mut **tx)
        .await
        .map_err(|e| map_sqlx("migrate", e))?;

    let schema_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)")
            .bind(config.schema())
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| map_sqlx("migrate", e))?;
    if !schema_exists {
        let create = format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", config.schema());
        sqlx::query(AssertSqlSafe(create))
            .execute(&mut **tx)
            .await
            .map_err(|e| map_sqlx("migrate", e))?;
    }

    let found = recorded_version(tx, config).await?;
    if found > i64::from(SCHEMA_VERSION) {
        return Err(StoreError::IncompatibleSchema {
            found,
            supported: i64::from(SCHEMA_VERSION),
        });
    }
    if found < i64::from(SCHEMA_VERSION) {
        sqlx::raw_sql(AssertSqlSafe(schema_sql(config)))
            .execute(&mut **tx)
            .await
            .map_err(|e| map_sqlx("migrate", e))?;
        tracing::debug!(
            schema = config.schema(),
            table = config.table(),
            "created the idempotency table"
        );
    }
    Ok(())
}

/// The newest version in the version table, or 0 when there is no version table yet.
async fn recorded_version(
    tx: &mut sqlx::PgTransaction<'_>,
    config: &PostgresConfig,
) -> Result<i64, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(version_table(config))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| map_sqlx("migrate", e))?;
    if !exists {
        return Ok(0);
    }
    let select = format!(
        "SELECT COALESCE(max(version), 0)::int8 FROM {}",
        version_table(config)
    );
    sqlx::query_scalar(AssertSqlSafe(select))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| map_sqlx("migrate", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_render_the_shipped_file_unchanged() {
        assert_eq!(schema_sql(&PostgresConfig::default()), SCHEMA_SQL);
    }

    #[test]
    fn other_names_replace_every_default_and_nothing_else() {
        let config = PostgresConfig::new()
            .with_schema("tenant_a")
            .and_then(|c| c.with_table("idempotency_records_v2"))
            .unwrap();

        let sql = schema_sql(&config);

        assert!(!sql.contains("\"public\""), "{sql}");
        assert!(
            sql.contains("CREATE TABLE IF NOT EXISTS \"tenant_a\".\"idempotency_records_v2\" (")
        );
        assert!(sql.contains("\"idempotency_records_v2_expires_at_idx\""));
        assert!(sql.contains("\"tenant_a\".\"idempotency_records_v2_schema\""));
        assert!(!sql.contains('\u{1}'));
        assert_eq!(
            sql.matches("\"tenant_a\".").count(),
            SCHEMA_SQL.matches(SCHEMA_TOKEN).count()
        );
    }
}
