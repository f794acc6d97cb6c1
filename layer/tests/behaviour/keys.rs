//! Which requests the layer handles, and how it reads their key.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::common::{Harness, keyed, unkeyed};

#[tokio::test]
async fn without_a_key_requests_pass_through_untouched() {
    let harness = Harness::new(|layer| layer);

    let first = harness.send(unkeyed("/things")).await;
    let second = harness.send(unkeyed("/things")).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.json()["run"], 1);
    assert_eq!(second.json()["run"], 2);
    assert!(!first.replayed() && !second.replayed());
}

#[tokio::test]
async fn a_route_that_requires_a_key_answers_400_without_one() {
    let harness = Harness::new(|layer| layer.require_key(true));

    let reply = harness.send(unkeyed("/things")).await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.problem(), "idempotency-key-missing");
    assert_eq!(harness.runs(), 0);
}

#[tokio::test]
async fn malformed_keys_answer_400_and_run_nothing() {
    let harness = Harness::new(|layer| layer);
    let long = "k".repeat(256);
    let bad: [&[u8]; 5] = [
        b"caf\xc3\xa9",
        long.as_bytes(),
        b"\"unterminated",
        b"\"\"",
        b"\"bad \\e escape\"",
    ];

    for value in bad {
        let request = Request::post("/things")
            .header("idempotency-key", value)
            .body(Body::empty())
            .expect("request");
        let reply = harness.send(request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{value:?}");
        assert_eq!(reply.problem(), "idempotency-key-malformed");
    }
    let twice = Request::post("/things")
        .header("idempotency-key", "a")
        .header("idempotency-key", "b")
        .body(Body::empty())
        .expect("request");
    assert_eq!(harness.send(twice).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(harness.runs(), 0);
}

#[tokio::test]
async fn the_quoted_sf_string_form_names_the_same_key_as_the_bare_form() {
    let harness = Harness::new(|layer| layer);

    let bare = harness.send(keyed("/things", "quoted-1", "")).await;
    let quoted = harness.send(keyed("/things", "\"quoted-1\"", "")).await;

    assert_eq!(quoted.body, bare.body);
    assert!(quoted.replayed());
    assert_eq!(harness.runs(), 1);
}

#[tokio::test]
async fn keys_with_spaces_and_escaped_quotes_are_kept_exactly() {
    let harness = Harness::new(|layer| layer);

    harness
        .send(keyed("/things", "\"a \\\"b\\\" c\"", ""))
        .await;

    assert!(harness.record("a \"b\" c").await.is_some());
}

#[tokio::test]
async fn other_methods_pass_through_even_with_a_key() {
    let harness = Harness::new(|layer| layer);
    let get = || {
        Request::get("/things")
            .header("idempotency-key", "get-1")
            .body(Body::empty())
            .expect("request")
    };

    harness.send(get()).await;
    let second = harness.send(get()).await;

    assert!(!second.replayed());
    assert_eq!(harness.runs(), 2);
    assert!(harness.record("get-1").await.is_none());
}

#[tokio::test]
async fn patch_is_handled_by_default_and_the_method_list_is_configurable() {
    let request = |method: Method, key: &str| {
        Request::builder()
            .method(method)
            .uri("/things")
            .header("idempotency-key", key)
            .body(Body::empty())
            .expect("request")
    };
    let default = Harness::new(|layer| layer);
    default.send(request(Method::PATCH, "patch-1")).await;
    assert!(
        default
            .send(request(Method::PATCH, "patch-1"))
            .await
            .replayed()
    );

    let put_only = Harness::new(|layer| layer.methods([Method::PUT]));
    put_only.send(request(Method::PUT, "put-1")).await;
    assert!(
        put_only
            .send(request(Method::PUT, "put-1"))
            .await
            .replayed()
    );
    put_only.send(request(Method::POST, "post-1")).await;
    assert!(
        !put_only
            .send(request(Method::POST, "post-1"))
            .await
            .replayed()
    );
    assert_eq!(put_only.runs(), 3);
}
