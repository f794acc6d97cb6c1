#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod clock;
mod config;
mod error;
mod job;
mod ops;
mod readers;
mod schema;
mod store;
mod writer;

pub use config::{
    DEFAULT_BUSY_TIMEOUT, DEFAULT_TABLE, InvalidTableName, SqliteStoreBuilder, Synchronous,
};
pub use store::{SqliteStore, WriteStats};

/// The rusqlite this store is built on, so callers can inspect the SQLite error kept as the
/// source of a [`StoreError`](idempotency_store::StoreError) with the matching version.
pub use rusqlite;
