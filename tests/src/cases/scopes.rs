//! Scopes and keys address records exactly and injectively.

use idempotency_store::{ClaimOutcome, RecordId, SavedResponse};

use crate::Backend;
use crate::support::{
    Ids, LONG, acquire, assert_absent, assert_completed, fingerprint, lease, response, retention,
};

/// The same key in two scopes is two records: each is acquired, completed and replayed on
/// its own, so one user's response never reaches another who picked the same key.
pub async fn scopes_are_isolated(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("scopes_are_isolated");
    let (alice, bob) = (
        ids.in_scope(" alice", "same-key"),
        ids.in_scope(" bob", "same-key"),
    );
    let print = fingerprint(b"identical request");

    let alice_token = acquire(store.as_ref(), &alice, &print, LONG).await;
    let bob_token = acquire(store.as_ref(), &bob, &print, LONG).await;
    let (for_alice, for_bob) = (response("alice's card"), response("bob's card"));
    store
        .complete(&alice, &alice_token, &for_alice, retention(LONG))
        .await
        .expect("alice");
    store
        .complete(&bob, &bob_token, &for_bob, retention(LONG))
        .await
        .expect("bob");

    assert_completed(store.as_ref(), &alice, &print, &for_alice).await;
    assert_completed(store.as_ref(), &bob, &print, &for_bob).await;
    assert_absent(store.as_ref(), &ids.in_scope(" carol", "same-key")).await;
}

/// Every way of cutting one string into a scope and a key names a record of its own:
/// `("a:b", "c")` and `("a", "b:c")` never meet, whatever separator a backend might use.
pub async fn scope_and_key_boundaries_never_collide(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("scope_and_key_boundaries_never_collide");
    let joined = format!("{}a:b/c|d e%3A\\f\"g'h{{i}}:", ids.scope());
    let splits: Vec<RecordId> = (ids.scope().len()..joined.len())
        .filter_map(|cut| RecordId::new(&joined[..cut], &joined[cut..]).ok())
        .collect();
    assert!(
        splits.len() > 20,
        "the case needs many splits, has {}",
        splits.len()
    );
    let print = fingerprint(b"request");

    for (index, id) in splits.iter().enumerate() {
        let token = match store.claim(id, &print, lease(LONG)).await {
            Ok(ClaimOutcome::Acquired(token)) => token,
            other => panic!("split {index} {id:?} met an earlier split's record: {other:?}"),
        };
        let saved = SavedResponse::new(200).with_body(index.to_string());
        store
            .complete(id, &token, &saved, retention(LONG))
            .await
            .expect("owner completes");
    }

    for (index, id) in splits.iter().enumerate() {
        let saved = SavedResponse::new(200).with_body(index.to_string());
        assert_completed(store.as_ref(), id, &print, &saved).await;
    }
}

/// Keys that differ only in spaces, quotes or escapes are different records, and each is
/// found again by exactly the bytes it was claimed with.
pub async fn keys_with_spaces_and_quotes_are_kept_exactly(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("keys_with_spaces_and_quotes_are_kept_exactly");
    let keys = [
        "a b",
        "a  b",
        " a b",
        "a b ",
        "\"a b\"",
        "'a b'",
        "a\\b",
        "a\\\\b",
        "a%20b",
        "a\"b",
        "' OR '1'='1",
        "KEYS *",
        "{a}b",
        "a{b}",
        "~",
    ];
    let print = fingerprint(b"request");

    for key in keys {
        let id = ids.id(key);
        let token = acquire(store.as_ref(), &id, &print, LONG).await;
        let saved = response(key);
        store
            .complete(&id, &token, &saved, retention(LONG))
            .await
            .expect("owner completes");
    }

    for key in keys {
        let id = ids.id(key);
        assert_eq!(id.key(), key);
        assert_completed(store.as_ref(), &id, &print, &response(key)).await;
    }
}
