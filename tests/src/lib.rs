#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::sync::Arc;

use idempotency_store::{IdempotencyStore, RecordId};

pub mod cases;
mod support;

/// The attribute that implementations of [`Backend`] need, re-exported so a backend's tests
/// need no dependency of their own for it.
pub use async_trait::async_trait;
#[doc(hidden)]
pub use support::runtime;

/// The backend under test, as the suite sees it.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Opens a store on the backend under test.
    ///
    /// When [`Capabilities::instances_share_records`] is true, every store opened here sees
    /// the same records (the same file, database or server), as separate app processes
    /// would; a store opened after another was dropped still sees what it completed.
    async fn open(&self) -> Arc<dyn IdempotencyStore>;

    /// What this backend offers; every capability is on by default.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    /// Overwrites the saved response of `id`'s completed record with bytes that do not
    /// decode, behind the store's back. Returns false when the backend keeps responses in a
    /// form that cannot be corrupt (typed values in memory).
    async fn corrupt_response(&self, id: &RecordId) -> bool {
        let _ = id;
        false
    }
}

/// What a backend legitimately may or may not offer. Cases that need a capability the
/// backend lacks print why they do not apply and pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Stores from separate [`Backend::open`] calls share one set of records, and a store
    /// opened after another was dropped still sees its records.
    pub instances_share_records: bool,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            instances_share_records: true,
        }
    }
}

impl Capabilities {
    /// Capabilities of a backend whose instances each keep records of their own.
    pub fn isolated_instances() -> Self {
        Self {
            instances_share_records: false,
        }
    }
}

/// Expands to one `#[test]` per conformance case for a backend.
///
/// The argument is an async function (or closure returning a future) that makes the
/// [`Backend`]. Each test builds its own multi-threaded Tokio runtime, makes a backend and
/// runs one case; cases use keys of their own, so they run in parallel.
///
/// ```ignore
/// async fn backend() -> MyBackend { MyBackend::connect().await }
///
/// idempotency_store_conformance::conformance_tests!(backend);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($make_backend:expr) => {
        $crate::__conformance_cases!(
            $make_backend;
            fresh_claim_is_acquired,
            lookup_of_absent_key_is_none,
            duplicate_claim_reports_in_flight,
            replay_returns_identical_response,
            replay_of_large_body_is_identical,
            empty_response_round_trips,
            response_over_the_limit_is_rejected_and_record_unchanged,
            mismatch_while_in_flight,
            mismatch_after_completion,
            release_then_claim_acquires_again,
            wrong_token_changes_nothing,
            completed_record_rejects_its_own_token,
            absent_key_rejects_any_token,
            expired_lease_is_taken_over_and_old_token_is_dead,
            expired_lease_without_takeover_is_lost,
            renew_keeps_record_alive_past_its_first_lease,
            completed_record_expires_after_retention,
            purge_removes_only_expired_records,
            scopes_are_isolated,
            scope_and_key_boundaries_never_collide,
            keys_with_spaces_and_quotes_are_kept_exactly,
            invalid_scopes_and_keys_are_rejected,
            invalid_durations_and_fingerprints_are_rejected,
            concurrent_claims_of_one_key_acquire_exactly_once,
            concurrent_takeovers_of_a_dead_claim_acquire_exactly_once,
            completed_record_survives_reopen,
            corrupt_record_is_reported_not_replayed,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make_backend:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::runtime().block_on(async {
                    let backend = ($make_backend)().await;
                    $crate::cases::$case(&backend).await;
                });
            }
        )*
    };
}
