//! The writer thread: group commit, lock waits, bounded purges, and reads that never wait
//! for it.

use std::path::Path;
use std::time::Duration;

use futures::future::join_all;
use futures::poll;
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, Retention, SavedResponse,
    StoreError,
};
use idempotency_store_sqlite::{SqliteStore, Synchronous, rusqlite};

fn id(key: &str) -> RecordId {
    RecordId::new("writer tests", key).expect("a valid id")
}

fn print() -> Fingerprint {
    Fingerprint::new(*b"request").expect("fingerprint")
}

fn long_lease() -> Lease {
    Lease::new(Duration::from_secs(600)).expect("lease")
}

/// A second connection that holds the file's write lock until `commit`, as another
/// process's writer would.
struct ForeignWriter(rusqlite::Connection);

impl ForeignWriter {
    fn lock(path: &Path) -> Self {
        let conn = rusqlite::Connection::open(path).expect("a foreign connection");
        conn.busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        conn.execute_batch("BEGIN IMMEDIATE")
            .expect("the write lock");
        Self(conn)
    }

    fn commit(self) {
        self.0
            .execute_batch("COMMIT")
            .expect("the lock is released");
    }
}

/// Inserts `count` records that died a minute ago, straight into the table.
fn insert_dead(path: &Path, count: usize) {
    let mut conn = rusqlite::Connection::open(path).expect("a foreign connection");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    let tx = conn.transaction().expect("a transaction");
    let died = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
        - 60_000;
    for n in 0..count {
        tx.execute(
            "INSERT INTO idempotency_records (scope, key, fingerprint, token, response, expires_at)
             VALUES ('writer tests', ?1, x'00', x'00000000000000000000000000000000', NULL, ?2)",
            (format!("dead-{n}"), died - n as i64),
        )
        .expect("a dead record");
    }
    tx.commit().expect("committed");
}

fn rows(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("a foreign connection");
    conn.query_row("SELECT count(*) FROM idempotency_records", [], |row| {
        row.get(0)
    })
    .expect("count")
}

/// Starts `count` claims and polls each once, so every one is queued for the writer, which
/// cannot start a transaction while `foreign` holds the lock; then lets the lock go.
async fn claims_queued_behind(
    store: &SqliteStore,
    foreign: ForeignWriter,
    prefix: &str,
    count: usize,
) -> Vec<Result<ClaimOutcome, StoreError>> {
    let ids: Vec<RecordId> = (0..count).map(|n| id(&format!("{prefix}-{n}"))).collect();
    let (print, lease) = (print(), long_lease());
    let mut claims: Vec<_> = ids
        .iter()
        .map(|id| store.claim(id, &print, lease))
        .collect();
    for claim in &mut claims {
        assert!(
            poll!(claim.as_mut()).is_pending(),
            "the writer is locked out"
        );
    }
    foreign.commit();
    join_all(claims).await
}

#[tokio::test]
async fn claims_waiting_together_commit_in_one_transaction() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("group.db");
    // Without readers a claim goes to the writer on its first poll, without a probe first.
    let store = SqliteStore::builder(&path)
        .readers(0)
        .open()
        .await
        .expect("the store opens");
    let before = store.stats();
    let foreign = ForeignWriter::lock(&path);

    let outcomes = claims_queued_behind(&store, foreign, "group", 64).await;

    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(ClaimOutcome::Acquired(_))))
    );
    let after = store.stats();
    assert_eq!(after.operations - before.operations, 64);
    // The writer may have taken the first claims before the rest were queued; everything
    // queued while it waited for the lock goes in the next transaction.
    assert!(
        after.transactions - before.transactions <= 2,
        "64 waiting claims took {} transactions",
        after.transactions - before.transactions
    );
}

#[tokio::test]
async fn max_batch_one_commits_every_operation_alone() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("alone.db");
    let store = SqliteStore::builder(&path)
        .max_batch(1)
        .readers(0)
        .open()
        .await
        .expect("the store opens");
    let before = store.stats();
    let foreign = ForeignWriter::lock(&path);

    let outcomes = claims_queued_behind(&store, foreign, "alone", 16).await;

    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(ClaimOutcome::Acquired(_))))
    );
    let after = store.stats();
    assert_eq!(after.transactions - before.transactions, 16);
    assert_eq!(after.operations - before.operations, 16);
}

