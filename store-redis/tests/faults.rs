//! Redis going away, freezing and coming back, on private `redis-server` processes: calls
//! fail with a typed retryable error within the configured timeout, never a panic or a hang,
//! and the same store recovers by itself.

#[path = "support/server.rs"]
mod server;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use idempotency_store::{ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, StoreError};
use idempotency_store_redis::RedisStore;
use server::{RedisProcess, free_port};

/// The per-call timeout the stores under test run with.
const TIMEOUT: Duration = Duration::from_secs(1);

/// What a call may take beyond the timeout on a loaded machine; only "it returned" is
/// checked, never how fast.
const SLACK: Duration = Duration::from_secs(5);

/// How many times a recovering store is asked before the test gives up.
const RECOVERY_ATTEMPTS: usize = 60;

fn runtime() -> tokio::runtime::Runtime {
    idempotency_store_conformance::runtime()
}

fn print() -> Fingerprint {
    Fingerprint::new(*b"request").expect("a valid fingerprint")
}

fn lease() -> Lease {
    Lease::from_millis(600_000).expect("a valid lease")
}

fn id(key: &str) -> RecordId {
    RecordId::new("faults", key).expect("a valid id")
}

async fn connect(url: &str) -> RedisStore {
    RedisStore::builder()
        .timeout(TIMEOUT)
        .connect(url)
        .await
        .expect("the store connects to its private redis-server")
}

/// Insists that a call failed with a retryable error.
fn assert_retryable<T: std::fmt::Debug>(what: &str, result: &Result<T, StoreError>) {
    match result {
        Err(error) if error.is_retryable() => {}
        other => panic!("{what} should fail with a retryable error, got {other:?}"),
    }
}

/// Claims fresh keys until one is acquired; every failure on the way must be retryable.
async fn claim_until_acquired(store: &RedisStore, key: &str) -> usize {
    for attempt in 1..=RECOVERY_ATTEMPTS {
        let result = store
            .claim(&id(&format!("{key}-{attempt}")), &print(), lease())
            .await;
        match result {
            Ok(ClaimOutcome::Acquired(_)) => return attempt,
            Err(ref error) if error.is_retryable() => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => panic!("a claim while recovering returned {other:?}"),
        }
    }
    panic!("the store did not recover within {RECOVERY_ATTEMPTS} claims");
}

/// Sixteen tasks keep claiming while the server is killed (SIGKILL): from then on every
/// call returns, within the timeout and some slack, a retryable error. After a restart on the
/// same port the same store claims again by itself, loading its scripts into the new server.
#[test]
fn killed_redis_fails_retryably_and_the_store_recovers_after_a_restart() {
    runtime().block_on(async {
        let port = free_port();
        let mut redis = RedisProcess::start(port, &[]);
        let store = connect(&redis.url()).await;
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::new();
        for worker in 0..16 {
            let (store, stop) = (store.clone(), Arc::clone(&stop));
            workers.push(tokio::spawn(async move {
                let mut slowest = Duration::ZERO;
                let mut failures = 0_usize;
                let mut n = 0_usize;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let started = Instant::now();
                    let key = id(&format!("load-{worker}-{n}"));
                    let result = store.claim(&key, &print(), lease()).await;
                    slowest = slowest.max(started.elapsed());
                    match result {
                        Ok(ClaimOutcome::Acquired(_)) => {}
                        Err(error) if error.is_retryable() => failures += 1,
                        other => panic!("a claim under load returned {other:?}"),
                    }
                }
                (slowest, failures)
            }));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        redis.kill();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let started = Instant::now();
        let claimed = store.claim(&id("while-down"), &print(), lease()).await;
        let looked = store.lookup(&id("while-down")).await;
        let one_call = started.elapsed() / 2;
        stop.store(true, Ordering::Relaxed);
        let mut failures = 0;
        for worker in workers {
            let (slowest, failed) = worker.await.expect("a worker does not panic");
            assert!(slowest < TIMEOUT + SLACK, "a claim took {slowest:?}");
            failures += failed;
        }

        assert_retryable("claim while Redis is down", &claimed);
        assert_retryable("lookup while Redis is down", &looked);
        assert!(one_call < TIMEOUT + SLACK, "a call took {one_call:?}");
        assert!(failures > 0, "no claim under load noticed the kill");

        let _restarted = RedisProcess::start(port, &[]);
        claim_until_acquired(&store, "after-restart").await;
        let again = store
            .claim(&id("after-restart-check"), &print(), lease())
            .await;
        assert!(matches!(again, Ok(ClaimOutcome::Acquired(_))), "{again:?}");
    });
}

