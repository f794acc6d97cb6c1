//! The [`IdempotencyStore`] trait.

use std::fmt;

use async_trait::async_trait;

use crate::{
    ClaimOutcome, Fingerprint, Lease, LeaseToken, Record, RecordId, Retention, SavedResponse,
    StoreError,
};

/// Where idempotency records live: claim a key, save its response, replay it, expire it.
///
/// # The model
///
/// Each [`RecordId`] (scope and key) is in one of three states:
///
/// ```text
///            claim                      complete(token)
///  absent ───────────▶ in flight ─────────────────────────▶ completed
///    ▲                 (token, lease)                      (response, retention)
///    │   release(token), or the lease runs out                    │
///    ├─────────────────────────────────┘                          │
///    └────────────────────── the retention runs out ──────────────┘
/// ```
///
/// A record whose lease or retention has run out is *dead*: every operation treats it as
/// absent, whether or not it has been purged yet. A dead lease is lost for good, even if no
/// other claim has taken the key over yet.
///
/// # Guarantees every implementation gives
///
/// - **Atomic claims.** Of any number of concurrent [`claim`](Self::claim)s of one absent
///   or dead key, across tasks, store instances and processes sharing the backend, exactly
///   one returns [`ClaimOutcome::Acquired`].
/// - **Fenced writes.** [`complete`](Self::complete), [`release`](Self::release) and
///   [`renew`](Self::renew) act only while the token owns a live in-flight record; otherwise
///   they return [`StoreError::LeaseLost`] and change nothing. A worker whose lease ran out can
///   never overwrite a newer owner's record or response.
/// - **Isolated scopes.** Two different (scope, key) pairs never share a record, whatever
///   bytes they hold.
/// - **Exact replay.** A replayed response equals the saved one: status, every header in
///   order with repeats, every body byte.
/// - **No partial effects on error.** A call that returns
///   [`StoreError::InvalidInput`], [`StoreError::LeaseLost`] or [`StoreError::Corrupt`]
///   changed nothing. Input rules live in the types ([`RecordId`], [`Fingerprint`],
///   [`Lease`], [`Retention`]); the store itself checks only the response size.
/// - **Durability as the backend offers it.** Once `complete` returns `Ok`, the response is
///   as durable as the backend's documented settings make it.
///
/// Expiry decisions use one clock per backend (the database's or Redis's where the backend
/// is shared), so app servers whose clocks disagree still agree on who owns a key.
///
/// # Implementing a store
///
/// Draw tokens with [`LeaseToken::generate`], check responses with
/// [`SavedResponse::check_size`], keep responses with [`encode_response`] and
/// [`decode_response`] (or in columns of your own), and prove the contract by running the
/// conformance suite (`idempotency-store-conformance`) from your crate's tests.
///
/// [`encode_response`]: crate::encode_response
/// [`decode_response`]: crate::decode_response
#[async_trait]
pub trait IdempotencyStore: Send + Sync + fmt::Debug {
    /// Claims `id` for a request with `fingerprint`, atomically.
    ///
    /// - absent or dead: creates an in-flight record owned by a fresh token, live for
    ///   `lease`, and returns [`ClaimOutcome::Acquired`];
    /// - in flight, same fingerprint: [`ClaimOutcome::InFlight`] with the time left on the
    ///   lease;
    /// - completed, same fingerprint: [`ClaimOutcome::Replay`] with the saved response;
    /// - live (in flight or completed), other fingerprint: [`ClaimOutcome::Mismatch`].
    ///
    /// Only `Acquired` changes the store.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] when the live record cannot be decoded;
    /// [`StoreError::CapacityExceeded`] when a bounded store is full; backend failures as
    /// [`StoreError::Unavailable`], [`StoreError::Timeout`] or [`StoreError::Backend`].
    async fn claim(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        lease: Lease,
    ) -> Result<ClaimOutcome, StoreError>;

    /// Saves the response of the request that `token` claimed, and keeps the record for
    /// `retention` from now.
    ///
    /// Succeeds only while `token` owns the live in-flight record of `id`. For an absent,
    /// dead, completed or taken-over record it changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`] when `token` does not own a live in-flight record;
    /// [`StoreError::InvalidInput`] with [`InvalidInput::ResponseTooLarge`] when the
    /// response is over [`max_response_bytes`](Self::max_response_bytes) (the record stays
    /// in flight); backend failures as for [`claim`](Self::claim).
    ///
    /// [`InvalidInput::ResponseTooLarge`]: crate::InvalidInput::ResponseTooLarge
    async fn complete(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        response: &SavedResponse,
        retention: Retention,
    ) -> Result<(), StoreError>;

    /// Gives the key up: the owner's handler failed before any side effect, so the next
    /// claim should run it again. Afterwards `id` is absent.
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`] when `token` does not own a live in-flight record (absent,
    /// dead, completed, taken over); nothing changes. Backend failures as for
    /// [`claim`](Self::claim).
    async fn release(&self, id: &RecordId, token: &LeaseToken) -> Result<(), StoreError>;

    /// Extends the owner's lease to `lease` from now (a heartbeat for slow handlers).
    ///
    /// # Errors
    ///
    /// [`StoreError::LeaseLost`] when `token` does not own a live in-flight record (absent,
    /// dead, completed, taken over); nothing changes. Backend failures as for
    /// [`claim`](Self::claim).
    async fn renew(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<(), StoreError>;

    /// Reads the live record of `id` without claiming it: `None` when absent or dead.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] when the record cannot be decoded; backend failures as for
    /// [`claim`](Self::claim).
    async fn lookup(&self, id: &RecordId) -> Result<Option<Record>, StoreError>;

    /// Deletes dead records and returns how many it deleted.
    ///
    /// Live records are never touched. Backends whose records expire natively may return 0;
    /// dead records are treated as absent whether or not they were purged.
    ///
    /// # Errors
    ///
    /// Backend failures as for [`claim`](Self::claim).
    async fn purge_expired(&self) -> Result<u64, StoreError>;

    /// The largest response [`size`](SavedResponse::size) this store accepts.
    fn max_response_bytes(&self) -> usize;
}
