//! The layer on a plain tower service with http types only: no axum involved.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use idempotency_layer::{IdempotencyBody, IdempotencyLayer};
use idempotency_store_memory::MemoryStore;
use tower::{Layer, ServiceExt, service_fn};

#[tokio::test]
async fn any_http_service_can_be_wrapped() {
    let runs = Arc::new(AtomicU64::new(0));
    let counter = runs.clone();
    let inner = service_fn(move |request: Request<IdempotencyBody<Full<Bytes>>>| {
        let run = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            let body = request.into_body().collect().await?.to_bytes();
            let reply = format!("run {run} got {} bytes", body.len());
            Ok::<_, idempotency_layer::BoxError>(Response::new(Full::new(Bytes::from(reply))))
        }
    });
    let service = IdempotencyLayer::new(Arc::new(MemoryStore::new())).layer(inner);
    let request = || {
        Request::post("/rpc")
            .header("idempotency-key", "plain-1")
            .body(Full::new(Bytes::from_static(b"payload")))
            .expect("request")
    };

    let first = service.clone().oneshot(request()).await.expect("first");
    let retry = service.clone().oneshot(request()).await.expect("retry");

    let first_body = first.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry_body = retry.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(first_body, Bytes::from_static(b"run 1 got 7 bytes"));
    assert_eq!(retry_body, first_body);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
