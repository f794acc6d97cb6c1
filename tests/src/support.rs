//! What the cases share: unique addresses, fixed durations, short assertions.

use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, Record, RecordId, RecordState,
    Retention, SavedResponse,
};

/// A lease that runs out during a case.
pub(crate) const SHORT: Duration = Duration::from_millis(150);

/// Long enough past [`SHORT`] that a slow machine has still let it run out.
pub(crate) const PAST_SHORT: Duration = Duration::from_millis(450);

/// A lease that must still hold when the case acts on it a moment after the claim, even on a
/// loaded machine, and yet run out during the case.
pub(crate) const MEDIUM: Duration = Duration::from_millis(1_500);

/// Long enough past [`MEDIUM`] that a slow machine has still let it run out.
pub(crate) const PAST_MEDIUM: Duration = Duration::from_millis(2_000);

/// A lease or retention that no slow machine can see run out during a case.
pub(crate) const LONG: Duration = Duration::from_secs(600);

/// The multi-threaded runtime each generated test runs its case on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("the conformance runtime starts")
}

/// Addresses that no other case, and no other run of this case, uses.
pub(crate) struct Ids {
    scope: String,
}

impl Ids {
    pub(crate) fn new(case: &str) -> Self {
        let mut nonce = [0_u8; 8];
        getrandom::fill(&mut nonce).expect("random bytes for a unique scope");
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        Self {
            scope: format!("conformance {case} {nonce}"),
        }
    }

    /// The case's own scope.
    pub(crate) fn scope(&self) -> &str {
        &self.scope
    }

    /// `key` in the case's own scope.
    pub(crate) fn id(&self, key: &str) -> RecordId {
        RecordId::new(self.scope.clone(), key).expect("a valid test key")
    }

    /// `key` in the case's scope with `suffix` appended to the scope.
    pub(crate) fn in_scope(&self, suffix: &str, key: &str) -> RecordId {
        RecordId::new(format!("{}{suffix}", self.scope), key).expect("a valid test address")
    }
}

pub(crate) fn fingerprint(bytes: &[u8]) -> Fingerprint {
    Fingerprint::new(bytes).expect("a valid test fingerprint")
}

pub(crate) fn lease(duration: Duration) -> Lease {
    Lease::new(duration).expect("a valid test lease")
}

pub(crate) fn retention(duration: Duration) -> Retention {
    Retention::new(duration).expect("a valid test retention")
}

pub(crate) fn response(tag: &str) -> SavedResponse {
    SavedResponse::new(201)
        .with_header("content-type", "application/json")
        .with_body(format!("{{\"result\":\"{tag}\"}}"))
}

/// Claims `id` and insists on `Acquired`.
pub(crate) async fn acquire(
    store: &dyn IdempotencyStore,
    id: &RecordId,
    fingerprint: &Fingerprint,
    duration: Duration,
) -> LeaseToken {
    match store.claim(id, fingerprint, lease(duration)).await {
        Ok(ClaimOutcome::Acquired(token)) => token,
        other => panic!("claim of {id:?} should be Acquired, got {other:?}"),
    }
}

/// Claims and completes `id` with `saved`.
pub(crate) async fn acquire_and_complete(
    store: &dyn IdempotencyStore,
    id: &RecordId,
    fingerprint: &Fingerprint,
    saved: &SavedResponse,
    kept_for: Duration,
) {
    let token = acquire(store, id, fingerprint, LONG).await;
    store
        .complete(id, &token, saved, retention(kept_for))
        .await
        .expect("the owner completes its claim");
}

/// Looks `id` up, insisting on success.
pub(crate) async fn look(store: &dyn IdempotencyStore, id: &RecordId) -> Option<Record> {
    store.lookup(id).await.expect("lookup succeeds")
}

/// Insists that `id` is in flight under `fingerprint`; returns the lease left.
pub(crate) async fn assert_in_flight(
    store: &dyn IdempotencyStore,
    id: &RecordId,
    fingerprint: &Fingerprint,
) -> Duration {
    match look(store, id).await {
        Some(Record {
            fingerprint: found,
            state: RecordState::InFlight { lease_remaining },
        }) if found == *fingerprint => lease_remaining,
        other => panic!("{id:?} should be in flight under {fingerprint:?}, found {other:?}"),
    }
}

/// Insists that `id` is completed with `expected` under `fingerprint`.
pub(crate) async fn assert_completed(
    store: &dyn IdempotencyStore,
    id: &RecordId,
    fingerprint: &Fingerprint,
    expected: &SavedResponse,
) {
    match look(store, id).await {
        Some(Record {
            fingerprint: found,
            state: RecordState::Completed { response, .. },
        }) if found == *fingerprint && response == *expected => {}
        other => panic!("{id:?} should be completed with {expected:?}, found {other:?}"),
    }
}

/// Insists that `id` is absent.
pub(crate) async fn assert_absent(store: &dyn IdempotencyStore, id: &RecordId) {
    if let Some(record) = look(store, id).await {
        panic!("{id:?} should be absent, found {record:?}");
    }
}

/// Insists on [`StoreError::LeaseLost`](idempotency_store::StoreError::LeaseLost).
pub(crate) fn assert_lease_lost<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, idempotency_store::StoreError>,
) {
    match result {
        Err(idempotency_store::StoreError::LeaseLost) => {}
        other => panic!("{what} should fail with LeaseLost, got {other:?}"),
    }
}

/// Prints why a case does not apply to this backend.
pub(crate) fn not_applicable(case: &str, why: &str) {
    eprintln!("conformance case {case} does not apply to this backend: {why}");
}
