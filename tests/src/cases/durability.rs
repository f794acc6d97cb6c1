//! Records outlive the store instance that wrote them; broken records are reported.

use idempotency_store::{ClaimOutcome, StoreError};

use crate::Backend;
use crate::support::{
    Ids, LONG, acquire, acquire_and_complete, fingerprint, lease, not_applicable, response,
};

/// A response completed through one store instance is replayed by another opened after the
/// first was dropped.
pub async fn completed_record_survives_reopen(backend: &dyn Backend) {
    if !backend.capabilities().instances_share_records {
        return not_applicable(
            "completed_record_survives_reopen",
            "instances share nothing",
        );
    }
    let ids = Ids::new("completed_record_survives_reopen");
    let id = ids.id("kept");
    let print = fingerprint(b"request");
    let saved = response("kept across instances");
    let first = backend.open().await;
    acquire_and_complete(first.as_ref(), &id, &print, &saved, LONG).await;
    drop(first);

    let second = backend.open().await;

    let replay = second.claim(&id, &print, lease(LONG)).await;
    assert_eq!(replay.expect("claim succeeds"), ClaimOutcome::Replay(saved));
}

/// A saved response that no longer decodes is reported as `Corrupt` by claim and lookup,
/// is never replayed, and leaves other keys working.
pub async fn corrupt_record_is_reported_not_replayed(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("corrupt_record_is_reported_not_replayed");
    let id = ids.id("damaged");
    let print = fingerprint(b"request");
    acquire_and_complete(store.as_ref(), &id, &print, &response("intact"), LONG).await;
    if !backend.corrupt_response(&id).await {
        return not_applicable(
            "corrupt_record_is_reported_not_replayed",
            "no encoded records",
        );
    }

    let claimed = store.claim(&id, &print, lease(LONG)).await;
    let looked = store.lookup(&id).await;
    let again = store.claim(&id, &print, lease(LONG)).await;

    assert!(
        matches!(claimed, Err(StoreError::Corrupt { .. })),
        "claim got {claimed:?}"
    );
    assert!(
        matches!(looked, Err(StoreError::Corrupt { .. })),
        "lookup got {looked:?}"
    );
    assert!(
        matches!(again, Err(StoreError::Corrupt { .. })),
        "a retry got {again:?}"
    );
    acquire(store.as_ref(), &ids.id("neighbour"), &print, LONG).await;
}
