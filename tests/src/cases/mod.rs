//! One public async function per behaviour of the contract.
//!
//! Each takes the [`Backend`](crate::Backend) under test, uses keys no other case or run
//! uses, and panics with a message naming the broken rule. The
//! [`conformance_tests!`](crate::conformance_tests) macro turns each into a test.

mod claim;
mod durability;
mod expiry;
mod fencing;
mod input;
mod race;
mod replay;
mod scopes;

pub use claim::{
    duplicate_claim_reports_in_flight, fresh_claim_is_acquired, lookup_of_absent_key_is_none,
    mismatch_after_completion, mismatch_while_in_flight,
};
pub use durability::{completed_record_survives_reopen, corrupt_record_is_reported_not_replayed};
pub use expiry::{
    completed_record_expires_after_retention, expired_lease_is_taken_over_and_old_token_is_dead,
    expired_lease_without_takeover_is_lost, purge_removes_only_expired_records,
    renew_keeps_record_alive_past_its_first_lease,
};
pub use fencing::{
    absent_key_rejects_any_token, completed_record_rejects_its_own_token,
    release_then_claim_acquires_again, wrong_token_changes_nothing,
};
pub use input::{
    invalid_durations_and_fingerprints_are_rejected, invalid_scopes_and_keys_are_rejected,
    response_over_the_limit_is_rejected_and_record_unchanged,
};
pub use race::{
    concurrent_claims_of_one_key_acquire_exactly_once,
    concurrent_takeovers_of_a_dead_claim_acquire_exactly_once,
};
pub use replay::{
    empty_response_round_trips, replay_of_large_body_is_identical,
    replay_returns_identical_response,
};
pub use scopes::{
    keys_with_spaces_and_quotes_are_kept_exactly, scope_and_key_boundaries_never_collide,
    scopes_are_isolated,
};
