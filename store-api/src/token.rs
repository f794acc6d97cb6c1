//! Lease tokens: the proof of ownership of an in-flight record.

use std::fmt;

use crate::StoreError;

/// A random 128-bit token that names the current owner of an in-flight record.
///
/// Only the holder of the token that [`claim`](crate::IdempotencyStore::claim) returned can
/// complete, release or renew the record, and only while its lease lasts. Tokens come from
/// the operating system's random source, so they cannot be guessed. `Debug` shows only the
/// first bytes, so a token in a log line cannot be used to complete someone else's record.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseToken([u8; 16]);

impl LeaseToken {
    /// The token's length in bytes.
    pub const LEN: usize = 16;

    /// Draws a fresh token from the operating system's random source.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the operating system has no random source to offer.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0_u8; Self::LEN];
        getrandom::fill(&mut bytes)
            .map_err(|error| StoreError::backend(RandomSourceError(error)))?;
        Ok(Self(bytes))
    }

    /// A token from its bytes, as a backend read it back.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A token from a slice a backend read back, if it is exactly 16 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The token's bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Debug for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeaseToken({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// The operating system refused to hand out random bytes.
#[derive(Debug)]
struct RandomSourceError(getrandom::Error);

impl fmt::Display for RandomSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no random source for a lease token: {}", self.0)
    }
}

impl std::error::Error for RandomSourceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_debug_hides_most_of_them() {
        let first = LeaseToken::generate().unwrap();
        let second = LeaseToken::generate().unwrap();
        assert_ne!(first, second);
        let shown = format!("{first:?}");
        assert!(shown.len() < 20, "{shown}");
        assert_eq!(LeaseToken::from_slice(first.as_bytes()), Some(first));
        assert_eq!(LeaseToken::from_slice(&[0; 15]), None);
    }
}
