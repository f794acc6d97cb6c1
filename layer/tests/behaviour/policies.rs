//! Which responses are saved, what a too-large response does, and store failures.

use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use idempotency_layer::{OversizedPolicy, StoreErrorPolicy};
use idempotency_store_memory::MemoryStore;

use crate::common::{Harness, keyed};

#[tokio::test]
async fn a_5xx_releases_the_key_so_a_retry_runs_again() {
    let harness = Harness::new(|layer| layer);

    let first = harness.send(keyed("/fail", "fail-1", "")).await;
    let after = harness.record("fail-1").await;
    let retry = harness.send(keyed("/fail", "fail-1", "")).await;

    assert_eq!(first.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(after.is_none());
    assert!(!retry.replayed());
    assert_eq!(harness.runs(), 2);
}

#[tokio::test]
async fn a_4xx_is_saved_by_default() {
    let harness = Harness::new(|layer| layer);

    harness.send(keyed("/missing", "missing-1", "")).await;
    let retry = harness.send(keyed("/missing", "missing-1", "")).await;

    assert_eq!(retry.status, StatusCode::NOT_FOUND);
    assert!(retry.replayed());
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn the_save_policy_is_configurable() {
    let harness = Harness::new(|layer| layer.save_when(|status| status.is_success()));

    harness.send(keyed("/missing", "missing-2", "")).await;
    let retry = harness.send(keyed("/missing", "missing-2", "")).await;

    assert!(!retry.replayed());
    assert_eq!(harness.runs(), 2);
}

#[tokio::test]
async fn an_oversized_response_is_returned_whole_and_releases_the_key_by_default() {
    let store = MemoryStore::builder().max_response_bytes(1_000).build();
    let harness = Harness::on(store, |layer| layer);

    let first = harness
        .send(keyed("/big?bytes=5000", "oversized-1", ""))
        .await;
    let after = harness.record("oversized-1").await;
    let retry = harness
        .send(keyed("/big?bytes=5000", "oversized-1", ""))
        .await;

    assert_eq!(first.body.len(), 5_000);
    assert!(
        first
            .body
            .iter()
            .enumerate()
            .all(|(i, byte)| usize::from(*byte) == i % 251)
    );
    assert!(after.is_none());
    assert!(!retry.replayed());
    assert_eq!(harness.runs(), 2);
}

#[tokio::test]
async fn an_oversized_response_can_hold_the_key_until_its_lease_ends() {
    let store = MemoryStore::builder().max_response_bytes(1_000).build();
    let harness = Harness::on(store, |layer| {
        layer.oversized(OversizedPolicy::HoldUntilLeaseEnds)
    });

    let first = harness
        .send(keyed("/big?bytes=5000", "oversized-2", ""))
        .await;
    let retry = harness
        .send(keyed("/big?bytes=5000", "oversized-2", ""))
        .await;

    assert_eq!(first.body.len(), 5_000);
    assert_eq!(retry.status, StatusCode::CONFLICT);
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn a_response_just_within_the_limit_is_saved() {
    let store = MemoryStore::builder().max_response_bytes(1_000).build();
    let harness = Harness::on(store, |layer| layer);

    let first = harness.send(keyed("/big?bytes=900", "within-1", "")).await;
    let retry = harness.send(keyed("/big?bytes=900", "within-1", "")).await;

    assert_eq!(first.body.len(), 900);
    assert!(retry.replayed());
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn a_failing_store_answers_503_by_default() {
    let harness = Harness::new(|layer| layer);
    harness.store.fail_claims.store(true, Ordering::SeqCst);

    let reply = harness.send(keyed("/things", "down-1", "")).await;

    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.problem(), "idempotency-store-unavailable");
    assert!(reply.headers.contains_key("retry-after"));
    assert_eq!(harness.runs(), 0);
}

#[tokio::test]
async fn a_fail_open_layer_runs_the_handler_when_the_store_fails() {
    let harness = Harness::new(|layer| layer.on_store_error(StoreErrorPolicy::FailOpen));
    harness.store.fail_claims.store(true, Ordering::SeqCst);

    let first = harness.send(keyed("/things", "down-2", "")).await;
    let second = harness.send(keyed("/things", "down-2", "")).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!second.replayed());
    assert_eq!(harness.runs(), 2);
}
