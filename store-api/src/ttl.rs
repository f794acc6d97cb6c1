//! Validated durations: how long a claim holds and how long a response is kept.

use std::time::Duration;

use crate::InvalidInput;

/// Defines a millisecond duration type that is valid from 1 ms to `$max_ms`.
macro_rules! bounded_duration {
    (
        $(#[$doc:meta])*
        $name:ident, max = $max_ms:expr, max_doc = $max_doc:literal, error = $error:ident
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            #[doc = concat!("The longest value: ", $max_doc, ".")]
            pub const MAX: $name = $name($max_ms);

            /// Validates a duration; any part below a millisecond is dropped.
            ///
            /// # Errors
            ///
            #[doc = concat!("[`InvalidInput::", stringify!($error), "`] below 1 ms or above ",
                $max_doc, ".")]
            pub fn new(duration: Duration) -> Result<Self, InvalidInput> {
                millis_in_range(duration, $max_ms)
                    .map(Self)
                    .ok_or(InvalidInput::$error(duration))
            }

            /// Validates a duration given in milliseconds.
            ///
            /// # Errors
            ///
            #[doc = concat!("As [`", stringify!($name), "::new`].")]
            pub fn from_millis(millis: u64) -> Result<Self, InvalidInput> {
                Self::new(Duration::from_millis(millis))
            }

            /// The duration in whole milliseconds, at least 1.
            pub fn as_millis(self) -> u64 {
                self.0
            }

            /// The duration as a [`Duration`].
            pub fn as_duration(self) -> Duration {
                Duration::from_millis(self.0)
            }
        }
    };
}

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

bounded_duration! {
    /// How long a claim holds a key before another claim may take it over.
    ///
    /// Millisecond resolution. Valid from 1 ms to [`Lease::MAX`] (30 days).
    Lease, max = 30 * DAY_MS, max_doc = "30 days", error = LeaseOutOfRange
}

bounded_duration! {
    /// How long a completed response is kept for replay.
    ///
    /// Millisecond resolution. Valid from 1 ms to [`Retention::MAX`] (365 days).
    Retention, max = 365 * DAY_MS, max_doc = "365 days", error = RetentionOutOfRange
}

fn millis_in_range(duration: Duration, max_millis: u64) -> Option<u64> {
    let millis = u64::try_from(duration.as_millis()).ok()?;
    (1..=max_millis).contains(&millis).then_some(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_sub_millisecond_is_zero() {
        assert!(Lease::from_millis(1).is_ok());
        assert_eq!(Lease::new(Duration::from_secs(30 * 86_400)), Ok(Lease::MAX));
        assert!(Lease::new(Duration::from_secs(30 * 86_400) + Duration::from_millis(1)).is_err());
        assert!(Lease::new(Duration::from_micros(999)).is_err());
        assert!(Lease::new(Duration::ZERO).is_err());
        assert!(Lease::new(Duration::MAX).is_err());
        assert_eq!(
            Retention::new(Duration::from_secs(365 * 86_400)),
            Ok(Retention::MAX)
        );
        assert!(Retention::new(Duration::from_secs(366 * 86_400)).is_err());
        assert!(Retention::new(Duration::ZERO).is_err());
    }

    #[test]
    fn sub_millisecond_part_is_dropped() {
        let lease = Lease::new(Duration::from_micros(1_999)).unwrap();
        assert_eq!(lease.as_millis(), 1);
    }
}
