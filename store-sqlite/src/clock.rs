//! The one clock every expiry decision uses: the machine's wall clock in Unix milliseconds.
//!
//! Every process sharing a file runs on the same machine, so they all read the same clock
//! and agree on who owns a key. A clock set backwards makes records live longer than asked;
//! one set forwards makes them die early.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch now; 0 for a clock set before 1970.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The instant `span` after `now`, in the same milliseconds.
pub(crate) fn after(now: i64, span_millis: u64) -> i64 {
    now.saturating_add(i64::try_from(span_millis).unwrap_or(i64::MAX))
}

/// The time left from `now` until `expires_at`; zero when it is already past.
pub(crate) fn left(now: i64, expires_at: i64) -> Duration {
    Duration::from_millis(u64::try_from(expires_at.saturating_sub(now)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(after(i64::MAX - 1, 5), i64::MAX);
        assert_eq!(left(10, 4), Duration::ZERO);
        assert_eq!(
            left(i64::MIN, i64::MAX),
            Duration::from_millis(i64::MAX as u64)
        );
        assert_eq!(left(100, 350), Duration::from_millis(250));
        assert!(now_millis() > 1_600_000_000_000);
    }
}
