//! The handler's life: a client hanging up, lease renewal, a lost lease, a panic.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::StatusCode;
use idempotency_store::Lease;

use crate::common::{Harness, completed, in_flight, keyed};

#[tokio::test]
async fn a_client_hanging_up_does_not_cancel_the_handler() {
    let harness = Harness::new(|layer| layer);
    let app = harness.app.clone();
    let request = tokio::spawn(async move {
        crate::common::send(&app, keyed("/slow?ms=300", "hangup-1", "")).await
    });
    harness.wait_for("hangup-1", in_flight).await;

    request.abort();
    harness.wait_for("hangup-1", completed).await;
    let retry = harness.send(keyed("/slow?ms=300", "hangup-1", "")).await;

    assert!(retry.replayed());
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn a_long_handler_renews_its_lease_and_keeps_the_key() {
    let lease = Lease::from_millis(300).expect("lease");
    let harness = Harness::new(|layer| layer.lease(lease));
    let app = harness.app.clone();
    let first = tokio::spawn(async move {
        crate::common::send(&app, keyed("/slow?ms=1500", "renew-1", "")).await
    });
    harness.wait_for("renew-1", in_flight).await;

    tokio::time::sleep(Duration::from_millis(900)).await;
    let during = harness.send(keyed("/slow?ms=1500", "renew-1", "")).await;
    let first = first.await.expect("first request");

    assert_eq!(during.status, StatusCode::CONFLICT);
    assert!(harness.store.renewals.load(Ordering::SeqCst) >= 2);
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        harness
            .send(keyed("/slow?ms=1500", "renew-1", ""))
            .await
            .replayed()
    );
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn a_lost_lease_still_returns_the_response_and_saves_nothing() {
    let lease = Lease::from_millis(150).expect("lease");
    let harness = Harness::new(|layer| layer.lease(lease));
    harness.store.lose_leases.store(true, Ordering::SeqCst);

    let reply = harness.send(keyed("/slow?ms=400", "lost-1", "")).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["run"], 1);
    assert!(harness.store.renewals.load(Ordering::SeqCst) >= 1);
    assert!(!completed(harness.record("lost-1").await.as_ref()));
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_releases_the_key() {
    let harness = Harness::new(|layer| layer);

    let reply = harness.send(keyed("/panic", "panic-1", "")).await;

    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.problem(), "handler-failed");
    assert!(harness.record("panic-1").await.is_none());
}
