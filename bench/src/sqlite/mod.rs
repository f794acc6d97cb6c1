//! The SQLite store against the same statements group-committed bare, and against a naive
//! one-transaction-per-operation store.

mod group;
mod naive;
mod statements;

use std::sync::Arc;

use tempfile::TempDir;

use crate::cli::StoreKind;
use crate::report::{Row, Variant};
use crate::session::{Contender, Session};
use crate::target::BenchError;

use self::group::GroupCommit;
use self::naive::NaiveTx;
use self::statements::Binds;

/// The three contenders, each in its own file of one temporary directory.
#[derive(Debug)]
pub(crate) struct SqliteBench {
    raw: Arc<GroupCommit>,
    naive: Arc<NaiveTx>,
    #[cfg(feature = "sqlite")]
    store: Arc<crate::store_target::StoreTarget>,
    #[cfg(feature = "sqlite")]
    store_handle: idempotency_store_sqlite::SqliteStore,
    /// Removed, files and all, when the bench is dropped.
    dir: TempDir,
}

impl SqliteBench {
    /// Creates the directory and opens the three files.
    pub(crate) async fn open(session: &Session) -> Result<Self, BenchError> {
        let dir = tempfile::Builder::new()
            .prefix("idempotency-bench-")
            .tempdir()
            .map_err(|error| format!("sqlite: cannot create a temporary directory: {error}"))?;
        let binds = Arc::new(Binds::new(&session.fixture));
        let raw = GroupCommit::start(&dir.path().join("raw.db"), Arc::clone(&binds))?;
        let naive = NaiveTx::open(&dir.path().join("naive.db"), binds)?;
        #[cfg(feature = "sqlite")]
        let store_handle = open_store(&dir).await?;
        Ok(Self {
            raw: Arc::new(raw),
            naive: Arc::new(naive),
            #[cfg(feature = "sqlite")]
            store: Arc::new(crate::store_target::StoreTarget::new(
                Arc::new(store_handle.clone()),
                session.fixture.clone(),
            )),
            #[cfg(feature = "sqlite")]
            store_handle,
            dir,
        })
    }

    /// Each workload on the raw writer, the naive store and the store, back to back.
    pub(crate) async fn run(&self, session: &Session) -> Result<Vec<Row>, BenchError> {
        let mut contenders = vec![
            Contender::new(Variant::Raw, Arc::clone(&self.raw)),
            Contender::new(Variant::Naive, Arc::clone(&self.naive)),
        ];
        #[cfg(feature = "sqlite")]
        contenders.push(Contender::new(Variant::Store, Arc::clone(&self.store)));
        let mut rows = Vec::new();
        for &workload in &session.workloads {
            let before = self.group_stats();
            let mut measured = session
                .compare(StoreKind::Sqlite, workload, &contenders)
                .await?;
            let after = self.group_stats();
            for row in &mut measured {
                let (before, after) = match row.variant {
                    Variant::Raw => (before.0, after.0),
                    Variant::Store => (before.1, after.1),
                    _ => continue,
                };
                let transactions = after.0.saturating_sub(before.0);
                let operations = after.1.saturating_sub(before.1);
                if transactions > 0 {
                    row.ops_per_transaction = Some(operations as f64 / transactions as f64);
                }
            }
            rows.extend(measured);
        }
        Ok(rows)
    }

    /// (transactions, operations) committed so far by the raw writer and by the store's.
    fn group_stats(&self) -> ((u64, u64), (u64, u64)) {
        #[cfg(feature = "sqlite")]
        let store = {
            let stats = self.store_handle.stats();
            (stats.transactions, stats.operations)
        };
        #[cfg(not(feature = "sqlite"))]
        let store = (0, 0);
        (self.raw.stats(), store)
    }

    /// Deletes the temporary directory and its files.
    pub(crate) fn close(self) -> Result<(), BenchError> {
        let path = self.dir.path().display().to_string();
        drop((self.raw, self.naive));
        self.dir
            .close()
            .map_err(|error| format!("sqlite: cannot remove {path}: {error}").into())
    }
}

#[cfg(feature = "sqlite")]
async fn open_store(dir: &TempDir) -> Result<idempotency_store_sqlite::SqliteStore, BenchError> {
    idempotency_store_sqlite::SqliteStore::open(dir.path().join("store.db"))
        .await
        .map_err(|error| format!("sqlite: cannot open the store: {error}").into())
}
