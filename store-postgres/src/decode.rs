//! Turning the rows the statements return into the contract's values.

use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, Record, RecordState, StoreError, decode_response,
};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::error::map_sqlx;

/// What one run of the claim statement found.
pub(crate) enum ClaimRow {
    /// The claim inserted its record, or replaced a dead one (`took_over`).
    Acquired { took_over: bool },
    /// A live record answered.
    Live(ClaimOutcome),
}

/// Reads a row of [`CLAIM`](crate::sql::CLAIM).
pub(crate) fn claim_row(row: &PgRow) -> Result<ClaimRow, StoreError> {
    let acquired: bool = get(row, "acquired")?;
    if acquired {
        let took_over: bool = get(row, "took_over")?;
        return Ok(ClaimRow::Acquired { took_over });
    }
    let state: String = get(row, "state")?;
    let same_fingerprint: bool = get(row, "same_fingerprint")?;
    let remaining = remaining(row)?;
    if !same_fingerprint {
        return Ok(ClaimRow::Live(ClaimOutcome::Mismatch));
    }
    let outcome = match state.as_str() {
        "in_flight" => ClaimOutcome::InFlight {
            retry_after: remaining,
        },
        "completed" => ClaimOutcome::Replay(response(row)?),
        other => return Err(unknown_state(other)),
    };
    Ok(ClaimRow::Live(outcome))
}

/// Reads a row of [`LOOKUP`](crate::sql::LOOKUP).
pub(crate) fn lookup_row(row: &PgRow) -> Result<Record, StoreError> {
    let state: String = get(row, "state")?;
    let fingerprint: Vec<u8> = get(row, "fingerprint")?;
    let fingerprint = Fingerprint::new(fingerprint)
        .map_err(|_| StoreError::corrupt("stored fingerprint is longer than 64 bytes"))?;
    let remaining = remaining(row)?;
    let state = match state.as_str() {
        "in_flight" => RecordState::InFlight {
            lease_remaining: remaining,
        },
        "completed" => RecordState::Completed {
            response: response(row)?,
            retention_remaining: remaining,
        },
        other => return Err(unknown_state(other)),
    };
    Ok(Record { fingerprint, state })
}

fn response(row: &PgRow) -> Result<idempotency_store::SavedResponse, StoreError> {
    let bytes: Option<Vec<u8>> = get(row, "response")?;
    match bytes {
        Some(bytes) => decode_response(&bytes),
        None => Err(StoreError::corrupt(
            "completed record has no stored response",
        )),
    }
}

fn remaining(row: &PgRow) -> Result<Duration, StoreError> {
    let millis: i64 = get(row, "remaining_ms")?;
    let millis = u64::try_from(millis)
        .map_err(|_| StoreError::corrupt("record reports a negative time left"))?;
    Ok(Duration::from_millis(millis.max(1)))
}

fn unknown_state(state: &str) -> StoreError {
    StoreError::corrupt(format!("record has unknown state {state:?}"))
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(|e| map_sqlx("decode", e))
}
