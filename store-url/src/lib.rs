#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
mod open;
mod parse;
mod redact;

use std::sync::Arc;

use idempotency_store::IdempotencyStore;

pub use error::OpenStoreError;
pub use parse::{BackendKind, StoreUrl};

/// Opens the store that `url` names; see [`StoreUrl`] for the forms it takes.
///
/// ```no_run
/// # async fn run() -> Result<(), idempotency_store_url::OpenStoreError> {
/// let url = std::env::var("IDEMPOTENCY_STORE_URL")
///     .unwrap_or_else(|_| "sqlite://idempotency.sqlite3".to_owned());
/// let store = idempotency_store_url::open_store(&url).await?;
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// As [`StoreUrl::parse`], then as [`StoreUrl::open`].
pub async fn open_store(url: &str) -> Result<Arc<dyn IdempotencyStore>, OpenStoreError> {
    StoreUrl::parse(url)?.open().await
}