/// A server that stops answering (SIGSTOP) makes calls fail with `Timeout` once the
/// configured timeout has passed; when it resumes, the same store works again.
#[test]
fn frozen_redis_times_out_and_the_store_recovers_when_it_resumes() {
    runtime().block_on(async {
        let redis = RedisProcess::start(free_port(), &[]);
        let store = connect(&redis.url()).await;
        let before = store.claim(&id("before-freeze"), &print(), lease()).await;
        assert!(
            matches!(before, Ok(ClaimOutcome::Acquired(_))),
            "{before:?}"
        );

        redis.signal("STOP");
        let started = Instant::now();
        let frozen = store.claim(&id("while-frozen"), &print(), lease()).await;
        let waited = started.elapsed();
        redis.signal("CONT");

        assert!(
            matches!(frozen, Err(StoreError::Timeout(limit)) if limit == TIMEOUT),
            "a claim on a frozen server should time out, got {frozen:?}"
        );
        assert!(waited < TIMEOUT + SLACK, "the call took {waited:?}");
        claim_until_acquired(&store, "after-resume").await;
        let replayed = store.lookup(&id("before-freeze")).await;
        assert!(matches!(replayed, Ok(Some(_))), "{replayed:?}");
    });
}

/// Connecting to a port nobody listens on fails with a retryable error; connecting to a
/// listener that never answers fails with `Timeout`; both within the timeout and some slack.
#[test]
fn connecting_to_nothing_fails_retryably_within_the_timeout() {
    runtime().block_on(async {
        let silent = TcpListener::bind("127.0.0.1:0").expect("a silent listener");
        let silent_url = format!(
            "redis://127.0.0.1:{}",
            silent.local_addr().expect("its address").port()
        );
        let closed_url = format!("redis://127.0.0.1:{}", free_port());

        let started = Instant::now();
        let refused = connect_result(&closed_url).await;
        let refused_after = started.elapsed();
        let started = Instant::now();
        let unanswered = connect_result(&silent_url).await;
        let unanswered_after = started.elapsed();

        assert_retryable("connect to a closed port", &refused);
        assert!(
            matches!(unanswered, Err(StoreError::Timeout(_))),
            "connect to a silent listener gave {unanswered:?}"
        );
        assert!(refused_after < TIMEOUT + SLACK, "took {refused_after:?}");
        assert!(
            unanswered_after < TIMEOUT + SLACK,
            "took {unanswered_after:?}"
        );
        drop(silent);
    });
}

async fn connect_result(url: &str) -> Result<RedisStore, StoreError> {
    RedisStore::builder().timeout(TIMEOUT).connect(url).await
}

/// After `SCRIPT FLUSH` every operation loads its script again by itself.
#[test]
fn flushed_scripts_are_loaded_again() {
    runtime().block_on(async {
        let redis = RedisProcess::start(free_port(), &[]);
        let store = connect(&redis.url()).await;
        let key = id("flushed");
        let mut manager = store.connection_manager().expect("a connection manager");

        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut manager)
            .await
            .expect("SCRIPT FLUSH");
        let claimed = store.claim(&key, &print(), lease()).await;
        let looked = store.lookup(&key).await;

        assert!(
            matches!(claimed, Ok(ClaimOutcome::Acquired(_))),
            "{claimed:?}"
        );
        assert!(matches!(looked, Ok(Some(_))), "{looked:?}");
    });
}
