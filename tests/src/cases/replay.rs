//! Replays return exactly what was saved.

use idempotency_store::{ClaimOutcome, IdempotencyStore, RecordId, SavedResponse};

use crate::Backend;
use crate::support::{Ids, LONG, acquire_and_complete, assert_completed, fingerprint, lease};

async fn assert_replays(store: &dyn IdempotencyStore, id: &RecordId, saved: &SavedResponse) {
    let print = fingerprint(b"request");
    acquire_and_complete(store, id, &print, saved, LONG).await;

    for attempt in 1..=3 {
        match store.claim(id, &print, lease(LONG)).await {
            Ok(ClaimOutcome::Replay(replayed)) => assert!(
                replayed == *saved,
                "retry {attempt} replayed a different response (status {}, {} headers, {} body \
                 bytes) than was saved (status {}, {} headers, {} body bytes)",
                replayed.status,
                replayed.headers.len(),
                replayed.body.len(),
                saved.status,
                saved.headers.len(),
                saved.body.len()
            ),
            other => panic!("retry {attempt} should replay, got {other:?}"),
        }
    }
    assert_completed(store, id, &print, saved).await;
}

/// The status, every header in order with repeated names kept, header values with bytes
/// that are not UTF-8, a body holding every byte value, and trailers come back unchanged.
pub async fn replay_returns_identical_response(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("replay_returns_identical_response");
    let every_byte: Vec<u8> = (0..=255).collect();
    let saved = SavedResponse::new(402)
        .with_header("set-cookie", "a=1")
        .with_header("x-trace", "first")
        .with_header("set-cookie", "b=2")
        .with_header("x-binary", vec![0x80, 0xff, 0x00, b'z'])
        .with_header("set-cookie", "c=3")
        .with_header("x-empty", "")
        .with_body(every_byte.repeat(4))
        .with_trailer("grpc-status", "0")
        .with_trailer("x-checksum", vec![0x00, 0xfe])
        .with_trailer("grpc-status", "0");

    assert_replays(store.as_ref(), &ids.id("exotic"), &saved).await;
}

/// A 1 MiB body of every byte value is replayed byte for byte.
pub async fn replay_of_large_body_is_identical(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("replay_of_large_body_is_identical");
    let body: Vec<u8> = (0..1024 * 1024)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    let saved = SavedResponse::new(200)
        .with_header("content-type", "application/octet-stream")
        .with_body(body);

    assert_replays(store.as_ref(), &ids.id("one-mebibyte"), &saved).await;
}

/// A response with no header and no body is replayed as such.
pub async fn empty_response_round_trips(backend: &dyn Backend) {
    let store = backend.open().await;
    let ids = Ids::new("empty_response_round_trips");

    assert_replays(
        store.as_ref(),
        &ids.id("no-content"),
        &SavedResponse::new(204),
    )
    .await;
}
