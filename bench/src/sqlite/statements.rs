//! The SQLite store's schema and statements, run bare by the baselines.
//!
//! These mirror `idempotency-store-sqlite` (its `schema.rs` and `ops.rs`): the same table,
//! the same index, the same probe, claim and complete statements, so the baselines do the
//! same SQL work as the store and differ only in what surrounds it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

use crate::fixture::{Fixture, SCOPE};
use crate::target::{BenchError, Claimed};

/// The table the baselines write, in a file of their own.
const TABLE: &str = "idempotency_records";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS idempotency_records (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint BLOB NOT NULL,
        token BLOB,
        response BLOB,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    );
    CREATE INDEX IF NOT EXISTS idempotency_records_expires_at
        ON idempotency_records (expires_at);";

const PROBE: &str = "SELECT fingerprint, response IS NOT NULL, expires_at \
    FROM idempotency_records WHERE scope = ?1 AND key = ?2";

const RESPONSE: &str = "SELECT response FROM idempotency_records WHERE scope = ?1 AND key = ?2";

const CLAIM: &str = "INSERT INTO idempotency_records \
    (scope, key, fingerprint, token, response, expires_at) VALUES (?1, ?2, ?3, ?4, NULL, ?5) \
    ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, \
    token = excluded.token, response = NULL, expires_at = excluded.expires_at";

const COMPLETE: &str = "UPDATE idempotency_records SET response = ?4, token = NULL, \
    expires_at = ?5 WHERE scope = ?1 AND key = ?2 AND token = ?3 AND response IS NULL \
    AND expires_at > ?6";

/// Opens `path` as the store does by default: WAL, `synchronous = NORMAL`, a 5 s busy
/// timeout, the store's table.
pub(crate) fn open(path: &Path) -> Result<Connection, BenchError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(32);
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("SQLite refused WAL mode for {TABLE}").into());
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(CREATE)?;
    Ok(conn)
}

/// The request parts every statement binds, and a counter for tokens.
#[derive(Debug)]
pub(crate) struct Binds {
    fingerprint: Vec<u8>,
    response: Vec<u8>,
    lease_ms: i64,
    retention_ms: i64,
    tokens: AtomicU64,
}

impl Binds {
    pub(crate) fn new(fixture: &Fixture) -> Self {
        Self {
            fingerprint: fixture.fingerprint.as_bytes().to_vec(),
            response: fixture.encoded.clone(),
            lease_ms: fixture.lease_ms(),
            retention_ms: fixture.retention_ms(),
            tokens: AtomicU64::new(1),
        }
    }

    /// The claim's statements: probe, then read the response of a live completed record
    /// or write an in-flight one, exactly as the store's claim does.
    pub(crate) fn claim(&self, conn: &Connection, key: &str) -> Result<Claimed<u64>, BenchError> {
        let now = now_millis();
        let probe = conn
            .prepare_cached(PROBE)?
            .query_row(params![SCOPE, key], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .optional()?;
        if let Some((fingerprint, completed, expires_at)) = probe
            && expires_at > now
        {
            if fingerprint != self.fingerprint {
                return Ok(Claimed::Mismatch);
            }
            if !completed {
                return Ok(Claimed::InFlight);
            }
            let response: Vec<u8> = conn
                .prepare_cached(RESPONSE)?
                .query_row(params![SCOPE, key], |row| row.get(0))?;
            if response != self.response {
                return Err("a raw replay read another response".into());
            }
            return Ok(Claimed::Replay);
        }
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        conn.prepare_cached(CLAIM)?.execute(params![
            SCOPE,
            key,
            self.fingerprint,
            token_bytes(token),
            now + self.lease_ms,
        ])?;
        Ok(Claimed::Acquired(token))
    }

    /// The complete statement, fenced by the token as the store's is.
    pub(crate) fn complete(
        &self,
        conn: &Connection,
        key: &str,
        token: u64,
    ) -> Result<(), BenchError> {
        let now = now_millis();
        let changed = conn.prepare_cached(COMPLETE)?.execute(params![
            SCOPE,
            key,
            token_bytes(token),
            self.response,
            now + self.retention_ms,
            now,
        ])?;
        if changed == 1 {
            Ok(())
        } else {
            Err("a raw complete lost its lease".into())
        }
    }
}

/// A 16-byte token, the store's token size, from a counter.
fn token_bytes(token: u64) -> [u8; 16] {
    u128::from(token).to_le_bytes()
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}
