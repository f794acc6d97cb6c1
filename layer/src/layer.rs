//! [`IdempotencyLayer`]: the settings, and the tower `Layer` that applies them.

use std::fmt;
use std::sync::Arc;

use http::header::HeaderName;
use http::{Method, StatusCode};
use idempotency_store::{IdempotencyStore, Lease, Retention};
use tower_layer::Layer;

use crate::config::Config;
use crate::{IdempotencyService, InFlightPolicy, OversizedPolicy, ScopeResolver, StoreErrorPolicy};

/// A tower [`Layer`] that makes the services it wraps idempotent, keeping records in an
/// [`IdempotencyStore`].
///
/// Every setting has a safe default; see the crate documentation for the behaviour.
#[derive(Clone)]
pub struct IdempotencyLayer {
    store: Arc<dyn IdempotencyStore>,
    config: Config,
}

impl IdempotencyLayer {
    /// A layer with the default settings on `store`.
    pub fn new(store: Arc<dyn IdempotencyStore>) -> Self {
        Self {
            store,
            config: Config::default(),
        }
    }

    /// The methods that honour `Idempotency-Key` (default: POST and PATCH). Requests with
    /// other methods pass through untouched, key or not.
    pub fn methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.config.methods = methods.into_iter().collect();
        self
    }

    /// Whether a request with one of the [`methods`](Self::methods) must carry a key
    /// (default: no). When required, a request without one gets 400; otherwise it passes
    /// through untouched.
    pub fn require_key(mut self, required: bool) -> Self {
        self.config.require_key = required;
        self
    }

    /// Adds a request header to the fingerprint, beside the method, path, query and body.
    /// A retry whose value differs is a different request (422).
    pub fn fingerprint_header(mut self, name: HeaderName) -> Self {
        self.config.fingerprint_headers.push(name);
        self
    }

    /// The largest body of a keyed request the layer reads (default: 1 MiB). Over it, the
    /// request gets 413 and the store is not touched.
    pub fn max_request_bytes(mut self, limit: usize) -> Self {
        self.config.max_request_bytes = limit;
        self
    }

    /// How long a claim holds its key (default: 60 s). The layer renews it every third of
    /// this while the handler runs, so it bounds how long a crashed server blocks a key.
    pub fn lease(mut self, lease: Lease) -> Self {
        self.config.lease = lease;
        self
    }

    /// How long a saved response is replayed (default: 24 h).
    pub fn retention(mut self, retention: Retention) -> Self {
        self.config.retention = retention;
        self
    }

    /// The hook that derives a request's scope (default: [`HashedHeaders::default`], a
    /// SHA-256 of the `Authorization` header, or `anonymous` without one).
    ///
    /// [`HashedHeaders::default`]: crate::HashedHeaders
    pub fn scope(mut self, resolver: impl ScopeResolver) -> Self {
        self.config.scope = Arc::new(resolver);
        self
    }

    /// Which responses are saved for replay, by status (default: below 500). A response
    /// that is not saved releases the key, so a retry runs the handler again.
    pub fn save_when(
        mut self,
        policy: impl Fn(StatusCode) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.config.save = Arc::new(policy);
        self
    }

    /// What a request does while another with the same key runs (default: 409 at once).
    pub fn in_flight(mut self, policy: InFlightPolicy) -> Self {
        self.config.in_flight = policy;
        self
    }

    /// What happens to a response too large to save (default: release the key).
    pub fn oversized(mut self, policy: OversizedPolicy) -> Self {
        self.config.oversized = policy;
        self
    }

    /// What happens when the store fails before the handler runs (default: 503).
    pub fn on_store_error(mut self, policy: StoreErrorPolicy) -> Self {
        self.config.store_errors = policy;
        self
    }
}

impl<S> Layer<S> for IdempotencyLayer {
    type Service = IdempotencyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        IdempotencyService::new(
            inner,
            Arc::clone(&self.store),
            Arc::new(self.config.clone()),
        )
    }
}

impl fmt::Debug for IdempotencyLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyLayer")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish()
    }
}
