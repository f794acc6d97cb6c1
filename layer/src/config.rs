//! The layer's settings and the policies an app can choose.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderName;
use http::{Method, StatusCode};
use idempotency_store::{Lease, Retention};

use crate::scope::{HashedHeaders, ScopeResolver};

/// What a keyed request does when another request with the same key is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFlightPolicy {
    /// Answer 409 Conflict at once, with `Retry-After` set to the time left on the other
    /// request's lease (whole seconds, rounded up). The default.
    Reject,
    /// Wait for the other request to finish, checking the store every `poll`, and answer
    /// with its saved response. After `max` without a result, answer 409 as
    /// [`Reject`](Self::Reject) does. If the other request releases its key meanwhile, this
    /// one claims it and runs the handler itself.
    Wait {
        /// The longest time to wait.
        max: Duration,
        /// The time between two looks at the store.
        poll: Duration,
    },
}

/// What happens when a response is too large for the store to save.
///
/// Either way the response still goes to the caller in full, and the layer logs a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversizedPolicy {
    /// Give the key up: a retry runs the handler again. The default.
    Release,
    /// Keep the claim until its lease runs out: retries get 409 until then, and run the
    /// handler again afterwards. Use it when running a handler twice in quick succession is
    /// worse than a retry waiting.
    HoldUntilLeaseEnds,
}

/// What happens when the store fails before the handler runs (claim or lookup).
///
/// Failures after the handler ran (saving or releasing) are logged and the handler's
/// response is returned: its side effects have happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorPolicy {
    /// Answer 503 Service Unavailable with `Retry-After: 1`. The default: a request that
    /// must not run twice never runs without its record.
    FailClosed,
    /// Run the handler without idempotency, as if the request had no key. Choose it only
    /// when availability matters more than running a request twice.
    FailOpen,
}

/// Decides from the status whether a response is saved for replay.
pub(crate) type SavePolicy = Arc<dyn Fn(StatusCode) -> bool + Send + Sync>;

/// Everything the layer was configured with; shared by every clone of the service.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) methods: Vec<Method>,
    pub(crate) require_key: bool,
    pub(crate) fingerprint_headers: Vec<HeaderName>,
    pub(crate) max_request_bytes: usize,
    pub(crate) lease: Lease,
    pub(crate) retention: Retention,
    pub(crate) scope: Arc<dyn ScopeResolver>,
    pub(crate) save: SavePolicy,
    pub(crate) in_flight: InFlightPolicy,
    pub(crate) oversized: OversizedPolicy,
    pub(crate) store_errors: StoreErrorPolicy,
}

/// The default limit on a keyed request's body: 1 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The default lease: 60 seconds, renewed every 20 while the handler runs.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The default retention of a saved response: 24 hours.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for Config {
    fn default() -> Self {
        Self {
            methods: vec![Method::POST, Method::PATCH],
            require_key: false,
            fingerprint_headers: Vec::new(),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            lease: Lease::new(DEFAULT_LEASE).unwrap_or(Lease::MAX),
            retention: Retention::new(DEFAULT_RETENTION).unwrap_or(Retention::MAX),
            scope: Arc::new(HashedHeaders::default()),
            save: Arc::new(|status: StatusCode| status.as_u16() < 500),
            in_flight: InFlightPolicy::Reject,
            oversized: OversizedPolicy::Release,
            store_errors: StoreErrorPolicy::FailClosed,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("methods", &self.methods)
            .field("require_key", &self.require_key)
            .field("fingerprint_headers", &self.fingerprint_headers)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .field("in_flight", &self.in_flight)
            .field("oversized", &self.oversized)
            .field("store_errors", &self.store_errors)
            .finish_non_exhaustive()
    }
}
