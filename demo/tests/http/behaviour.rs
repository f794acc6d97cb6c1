//! 409 while in flight, 422, 400, 5xx releases, credentials kept apart.

use reqwest::StatusCode;

use crate::server::{Server, send};

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), Some("memory://")).await;
    (dir, server)
}

#[tokio::test]
async fn a_duplicate_while_the_first_runs_gets_409_with_retry_after() {
    let (_dir, server) = server().await;
    let first = tokio::spawn(send(server.post("/slow-things?ms=1500", Some("slow-1"))));
    server.wait_for_runs(1).await;

    let duplicate = send(server.post("/slow-things?ms=1500", Some("slow-1"))).await;
    let first = first.await.expect("first request");
    let later = send(server.post("/slow-things?ms=1500", Some("slow-1"))).await;

    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate.is_problem());
    let retry_after: u64 = duplicate.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!(retry_after >= 1);
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(later.replayed());
    assert_eq!(later.body, first.body);
    assert_eq!(server.runs().await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_gets_422() {
    let (_dir, server) = server().await;

    let first = send(server.post("/things", Some("body-1")).body("{\"a\":1}")).await;
    let changed = send(server.post("/things", Some("body-1")).body("{\"a\":2}")).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(changed.is_problem());
    assert_eq!(server.runs().await, 1);
}

#[tokio::test]
async fn a_malformed_key_gets_400() {
    let (_dir, server) = server().await;
    let non_ascii = reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value");

    let too_long = send(server.post("/things", Some(&"k".repeat(256)))).await;
    let unicode = send(
        server
            .post("/things", None)
            .header("idempotency-key", non_ascii),
    )
    .await;
    let broken = send(server.post("/things", Some("\"unterminated"))).await;

    for reply in [too_long, unicode, broken] {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
        assert!(reply.is_problem());
    }
    assert_eq!(server.runs().await, 0);
}

#[tokio::test]
async fn a_5xx_releases_the_key_so_the_retry_runs_again() {
    let (_dir, server) = server().await;

    let first = send(server.post("/failing-things", Some("fail-1"))).await;
    let retry = send(server.post("/failing-things", Some("fail-1"))).await;

    assert_eq!(first.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(retry.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!retry.replayed());
    assert_eq!(server.runs().await, 2);
}

#[tokio::test]
async fn two_credentials_with_the_same_key_never_see_each_other() {
    let (_dir, server) = server().await;
    let as_user = |token: &str| {
        server
            .post("/things", Some("shared-key"))
            .header("authorization", format!("Bearer {token}"))
    };

    let alice = send(as_user("alice")).await;
    let bob = send(as_user("bob")).await;
    let alice_again = send(as_user("alice")).await;
    let bob_again = send(as_user("bob")).await;

    assert!(!alice.replayed() && !bob.replayed());
    assert_eq!(alice_again.body, alice.body);
    assert_eq!(bob_again.body, bob.body);
    assert!(alice_again.replayed() && bob_again.replayed());
    assert_eq!(server.runs().await, 2);
}
