//! Concurrent claims across tasks and store instances: exactly one wins.

use std::sync::Arc;
use std::time::Duration;

use idempotency_store::{ClaimOutcome, IdempotencyStore, RecordId};
use tokio::sync::Barrier;

use crate::Backend;
use crate::support::{
    Ids, LONG, PAST_SHORT, SHORT, acquire, assert_lease_lost, fingerprint, lease, response,
    retention,
};

const TASKS: usize = 64;
const INSTANCES: usize = 4;
const KEYS: usize = 100;
const DEAD_KEYS: usize = 20;

async fn open_instances(backend: &dyn Backend) -> Vec<Arc<dyn IdempotencyStore>> {
    let count = if backend.capabilities().instances_share_records {
        INSTANCES
    } else {
        1
    };
    let mut stores = Vec::with_capacity(count);
    for _ in 0..count {
        stores.push(backend.open().await);
    }
    stores
}

/// Starts [`TASKS`] claims of `id` at once, spread over `stores`, and counts the outcomes.
/// Panics unless exactly one is `Acquired` and every other one is `InFlight`.
async fn race_one_key(stores: &[Arc<dyn IdempotencyStore>], id: &RecordId) {
    let barrier = Arc::new(Barrier::new(TASKS));
    let print = fingerprint(b"the same request");
    let mut racers = Vec::with_capacity(TASKS);
    for racer in 0..TASKS {
        let store = Arc::clone(&stores[racer % stores.len()]);
        let (barrier, id, print) = (Arc::clone(&barrier), id.clone(), print.clone());
        racers.push(tokio::spawn(async move {
            barrier.wait().await;
            store.claim(&id, &print, lease(LONG)).await
        }));
    }

    let mut acquired = 0;
    for racer in racers {
        match racer.await.expect("a racer does not panic") {
            Ok(ClaimOutcome::Acquired(_)) => acquired += 1,
            Ok(ClaimOutcome::InFlight { .. }) => {}
            other => panic!("a racing claim of {id:?} returned {other:?}"),
        }
    }
    assert_eq!(
        acquired, 1,
        "{TASKS} racing claims of {id:?}: {acquired} acquired"
    );
}

/// 64 tasks spread over 4 store instances claim one absent key at the same moment: exactly
/// one is acquired and the rest are told it is in flight. Repeated for 100 keys.
pub async fn concurrent_claims_of_one_key_acquire_exactly_once(backend: &dyn Backend) {
    let stores = open_instances(backend).await;
    let ids = Ids::new("concurrent_claims_of_one_key_acquire_exactly_once");

    for key in 0..KEYS {
        race_one_key(&stores, &ids.id(&format!("race-{key}"))).await;
    }
}

/// 64 tasks over 4 instances race to take over a claim whose lease ran out: exactly one
/// wins, and the dead owner can no longer complete. Repeated for 20 keys.
pub async fn concurrent_takeovers_of_a_dead_claim_acquire_exactly_once(backend: &dyn Backend) {
    let stores = open_instances(backend).await;
    let ids = Ids::new("concurrent_takeovers_of_a_dead_claim_acquire_exactly_once");
    let print = fingerprint(b"the same request");
    let mut dead = Vec::with_capacity(DEAD_KEYS);
    for key in 0..DEAD_KEYS {
        let id = ids.id(&format!("dead-{key}"));
        let token = acquire(stores[0].as_ref(), &id, &print, SHORT).await;
        dead.push((id, token));
    }
    tokio::time::sleep(PAST_SHORT + Duration::from_millis(50)).await;

    for (id, old_token) in &dead {
        race_one_key(&stores, id).await;
        let late = stores[stores.len() - 1]
            .complete(id, old_token, &response("dead owner"), retention(LONG))
            .await;
        assert_lease_lost("complete by the dead owner after a takeover race", late);
    }
}
