//! `migrate()`: idempotent, safe when app servers run it at once, the same as the shipped
//! SQL file, and never near the application's `_sqlx_migrations`.

mod support;

use std::time::Duration;

use idempotency_store::{ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, StoreError};
use idempotency_store_postgres::{PostgresStore, SCHEMA_VERSION, schema_sql};
use sqlx::{AssertSqlSafe, PgPool};

use support::{TestSchema, pool};

async fn claim_works(store: &PostgresStore) {
    let id = RecordId::new("migrate", "k").expect("id");
    let print = Fingerprint::new(*b"r").expect("fingerprint");
    let lease = Lease::new(Duration::from_secs(60)).expect("lease");
    assert!(matches!(
        store.claim(&id, &print, lease).await,
        Ok(ClaimOutcome::Acquired(_))
    ));
}

/// Everything the catalog says about the relations of one schema, with the schema's name
/// taken out so two schemas can be compared.
async fn describe(admin: &PgPool, schema: &str) -> Vec<String> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT format('column %s.%s %s %s %s', c.relname, a.attname,
                       format_type(a.atttypid, a.atttypmod), a.attnotnull,
                       pg_get_expr(d.adbin, d.adrelid))
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         UNION ALL
         SELECT format('constraint %s %s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
         UNION ALL
         SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = $1
         UNION ALL
         SELECT format('relation %s %s', c.relname, c.relkind)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
         ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(admin)
    .await
    .expect("the catalog answers");
    rows.into_iter()
        .map(|row| row.replace(schema, "<schema>"))
        .collect()
}

/// Six app servers migrating one fresh schema at the same moment all succeed, a later
/// migrate changes nothing, and version 1 is recorded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_and_repeated_migrations_all_succeed() {
    let schema = TestSchema::unmigrated().await;
    let mut servers = Vec::new();
    for _ in 0..6 {
        let store = schema.store(1).await;
        servers.push(tokio::spawn(async move { store.migrate().await }));
    }

    for server in servers {
        server
            .await
            .expect("no panic")
            .expect("every migrate succeeds");
    }
    let store = schema.store(2).await;
    let before = describe(store.pool(), &schema.name).await;
    store.migrate().await.expect("a repeated migrate succeeds");

    assert_eq!(describe(store.pool(), &schema.name).await, before);
    let versions: Vec<i32> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT version FROM \"{}\".\"idempotency_records_schema\"",
        schema.name
    )))
    .fetch_all(store.pool())
    .await
    .expect("the version table");
    assert_eq!(versions, vec![SCHEMA_VERSION]);
    claim_works(&store).await;
}

/// Applying `sql/schema.sql` by hand (as a team's own migration tool would) builds the
/// same catalog as `migrate()`, records the version so `migrate()` then does nothing, and
/// the store works on it.
#[tokio::test]
async fn the_shipped_file_builds_what_migrate_builds() {
    let migrated = TestSchema::create().await;
    let by_hand = TestSchema::unmigrated().await;
    let admin = pool(&migrated.url, "idem-store-postgres-admin", 1).await;
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA \"{}\"", by_hand.name)))
        .execute(&admin)
        .await
        .expect("create the schema by hand");

    sqlx::raw_sql(AssertSqlSafe(schema_sql(&by_hand.config)))
        .execute(&admin)
        .await
        .expect("the file applies");

    assert_eq!(
        describe(&admin, &by_hand.name).await,
        describe(&admin, &migrated.name).await
    );
    let store = by_hand.store(1).await;
    store.migrate().await.expect("migrate after the file");
    claim_works(&store).await;
}

/// migrate creates exactly the table, its keys and index, and its own version table:
/// no `_sqlx_migrations`, here or anywhere else.
#[tokio::test]
async fn migrate_creates_only_its_own_relations() {
    let admin_url = support::database_url().await;
    let admin = pool(&admin_url, "idem-store-postgres-admin", 1).await;
    let sqlx_table = "SELECT count(*) FROM pg_class WHERE relname = '_sqlx_migrations'";
    let before: i64 = sqlx::query_scalar(sqlx_table)
        .fetch_one(&admin)
        .await
        .expect("count");

    let schema = TestSchema::create().await;

    let relations: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 ORDER BY 1",
    )
    .bind(&schema.name)
    .fetch_all(&admin)
    .await
    .expect("relations");
    let after: i64 = sqlx::query_scalar(sqlx_table)
        .fetch_one(&admin)
        .await
        .expect("count");
    let ours: Vec<&str> = relations
        .iter()
        .map(String::as_str)
        .filter(|name| !name.starts_with("pg_toast"))
        .collect();
    assert_eq!(
        ours,
        [
            "idempotency_records",
            "idempotency_records_expires_at_idx",
            "idempotency_records_pkey",
            "idempotency_records_schema",
            "idempotency_records_schema_pkey",
        ]
    );
    assert_eq!(before, after, "migrate never creates _sqlx_migrations");
}

/// A table recorded at a newer version than this release knows is refused, not used.
#[tokio::test]
async fn a_newer_schema_is_refused() {
    let schema = TestSchema::create().await;
    let store = schema.store(1).await;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO \"{}\".\"idempotency_records_schema\" (version) VALUES (2)",
        schema.name
    )))
    .execute(store.pool())
    .await
    .expect("pretend a newer release migrated");

    let refused = store.migrate().await;

    assert!(
        matches!(
            refused,
            Err(StoreError::IncompatibleSchema {
                found: 2,
                supported: 1
            })
        ),
        "{refused:?}"
    );
}

/// Two tables in one schema are two separate stores.
#[tokio::test]
async fn two_tables_in_one_schema_are_separate_stores() {
    let schema = TestSchema::create().await;
    let other_config = schema
        .config
        .clone()
        .with_table("other_records")
        .expect("table name");
    let other = PostgresStore::with_config(
        pool(&schema.url, "idem-store-postgres-test", 1).await,
        other_config,
    );
    other.migrate().await.expect("migrate the second table");

    claim_works(&schema.store(1).await).await;
    claim_works(&other).await;
}
