//! Files and settings the store must refuse: a typed error, no panic, nothing written.

use std::error::Error as _;
use std::path::Path;
use std::time::Duration;

use idempotency_store::{ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, StoreError};
use idempotency_store_sqlite::{InvalidTableName, SqliteStore, rusqlite};
use rusqlite::ErrorCode;

fn sqlite_code(error: &StoreError) -> Option<ErrorCode> {
    error
        .source()
        .and_then(|source| source.downcast_ref::<rusqlite::Error>())
        .and_then(rusqlite::Error::sqlite_error_code)
}

/// The files SQLite would create next to the database if it wrote anything.
fn no_sidecars(path: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut sidecar = path.as_os_str().to_owned();
        sidecar.push(suffix);
        assert!(!Path::new(&sidecar).exists(), "{sidecar:?} was created");
    }
}

#[tokio::test]
async fn a_path_in_a_missing_directory_is_a_typed_error_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("no-such-directory");
    let path = missing.join("store.db");

    let result = SqliteStore::open(&path).await;

    let error = result.expect_err("the path cannot be opened");
    assert!(matches!(error, StoreError::Backend { .. }), "{error:?}");
    assert_eq!(sqlite_code(&error), Some(ErrorCode::CannotOpen));
    assert!(!error.is_retryable());
    assert!(!missing.exists());
}

#[tokio::test]
async fn a_directory_is_not_a_database_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");

    let result = SqliteStore::open(dir.path()).await;

    let error = result.expect_err("a directory cannot be opened as a database");
    assert!(matches!(error, StoreError::Backend { .. }), "{error:?}");
    assert!(sqlite_code(&error).is_some(), "{error:?}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("notes.txt");
    let text = "These are notes, not a SQLite database.\n".repeat(200);
    std::fs::write(&path, &text).expect("the file is written");

    let result = SqliteStore::open(&path).await;

    let error = result.expect_err("a text file is not a database");
    assert!(matches!(error, StoreError::Backend { .. }), "{error:?}");
    assert_eq!(sqlite_code(&error), Some(ErrorCode::NotADatabase));
    let after = std::fs::read_to_string(&path).expect("the file is still there");
    assert!(after == text, "the file was changed");
    no_sidecars(&path);
}

#[tokio::test]
async fn a_newer_schema_version_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("a database");
        conn.execute_batch(
            "CREATE TABLE idempotency_store_schema (
                 table_name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);
             INSERT INTO idempotency_store_schema VALUES ('idempotency_records', 7);
             CREATE TABLE idempotency_records (whatever_v7_holds BLOB);",
        )
        .expect("a file from a future release");
    }
    let before = std::fs::read(&path).expect("the file");

    let result = SqliteStore::open(&path).await;

    match result {
        Err(StoreError::IncompatibleSchema { found, supported }) => {
            assert_eq!((found, supported), (7, 1));
        }
        other => panic!("a newer schema should be IncompatibleSchema, got {other:?}"),
    }
    assert!(
        std::fs::read(&path).expect("the file") == before,
        "the file was changed"
    );
    no_sidecars(&path);
}

#[tokio::test]
async fn a_foreign_table_of_the_same_name_is_refused_and_kept() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("foreign.db");
    let conn = rusqlite::Connection::open(&path).expect("a database");
    conn.execute_batch(
        "CREATE TABLE idempotency_records (note TEXT);
         INSERT INTO idempotency_records VALUES ('someone else''s data');",
    )
    .expect("someone else's table");
    let before = std::fs::read(&path).expect("the file");

    let result = SqliteStore::open(&path).await;

    let error = result.expect_err("the table belongs to someone else");
    assert!(matches!(error, StoreError::Backend { .. }), "{error:?}");
    assert!(
        std::fs::read(&path).expect("the file") == before,
        "the file was changed"
    );
    no_sidecars(&path);
    let kept: String = conn
        .query_row("SELECT note FROM idempotency_records", [], |row| row.get(0))
        .expect("their row is still there");
    assert_eq!(kept, "someone else's data");
}

#[tokio::test]
async fn invalid_table_names_are_refused_before_the_file_is_touched() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("never-created.db");

    for name in [
        "",
        "1records",
        "records-v2",
        "records; DROP TABLE x",
        "\"quoted\"",
        "sqlite_records",
        "idempotency_store_schema",
        &"r".repeat(64),
    ] {
        let result = SqliteStore::builder(&path).table(name).open().await;

        let error = result.expect_err("the name is refused");
        let refused = error
            .source()
            .and_then(|source| source.downcast_ref::<InvalidTableName>());
        assert_eq!(refused.map(InvalidTableName::name), Some(name), "{error:?}");
    }
    assert!(!path.exists());
}

#[tokio::test]
async fn stores_under_two_tables_of_one_file_are_separate() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("shared.db");
    let payments = SqliteStore::builder(&path)
        .table("payments")
        .open()
        .await
        .expect("the first table");
    let orders = SqliteStore::builder(&path)
        .table("Orders_2")
        .open()
        .await
        .expect("the second table");
    let id = RecordId::new("tenant", "same-key").expect("id");
    let print = Fingerprint::new(*b"request").expect("fingerprint");
    let lease = Lease::new(Duration::from_secs(600)).expect("lease");

    let first = payments.claim(&id, &print, lease).await;
    let second = orders.claim(&id, &print, lease).await;

    assert!(matches!(first, Ok(ClaimOutcome::Acquired(_))), "{first:?}");
    assert!(
        matches!(second, Ok(ClaimOutcome::Acquired(_))),
        "{second:?}"
    );
}

#[tokio::test]
async fn a_stored_fingerprint_that_is_too_long_is_corrupt() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("damaged.db");
    let store = SqliteStore::open(&path).await.expect("the store opens");
    let id = RecordId::new("tenant", "damaged").expect("id");
    let print = Fingerprint::new(*b"request").expect("fingerprint");
    let lease = Lease::new(Duration::from_secs(600)).expect("lease");
    store.claim(&id, &print, lease).await.expect("claimed");
    let conn = rusqlite::Connection::open(&path).expect("a second connection");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    conn.execute(
        "UPDATE idempotency_records SET fingerprint = zeroblob(100) WHERE key = 'damaged'",
        [],
    )
    .expect("the fingerprint is damaged");

    let looked = store.lookup(&id).await;

    assert!(
        matches!(looked, Err(StoreError::Corrupt { .. })),
        "{looked:?}"
    );
}
