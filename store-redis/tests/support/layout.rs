//! Damaging a stored record behind the store's back, in the store's record layout: one
//! string, `c` or `i`, the fingerprint's length byte, the fingerprint, then the response
//! (completed) or the 16-byte token (in flight).

use redis::aio::ConnectionLike;

/// A response that does not decode: codec version 1, then lengths far past the end.
pub(crate) const GARBAGE: &[u8] = b"\x01\xff\xff\xff not a response";

/// Replaces the response of the completed record at `key` with [`GARBAGE`], keeping its
/// header and its TTL (`SET ... KEEPTTL`).
pub(crate) async fn corrupt_response<C: ConnectionLike>(connection: &mut C, key: &[u8]) {
    let value: Vec<u8> = redis::cmd("GET")
        .arg(key)
        .query_async(connection)
        .await
        .expect("GET of the completed record");
    assert_eq!(value.first(), Some(&b'c'), "the record is completed");
    let header = 2 + usize::from(value[1]);
    assert!(
        value.len() > header,
        "the completed record holds a response"
    );
    let mut damaged = value[..header].to_vec();
    damaged.extend_from_slice(GARBAGE);
    let () = redis::cmd("SET")
        .arg(key)
        .arg(damaged)
        .arg("KEEPTTL")
        .query_async(connection)
        .await
        .expect("SET KEEPTTL of a garbage response");
}
