//! Every statement the store sends, as templates and rendered for one table.
//!
//! Each template names its table `{table}`; [`Statements::for_config`] puts the validated,
//! double-quoted `"schema"."table"` there. Nothing else is ever spliced into SQL text:
//! scopes, keys, fingerprints, tokens, responses and durations are bind parameters.
//!
//! The statements are public so that a benchmark, or a team that wants to call them from
//! its own transactions, drives exactly the SQL the store drives. Every expiry decision in
//! them reads the database's clock, `now()`: the start of the statement's own transaction,
//! which for these single-statement transactions is the moment the statement started.

use crate::PostgresConfig;

/// Claims a key in one statement: reports the live record, or inserts an in-flight record,
/// or takes over a dead one.
///
/// Binds: `$1` scope (text), `$2` key (text), `$3` fingerprint (bytea), `$4` the new lease
/// token (bytea, 16 bytes), `$5` the lease in milliseconds (int8).
///
/// Returns at most one row: `acquired` (bool), `took_over` (bool, a dead record was
/// replaced), `state` (text, `in_flight` or `completed`, for a live record),
/// `same_fingerprint` (bool), `response` (bytea, only for a completed record with the same
/// fingerprint) and `remaining_ms` (int8, at least 1, time left on the live record).
///
/// A live record is only read: the insert is skipped, so a retry of an in-flight or
/// completed request locks nothing and writes nothing to the WAL. No row means the key is
/// held by a claim that committed after this statement took its snapshot (or changed
/// again since): run the statement again, it will see that claim.
pub const CLAIM: &str = "\
WITH live AS (
    SELECT state, fingerprint, response, expires_at
    FROM {table}
    WHERE scope = $1::text AND key = $2::text AND expires_at > now()
), claimed AS (
    INSERT INTO {table} AS r (scope, key, fingerprint, state, token, response, expires_at)
    SELECT $1::text, $2::text, $3::bytea, 'in_flight', $4::bytea, NULL,
           now() + $5::int8 * interval '1 millisecond'
    WHERE NOT EXISTS (SELECT FROM live)
    ON CONFLICT (scope, key) DO UPDATE
        SET fingerprint = excluded.fingerprint, state = 'in_flight', token = excluded.token,
            response = NULL, expires_at = excluded.expires_at
        WHERE r.expires_at <= now()
    RETURNING r.xmax <> 0 AS took_over
)
SELECT true AS acquired, took_over, NULL::text AS state, NULL::bool AS same_fingerprint,
       NULL::bytea AS response, NULL::int8 AS remaining_ms
FROM claimed
UNION ALL
SELECT false, false, state, fingerprint = $3::bytea,
       CASE WHEN state = 'completed' AND fingerprint = $3::bytea THEN response END,
       GREATEST(1, ceil(extract(epoch FROM expires_at - now()) * 1000))::int8
FROM live";

/// Saves the response of the owner's claim and keeps it for the retention.
///
/// Binds: `$1` scope, `$2` key, `$3` token, `$4` the encoded response (bytea, see
/// [`idempotency_store::encode_response`]), `$5` the retention in milliseconds (int8).
/// One row affected: done; none: the token does not own a live in-flight record.
pub const COMPLETE: &str = "\
UPDATE {table}
SET state = 'completed', token = NULL, response = $4,
    expires_at = now() + $5::int8 * interval '1 millisecond'
WHERE scope = $1 AND key = $2 AND token = $3 AND state = 'in_flight' AND expires_at > now()";

/// Deletes the owner's in-flight record.
///
/// Binds: `$1` scope, `$2` key, `$3` token. One row affected: released; none: lease lost.
pub const RELEASE: &str = "\
DELETE FROM {table}
WHERE scope = $1 AND key = $2 AND token = $3 AND state = 'in_flight' AND expires_at > now()";

/// Extends the owner's lease to the given length from now.
///
/// Binds: `$1` scope, `$2` key, `$3` token, `$4` the lease in milliseconds (int8).
/// One row affected: renewed; none: lease lost.
pub const RENEW: &str = "\
UPDATE {table}
SET expires_at = now() + $4::int8 * interval '1 millisecond'
WHERE scope = $1 AND key = $2 AND token = $3 AND state = 'in_flight' AND expires_at > now()";

/// Reads a live record.
///
/// Binds: `$1` scope, `$2` key. Returns at most one row: `state` (text), `fingerprint`
/// (bytea), `response` (bytea, null while in flight), `remaining_ms` (int8, at least 1).
pub const LOOKUP: &str = "\
SELECT state, fingerprint, response,
       GREATEST(1, ceil(extract(epoch FROM expires_at - now()) * 1000))::int8 AS remaining_ms
FROM {table}
WHERE scope = $1 AND key = $2 AND expires_at > now()";

/// Deletes up to `$1` (int8) dead records, oldest first, skipping rows another
/// transaction holds (a claim taking one over). Run it until it deletes fewer than `$1`.
///
/// The inner scan walks the `expires_at` index; the outer condition is checked again on
/// the row's newest version, so a record renewed or taken over meanwhile is kept.
pub const PURGE_BATCH: &str = "\
DELETE FROM {table}
WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM {table}
    WHERE expires_at <= now()
    ORDER BY expires_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
))
AND expires_at <= now()";

/// The store's statements rendered for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statements {
    /// [`CLAIM`] for this table.
    pub claim: String,
    /// [`COMPLETE`] for this table.
    pub complete: String,
    /// [`RELEASE`] for this table.
    pub release: String,
    /// [`RENEW`] for this table.
    pub renew: String,
    /// [`LOOKUP`] for this table.
    pub lookup: String,
    /// [`PURGE_BATCH`] for this table.
    pub purge_batch: String,
}

impl Statements {
    /// Renders every statement for the table `config` names.
    ///
    /// ```
    /// use idempotency_store_postgres::{PostgresConfig, sql::Statements};
    ///
    /// let statements = Statements::for_config(&PostgresConfig::default());
    /// assert!(statements.release.contains("DELETE FROM \"public\".\"idempotency_records\""));
    /// ```
    pub fn for_config(config: &PostgresConfig) -> Self {
        let table = config.qualified_table();
        let render = |template: &str| template.replace("{table}", &table);
        Self {
            claim: render(CLAIM),
            complete: render(COMPLETE),
            release: render(RELEASE),
            renew: render(RENEW),
            lookup: render(LOOKUP),
            purge_batch: render(PURGE_BATCH),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled_with_the_quoted_table() {
        let config = PostgresConfig::new()
            .with_schema("s1")
            .and_then(|c| c.with_table("Records"))
            .unwrap();
        let statements = Statements::for_config(&config);
        for sql in [
            &statements.claim,
            &statements.complete,
            &statements.release,
            &statements.renew,
            &statements.lookup,
            &statements.purge_batch,
        ] {
            assert!(!sql.contains("{table}"), "{sql}");
            assert!(sql.contains("\"s1\".\"Records\""), "{sql}");
        }
    }
}
