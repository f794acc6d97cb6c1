//! Killed connections: calls fail with a typed, retryable error or succeed, never panic, and
//! the store recovers on its own.
//!
//! Only backends whose `application_name` this test set uniquely are terminated, from a
//! separate admin connection; nobody else's sessions are touched.

mod support;

use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, RecordId, RecordState,
    Retention, SavedResponse, StoreError,
};
use idempotency_store_postgres::PostgresStore;
use sqlx::{AssertSqlSafe, PgPool};

use support::{TestSchema, nonce, pool};

/// How long a poll for the database's state may take before the test gives up.
const POLL_LIMIT: Duration = Duration::from_secs(20);

fn id(key: &str) -> RecordId {
    RecordId::new("faults", key).expect("a valid id")
}

fn print() -> Fingerprint {
    Fingerprint::new(*b"request").expect("a valid fingerprint")
}

fn lease() -> Lease {
    Lease::new(Duration::from_secs(600)).expect("a valid lease")
}

fn retention() -> Retention {
    Retention::new(Duration::from_secs(600)).expect("a valid retention")
}

async fn terminate(admin: &PgPool, application_name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
    )
    .bind(application_name)
    .fetch_one(admin)
    .await
    .expect("the admin connection terminates the store's backends")
}

async fn backends(admin: &PgPool, application_name: &str, waiting_on_lock: bool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 \
         AND (NOT $2 OR wait_event_type = 'Lock')",
    )
    .bind(application_name)
    .bind(waiting_on_lock)
    .fetch_one(admin)
    .await
    .expect("the admin connection reads pg_stat_activity")
}

async fn wait_for_backends(admin: &PgPool, name: &str, waiting: bool, expected: i64) {
    let deadline = tokio::time::Instant::now() + POLL_LIMIT;
    while backends(admin, name, waiting).await != expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name}: expected {expected} backends (waiting on a lock: {waiting})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Insists the result is a success or a retryable error, never anything else.
fn ok_or_retryable<T: std::fmt::Debug>(what: &str, result: &Result<T, StoreError>) {
    if let Err(error) = result {
        assert!(
            matches!(error, StoreError::Unavailable { .. }) && error.is_retryable(),
            "{what} after a fault must succeed or fail as retryable Unavailable, got {error:?}"
        );
    }
}

/// Claims `id` until it is acquired, allowing only retryable errors, a few times.
async fn claim_with_retries(store: &PostgresStore, id: &RecordId) -> LeaseToken {
    for _ in 0..20 {
        let result = store.claim(id, &print(), lease()).await;
        ok_or_retryable("claim", &result);
        match result {
            Ok(ClaimOutcome::Acquired(token)) => return token,
            Ok(other) => panic!("a fresh key should be acquired, got {other:?}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the store did not recover within 20 attempts")
}

/// Idle connections killed behind the pool's back: the next calls succeed (the pool
/// replaces dead connections) or fail as retryable, and a claim succeeds within a few
/// retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_idle_connections_are_replaced() {
    let schema = TestSchema::create().await;
    let name = format!("idem-fault-{}", nonce(6));
    let store =
        PostgresStore::with_config(pool(&schema.url, &name, 4).await, schema.config.clone());
    let admin = pool(&schema.url, "idem-fault-admin", 1).await;
    claim_with_retries(&store, &id("before")).await;

    let killed = terminate(&admin, &name).await;
    wait_for_backends(&admin, &name, false, 0).await;

    assert!(killed >= 1, "the store had a connection to kill");
    for attempt in 0..3 {
        let result = store.lookup(&id("before")).await;
        ok_or_retryable(&format!("lookup {attempt}"), &result);
    }
    claim_with_retries(&store, &id("after")).await;
    let before = store.lookup(&id("before")).await.expect("lookup recovers");
    assert!(
        matches!(
            before.map(|record| record.state),
            Some(RecordState::InFlight { .. })
        ),
        "the claim made before the fault is still in flight"
    );
}

/// A connection killed while its statement waits on a row lock: the call fails with a
/// typed, retryable `Unavailable` and changed nothing; retrying it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_killed_mid_flight_is_unavailable_and_retry_succeeds() {
    let schema = TestSchema::create().await;
    let name = format!("idem-fault-{}", nonce(6));
    let store =
        PostgresStore::with_config(pool(&schema.url, &name, 4).await, schema.config.clone());
    let admin = pool(&schema.url, "idem-fault-admin", 2).await;
    let key = id("locked");
    let token = claim_with_retries(&store, &key).await;
    let mut blocker = admin.begin().await.expect("the admin opens a transaction");
    sqlx::query(AssertSqlSafe(format!(
        "SELECT 1 FROM {} WHERE scope = $1 AND key = $2 FOR UPDATE",
        schema.table()
    )))
    .bind(key.scope())
    .bind(key.key())
    .execute(&mut *blocker)
    .await
    .expect("the admin locks the record");
    let saved = SavedResponse::new(200).with_body("done");
    let completing = {
        let (store, key, saved) = (store.clone(), key.clone(), saved.clone());
        tokio::spawn(async move { store.complete(&key, &token, &saved, retention()).await })
    };
    wait_for_backends(&admin, &name, true, 1).await;

    let killed = terminate(&admin, &name).await;
    let interrupted = completing.await.expect("complete does not panic");
    blocker.rollback().await.expect("the admin lets go");

    assert!(killed >= 1);
    match &interrupted {
        Err(error @ StoreError::Unavailable { .. }) => assert!(error.is_retryable()),
        other => panic!("a killed statement should be Unavailable, got {other:?}"),
    }
    let mut completed = false;
    for _ in 0..20 {
        let result = store.complete(&key, &token, &saved, retention()).await;
        ok_or_retryable("complete", &result);
        if result.is_ok() {
            completed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(completed, "the retried complete succeeds");
    let replay = store.claim(&key, &print(), lease()).await;
    assert_eq!(replay.expect("claim"), ClaimOutcome::Replay(saved));
}

/// Killing every connection while many calls are in flight: each call succeeds or fails
/// as retryable, none panics, and the store then serves claims again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_killed_under_load_fail_retryably() {
    let schema = TestSchema::create().await;
    let name = format!("idem-fault-{}", nonce(6));
    let store =
        PostgresStore::with_config(pool(&schema.url, &name, 4).await, schema.config.clone());
    let admin = pool(&schema.url, "idem-fault-admin", 1).await;
    claim_with_retries(&store, &id("warm")).await;

    let mut calls = Vec::new();
    for task in 0..8 {
        let store = store.clone();
        calls.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for round in 0..40 {
                let key = id(&format!("load-{task}-{round}"));
                let claimed = store.claim(&key, &print(), lease()).await;
                let token = match &claimed {
                    Ok(ClaimOutcome::Acquired(token)) => Some(*token),
                    _ => None,
                };
                results.push(claimed.map(|_| ()));
                if let Some(token) = token {
                    let response = SavedResponse::new(200);
                    results.push(store.complete(&key, &token, &response, retention()).await);
                }
            }
            results
        }));
    }
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(30)).await;
        terminate(&admin, &name).await;
    }

    let mut failures = 0;
    for call in calls {
        for result in call.await.expect("no call panics") {
            ok_or_retryable("a call under load", &result);
            failures += usize::from(result.is_err());
        }
    }
    eprintln!("calls that failed retryably while connections were killed: {failures}");
    claim_with_retries(&store, &id("after-load")).await;
}
