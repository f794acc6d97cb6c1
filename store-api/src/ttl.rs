//! Validated durations: how long a claim holds and how long a response is kept.

use std::time::Duration;

use crate::InvalidInput;

/// How long a claim holds a key before another claim may take it over.
///
/// Millisecond resolution: any part below a millisecond is dropped. Valid from 1 ms to
/// [`Lease::MAX`] (30 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lease(u64);

/// How long a completed response is kept for replay.
///
/// Millisecond resolution: any part below a millisecond is dropped. Valid from 1 ms to
/// [`Retention::MAX`] (365 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Retention(u64);

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

impl Lease {
    /// The longest lease: 30 days.
    pub const MAX: Lease = Lease(30 * DAY_MS);

    /// Validates a lease duration.
    ///
    /// # Errors
    ///
    /// [`InvalidInput::LeaseOutOfRange`] below 1 ms or above 30 days.
    pub fn new(duration: Duration) -> Result<Self, InvalidInput> {
        millis_in_range(duration, Self::MAX.0)
            .map(Self)
            .ok_or(InvalidInput::LeaseOutOfRange(duration))
    }

    /// Validates a lease given in milliseconds.
    ///
    /// # Errors
    ///
    /// As [`Lease::new`].
    pub fn from_millis(millis: u64) -> Result<Self, InvalidInput> {
        Self::new(Duration::from_millis(millis))
    }

    /// The lease in whole milliseconds, at least 1.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// The lease as a [`Duration`].
    pub fn as_duration(self) -> Duration {
        Duration::from_millis(self.0)
    }
}

impl Retention {
    /// The longest retention: 365 days.
    pub const MAX: Retention = Retention(365 * DAY_MS);

    /// Validates a retention duration.
    ///
    /// # Errors
    ///
    /// [`InvalidInput::RetentionOutOfRange`] below 1 ms or above 365 days.
    pub fn new(duration: Duration) -> Result<Self, InvalidInput> {
        millis_in_range(duration, Self::MAX.0)
            .map(Self)
            .ok_or(InvalidInput::RetentionOutOfRange(duration))
    }

    /// Validates a retention given in milliseconds.
    ///
    /// # Errors
    ///
    /// As [`Retention::new`].
    pub fn from_millis(millis: u64) -> Result<Self, InvalidInput> {
        Self::new(Duration::from_millis(millis))
    }

    /// The retention in whole milliseconds, at least 1.
    pub fn as_millis(self) -> u64 {
        self.0
    }

    /// The retention as a [`Duration`].
    pub fn as_duration(self) -> Duration {
        Duration::from_millis(self.0)
    }
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
