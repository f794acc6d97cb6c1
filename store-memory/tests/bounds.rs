//! Behaviour of the memory store beyond the shared contract: the record cap and sweeping.

use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, Retention, SavedResponse,
    StoreError,
};
use idempotency_store_memory::MemoryStore;

fn id(key: &str) -> RecordId {
    RecordId::new("bounds", key).unwrap()
}

fn print() -> Fingerprint {
    Fingerprint::new(*b"request").unwrap()
}

async fn claim(store: &MemoryStore, key: &str, lease: Duration) -> ClaimOutcome {
    let lease = Lease::new(lease).unwrap();
    store.claim(&id(key), &print(), lease).await.unwrap()
}

#[tokio::test]
async fn a_full_store_refuses_new_keys_with_a_retryable_error_and_keeps_serving_old_ones() {
    let store = MemoryStore::builder().max_records(2).build();
    claim(&store, "a", Duration::from_secs(60)).await;
    claim(&store, "b", Duration::from_secs(60)).await;

    let refused = store
        .claim(&id("c"), &print(), Lease::from_millis(60_000).unwrap())
        .await;

    match refused {
        Err(error @ StoreError::CapacityExceeded { limit: 2 }) => assert!(error.is_retryable()),
        other => panic!("a full store should refuse a new key, got {other:?}"),
    }
    assert!(matches!(
        claim(&store, "a", Duration::from_secs(60)).await,
        ClaimOutcome::InFlight { .. }
    ));
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn a_full_store_makes_room_by_sweeping_dead_records() {
    let store = MemoryStore::builder().max_records(2).shards(1).build();
    claim(&store, "a", Duration::from_millis(20)).await;
    claim(&store, "b", Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(60)).await;

    let outcome = claim(&store, "c", Duration::from_secs(60)).await;

    assert!(
        matches!(outcome, ClaimOutcome::Acquired(_)),
        "got {outcome:?}"
    );
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn purge_counts_exactly_the_dead_records_and_ignores_renewed_ones() {
    let store = MemoryStore::builder().shards(4).build();
    let short = Duration::from_millis(20);
    for key in ["dead-1", "dead-2", "dead-3"] {
        claim(&store, key, short).await;
    }
    let ClaimOutcome::Acquired(token) = claim(&store, "renewed", short).await else {
        panic!("fresh key");
    };
    store
        .renew(&id("renewed"), &token, Lease::from_millis(60_000).unwrap())
        .await
        .unwrap();
    let ClaimOutcome::Acquired(done) = claim(&store, "done", Duration::from_secs(60)).await else {
        panic!("fresh key");
    };
    let response = SavedResponse::new(200);
    let kept = Retention::from_millis(60_000).unwrap();
    store
        .complete(&id("done"), &done, &response, kept)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;

    let purged = store.purge_expired().await.unwrap();

    assert_eq!(purged, 3);
    assert_eq!(store.len(), 2);
    assert_eq!(store.purge_expired().await.unwrap(), 0);
}

#[tokio::test]
async fn writes_sweep_dead_records_of_their_shard_without_a_purge() {
    let store = MemoryStore::builder().shards(1).build();
    for key in 0..10 {
        claim(&store, &format!("dead-{key}"), Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(40)).await;

    claim(&store, "fresh", Duration::from_secs(60)).await;

    assert_eq!(store.len(), 1);
}
