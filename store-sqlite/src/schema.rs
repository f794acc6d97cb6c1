//! The store's tables, the SQL it runs on them, and opening connections to them.
//!
//! Version 1 of the schema is one rowid table per store (name configurable) plus an index
//! on the expiry time, and a shared `idempotency_store_schema` table that records which
//! version each store table was created with. A table whose recorded version is newer than
//! [`SCHEMA_VERSION`] is refused before anything is written.

use std::thread;
use std::time::{Duration, Instant};

use idempotency_store::StoreError;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use crate::config::{Location, Synchronous};
use crate::error::Failure;

/// The newest schema version this release reads and writes.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The table that records the schema version of every store table in the file.
pub(crate) const META_TABLE: &str = "idempotency_store_schema";

/// Every statement the store runs, with its (validated) table name filled in.
#[derive(Debug)]
pub(crate) struct Sql {
    pub(crate) table: String,
    pub(crate) probe: String,
    pub(crate) response: String,
    pub(crate) claim: String,
    pub(crate) complete: String,
    pub(crate) release: String,
    pub(crate) renew: String,
    pub(crate) lookup: String,
    pub(crate) purge: String,
}

impl Sql {
    /// The statements for `table`, which must already be validated.
    pub(crate) fn new(table: &str) -> Self {
        let t = format!("\"{table}\"");
        let owned = "scope = ?1 AND key = ?2 AND token = ?3 AND response IS NULL";
        Self {
            table: table.to_owned(),
            probe: format!(
                "SELECT fingerprint, response IS NOT NULL, expires_at FROM {t} \
                 WHERE scope = ?1 AND key = ?2"
            ),
            response: format!("SELECT response FROM {t} WHERE scope = ?1 AND key = ?2"),
            claim: format!(
                "INSERT INTO {t} (scope, key, fingerprint, token, response, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, NULL, ?5) \
                 ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, \
                 token = excluded.token, response = NULL, expires_at = excluded.expires_at"
            ),
            complete: format!(
                "UPDATE {t} SET response = ?4, token = NULL, expires_at = ?5 \
                 WHERE {owned} AND expires_at > ?6"
            ),
            release: format!("DELETE FROM {t} WHERE {owned} AND expires_at > ?4"),
            renew: format!("UPDATE {t} SET expires_at = ?4 WHERE {owned} AND expires_at > ?5"),
            lookup: format!(
                "SELECT fingerprint, response, expires_at FROM {t} \
                 WHERE scope = ?1 AND key = ?2 AND expires_at > ?3"
            ),
            purge: format!(
                "DELETE FROM {t} WHERE rowid IN \
                 (SELECT rowid FROM {t} WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"
            ),
        }
    }

    fn create(&self) -> String {
        let table = &self.table;
        format!(
            "CREATE TABLE \"{table}\" (
                scope TEXT NOT NULL,
                key TEXT NOT NULL,
                fingerprint BLOB NOT NULL,
                token BLOB,
                response BLOB,
                expires_at INTEGER NOT NULL,
                PRIMARY KEY (scope, key)
            );
            CREATE INDEX \"{table}_expires_at\" ON \"{table}\" (expires_at);"
        )
    }

    fn check_columns(&self) -> String {
        format!(
            "SELECT scope, key, fingerprint, token, response, expires_at FROM \"{}\" LIMIT 0",
            self.table
        )
    }
}

/// Opens the writer's connection, switches the file to WAL mode and creates or checks the
/// schema. A file that is not a database, whose table is newer than this release, or whose
/// table name is taken by something else, is refused before the first write.
pub(crate) fn open_writer(
    location: &Location,
    sql: &Sql,
    synchronous: Synchronous,
    busy_timeout: Duration,
) -> Result<Connection, Failure> {
    let conn = match location {
        Location::File(path) => Connection::open_with_flags(path, file_flags(true))?,
        Location::Memory => Connection::open_in_memory_with_flags(file_flags(true))?,
    };
    conn.busy_timeout(busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(32);

    // When several connections set up one new file at once, SQLite answers some of them
    // SQLITE_BUSY at once instead of waiting (it would deadlock otherwise); they try again
    // until the busy timeout has passed.
    let deadline = Instant::now() + busy_timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        match set_up(&conn, location, sql, synchronous) {
            Err(Failure::Sqlite(error)) if is_busy(&error) && Instant::now() < deadline => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            result => return result.map(|()| conn),
        }
    }
}