#[tokio::test]
async fn a_lock_held_past_the_busy_timeout_is_a_retryable_timeout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("busy.db");
    let wait = Duration::from_millis(100);
    let store = SqliteStore::builder(&path)
        .busy_timeout(wait)
        .open()
        .await
        .expect("the store opens");
    let foreign = ForeignWriter::lock(&path);

    let refused = store.claim(&id("busy"), &print(), long_lease()).await;

    match &refused {
        Err(error @ StoreError::Timeout(waited)) => {
            assert_eq!(*waited, wait);
            assert!(error.is_retryable());
        }
        other => panic!("a claim behind a held lock should time out, got {other:?}"),
    }
    foreign.commit();
    let retried = store.claim(&id("busy"), &print(), long_lease()).await;
    assert!(
        matches!(retried, Ok(ClaimOutcome::Acquired(_))),
        "{retried:?}"
    );
}

/// With another process holding the write lock, the writer cannot commit; lookups and
/// claims of live keys (in flight, or completed and replayed) are answered by the readers
/// all the same.
#[tokio::test]
async fn reads_and_replays_answer_while_the_writer_waits_for_the_lock() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("reads.db");
    let store = SqliteStore::builder(&path)
        .busy_timeout(Duration::from_secs(60))
        .open()
        .await
        .expect("the store opens");
    let (print, lease) = (print(), long_lease());
    let (in_flight, done) = (id("in-flight"), id("done"));
    let Ok(ClaimOutcome::Acquired(token)) = store.claim(&in_flight, &print, lease).await else {
        panic!("a fresh key is acquired");
    };
    let Ok(ClaimOutcome::Acquired(done_token)) = store.claim(&done, &print, lease).await else {
        panic!("a fresh key is acquired");
    };
    let saved = SavedResponse::new(200).with_body("done");
    let retention = Retention::new(Duration::from_secs(600)).expect("retention");
    store
        .complete(&done, &done_token, &saved, retention)
        .await
        .expect("completed");
    let foreign = ForeignWriter::lock(&path);
    let mut renewal = store.renew(&in_flight, &token, lease);
    assert!(
        poll!(renewal.as_mut()).is_pending(),
        "the renewal is queued"
    );

    let found = store.lookup(&in_flight).await;
    let duplicate = store.claim(&in_flight, &print, lease).await;
    let replay = store.claim(&done, &print, lease).await;

    assert!(matches!(found, Ok(Some(_))), "{found:?}");
    assert!(
        matches!(duplicate, Ok(ClaimOutcome::InFlight { .. })),
        "{duplicate:?}"
    );
    assert_eq!(replay.expect("a replay"), ClaimOutcome::Replay(saved));
    assert!(
        poll!(renewal.as_mut()).is_pending(),
        "the renewal still waits for the lock"
    );
    foreign.commit();
    renewal
        .await
        .expect("the owner renews once the lock is free");
}

#[tokio::test]
async fn purge_deletes_a_backlog_in_bounded_batches_and_keeps_live_records() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("purge.db");
    let store = SqliteStore::builder(&path)
        .purge_batch(100)
        .open()
        .await
        .expect("the store opens");
    insert_dead(&path, 350);
    for n in 0..5 {
        store
            .claim(&id(&format!("live-{n}")), &print(), long_lease())
            .await
            .expect("a live claim");
    }
    let before = store.stats();

    let deleted = store.purge_expired().await.expect("purge succeeds");

    assert_eq!(deleted, 350);
    assert_eq!(
        store.stats().purge_transactions - before.purge_transactions,
        4
    );
    assert_eq!(rows(&path), 5);
    assert_eq!(store.purge_expired().await.expect("purge succeeds"), 0);
}

#[tokio::test]
async fn the_background_purge_empties_a_backlog_on_its_own() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("background.db");
    let store = SqliteStore::builder(&path)
        .purge_interval(Duration::from_millis(50))
        .synchronous(Synchronous::Full)
        .open()
        .await
        .expect("the store opens");
    insert_dead(&path, 250);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while rows(&path) > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the background purge never ran"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert!(store.stats().purge_transactions > 0);
    let conn = rusqlite::Connection::open(&path).expect("a foreign connection");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

/// Setting up a new file takes locks in an order that makes SQLite refuse some of the
/// stores opening it at the same moment at once; they must try again and succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_opening_one_new_file_at_once_all_succeed() {
    let dir = tempfile::tempdir().expect("a temporary directory");

    for file in 0..20 {
        let path = dir.path().join(format!("fresh-{file}.db"));
        let opens = join_all((0..8).map(|_| SqliteStore::open(&path))).await;

        for open in opens {
            open.expect("every store opens the new file");
        }
    }
}
