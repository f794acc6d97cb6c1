//! The SQLite store against the conformance suite: every `open` is a new store on the same
//! file, as separate processes would be, and the suite's corrupt-record case really runs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use idempotency_store::{IdempotencyStore, RecordId};
use idempotency_store_conformance::{Backend, conformance_tests};
use idempotency_store_sqlite::{DEFAULT_TABLE, SqliteStore};
use tempfile::TempDir;

/// A temporary database file; each case gets its own.
struct SqliteFile {
    _dir: TempDir,
    path: PathBuf,
}

#[async_trait]
impl Backend for SqliteFile {
    async fn open(&self) -> Arc<dyn IdempotencyStore> {
        let store = SqliteStore::open(&self.path)
            .await
            .expect("the store opens its temporary file");
        Arc::new(store)
    }

    async fn corrupt_response(&self, id: &RecordId) -> bool {
        let path = self.path.clone();
        let (scope, key) = (id.scope().to_owned(), id.key().to_owned());
        let changed = tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(&path).expect("a second connection opens");
            conn.busy_timeout(Duration::from_secs(10))
                .expect("busy timeout");
            // A version byte of 1 followed by a response cut short: it cannot decode.
            let garbage: &[u8] = &[1, 0xc8];
            conn.execute(
                &format!("UPDATE {DEFAULT_TABLE} SET response = ?3 WHERE scope = ?1 AND key = ?2"),
                (scope, key, garbage),
            )
            .expect("the response is overwritten")
        })
        .await
        .expect("the blocking task runs");
        assert_eq!(changed, 1, "exactly the completed record is damaged");
        true
    }
}

async fn backend() -> SqliteFile {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("conformance.db");
    SqliteFile { _dir: dir, path }
}

conformance_tests!(backend);

/// The same suite on the in-memory store: every `open` hands out a clone of one store.
mod in_memory {
    use super::*;

    struct SharedMemory(SqliteStore);

    #[async_trait]
    impl Backend for SharedMemory {
        async fn open(&self) -> Arc<dyn IdempotencyStore> {
            Arc::new(self.0.clone())
        }
    }

    async fn backend() -> SharedMemory {
        SharedMemory(
            SqliteStore::open_in_memory()
                .await
                .expect("an in-memory store opens"),
        )
    }

    conformance_tests!(backend);
}
