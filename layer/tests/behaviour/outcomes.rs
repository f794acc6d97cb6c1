//! Replay, mismatch, in flight, and the request body limit.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::HeaderName;
use axum::http::{Request, StatusCode};
use idempotency_layer::InFlightPolicy;

use crate::common::{Harness, completed, in_flight, keyed};

#[tokio::test]
async fn a_retry_replays_the_saved_response_byte_for_byte() {
    let harness = Harness::new(|layer| layer);

    let first = harness.send(keyed("/things", "replay-1", "{}")).await;
    let second = harness.send(keyed("/things", "replay-1", "{}")).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!first.replayed());
    assert!(second.replayed());
    assert_eq!(second.status, first.status);
    assert_eq!(second.body, first.body);
    let tags = |reply: &crate::common::Reply| -> Vec<Vec<u8>> {
        reply
            .headers
            .get_all("x-tag")
            .iter()
            .map(|v| v.as_bytes().to_vec())
            .collect()
    };
    assert_eq!(tags(&second), vec![b"first".to_vec(), b"second".to_vec()]);
    assert_eq!(
        second.headers.get("content-type"),
        first.headers.get("content-type")
    );
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn every_body_byte_survives_the_replay() {
    let harness = Harness::new(|layer| layer);
    let uri = "/big?bytes=70000";

    let first = harness.send(keyed(uri, "bytes-1", "")).await;
    let second = harness.send(keyed(uri, "bytes-1", "")).await;

    assert_eq!(first.body.len(), 70_000);
    assert_eq!(second.body, first.body);
    assert!(second.replayed());
}

#[tokio::test]
async fn the_same_key_for_another_request_answers_422() {
    let harness = Harness::new(|layer| layer);
    harness.send(keyed("/echo", "mismatch-1", "one")).await;

    let other_body = harness.send(keyed("/echo", "mismatch-1", "two")).await;
    let other_path = harness.send(keyed("/echo?x=1", "mismatch-1", "one")).await;

    assert_eq!(other_body.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other_body.problem(), "idempotency-key-reused");
    assert_eq!(other_path.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn named_headers_are_part_of_the_fingerprint() {
    let tenant = HeaderName::from_static("x-tenant");
    let harness = Harness::new(|layer| layer.fingerprint_header(tenant));
    let request = |value: &str| {
        Request::post("/echo")
            .header("idempotency-key", "header-1")
            .header("x-tenant", value)
            .header("x-other", value)
            .body(Body::from("same"))
            .expect("request")
    };

    harness.send(request("a")).await;
    let same = harness.send(request("a")).await;
    let changed = harness.send(request("b")).await;

    assert!(same.replayed());
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_body_over_the_limit_answers_413_without_touching_the_store() {
    let harness = Harness::new(|layer| layer.max_request_bytes(16));
    let declared = Request::post("/echo")
        .header("idempotency-key", "big-declared")
        .header("content-length", "17")
        .body(Body::from("x".repeat(17)))
        .expect("request");

    let streamed = harness
        .send(keyed("/echo", "big-streamed", &"x".repeat(17)))
        .await;
    let declared = harness.send(declared).await;
    let at_limit = harness
        .send(keyed("/echo", "at-limit", &"x".repeat(16)))
        .await;

    assert_eq!(streamed.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(streamed.problem(), "request-body-too-large");
    assert_eq!(declared.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(harness.record("big-streamed").await.is_none());
    assert!(harness.record("big-declared").await.is_none());
    assert_eq!(at_limit.status, StatusCode::OK);
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn a_duplicate_while_in_flight_answers_409_with_retry_after() {
    let harness = Harness::new(|layer| layer);
    let app = harness.app.clone();
    let first = tokio::spawn(async move {
        crate::common::send(&app, keyed("/slow?ms=600", "busy-1", "")).await
    });
    harness.wait_for("busy-1", in_flight).await;

    let duplicate = harness.send(keyed("/slow?ms=600", "busy-1", "")).await;

    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.problem(), "idempotency-key-in-flight");
    let retry_after: u64 = duplicate.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(first.await.expect("first request").status, StatusCode::OK);
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn an_opted_in_duplicate_waits_and_gets_the_first_response() {
    let wait = InFlightPolicy::Wait {
        max: Duration::from_secs(20),
        poll: Duration::from_millis(20),
    };
    let harness = Harness::new(|layer| layer.in_flight(wait));
    let app = harness.app.clone();
    let first = tokio::spawn(async move {
        crate::common::send(&app, keyed("/slow?ms=300", "wait-1", "")).await
    });
    harness.wait_for("wait-1", in_flight).await;

    let duplicate = harness.send(keyed("/slow?ms=300", "wait-1", "")).await;
    let first = first.await.expect("first request");

    assert_eq!(duplicate.status, StatusCode::OK);
    assert!(duplicate.replayed());
    assert_eq!(duplicate.body, first.body);
    assert_eq!(harness.runs(), 1);
    harness.wait_for("wait-1", completed).await;
}

#[tokio::test]
async fn a_bounded_wait_that_runs_out_answers_409() {
    let wait = InFlightPolicy::Wait {
        max: Duration::from_millis(50),
        poll: Duration::from_millis(10),
    };
    let harness = Harness::new(|layer| layer.in_flight(wait));
    let app = harness.app.clone();
    let first = tokio::spawn(async move {
        crate::common::send(&app, keyed("/slow?ms=3000", "wait-2", "")).await
    });
    harness.wait_for("wait-2", in_flight).await;

    let duplicate = harness.send(keyed("/slow?ms=3000", "wait-2", "")).await;

    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate.headers.contains_key("retry-after"));
    first.abort();
}
