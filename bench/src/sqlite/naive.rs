//! The naive store of the SQLite issue: one transaction per operation behind a mutex.

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::Connection;

use crate::sqlite::statements::{self, Binds};
use crate::target::{BenchError, Claimed, Target};

/// One connection behind a mutex; every claim and every complete is its own `BEGIN
/// IMMEDIATE ... COMMIT` on a blocking thread. What a store without group commit costs.
#[derive(Debug)]
pub(crate) struct NaiveTx {
    conn: Arc<Mutex<Connection>>,
    binds: Arc<Binds>,
}

impl NaiveTx {
    pub(crate) fn open(path: &Path, binds: Arc<Binds>) -> Result<Self, BenchError> {
        Ok(Self {
            conn: Arc::new(Mutex::new(statements::open(path)?)),
            binds,
        })
    }

    async fn in_transaction<T, F>(&self, work: F) -> Result<T, BenchError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Binds) -> Result<T, BenchError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let binds = Arc::clone(&self.binds);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock();
            conn.execute_batch("BEGIN IMMEDIATE")?;
            match work(&conn, &binds) {
                Ok(value) => {
                    conn.execute_batch("COMMIT")?;
                    Ok(value)
                }
                Err(error) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(error)
                }
            }
        })
        .await?
    }
}

impl Target for NaiveTx {
    type Token = u64;

    async fn claim(&self, key: &str) -> Result<Claimed<u64>, BenchError> {
        let key = key.to_owned();
        self.in_transaction(move |conn, binds| binds.claim(conn, &key))
            .await
    }

    async fn complete(&self, key: &str, token: u64) -> Result<(), BenchError> {
        let key = key.to_owned();
        self.in_transaction(move |conn, binds| binds.complete(conn, &key, token))
            .await
    }
}
