//! Settings of a SQLite store: where it lives, how durable its commits are, how it batches.

use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use idempotency_store::{DEFAULT_MAX_RESPONSE_BYTES, StoreError};

use crate::SqliteStore;
use crate::schema::META_TABLE;

/// The table records live in unless [`SqliteStoreBuilder::table`] names another.
pub const DEFAULT_TABLE: &str = "idempotency_records";

/// How long a connection waits for another connection's lock by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite's `PRAGMA synchronous` level for the store's writes: how far a commit is pushed
/// towards the disk before the operation that made it returns.
///
/// The store always runs the file in WAL mode, where the levels mean:
///
/// | level | survives a killed process | survives power loss or an OS crash |
/// |---|---|---|
/// | [`Off`](Self::Off) | yes | no, and the file may be corrupted |
/// | [`Normal`](Self::Normal) (default) | yes | the last commits may be lost, the file is intact |
/// | [`Full`](Self::Full) | yes | yes: each commit is fsynced before it returns |
/// | [`Extra`](Self::Extra) | yes | yes, as `Full` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// No fsync at all; the operating system decides when data reaches the disk.
    Off,
    /// fsync only at checkpoints. An acknowledged write is in the WAL file when the call
    /// returns, so it survives the process being killed, but not necessarily a power cut.
    #[default]
    Normal,
    /// fsync the WAL at every commit (one fsync per group of operations).
    Full,
    /// As [`Full`](Self::Full), plus a directory sync that matters only outside WAL mode.
    Extra,
}

impl Synchronous {
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Self::Off => "OFF",
            Self::Normal => "NORMAL",
            Self::Full => "FULL",
            Self::Extra => "EXTRA",
        }
    }
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// A file, created if missing.
    File(PathBuf),
    /// A private in-memory database on a single connection.
    Memory,
}

/// Builds a [`SqliteStore`] with settings other than the defaults.
///
/// ```no_run
/// use std::time::Duration;
///
/// use idempotency_store_sqlite::{SqliteStore, Synchronous};
///
/// # async fn run() -> Result<(), idempotency_store::StoreError> {
/// let store = SqliteStore::builder("idempotency.db")
///     .synchronous(Synchronous::Full)
///     .table("payments_idempotency")
///     .busy_timeout(Duration::from_secs(2))
///     .purge_interval(Duration::from_secs(60))
///     .open()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStoreBuilder {
    pub(crate) location: Location,
    pub(crate) synchronous: Synchronous,
    pub(crate) table: String,
    pub(crate) max_response_bytes: usize,
    pub(crate) busy_timeout: Duration,
    pub(crate) purge_interval: Option<Duration>,
    pub(crate) purge_batch: usize,
    pub(crate) readers: usize,
    pub(crate) max_batch: usize,
}

