//! Only the live owner's token can complete, release or renew.

use idempotency_store::{ClaimOutcome, LeaseToken};

use crate::Backend;
use crate::support::{
    Ids, LONG, acquire, assert_absent, assert_completed, assert_in_flight, assert_lease_lost,
    fingerprint, lease, response, retention,
};

/// After a release the key is absent, and the next claim, whatever its fingerprint, is
/// acquired. The released token is dead.
pub async fn release_then_claim_acquires_again(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("release_then_claim_acquires_again");
    let id = ids.id("failed-handler");
    let token = acquire(store.as_ref(), &id, &fingerprint(b"first"), LONG).await;

    store
        .release(&id, &token)
        .await
        .expect("the owner releases");

    assert_absent(store.as_ref(), &id).await;
    let next = acquire(store.as_ref(), &id, &fingerprint(b"second"), LONG).await;
    assert_ne!(next, token);
    assert_lease_lost(
        "release with a released token",
        store.release(&id, &token).await,
    );
    assert_in_flight(store.as_ref(), &id, &fingerprint(b"second")).await;
}

/// A token that never owned the key cannot complete, release or renew it, and the record
/// stays as it was.
pub async fn wrong_token_changes_nothing(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("wrong_token_changes_nothing");
    let id = ids.id("owned");
    let print = fingerprint(b"request");
    let token = acquire(store.as_ref(), &id, &print, LONG).await;
    let stranger = LeaseToken::generate().expect("a token");

    let completed = store
        .complete(&id, &stranger, &response("stranger"), retention(LONG))
        .await;
    let released = store.release(&id, &stranger).await;
    let renewed = store.renew(&id, &stranger, lease(LONG)).await;

    assert_lease_lost("complete with a stranger's token", completed);
    assert_lease_lost("release with a stranger's token", released);
    assert_lease_lost("renew with a stranger's token", renewed);
    assert_in_flight(store.as_ref(), &id, &print).await;
    let saved = response("owner");
    store
        .complete(&id, &token, &saved, retention(LONG))
        .await
        .expect("the owner still completes");
    assert_completed(store.as_ref(), &id, &print, &saved).await;
}

/// Once completed, the record no longer answers to its token: a second complete cannot
/// overwrite the response, and release and renew cannot touch it.
pub async fn completed_record_rejects_its_own_token(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("completed_record_rejects_its_own_token");
    let id = ids.id("done");
    let print = fingerprint(b"request");
    let token = acquire(store.as_ref(), &id, &print, LONG).await;
    let saved = response("first");
    store
        .complete(&id, &token, &saved, retention(LONG))
        .await
        .expect("the owner completes");

    let again = store
        .complete(&id, &token, &response("second"), retention(LONG))
        .await;
    let released = store.release(&id, &token).await;
    let renewed = store.renew(&id, &token, lease(LONG)).await;

    assert_lease_lost("a second complete", again);
    assert_lease_lost("release after complete", released);
    assert_lease_lost("renew after complete", renewed);
    assert_completed(store.as_ref(), &id, &print, &saved).await;
}

/// Complete, release and renew of a key nobody claimed fail and create nothing.
pub async fn absent_key_rejects_any_token(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("absent_key_rejects_any_token");
    let id = ids.id("nobody");
    let token = LeaseToken::generate().expect("a token");

    let completed = store
        .complete(&id, &token, &response("ghost"), retention(LONG))
        .await;
    let released = store.release(&id, &token).await;
    let renewed = store.renew(&id, &token, lease(LONG)).await;

    assert_lease_lost("complete of an absent key", completed);
    assert_lease_lost("release of an absent key", released);
    assert_lease_lost("renew of an absent key", renewed);
    assert_absent(store.as_ref(), &id).await;
    let replay_probe = store
        .claim(&id, &fingerprint(b"request"), lease(LONG))
        .await;
    assert!(
        matches!(replay_probe, Ok(ClaimOutcome::Acquired(_))),
        "got {replay_probe:?}"
    );
}