fn set_up(
    conn: &Connection,
    location: &Location,
    sql: &Sql,
    synchronous: Synchronous,
) -> Result<(), Failure> {
    // One read transaction, so the version and the names are seen at the same moment even
    // while another connection creates the schema.
    conn.execute_batch("BEGIN DEFERRED")?;
    if let Err(failure) = check_existing(conn, sql) {
        end_transaction(conn);
        return Err(failure);
    }
    if let Err(error) = conn.execute_batch("COMMIT") {
        end_transaction(conn);
        return Err(error.into());
    }
    if matches!(location, Location::File(_)) {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                mode,
                "SQLite refused WAL mode; readers will wait for writers"
            );
        }
    }
    conn.pragma_update(None, "synchronous", synchronous.pragma_value())?;
    migrate(conn, sql)
}

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Opens a reader's connection on a file the writer has already set up.
pub(crate) fn open_reader(
    location: &Location,
    busy_timeout: Duration,
) -> Result<Connection, Failure> {
    let Location::File(path) = location else {
        return Err(StoreError::backend("an in-memory store has no reader connections").into());
    };
    let conn = Connection::open_with_flags(path, file_flags(false))?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Read-write without URI parsing, so a path is always a path; `create` for the writer.
fn file_flags(create: bool) -> OpenFlags {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        flags
    }
}

/// The schema version recorded for `table`, without writing anything.
fn stored_version(conn: &Connection, table: &str) -> Result<Option<i64>, Failure> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [META_TABLE],
        |row| row.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    let version = conn
        .query_row(
            &format!("SELECT version FROM {META_TABLE} WHERE table_name = ?1"),
            [table],
            |row| row.get(0),
        )
        .optional()?;
    Ok(version)
}

fn refuse_newer(found: Option<i64>) -> Result<(), StoreError> {
    match found {
        Some(found) if found > SCHEMA_VERSION => {
            tracing::error!(found, supported = SCHEMA_VERSION, "refusing a newer schema");
            Err(StoreError::IncompatibleSchema {
                found,
                supported: SCHEMA_VERSION,
            })
        }
        _ => Ok(()),
    }
}

/// Creates the table at the current version, or checks the one that is there, inside one
/// write transaction so that processes opening the file at once do it exactly once.
fn migrate(conn: &Connection, sql: &Sql) -> Result<(), Failure> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = migrate_locked(conn, sql);
    match result {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(failure) => {
            end_transaction(conn);
            Err(failure)
        }
    }
}

/// Rolls back what a failed step left open, if anything.
fn end_transaction(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(error) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!(%error, "rolling back a failed schema step failed too");
    }
}

fn migrate_locked(conn: &Connection, sql: &Sql) -> Result<(), Failure> {
    if check_existing(conn, sql)?.is_some() {
        return Ok(());
    }
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {META_TABLE} (
            table_name TEXT PRIMARY KEY NOT NULL,
            version INTEGER NOT NULL
        );"
    ))?;
    conn.execute_batch(&sql.create())?;
    conn.execute(
        &format!("INSERT INTO {META_TABLE} (table_name, version) VALUES (?1, ?2)"),
        (&sql.table, SCHEMA_VERSION),
    )?;
    tracing::debug!(
        table = sql.table,
        version = SCHEMA_VERSION,
        "created the schema"
    );
    Ok(())
}

/// The version of the store's table if there is one, after checking that it is one this
/// release can use: not newer, with the columns it expects. A table or index of the store's
/// names that the store did not record as its own is refused. Writes nothing.
fn check_existing(conn: &Connection, sql: &Sql) -> Result<Option<i64>, Failure> {
    let found = stored_version(conn, &sql.table)?;
    refuse_newer(found)?;
    match found {
        Some(_) => {
            conn.prepare(&sql.check_columns())?;
        }
        None => {
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name IN (?1, ?2))",
                [sql.table.clone(), format!("{}_expires_at", sql.table)],
                |row| row.get(0),
            )?;
            if taken {
                tracing::error!(table = sql.table, "the store's table name is already taken");
                return Err(StoreError::backend(format!(
                    "the file already has a table or index named after {:?} that this store \
                     did not create",
                    sql.table
                ))
                .into());
            }
        }
    }
    Ok(found)
}
