//! The app under test: an axum router with a handler-run counter, wrapped in the layer, on
//! a memory store that can be told to fail.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use http_body_util::BodyExt;
use idempotency_layer::{ANONYMOUS_SCOPE, IdempotencyLayer};
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, Record, RecordId, RecordState,
    Retention, SavedResponse, StoreError,
};
use idempotency_store_memory::MemoryStore;
use tower::ServiceExt;

/// A memory store whose claims can fail and whose renewals can report a lost lease.
#[derive(Debug, Default)]
pub(crate) struct TestStore {
    inner: MemoryStore,
    pub(crate) fail_claims: AtomicBool,
    pub(crate) lose_leases: AtomicBool,
    pub(crate) renewals: AtomicU64,
}

impl TestStore {
    pub(crate) fn with(inner: MemoryStore) -> Self {
        Self {
            inner,
            ..Self::default()
        }
    }
}

#[async_trait]
impl IdempotencyStore for TestStore {
    async fn claim(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        lease: Lease,
    ) -> Result<ClaimOutcome, StoreError> {
        if self.fail_claims.load(Ordering::SeqCst) {
            return Err(StoreError::unavailable(io::Error::other(
                "test store is down",
            )));
        }
        self.inner.claim(id, fingerprint, lease).await
    }

    async fn complete(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        response: &SavedResponse,
        retention: Retention,
    ) -> Result<(), StoreError> {
        self.inner.complete(id, token, response, retention).await
    }

    async fn release(&self, id: &RecordId, token: &LeaseToken) -> Result<(), StoreError> {
        self.inner.release(id, token).await
    }

    async fn renew(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<(), StoreError> {
        self.renewals.fetch_add(1, Ordering::SeqCst);
        if self.lose_leases.load(Ordering::SeqCst) {
            return Err(StoreError::LeaseLost);
        }
        self.inner.renew(id, token, lease).await
    }

    async fn lookup(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        self.inner.lookup(id).await
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.inner.purge_expired().await
    }

    fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes()
    }
}

/// The app, its store and its handler-run counter.
pub(crate) struct Harness {
    pub(crate) app: Router,
    pub(crate) store: Arc<TestStore>,
    pub(crate) runs: Arc<AtomicU64>,
}

impl Harness {
    pub(crate) fn new(configure: impl FnOnce(IdempotencyLayer) -> IdempotencyLayer) -> Self {
        Self::on(MemoryStore::new(), configure)
    }

    pub(crate) fn on(
        store: MemoryStore,
        configure: impl FnOnce(IdempotencyLayer) -> IdempotencyLayer,
    ) -> Self {
        let store = Arc::new(TestStore::with(store));
        let layer = configure(IdempotencyLayer::new(store.clone()));
        let runs = Arc::new(AtomicU64::new(0));
        let app = routes(runs.clone()).layer(layer);
        Self { app, store, runs }
    }

    pub(crate) fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }

    /// The record of an anonymous request with `key`.
    pub(crate) async fn record(&self, key: &str) -> Option<Record> {
        let id = RecordId::new(ANONYMOUS_SCOPE, key).expect("test key");
        self.store.lookup(&id).await.expect("lookup")
    }

    /// Waits (bounded) until the record of `key` is in the state `wanted` says.
    pub(crate) async fn wait_for(&self, key: &str, wanted: impl Fn(Option<&Record>) -> bool) {
        for _ in 0..2_000 {
            if wanted(self.record(key).await.as_ref()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the record of {key:?} never reached the expected state");
    }
}

pub(crate) fn in_flight(record: Option<&Record>) -> bool {
    matches!(
        record,
        Some(Record {
            state: RecordState::InFlight { .. },
            ..
        })
    )
}

pub(crate) fn completed(record: Option<&Record>) -> bool {
    matches!(
        record,
        Some(Record {
            state: RecordState::Completed { .. },
            ..
        })
    )
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("response body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A POST with a key and a body.
pub(crate) fn keyed(uri: &str, key: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("idempotency-key", key)
        .body(Body::from(body.to_owned()))
        .expect("test request")
}

/// A POST without a key.
pub(crate) fn unkeyed(uri: &str) -> Request<Body> {
    Request::post(uri)
        .body(Body::empty())
        .expect("test request")
}

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn replayed(&self) -> bool {
        self.headers
            .get("idempotent-replayed")
            .is_some_and(|value| value == "true")
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    /// The `code` of an `application/problem+json` answer; panics on any other answer.
    pub(crate) fn problem(&self) -> String {
        assert_eq!(
            self.headers
                .get("content-type")
                .map(|value| value.as_bytes()),
            Some(&b"application/problem+json"[..]),
            "{self:?}"
        );
        let json = self.json();
        assert_eq!(json["status"], self.status.as_u16(), "{json}");
        json["code"].as_str().expect("code").to_owned()
    }
}

fn routes(runs: Arc<AtomicU64>) -> Router {
    Router::new()
        .route("/things", post(thing).patch(thing).put(thing).get(thing))
        .route("/echo", post(echo))
        .route("/slow", post(slow))
        .route("/fail", post(fail))
        .route("/missing", post(missing))
        .route("/big", post(big))
        .route("/panic", post(explode))
        .with_state(runs)
}

fn count(runs: &AtomicU64) -> u64 {
    runs.fetch_add(1, Ordering::SeqCst) + 1
}

fn query_number(uri: &Uri, name: &str) -> u64 {
    uri.query()
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}

async fn thing(State(runs): State<Arc<AtomicU64>>) -> Response {
    let run = count(&runs);
    let mut response = (StatusCode::CREATED, format!("{{\"run\":{run}}}")).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", "application/json".parse().expect("value"));
    headers.append("x-tag", "first".parse().expect("value"));
    headers.append("x-tag", "second".parse().expect("value"));
    response
}

async fn echo(State(runs): State<Arc<AtomicU64>>, body: Bytes) -> Bytes {
    count(&runs);
    body
}

async fn slow(State(runs): State<Arc<AtomicU64>>, uri: Uri) -> String {
    let run = count(&runs);
    tokio::time::sleep(Duration::from_millis(query_number(&uri, "ms"))).await;
    format!("{{\"run\":{run}}}")
}

async fn fail(State(runs): State<Arc<AtomicU64>>) -> StatusCode {
    count(&runs);
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn missing(State(runs): State<Arc<AtomicU64>>) -> StatusCode {
    count(&runs);
    StatusCode::NOT_FOUND
}

async fn big(State(runs): State<Arc<AtomicU64>>, uri: Uri) -> Vec<u8> {
    count(&runs);
    let len = usize::try_from(query_number(&uri, "bytes")).expect("size");
    (0..len).map(|i| (i % 251) as u8).collect()
}

async fn explode(State(runs): State<Arc<AtomicU64>>) -> StatusCode {
    count(&runs);
    panic!("the handler panics on purpose");
}
