//! The layer on a plain tower service with http types only: no axum involved.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
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

#[tokio::test]
async fn trailers_are_saved_and_replayed_as_grpc_needs_them() {
    let runs = Arc::new(AtomicU64::new(0));
    let counter = runs.clone();
    let inner = service_fn(move |_request: Request<IdempotencyBody<Full<Bytes>>>| {
        let run = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            let mut trailers = HeaderMap::new();
            trailers.append("grpc-status", HeaderValue::from_static("0"));
            trailers.append("x-run", HeaderValue::from(run));
            let body = Full::new(Bytes::from_static(b"\x00\x00\x00\x00\x02hi"))
                .with_trailers(async move { Some(Ok(trailers)) });
            Ok::<_, idempotency_layer::BoxError>(Response::new(body))
        }
    });
    let service = IdempotencyLayer::new(Arc::new(MemoryStore::new())).layer(inner);
    let request = || {
        Request::post("/pkg.Service/Method")
            .header("idempotency-key", "grpc-1")
            .body(Full::new(Bytes::from_static(b"request")))
            .expect("request")
    };

    let first = service.clone().oneshot(request()).await.expect("first");
    let retry = service.clone().oneshot(request()).await.expect("retry");

    let first = first.into_body().collect().await.expect("body");
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry = retry.into_body().collect().await.expect("body");
    let first_trailers = first.trailers().cloned().expect("the handler's trailers");
    assert_eq!(first_trailers["x-run"], "1");
    assert_eq!(retry.trailers(), Some(&first_trailers));
    assert_eq!(retry.to_bytes(), first.to_bytes());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
