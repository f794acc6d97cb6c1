//! Opening the embedded backends for real; Postgres and Redis are opened by the demo's tests.

use idempotency_store::{ClaimOutcome, Fingerprint, Lease, RecordId};
use idempotency_store_url::open_store;

async fn claims_once(url: &str) {
    let store = open_store(url).await.expect("store opens");
    let id = RecordId::new("scope", "key").expect("id");
    let fingerprint = Fingerprint::new(*b"fp").expect("fingerprint");
    let lease = Lease::from_millis(60_000).expect("lease");

    let first = store.claim(&id, &fingerprint, lease).await.expect("claim");
    let second = store.claim(&id, &fingerprint, lease).await.expect("claim");

    assert!(matches!(first, ClaimOutcome::Acquired(_)), "{url}");
    assert!(matches!(second, ClaimOutcome::InFlight { .. }), "{url}");
}

#[tokio::test]
async fn memory_and_sqlite_urls_open_working_stores() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("store.sqlite3");

    claims_once("memory://").await;
    claims_once("sqlite::memory:").await;
    claims_once(&format!("sqlite://{}?table=url_test", file.display())).await;

    assert!(file.exists());
}
