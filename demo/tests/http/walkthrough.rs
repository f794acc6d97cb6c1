//! The README's walkthrough, on the default store: an SQLite file in the working directory.

use reqwest::StatusCode;

use crate::server::{Server, send};

#[tokio::test]
async fn the_classic_walkthrough_on_the_default_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), None).await;

    let plain: Vec<_> = [
        send(server.post("/things", None)).await,
        send(server.post("/things", None)).await,
        send(server.post("/things", None)).await,
    ]
    .into_iter()
    .map(|reply| reply.body)
    .collect();
    let first = send(server.post("/things", Some("chicken-monkey-cheesecake"))).await;
    let again = send(server.post("/things", Some("chicken-monkey-cheesecake"))).await;

    assert!(
        plain[0] != plain[1] || plain[1] != plain[2],
        "no key: a new number each time"
    );
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!first.replayed());
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(again.replayed());
    assert_eq!(again.body, first.body, "the replay is byte-identical");
    assert_eq!(
        again.headers.get("content-type"),
        first.headers.get("content-type")
    );
    assert_eq!(server.runs().await, 4);
    assert!(dir.path().join("idempotency-demo.sqlite3").exists());
}

#[tokio::test]
async fn a_replay_survives_a_restart_on_the_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = {
        let server = Server::start(dir.path(), None).await;
        send(server.post("/things", Some("survives-restart"))).await
    };

    let server = Server::start(dir.path(), None).await;
    let again = send(server.post("/things", Some("survives-restart"))).await;

    assert!(again.replayed());
    assert_eq!(again.body, first.body);
    assert_eq!(server.runs().await, 0);
}
