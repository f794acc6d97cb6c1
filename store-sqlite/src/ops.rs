//! Each operation of the contract as statements on one connection.
//!
//! The write operations run inside the writer's open transaction. Each makes at most one
//! change, with one statement, so an operation that fails leaves nothing behind: SQLite
//! undoes a failed statement on its own, and the writer notices when it undid the whole
//! transaction. Each operation reads the clock after the transaction holds the write lock,
//! so every decision about expiry is made with the lock held.

use idempotency_store::{
    ClaimOutcome, Fingerprint, Lease, LeaseToken, Record, RecordId, RecordState, Retention,
    StoreError, decode_response,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock;
use crate::error::Failure;
use crate::schema::Sql;

/// What the probe of a claim sees of an existing row.
struct Probe {
    fingerprint: Vec<u8>,
    completed: bool,
    expires_at: i64,
}

/// Claims `id`: answers from a live record, or takes the key when it is absent or dead.
pub(crate) fn claim(
    conn: &Connection,
    sql: &Sql,
    id: &RecordId,
    fingerprint: &Fingerprint,
    lease: Lease,
) -> Result<ClaimOutcome, Failure> {
    let now = clock::now_millis();
    let probe = conn
        .prepare_cached(&sql.probe)?
        .query_row(params![id.scope(), id.key()], |row| {
            Ok(Probe {
                fingerprint: row.get(0)?,
                completed: row.get(1)?,
                expires_at: row.get(2)?,
            })
        })
        .optional()?;

    let took_over = match probe {
        Some(found) if found.expires_at > now => {
            return live_outcome(conn, sql, id, fingerprint, &found, now);
        }
        Some(found) => !found.completed,
        None => false,
    };
    let token = LeaseToken::generate()?;
    conn.prepare_cached(&sql.claim)?.execute(params![
        id.scope(),
        id.key(),
        fingerprint.as_bytes(),
        token.as_bytes(),
        clock::after(now, lease.as_millis()),
    ])?;
    if took_over {
        tracing::warn!(key = id.key(), "took over a claim whose lease had run out");
    }
    tracing::debug!(key = id.key(), "claim acquired");
    Ok(ClaimOutcome::Acquired(token))
}

fn live_outcome(
    conn: &Connection,
    sql: &Sql,
    id: &RecordId,
    fingerprint: &Fingerprint,
    found: &Probe,
    now: i64,
) -> Result<ClaimOutcome, Failure> {
    if found.fingerprint != fingerprint.as_bytes() {
        tracing::debug!(
            key = id.key(),
            "claim mismatched the live record's fingerprint"
        );
        return Ok(ClaimOutcome::Mismatch);
    }
    if !found.completed {
        tracing::debug!(key = id.key(), "claim found the key in flight");
        return Ok(ClaimOutcome::InFlight {
            retry_after: clock::left(now, found.expires_at),
        });
    }
    let bytes: Vec<u8> = conn
        .prepare_cached(&sql.response)?
        .query_row(params![id.scope(), id.key()], |row| row.get(0))?;
    let response = decode_response(&bytes)?;
    tracing::debug!(key = id.key(), "claim replays a completed response");
    Ok(ClaimOutcome::Replay(response))
}

/// Saves `response` (already encoded) if `token` owns the live in-flight record.
pub(crate) fn complete(
    conn: &Connection,
    sql: &Sql,
    id: &RecordId,
    token: &LeaseToken,
    response: &[u8],
    retention: Retention,
) -> Result<(), Failure> {
    let now = clock::now_millis();
    let changed = conn.prepare_cached(&sql.complete)?.execute(params![
        id.scope(),
        id.key(),
        token.as_bytes(),
        response,
        clock::after(now, retention.as_millis()),
        now,
    ])?;
    owned("complete", id, changed)
}

/// Deletes the record if `token` owns it in flight.
pub(crate) fn release(
    conn: &Connection,
    sql: &Sql,
    id: &RecordId,
    token: &LeaseToken,
) -> Result<(), Failure> {
    let now = clock::now_millis();
    let changed = conn.prepare_cached(&sql.release)?.execute(params![
        id.scope(),
        id.key(),
        token.as_bytes(),
        now,
    ])?;
    owned("release", id, changed)
}

/// Moves the end of the lease to `lease` from now if `token` owns the record in flight.
pub(crate) fn renew(
    conn: &Connection,
    sql: &Sql,
    id: &RecordId,
    token: &LeaseToken,
    lease: Lease,
) -> Result<(), Failure> {
    let now = clock::now_millis();
    let changed = conn.prepare_cached(&sql.renew)?.execute(params![
        id.scope(),
        id.key(),
        token.as_bytes(),
        clock::after(now, lease.as_millis()),
        now,
    ])?;
    owned("renew", id, changed)
}

fn owned(operation: &'static str, id: &RecordId, changed: usize) -> Result<(), Failure> {
    if changed == 1 {
        tracing::debug!(key = id.key(), operation, "done by the owner");
        Ok(())
    } else {
        tracing::debug!(key = id.key(), operation, "lease lost");
        Err(StoreError::LeaseLost.into())
    }
}

/// Reads the live record of `id`, if any.
pub(crate) fn lookup(
    conn: &Connection,
    sql: &Sql,
    id: &RecordId,
) -> Result<Option<Record>, Failure> {
    let now = clock::now_millis();
    let row = conn
        .prepare_cached(&sql.lookup)?
        .query_row(params![id.scope(), id.key(), now], |row| {
            Ok((
                row.get::<_, Vec<u8>>(0)?,
                row.get::<_, Option<Vec<u8>>>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
        .optional()?;
    let Some((fingerprint, response, expires_at)) = row else {
        return Ok(None);
    };

    let fingerprint = Fingerprint::new(fingerprint).map_err(|error| StoreError::Corrupt {
        reason: "stored fingerprint is too long".to_owned(),
        source: Some(Box::new(error)),
    })?;
    let remaining = clock::left(now, expires_at);
    let state = match response {
        None => RecordState::InFlight {
            lease_remaining: remaining,
        },
        Some(bytes) => RecordState::Completed {
            response: decode_response(&bytes)?,
            retention_remaining: remaining,
        },
    };
    Ok(Some(Record { fingerprint, state }))
}

/// Deletes at most `limit` dead records, those expired first; returns how many.
pub(crate) fn purge_batch(conn: &Connection, sql: &Sql, limit: usize) -> Result<u64, Failure> {
    let now = clock::now_millis();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let deleted = conn
        .prepare_cached(&sql.purge)?
        .execute(params![now, limit])?;
    Ok(deleted as u64)
}
