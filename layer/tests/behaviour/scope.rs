//! Scopes: credentials never share a record; a hook can scope by an authenticated user.

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};

use crate::common::{Harness, send};

fn with_auth(key: &str, credential: &str) -> Request<Body> {
    Request::post("/things")
        .header("idempotency-key", key)
        .header("authorization", credential)
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn two_credentials_with_one_key_never_share_a_record() {
    let harness = Harness::new(|layer| layer);

    let alice = harness.send(with_auth("shared-1", "Bearer alice")).await;
    let bob = harness.send(with_auth("shared-1", "Bearer bob")).await;
    let anonymous = harness
        .send(crate::common::keyed("/things", "shared-1", ""))
        .await;
    let alice_again = harness.send(with_auth("shared-1", "Bearer alice")).await;

    assert!(!bob.replayed() && !anonymous.replayed());
    assert_ne!(alice.body, bob.body);
    assert_eq!(alice_again.body, alice.body);
    assert!(alice_again.replayed());
    assert_eq!(harness.runs(), 3);
}

#[derive(Clone)]
struct UserId(u64);

fn user_scope(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<UserId>()
        .map(|user| format!("user:{}", user.0))
}

fn as_user(key: &str, user: Option<u64>) -> Request<Body> {
    let mut request = crate::common::keyed("/things", key, "");
    if let Some(user) = user {
        request.extensions_mut().insert(UserId(user));
    }
    request
}

#[tokio::test]
async fn a_hook_can_scope_by_the_principal_an_auth_layer_found() {
    let harness = Harness::new(|layer| layer.scope(user_scope));

    let first = send(&harness.app, as_user("user-key", Some(7))).await;
    let same_user = send(&harness.app, as_user("user-key", Some(7))).await;
    let other_user = send(&harness.app, as_user("user-key", Some(8))).await;
    let nobody = send(&harness.app, as_user("user-key", None)).await;

    assert!(same_user.replayed());
    assert_eq!(same_user.body, first.body);
    assert!(!other_user.replayed());
    assert_eq!(nobody.status, StatusCode::FORBIDDEN);
    assert_eq!(nobody.problem(), "idempotency-scope-refused");
    assert_eq!(harness.runs(), 2);
}
