#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod config;
mod decode;
mod error;
mod purger;
mod schema;
pub mod sql;
mod store;

pub use config::{
    ConfigError, DEFAULT_PURGE_BATCH, DEFAULT_SCHEMA, DEFAULT_TABLE, MAX_RESPONSE_BYTES_LIMIT,
    MAX_SCHEMA_NAME_BYTES, MAX_TABLE_NAME_BYTES, PostgresConfig,
};
pub use purger::Purger;
pub use schema::{SCHEMA_SQL, SCHEMA_VERSION, schema_sql};
pub use store::PostgresStore;
