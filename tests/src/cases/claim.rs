//! Claims of fresh, in-flight and completed keys.

use idempotency_store::ClaimOutcome;

use crate::Backend;
use crate::support::{
    Ids, LONG, acquire, acquire_and_complete, assert_absent, assert_completed, assert_in_flight,
    fingerprint, lease, response, retention,
};

/// A fresh key is acquired with a token of its own and is then in flight under the claim's
/// fingerprint, with no more lease left than was asked for.
pub async fn fresh_claim_is_acquired(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("fresh_claim_is_acquired");
    let (first, second) = (ids.id("first"), ids.id("second"));
    let print = fingerprint(b"request");

    let token_one = acquire(store.as_ref(), &first, &print, LONG).await;
    let token_two = acquire(store.as_ref(), &second, &print, LONG).await;

    assert_ne!(token_one, token_two, "every claim gets a token of its own");
    let left = assert_in_flight(store.as_ref(), &first, &print).await;
    assert!(
        !left.is_zero() && left <= LONG,
        "lease left {left:?} should be in (0, {LONG:?}]"
    );
}

/// Looking up a key nobody claimed finds nothing and creates nothing.
pub async fn lookup_of_absent_key_is_none(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("lookup_of_absent_key_is_none");
    let id = ids.id("never-claimed");

    assert_absent(store.as_ref(), &id).await;

    acquire(store.as_ref(), &id, &fingerprint(b"request"), LONG).await;
}

/// A second claim with the same fingerprint while the first is in flight reports the time
/// left on the first's lease, and leaves the first owner in charge.
pub async fn duplicate_claim_reports_in_flight(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("duplicate_claim_reports_in_flight");
    let id = ids.id("payment-1");
    let print = fingerprint(b"request");
    let token = acquire(store.as_ref(), &id, &print, LONG).await;

    let duplicate = store.claim(&id, &print, lease(LONG)).await;

    match duplicate {
        Ok(ClaimOutcome::InFlight { retry_after }) => assert!(
            !retry_after.is_zero() && retry_after <= LONG,
            "retry_after {retry_after:?} should be in (0, {LONG:?}]"
        ),
        other => panic!("a duplicate claim should be InFlight, got {other:?}"),
    }
    let saved = response("first owner");
    store
        .complete(&id, &token, &saved, retention(LONG))
        .await
        .expect("the first owner still owns the key");
    assert_completed(store.as_ref(), &id, &print, &saved).await;
}

/// A claim with another fingerprint while the key is in flight is a mismatch and changes
/// nothing.
pub async fn mismatch_while_in_flight(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("mismatch_while_in_flight");
    let id = ids.id("reused-key");
    let print = fingerprint(b"original request");
    let token = acquire(store.as_ref(), &id, &print, LONG).await;

    let other = store
        .claim(&id, &fingerprint(b"another request"), lease(LONG))
        .await;

    assert!(matches!(other, Ok(ClaimOutcome::Mismatch)), "got {other:?}");
    assert_in_flight(store.as_ref(), &id, &print).await;
    store
        .complete(&id, &token, &response("original"), retention(LONG))
        .await
        .expect("the owner is unaffected by the mismatch");
}

/// A claim with another fingerprint after completion is a mismatch; the saved response is
/// still replayed to the original request.
pub async fn mismatch_after_completion(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("mismatch_after_completion");
    let id = ids.id("reused-key");
    let print = fingerprint(b"original request");
    let saved = response("original");
    acquire_and_complete(store.as_ref(), &id, &print, &saved, LONG).await;

    let other = store
        .claim(&id, &fingerprint(b"another request"), lease(LONG))
        .await;
    let same = store.claim(&id, &print, lease(LONG)).await;

    assert!(matches!(other, Ok(ClaimOutcome::Mismatch)), "got {other:?}");
    assert_eq!(same.expect("replay"), ClaimOutcome::Replay(saved));
}
