//! Lease tokens: the proof of ownership of an in-flight record.

use std::cell::RefCell;
use std::fmt;

use rand::rngs::ChaCha20Rng;
use rand::{Rng, SeedableRng};

use crate::StoreError;

/// How many tokens a thread draws from one seed before it asks the operating system for a
/// fresh one.
const TOKENS_PER_SEED: u32 = 4096;

thread_local! {
    static SOURCE: RefCell<Option<TokenSource>> = const { RefCell::new(None) };
}

/// A thread's ChaCha20 stream, seeded with 256 bits from the operating system.
struct TokenSource {
    stream: ChaCha20Rng,
    left: u32,
}

impl TokenSource {
    fn seeded() -> Result<Self, StoreError> {
        let mut seed = [0_u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|error| StoreError::backend(RandomSourceError(error)))?;
        Ok(Self {
            stream: ChaCha20Rng::from_seed(seed),
            left: TOKENS_PER_SEED,
        })
    }
}

/// A random 128-bit token that names the current owner of an in-flight record.
///
/// Only the holder of the token that [`claim`](crate::IdempotencyStore::claim) returned can
/// complete, release or renew the record, and only while its lease lasts. Tokens come from
/// a ChaCha20 stream per thread, seeded from the operating system's random source and
/// reseeded every few thousand tokens, so they cannot be guessed; asking the kernel for
/// every token would cost a system call per claim. A process that forks without `exec`
/// must not draw tokens in both parent and child, as the two would share a stream.
/// `Debug` shows only the first bytes, so a token in a log line cannot be used to complete
/// someone else's record.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseToken([u8; 16]);

impl LeaseToken {
    /// The token's length in bytes.
    pub const LEN: usize = 16;

    /// Draws a fresh token from this thread's stream, seeding it first if it has none or
    /// has used up its seed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the operating system has no random source to offer.
    pub fn generate() -> Result<Self, StoreError> {
        SOURCE.with_borrow_mut(|slot| {
            let source = match slot.take() {
                Some(source) if source.left > 0 => slot.insert(source),
                _ => slot.insert(TokenSource::seeded()?),
            };
            source.left -= 1;
            let mut bytes = [0_u8; Self::LEN];
            source.stream.fill_bytes(&mut bytes);
            Ok(Self(bytes))
        })
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
    fn tokens_stay_distinct_across_reseeds_and_threads() {
        let draw = || {
            (0..2 * TOKENS_PER_SEED + 3)
                .map(|_| LeaseToken::generate().unwrap())
                .collect::<Vec<_>>()
        };
        let other_thread = std::thread::spawn(draw).join().unwrap();
        let mut all: Vec<LeaseToken> = draw();
        all.extend(other_thread);
        let drawn = all.len();
        all.sort_by_key(|token| token.0);
        all.dedup();
        assert_eq!(all.len(), drawn);
    }

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
