//! What a claim returns and what a lookup sees.

use std::time::Duration;

use crate::{Fingerprint, LeaseToken, SavedResponse};

/// The result of [`claim`](crate::IdempotencyStore::claim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The key was absent (or dead) and now belongs to the caller until the lease runs out.
    /// Run the handler, then [`complete`](crate::IdempotencyStore::complete) or
    /// [`release`](crate::IdempotencyStore::release) with this token.
    Acquired(LeaseToken),
    /// Another request with the same fingerprint holds the key. Its lease runs out in
    /// `retry_after` (never zero); an HTTP layer answers 409 with `Retry-After`.
    InFlight {
        /// Time left on the owner's lease.
        retry_after: Duration,
    },
    /// The request already completed with this response: replay it.
    Replay(SavedResponse),
    /// A live record under this key has a different fingerprint: the client reused the key
    /// for another request. An HTTP layer answers 422.
    Mismatch,
}

/// A live record as [`lookup`](crate::IdempotencyStore::lookup) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The fingerprint of the request that claimed the key.
    pub fingerprint: Fingerprint,
    /// Where the record stands.
    pub state: RecordState,
}

/// Where a live record stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordState {
    /// Claimed and not yet completed.
    InFlight {
        /// Time left on the lease.
        lease_remaining: Duration,
    },
    /// Completed; the response is replayed until the retention runs out.
    Completed {
        /// The saved response.
        response: SavedResponse,
        /// Time left before the record expires.
        retention_remaining: Duration,
    },
}
