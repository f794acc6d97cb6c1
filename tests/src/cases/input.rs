//! Bad input is refused with a typed error and changes nothing.

use std::time::Duration;

use idempotency_store::{
    Fingerprint, InvalidInput, Lease, RecordId, Retention, SavedResponse, StoreError,
};

use crate::Backend;
use crate::support::{
    Ids, LONG, acquire, assert_absent, assert_completed, assert_in_flight, fingerprint, retention,
};

/// A response one byte over the store's limit is refused with `ResponseTooLarge`, the
/// record stays in flight, and a response of exactly the limit is then accepted.
pub async fn response_over_the_limit_is_rejected_and_record_unchanged(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("response_over_the_limit_is_rejected_and_record_unchanged");
    let id = ids.id("big");
    let print = fingerprint(b"request");
    let token = acquire(store.as_ref(), &id, &print, LONG).await;
    let limit = store.max_response_bytes();
    let header = (
        "content-type".to_owned(),
        b"application/octet-stream".to_vec(),
    );
    let header_size = header.0.len() + header.1.len();
    let at_limit = SavedResponse::new(200)
        .with_header(header.0, header.1)
        .with_body(vec![0xa5; limit - header_size]);
    let mut over_limit = at_limit.clone();
    over_limit.body.push(0x5a);

    let refused = store
        .complete(&id, &token, &over_limit, retention(LONG))
        .await;

    match refused {
        Err(StoreError::InvalidInput(InvalidInput::ResponseTooLarge { size, limit: said })) => {
            assert_eq!((size, said), (limit + 1, limit));
        }
        other => panic!("an oversized response should be ResponseTooLarge, got {other:?}"),
    }
    assert_in_flight(store.as_ref(), &id, &print).await;
    store
        .complete(&id, &token, &at_limit, retention(LONG))
        .await
        .expect("a response of exactly the limit is accepted");
    assert_completed(store.as_ref(), &id, &print, &at_limit).await;
}

/// Empty, oversized and badly formed scopes and keys are refused with the rule they break;
/// the limits themselves are accepted, and nothing is written by a refusal.
pub async fn invalid_scopes_and_keys_are_rejected(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("invalid_scopes_and_keys_are_rejected");
    let scope = ids.scope();
    let cases: Vec<(String, String, InvalidInput)> = vec![
        (String::new(), "k".into(), InvalidInput::EmptyScope),
        (scope.into(), String::new(), InvalidInput::EmptyKey),
        (
            "s".repeat(256),
            "k".into(),
            InvalidInput::ScopeTooLong { len: 256 },
        ),
        (
            scope.into(),
            "k".repeat(256),
            InvalidInput::KeyTooLong { len: 256 },
        ),
        (
            format!("{scope}\0"),
            "k".into(),
            InvalidInput::ScopeControlCharacter { index: scope.len() },
        ),
        (
            format!("{scope}\n"),
            "k".into(),
            InvalidInput::ScopeControlCharacter { index: scope.len() },
        ),
        (
            scope.into(),
            "a\nb".into(),
            InvalidInput::KeyNotPrintableAscii {
                index: 1,
                byte: b'\n',
            },
        ),
        (
            scope.into(),
            "a\0b".into(),
            InvalidInput::KeyNotPrintableAscii { index: 1, byte: 0 },
        ),
        (
            scope.into(),
            "a\u{7f}".into(),
            InvalidInput::KeyNotPrintableAscii {
                index: 1,
                byte: 0x7f,
            },
        ),
        (
            scope.into(),
            "caf\u{e9}".into(),
            InvalidInput::KeyNotPrintableAscii {
                index: 3,
                byte: 0xc3,
            },
        ),
    ];

    for (bad_scope, bad_key, expected) in cases {
        let result = RecordId::new(bad_scope.clone(), bad_key.clone());
        assert_eq!(
            result,
            Err(expected),
            "scope {bad_scope:?}, key {bad_key:?}"
        );
    }

    let longest_scope = format!("{scope}{}", "s".repeat(255 - scope.len()));
    let longest = RecordId::new(longest_scope, "k".repeat(255))
        .expect("255-byte scopes and keys are accepted");
    assert_absent(store.as_ref(), &ids.id("k")).await;
    acquire(store.as_ref(), &longest, &fingerprint(b"request"), LONG).await;
    assert_in_flight(store.as_ref(), &longest, &fingerprint(b"request")).await;
}

/// Zero and absurd leases and retentions, and fingerprints over 64 bytes, are refused; the
/// bounds themselves are accepted and a 64-byte fingerprint round-trips.
pub async fn invalid_durations_and_fingerprints_are_rejected(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("invalid_durations_and_fingerprints_are_rejected");
    let day = Duration::from_secs(86_400);
    let over_lease = 30 * day + Duration::from_millis(1);
    let over_retention = 365 * day + Duration::from_millis(1);

    assert_eq!(
        Lease::new(Duration::ZERO),
        Err(InvalidInput::LeaseOutOfRange(Duration::ZERO))
    );
    assert_eq!(
        Lease::new(over_lease),
        Err(InvalidInput::LeaseOutOfRange(over_lease))
    );
    assert_eq!(
        Retention::new(Duration::ZERO),
        Err(InvalidInput::RetentionOutOfRange(Duration::ZERO))
    );
    assert_eq!(
        Retention::new(over_retention),
        Err(InvalidInput::RetentionOutOfRange(over_retention))
    );
    assert_eq!(
        Fingerprint::new(vec![7; 65]),
        Err(InvalidInput::FingerprintTooLong { len: 65 })
    );

    let widest = Fingerprint::new(vec![0xee; 64]).expect("64 bytes are accepted");
    let id = ids.id("bounds");
    let token = match store.claim(&id, &widest, Lease::MAX).await {
        Ok(idempotency_store::ClaimOutcome::Acquired(token)) => token,
        other => panic!("a claim with the longest lease should be Acquired, got {other:?}"),
    };
    assert_in_flight(store.as_ref(), &id, &widest).await;
    let saved = SavedResponse::new(200);
    store
        .complete(&id, &token, &saved, Retention::MAX)
        .await
        .expect("the longest retention is accepted");
    assert_completed(store.as_ref(), &id, &widest, &saved).await;
}
