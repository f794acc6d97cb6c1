//! Leases and retentions run out, and what runs out is absent.

use idempotency_store::ClaimOutcome;

use crate::Backend;
use crate::support::{
    Ids, LONG, MEDIUM, PAST_MEDIUM, PAST_SHORT, SHORT, acquire, acquire_and_complete,
    assert_absent, assert_completed, assert_in_flight, assert_lease_lost, fingerprint, lease,
    response, retention,
};

/// A claim whose lease ran out is taken over by the next claim with a new token. From then
/// on the old token's complete, release and renew fail and change nothing: the late worker
/// cannot overwrite the new owner's result.
pub async fn expired_lease_is_taken_over_and_old_token_is_dead(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("expired_lease_is_taken_over_and_old_token_is_dead");
    let id = ids.id("crashed-worker");
    let print = fingerprint(b"request");
    let old = acquire(store.as_ref(), &id, &print, SHORT).await;
    tokio::time::sleep(PAST_SHORT).await;

    let new = acquire(store.as_ref(), &id, &print, LONG).await;

    assert_ne!(new, old);
    let late = store
        .complete(&id, &old, &response("late worker"), retention(LONG))
        .await;
    assert_lease_lost("complete with the old token", late);
    assert_lease_lost(
        "renew with the old token",
        store.renew(&id, &old, lease(LONG)).await,
    );
    assert_lease_lost("release with the old token", store.release(&id, &old).await);
    assert_in_flight(store.as_ref(), &id, &print).await;
    let saved = response("new owner");
    store
        .complete(&id, &new, &saved, retention(LONG))
        .await
        .expect("the new owner completes");
    assert_completed(store.as_ref(), &id, &print, &saved).await;
}

/// A lease that ran out is lost even before anyone takes the key over.
pub async fn expired_lease_without_takeover_is_lost(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("expired_lease_without_takeover_is_lost");
    let id = ids.id("slow-worker");
    let token = acquire(store.as_ref(), &id, &fingerprint(b"request"), SHORT).await;
    tokio::time::sleep(PAST_SHORT).await;

    let late = store
        .complete(&id, &token, &response("too late"), retention(LONG))
        .await;

    assert_lease_lost("complete after the lease ran out", late);
    assert_lease_lost(
        "renew after the lease ran out",
        store.renew(&id, &token, lease(LONG)).await,
    );
    assert_absent(store.as_ref(), &id).await;
    acquire(store.as_ref(), &id, &fingerprint(b"another request"), LONG).await;
}

/// A renewed lease outlives the lease the claim first asked for. The first lease is long
/// enough that the renewal surely comes before it runs out, even on a loaded machine.
pub async fn renew_keeps_record_alive_past_its_first_lease(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("renew_keeps_record_alive_past_its_first_lease");
    let id = ids.id("slow-handler");
    let print = fingerprint(b"request");
    let token = acquire(store.as_ref(), &id, &print, MEDIUM).await;

    store
        .renew(&id, &token, lease(LONG))
        .await
        .expect("the owner renews");
    tokio::time::sleep(PAST_MEDIUM).await;

    let left = assert_in_flight(store.as_ref(), &id, &print).await;
    assert!(
        left > LONG / 2,
        "a renewed lease should have about {LONG:?} left, has {left:?}"
    );
    let duplicate = store.claim(&id, &print, lease(LONG)).await;
    assert!(
        matches!(duplicate, Ok(ClaimOutcome::InFlight { .. })),
        "got {duplicate:?}"
    );
    store
        .complete(&id, &token, &response("slow"), retention(LONG))
        .await
        .expect("the renewed owner completes");
}

/// A completed record is replayed until its retention runs out, then it is absent and the
/// key can be claimed again, even for another request.
pub async fn completed_record_expires_after_retention(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("completed_record_expires_after_retention");
    let id = ids.id("short-lived");
    let print = fingerprint(b"request");
    let saved = response("kept briefly");
    acquire_and_complete(store.as_ref(), &id, &print, &saved, SHORT).await;

    tokio::time::sleep(PAST_SHORT).await;

    assert_absent(store.as_ref(), &id).await;
    acquire(store.as_ref(), &id, &fingerprint(b"another request"), LONG).await;
}

/// `purge_expired` deletes dead in-flight and completed records and leaves every live
/// record exactly as it was.
pub async fn purge_removes_only_expired_records(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("purge_removes_only_expired_records");
    let print = fingerprint(b"request");
    let (dead_claim, dead_done) = (ids.id("dead-claim"), ids.id("dead-done"));
    let (live_claim, live_done) = (ids.id("live-claim"), ids.id("live-done"));
    acquire(store.as_ref(), &dead_claim, &print, SHORT).await;
    acquire_and_complete(store.as_ref(), &dead_done, &print, &response("dead"), SHORT).await;
    let live_token = acquire(store.as_ref(), &live_claim, &print, LONG).await;
    let kept = response("live");
    acquire_and_complete(store.as_ref(), &live_done, &print, &kept, LONG).await;
    tokio::time::sleep(PAST_SHORT).await;

    store.purge_expired().await.expect("purge succeeds");

    assert_absent(store.as_ref(), &dead_claim).await;
    assert_absent(store.as_ref(), &dead_done).await;
    assert_in_flight(store.as_ref(), &live_claim, &print).await;
    assert_completed(store.as_ref(), &live_done, &print, &kept).await;
    store
        .renew(&live_claim, &live_token, lease(LONG))
        .await
        .expect("the live claim keeps its owner");
    acquire(store.as_ref(), &dead_claim, &print, LONG).await;
}
