#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod body;
mod config;
mod drive;
mod fingerprint;
mod key;
mod layer;
mod owner;
mod problem;
mod response;
mod scope;
mod service;

pub use body::IdempotencyBody;
pub use config::{
    DEFAULT_LEASE, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_RETENTION, InFlightPolicy, OversizedPolicy,
    StoreErrorPolicy,
};
pub use key::IDEMPOTENCY_KEY;
pub use layer::IdempotencyLayer;
pub use response::IDEMPOTENT_REPLAYED;
pub use scope::{ANONYMOUS_SCOPE, HashedHeaders, ScopeResolver};
pub use service::{IdempotencyService, ResponseFuture};

/// The error type of the bodies the layer hands out.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
