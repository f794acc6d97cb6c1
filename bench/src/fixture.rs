//! The request and response every target uses.

use std::time::Duration;

use idempotency_store::{Fingerprint, Lease, Retention, SavedResponse, encode_response};

use crate::target::BenchError;

/// The scope of every benchmark record.
pub(crate) const SCOPE: &str = "bench";

/// How long a claim holds: far longer than any measurement.
pub(crate) const LEASE: Duration = Duration::from_secs(60);

/// How long a completed record is kept: long enough for the run, short enough that a
/// record left behind by a crash expires on its own.
pub(crate) const RETENTION: Duration = Duration::from_secs(15 * 60);

/// The request, the response and their encodings, built once.
#[derive(Debug, Clone)]
pub(crate) struct Fixture {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) lease: Lease,
    pub(crate) retention: Retention,
    pub(crate) response: SavedResponse,
    /// The response as the stores' shared codec writes it, for the raw baselines.
    pub(crate) encoded: Vec<u8>,
}

impl Fixture {
    pub(crate) fn new() -> Result<Self, BenchError> {
        let body: Vec<u8> = br#"{"id":"ord_0123456789","status":"accepted","amount":4200,"#
            .iter()
            .chain(br#""currency":"EUR","items":[{"sku":"A-1","qty":2},{"sku":"B-7","#)
            .chain(br#""qty":1}],"note":"created by the benchmark harness"}"#)
            .copied()
            .collect();
        let response = SavedResponse::new(201)
            .with_header("content-type", "application/json")
            .with_body(body);
        let encoded = encode_response(&response)?;
        Ok(Self {
            fingerprint: Fingerprint::new([0x5a; 32])?,
            lease: Lease::new(LEASE)?,
            retention: Retention::new(RETENTION)?,
            response,
            encoded,
        })
    }

    /// The lease in whole milliseconds.
    pub(crate) fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// The retention in whole milliseconds.
    pub(crate) fn retention_ms(&self) -> i64 {
        i64::try_from(self.retention.as_millis()).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_is_about_200_bytes() {
        let fixture = Fixture::new().unwrap();
        let size = fixture.response.size();
        assert!((180..=220).contains(&size), "{size}");
        assert!(fixture.encoded.len() > size);
    }
}
