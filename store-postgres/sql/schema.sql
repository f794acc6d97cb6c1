-- idempotency-store-postgres: schema version 1.
--
-- PostgresStore::migrate() runs exactly these statements (inside one transaction, under an
-- advisory lock, after creating the schema if it is missing), with the schema and table
-- names of its configuration in place of the defaults used here. Teams that run their own
-- migration tool can apply this file instead; if the store is configured with other
-- names, replace the schema name public and the table-name prefix idempotency_records
-- everywhere below (the schema must exist first).
--
-- Columns:
--   scope, key   the record's address, compared exactly (text, never concatenated).
--   fingerprint  the claiming request's digest, compared byte for byte.
--   state        'in_flight' (token set, no response) or 'completed' (response set).
--   token        the owner's 16-byte lease token while in flight.
--   response     the saved response in the idempotency-store codec (version byte first).
--   expires_at   end of the lease while in flight, end of the retention once completed;
--                a record is dead, and counts as absent, once expires_at <= now().

CREATE TABLE IF NOT EXISTS "public"."idempotency_records" (
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint bytea       NOT NULL,
    state       text        NOT NULL,
    token       bytea,
    response    bytea,
    expires_at  timestamptz NOT NULL,
    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY (scope, key),
    CONSTRAINT "idempotency_records_state_check" CHECK (
        (state = 'in_flight' AND token IS NOT NULL AND response IS NULL)
        OR (state = 'completed' AND token IS NULL AND response IS NOT NULL)
    )
);

-- purge_expired walks this index, oldest first, in bounded batches.
CREATE INDEX IF NOT EXISTS "idempotency_records_expires_at_idx"
    ON "public"."idempotency_records" (expires_at);

-- The store's own bookkeeping, kept apart from the application's _sqlx_migrations.
CREATE TABLE IF NOT EXISTS "public"."idempotency_records_schema" (
    version    integer     NOT NULL PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO "public"."idempotency_records_schema" (version) VALUES (1)
    ON CONFLICT (version) DO NOTHING;
