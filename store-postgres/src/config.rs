//! Settings of a Postgres store: where its table lives and what it accepts.

use std::fmt;

use idempotency_store::DEFAULT_MAX_RESPONSE_BYTES;

/// The schema a store uses unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "public";

/// The table a store uses unless told otherwise.
pub const DEFAULT_TABLE: &str = "idempotency_records";

/// The longest table name accepted, in bytes: the store derives index, constraint and
/// version-table names from it, and each must fit Postgres's 63-byte identifier limit.
pub const MAX_TABLE_NAME_BYTES: usize = 48;

/// The longest schema name accepted, in bytes (Postgres's identifier limit).
pub const MAX_SCHEMA_NAME_BYTES: usize = 63;

/// The largest `max_response_bytes` accepted: well under Postgres's 1 GB limit on one
/// `bytea` value, leaving room for the headers' framing.
pub const MAX_RESPONSE_BYTES_LIMIT: usize = 256 * 1024 * 1024;

/// How many dead records one purge statement deletes unless told otherwise.
pub const DEFAULT_PURGE_BATCH: u32 = 1000;

/// Where a [`PostgresStore`](crate::PostgresStore) keeps its records and what it accepts.
///
/// Names are validated when set (`^[A-Za-z_][A-Za-z0-9_]*$`, schema up to 63 bytes, table
/// up to [`MAX_TABLE_NAME_BYTES`]), and always double-quoted in SQL, so they keep their case.
///
/// ```
/// use idempotency_store_postgres::PostgresConfig;
///
/// let config = PostgresConfig::default()
///     .with_schema("billing")?
///     .with_table("idempotency_keys")?
///     .with_max_response_bytes(1024 * 1024)?;
/// assert_eq!(config.qualified_table(), "\"billing\".\"idempotency_keys\"");
/// # Ok::<(), idempotency_store_postgres::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    schema: String,
    table: String,
    max_response_bytes: usize,
    purge_batch: u32,
}

impl Default for PostgresConfig {
    fn default() -> Self {
        Self {
            schema: DEFAULT_SCHEMA.to_owned(),
            table: DEFAULT_TABLE.to_owned(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            purge_batch: DEFAULT_PURGE_BATCH,
        }
    }
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("schema", &self.schema)
            .field("table", &self.table)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("purge_batch", &self.purge_batch)
            .finish()
    }
}

impl PostgresConfig {
    /// The default settings: table `public.idempotency_records`, 4 MiB responses, purge
    /// batches of 1000.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts the table in another schema (default `public`). [`migrate`] creates the schema
    /// when it does not exist.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidIdentifier`] for a name that is not a plain identifier.
    ///
    /// [`migrate`]: crate::PostgresStore::migrate
    pub fn with_schema(mut self, name: &str) -> Result<Self, ConfigError> {
        validate_identifier("schema", name, MAX_SCHEMA_NAME_BYTES)?;
        self.schema = name.to_owned();
        Ok(self)
    }

    /// Names the table (default `idempotency_records`).
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidIdentifier`] for a name that is not a plain identifier or is
    /// longer than [`MAX_TABLE_NAME_BYTES`].
    pub fn with_table(mut self, name: &str) -> Result<Self, ConfigError> {
        validate_identifier("table", name, MAX_TABLE_NAME_BYTES)?;
        self.table = name.to_owned();
        Ok(self)
    }

    /// The largest response size accepted (default 4 MiB).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MaxResponseBytesOutOfRange`] for 0 or more than
    /// [`MAX_RESPONSE_BYTES_LIMIT`].
    pub fn with_max_response_bytes(mut self, limit: usize) -> Result<Self, ConfigError> {
        if limit == 0 || limit > MAX_RESPONSE_BYTES_LIMIT {
            return Err(ConfigError::MaxResponseBytesOutOfRange(limit));
        }
        self.max_response_bytes = limit;
        Ok(self)
    }

    /// How many dead records one purge statement deletes (default 1000). Smaller batches
    /// hold row locks for less time; `purge_expired` runs as many batches as it needs.
    ///
    /// # Errors
    ///
    /// [`ConfigError::PurgeBatchOutOfRange`] for 0 or more than 100 000.
    pub fn with_purge_batch(mut self, batch: u32) -> Result<Self, ConfigError> {
        if batch == 0 || batch > 100_000 {
            return Err(ConfigError::PurgeBatchOutOfRange(batch));
        }
        self.purge_batch = batch;
        Ok(self)
    }

    /// The schema's name.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The largest response size accepted.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// How many dead records one purge statement deletes.
    pub fn purge_batch(&self) -> u32 {
        self.purge_batch
    }

    /// The table as it appears in SQL: `"schema"."table"`.
    pub fn qualified_table(&self) -> String {
        format!("\"{}\".\"{}\"", self.schema, self.table)
    }
}

/// A setting of [`PostgresConfig`] that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A schema or table name that is not a plain SQL identifier of the allowed length.
    #[error("{what} name {name:?} must match ^[A-Za-z_][A-Za-z0-9_]*$ and be at most {max} bytes")]
    InvalidIdentifier {
        /// Which name: `"schema"` or `"table"`.
        what: &'static str,
        /// The name given.
        name: String,
        /// The longest name allowed for it.
        max: usize,
    },
    /// A response limit of zero or above [`MAX_RESPONSE_BYTES_LIMIT`].
    #[error("max_response_bytes {0} is out of range (1 to {MAX_RESPONSE_BYTES_LIMIT})")]
    MaxResponseBytesOutOfRange(usize),
    /// A purge batch of zero or above 100 000.
    #[error("purge batch {0} is out of range (1 to 100000)")]
    PurgeBatchOutOfRange(u32),
}

fn validate_identifier(what: &'static str, name: &str, max: usize) -> Result<(), ConfigError> {
    let mut bytes = name.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if first_ok && rest_ok && name.len() <= max {
        Ok(())
    } else {
        Err(ConfigError::InvalidIdentifier {
            what,
            name: name.to_owned(),
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identifiers_pass_and_anything_that_could_escape_quotes_fails() {
        let ok = PostgresConfig::new()
            .with_schema("_Tenant_1")
            .and_then(|c| c.with_table(&"t".repeat(MAX_TABLE_NAME_BYTES)));
        assert!(ok.is_ok());
        for bad in [
            "",
            "1abc",
            "a-b",
            "a b",
            "a\"b",
            "a;drop",
            "é",
            "a.b",
            &"s".repeat(64),
        ] {
            assert!(
                matches!(
                    PostgresConfig::new().with_schema(bad),
                    Err(ConfigError::InvalidIdentifier { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(
            PostgresConfig::new()
                .with_table(&"t".repeat(MAX_TABLE_NAME_BYTES + 1))
                .is_err()
        );
    }

    #[test]
    fn limits_are_checked() {
        assert_eq!(
            PostgresConfig::new().with_max_response_bytes(0),
            Err(ConfigError::MaxResponseBytesOutOfRange(0))
        );
        assert!(
            PostgresConfig::new()
                .with_max_response_bytes(MAX_RESPONSE_BYTES_LIMIT + 1)
                .is_err()
        );
        assert_eq!(
            PostgresConfig::new().with_purge_batch(0),
            Err(ConfigError::PurgeBatchOutOfRange(0))
        );
        let config = PostgresConfig::new().with_purge_batch(10).unwrap();
        assert_eq!(config.purge_batch(), 10);
        assert_eq!(
            config.qualified_table(),
            "\"public\".\"idempotency_records\""
        );
    }
}
