//! What the suite cannot see from outside: claims racing releases under READ COMMITTED,
//! expiry on the database's clock, batched purges, the background purger, and Debug.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, RecordState, Retention,
    SavedResponse,
};
use idempotency_store_postgres::PostgresStore;
use sqlx::AssertSqlSafe;
use tokio::sync::Barrier;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

use support::{POOL_SIZE, TestSchema, pool};

/// Counts the store's "claim raced a concurrent one" events: runs of the claim statement
/// that found the key held by a claim committed after their snapshot.
static RACED: AtomicUsize = AtomicUsize::new(0);

struct RaceCounter;

struct MessageIs(bool);

impl Visit for MessageIs {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}").contains("raced a concurrent") {
            self.0 = true;
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RaceCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut visitor = MessageIs(false);
        event.record(&mut visitor);
        if visitor.0 {
            RACED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn count_races() {
    let subscriber = tracing_subscriber::registry().with(RaceCounter);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

fn print(bytes: &[u8]) -> Fingerprint {
    Fingerprint::new(bytes).expect("a valid fingerprint")
}

fn lease(millis: u64) -> Lease {
    Lease::from_millis(millis).expect("a valid lease")
}

fn retention(millis: u64) -> Retention {
    Retention::from_millis(millis).expect("a valid retention")
}

async fn admin_execute(schema: &TestSchema, sql: String, id: &RecordId) -> u64 {
    let admin = pool(&schema.url, "idem-store-postgres-admin", 1).await;
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(id.scope())
        .bind(id.key())
        .execute(&admin)
        .await
        .expect("the admin statement runs");
    admin.close().await;
    done.rows_affected()
}

/// 32 tasks over 4 stores claim one key and release it at once, over and over, so claims
/// keep meeting rows that appear and vanish between their snapshot and their insert. Never
/// do two tasks hold the key at once, and no claim fails or gives up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claims_racing_releases_never_grant_the_key_twice() {
    count_races();
    let schema = TestSchema::create().await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(schema.store(POOL_SIZE).await);
    }
    let id = RecordId::new("churn", "one-key").expect("id");
    let holders = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    let tasks = 32;
    let barrier = Arc::new(Barrier::new(tasks));
    let raced_before = RACED.load(Ordering::Relaxed);

    let mut racers = Vec::new();
    for task in 0..tasks {
        let store = stores[task % stores.len()].clone();
        let (id, holders, acquired, barrier) = (
            id.clone(),
            Arc::clone(&holders),
            Arc::clone(&acquired),
            Arc::clone(&barrier),
        );
        racers.push(tokio::spawn(async move {
            barrier.wait().await;
            for _ in 0..60 {
                match store.claim(&id, &print(b"same"), lease(60_000)).await {
                    Ok(ClaimOutcome::Acquired(token)) => {
                        let before = holders.fetch_add(1, Ordering::SeqCst);
                        assert_eq!(before, 0, "two tasks held the key at once");
                        acquired.fetch_add(1, Ordering::SeqCst);
                        holders.fetch_sub(1, Ordering::SeqCst);
                        store
                            .release(&id, &token)
                            .await
                            .expect("the owner releases");
                    }
                    Ok(ClaimOutcome::InFlight { retry_after }) => {
                        assert!(!retry_after.is_zero());
                    }
                    other => panic!("a churning claim returned {other:?}"),
                }
            }
        }));
    }
    for racer in racers {
        racer.await.expect("no racer panics");
    }

    let raced = RACED.load(Ordering::Relaxed) - raced_before;
    eprintln!(
        "acquired {} times; {raced} claim statements were re-run after a race",
        acquired.load(Ordering::SeqCst)
    );
    assert!(acquired.load(Ordering::SeqCst) > 1, "the key changed hands");
}