impl SqliteStoreBuilder {
    /// Settings for a store in the file at `path` (created if missing), all defaults.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self::at(Location::File(path.as_ref().to_path_buf()))
    }

    /// Settings for a private in-memory store: one connection that serves reads and
    /// writes, gone when the last clone of the store is dropped.
    pub fn in_memory() -> Self {
        Self::at(Location::Memory)
    }

    fn at(location: Location) -> Self {
        Self {
            location,
            synchronous: Synchronous::default(),
            table: DEFAULT_TABLE.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            purge_interval: None,
            purge_batch: 1000,
            readers: 2,
            max_batch: 512,
        }
    }

    /// The `PRAGMA synchronous` level of the store's writes (default
    /// [`Synchronous::Normal`]). See [`Synchronous`] for what each level survives.
    pub fn synchronous(mut self, level: Synchronous) -> Self {
        self.synchronous = level;
        self
    }

    /// The table that holds the records (default [`DEFAULT_TABLE`]). Several stores may
    /// share one file under different tables.
    ///
    /// The name must match `^[A-Za-z_][A-Za-z0-9_]{0,62}$`, must not start with `sqlite_`
    /// (reserved by SQLite) and must not be the store's own `idempotency_store_schema`
    /// table; [`open`](Self::open) refuses any other name with a [`StoreError::Backend`]
    /// whose source is an [`InvalidTableName`].
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.table = name.into();
        self
    }

    /// The largest response [`size`](idempotency_store::SavedResponse::size) accepted
    /// (default 4 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How long an operation waits for a lock held by another connection or process before
    /// it fails with the retryable [`StoreError::Timeout`] (default 5 s).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Runs [`purge_expired`](idempotency_store::IdempotencyStore::purge_expired) on the
    /// writer thread every `interval` (default: never; a zero interval also means never).
    pub fn purge_interval(mut self, interval: Duration) -> Self {
        self.purge_interval = (!interval.is_zero()).then_some(interval);
        self
    }

    /// How many dead records one purge transaction deletes at most (default 1000, at
    /// least 1). Operations waiting for the writer run between two such transactions, so
    /// a large backlog never holds the write lock for long.
    pub fn purge_batch(mut self, rows: usize) -> Self {
        self.purge_batch = rows.max(1);
        self
    }

    /// How many reader threads, each with its own connection, serve
    /// [`lookup`](idempotency_store::IdempotencyStore::lookup) and the first step of every
    /// claim, which answers claims of live keys without the writer (default 2). With 0,
    /// lookups and claims queue on the writer thread like every other operation. In-memory
    /// stores always use 0.
    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers;
        self
    }

    /// How many waiting operations the writer commits in one transaction at most (default
    /// 512, at least 1). `max_batch(1)` turns group commit off: one transaction per
    /// operation, for comparison in benchmarks.
    pub fn max_batch(mut self, operations: usize) -> Self {
        self.max_batch = operations.max(1);
        self
    }

    /// Opens the store: starts its threads, opens the connections, and creates or checks
    /// the schema.
    ///
    /// # Errors
    ///
    /// [`StoreError::IncompatibleSchema`] when the table was written by a newer release;
    /// [`StoreError::Backend`] for an invalid table name, a path that cannot be opened, a
    /// file that is not a SQLite database, or a table of that name that this store did not
    /// create; [`StoreError::Timeout`] when another process held the lock for longer than
    /// the busy timeout. Nothing is written to the file in any of these cases.
    pub async fn open(self) -> Result<SqliteStore, StoreError> {
        validate_table_name(&self.table).map_err(StoreError::backend)?;
        SqliteStore::start(self).await
    }
}

/// A configured table name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTableName {
    name: String,
}

impl InvalidTableName {
    /// The refused name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for InvalidTableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "table name {:?} is not allowed: use 1 to 63 ASCII letters, digits and \
             underscores, not starting with a digit or `sqlite_`",
            self.name
        )
    }
}

impl StdError for InvalidTableName {}

fn validate_table_name(name: &str) -> Result<(), InvalidTableName> {
    let bytes = name.as_bytes();
    let well_formed = matches!(bytes.first(), Some(b) if b.is_ascii_alphabetic() || *b == b'_')
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let reserved =
        name.to_ascii_lowercase().starts_with("sqlite_") || name.eq_ignore_ascii_case(META_TABLE);
    if well_formed && !reserved {
        Ok(())
    } else {
        Err(InvalidTableName {
            name: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_follow_the_identifier_rule() {
        for good in [
            "a",
            "_",
            "idempotency_records",
            "T9_x",
            &"a".repeat(63),
            "select",
        ] {
            assert_eq!(validate_table_name(good), Ok(()), "{good}");
        }
        let too_long = "a".repeat(64);
        for bad in [
            "",
            "9a",
            "a-b",
            "a b",
            "a\"b",
            "x;DROP TABLE y",
            "é",
            too_long.as_str(),
            "sqlite_master",
            "SQLITE_x",
            "idempotency_store_schema",
        ] {
            assert!(validate_table_name(bad).is_err(), "{bad:?}");
        }
    }
}
