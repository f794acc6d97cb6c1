//! Turns the scripts' replies into the contract's types.
//!
//! Replies are small arrays whose first element names the outcome (see the scripts in
//! `src/lua/`). A reply of any other shape is a [`StoreError::Backend`] with an
//! [`UnexpectedReply`] source; a record the scripts call corrupt, or whose response does not
//! decode, is [`StoreError::Corrupt`].

use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, LeaseToken, Record, RecordState, StoreError, decode_response,
};
use redis::Value;

use crate::error::UnexpectedReply;

/// The reply of `claim`, given the token the call offered.
pub(crate) fn claim(reply: Value, token: LeaseToken) -> Result<ClaimOutcome, StoreError> {
    let items = array(reply)?;
    match (tag(&items)?, &items[1..]) {
        (b"acquired", []) => Ok(ClaimOutcome::Acquired(token)),
        (b"mismatch", []) => Ok(ClaimOutcome::Mismatch),
        (b"in_flight", [ttl]) => Ok(ClaimOutcome::InFlight {
            retry_after: remaining(ttl)?,
        }),
        (b"replay", [response]) => Ok(ClaimOutcome::Replay(decode_response(bytes(response)?)?)),
        (b"corrupt", [reason]) => Err(corrupt(reason)),
        _ => Err(unexpected("claim reply of an unknown shape")),
    }
}

/// The reply of `complete`, `release` or `renew`: whether the token owned the record.
pub(crate) fn fenced(reply: &Value) -> Result<(), StoreError> {
    match reply {
        Value::Int(1) => Ok(()),
        Value::Int(0) => Err(StoreError::LeaseLost),
        _ => Err(unexpected("fenced write reply is not 0 or 1")),
    }
}

/// The reply of `lookup`.
pub(crate) fn lookup(reply: Value) -> Result<Option<Record>, StoreError> {
    let items = array(reply)?;
    if items.is_empty() {
        return Ok(None);
    }
    let state = match (tag(&items)?, &items[1..]) {
        (b"in_flight", [fingerprint, ttl]) => (
            fingerprint,
            RecordState::InFlight {
                lease_remaining: remaining(ttl)?,
            },
        ),
        (b"completed", [fingerprint, ttl, response]) => (
            fingerprint,
            RecordState::Completed {
                response: decode_response(bytes(response)?)?,
                retention_remaining: remaining(ttl)?,
            },
        ),
        (b"corrupt", [reason]) => return Err(corrupt(reason)),
        _ => return Err(unexpected("lookup reply of an unknown shape")),
    };
    let (fingerprint, state) = state;
    let fingerprint = Fingerprint::new(bytes(fingerprint)?.to_vec())
        .map_err(|_| StoreError::corrupt("the stored fingerprint is over 64 bytes"))?;
    Ok(Some(Record { fingerprint, state }))
}

fn array(reply: Value) -> Result<Vec<Value>, StoreError> {
    match reply {
        Value::Array(items) => Ok(items),
        _ => Err(unexpected("script reply is not an array")),
    }
}

fn tag(items: &[Value]) -> Result<&[u8], StoreError> {
    items
        .first()
        .ok_or_else(|| unexpected("script reply is empty"))
        .and_then(bytes)
}

fn bytes(value: &Value) -> Result<&[u8], StoreError> {
    match value {
        Value::BulkString(bytes) => Ok(bytes),
        Value::SimpleString(text) => Ok(text.as_bytes()),
        _ => Err(unexpected(
            "script reply holds a non-string where a string belongs",
        )),
    }
}

/// A PTTL in milliseconds as a duration of at least 1 ms (the record is live, so some time
/// is left even when Redis rounds it down to zero).
fn remaining(value: &Value) -> Result<Duration, StoreError> {
    match value {
        Value::Int(millis) => Ok(Duration::from_millis(
            u64::try_from(*millis).unwrap_or(0).max(1),
        )),
        _ => Err(unexpected(
            "script reply holds a non-integer where a TTL belongs",
        )),
    }
}

fn corrupt(reason: &Value) -> StoreError {
    let reason = bytes(reason).map_or("the record is damaged".into(), String::from_utf8_lossy);
    tracing::error!(reason = %reason, "corrupt redis record");
    StoreError::corrupt(reason)
}

fn unexpected(what: &'static str) -> StoreError {
    tracing::error!(what, "unexpected redis reply");
    StoreError::backend(UnexpectedReply(what))
}

#[cfg(test)]
mod tests {
    use idempotency_store::{SavedResponse, encode_response};

    use super::*;

    fn bulk(bytes: &[u8]) -> Value {
        Value::BulkString(bytes.to_vec())
    }

    fn token() -> LeaseToken {
        LeaseToken::from_bytes([7; 16])
    }

    #[test]
    fn claim_replies_map_to_outcomes() {
        let saved = SavedResponse::new(201).with_body(vec![0, 255]);
        let encoded = encode_response(&saved).unwrap();

        let acquired = claim(Value::Array(vec![bulk(b"acquired")]), token());
        let in_flight = claim(
            Value::Array(vec![bulk(b"in_flight"), Value::Int(0)]),
            token(),
        );
        let replay = claim(Value::Array(vec![bulk(b"replay"), bulk(&encoded)]), token());

        assert_eq!(acquired.unwrap(), ClaimOutcome::Acquired(token()));
        assert_eq!(
            in_flight.unwrap(),
            ClaimOutcome::InFlight {
                retry_after: Duration::from_millis(1)
            }
        );
        assert_eq!(replay.unwrap(), ClaimOutcome::Replay(saved));
    }

    #[test]
    fn damaged_records_are_corrupt_and_odd_replies_are_backend_errors() {
        let garbage = claim(
            Value::Array(vec![bulk(b"replay"), bulk(b"\x09junk")]),
            token(),
        );
        let flagged = lookup(Value::Array(vec![bulk(b"corrupt"), bulk(b"no state")]));
        let odd = claim(Value::Int(3), token());
        let short = lookup(Value::Array(vec![bulk(b"in_flight")]));

        assert!(
            matches!(garbage, Err(StoreError::Corrupt { .. })),
            "{garbage:?}"
        );
        assert!(
            matches!(flagged, Err(StoreError::Corrupt { .. })),
            "{flagged:?}"
        );
        assert!(matches!(odd, Err(StoreError::Backend { .. })), "{odd:?}");
        assert!(
            matches!(short, Err(StoreError::Backend { .. })),
            "{short:?}"
        );
    }

    #[test]
    fn fenced_replies_are_ok_or_lease_lost() {
        assert!(fenced(&Value::Int(1)).is_ok());
        assert!(matches!(fenced(&Value::Int(0)), Err(StoreError::LeaseLost)));
        assert!(matches!(
            fenced(&Value::Nil),
            Err(StoreError::Backend { .. })
        ));
    }
}