/// A record's life is decided by `expires_at` against the database's `now()`: moving it
/// on the server (as a skewed app clock never could) is exactly what the store sees.
#[tokio::test]
async fn expiry_follows_the_database_clock() {
    let schema = TestSchema::create().await;
    let store = schema.store(2).await;
    let id = RecordId::new("clock", "k").expect("id");
    let token = match store.claim(&id, &print(b"r"), lease(600_000)).await {
        Ok(ClaimOutcome::Acquired(token)) => token,
        other => panic!("claim: {other:?}"),
    };
    let set = |when: &str| {
        format!(
            "UPDATE {} SET expires_at = now() + interval '{when}' WHERE scope = $1 AND key = $2",
            schema.table()
        )
    };

    admin_execute(&schema, set("1 hour"), &id).await;
    let left = match store.lookup(&id).await.expect("lookup") {
        Some(record) => match record.state {
            RecordState::InFlight { lease_remaining } => lease_remaining,
            other => panic!("in flight expected, got {other:?}"),
        },
        None => panic!("the record is live"),
    };
    assert!(
        left > Duration::from_secs(3500) && left <= Duration::from_secs(3600),
        "{left:?}"
    );

    admin_execute(&schema, set("-1 second"), &id).await;

    assert_eq!(store.lookup(&id).await.expect("lookup"), None);
    let late = store
        .complete(&id, &token, &SavedResponse::new(200), retention(60_000))
        .await;
    assert!(
        matches!(late, Err(idempotency_store::StoreError::LeaseLost)),
        "{late:?}"
    );
    assert!(matches!(
        store.claim(&id, &print(b"other"), lease(600_000)).await,
        Ok(ClaimOutcome::Acquired(_))
    ));
}

/// `purge_expired` deletes in batches of the configured size until none are left, counts
/// every deleted record, and keeps live ones.
#[tokio::test]
async fn purge_runs_bounded_batches_until_done() {
    let base = TestSchema::create().await;
    let config = base.config.clone().with_purge_batch(3).expect("batch size");
    let store =
        PostgresStore::with_config(pool(&base.url, "idem-store-postgres-test", 2).await, config);
    let mut tokens = Vec::new();
    for key in 0..10 {
        let id = RecordId::new("purge", format!("dead-{key}")).expect("id");
        match store.claim(&id, &print(b"r"), lease(50)).await {
            Ok(ClaimOutcome::Acquired(token)) => tokens.push(token),
            other => panic!("claim: {other:?}"),
        }
    }
    let live = RecordId::new("purge", "live").expect("id");
    assert!(matches!(
        store.claim(&live, &print(b"r"), lease(600_000)).await,
        Ok(ClaimOutcome::Acquired(_))
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let first = store.purge_expired().await.expect("purge");
    let second = store.purge_expired().await.expect("purge again");

    assert_eq!((first, second), (10, 0));
    assert!(store.lookup(&live).await.expect("lookup").is_some());
    assert_eq!(tokens.len(), 10);
}

/// The background purger deletes dead rows on its own and stops when dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_purger_deletes_dead_rows() {
    let schema = TestSchema::create().await;
    let store = schema.store(2).await;
    let id = RecordId::new("purger", "dead").expect("id");
    assert!(matches!(
        store.claim(&id, &print(b"r"), lease(20)).await,
        Ok(ClaimOutcome::Acquired(_))
    ));
    let count = format!("SELECT count(*) FROM {}", schema.table());

    let purger = store
        .spawn_purger(Duration::from_millis(50))
        .expect("a runtime");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let rows: i64 = sqlx::query_scalar(AssertSqlSafe(count.clone()))
            .fetch_one(store.pool())
            .await
            .expect("count");
        if rows == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the purger never ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    purger.stop();
}

/// A store's Debug names its table and never the connection URL or password.
#[tokio::test]
async fn debug_shows_the_table_but_no_credentials() {
    let schema = TestSchema::create().await;
    let options: sqlx::postgres::PgConnectOptions = schema.url.parse().expect("url");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options.password("s3cret-password"));
    let store = PostgresStore::with_config(pool, schema.config.clone());

    let shown = format!("{store:?}");

    assert!(shown.contains(&schema.name), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(!shown.contains("postgres://"), "{shown}");
}
