//! The record layout: one Redis string per record, a short header first.
//!
//! | bytes | in flight | completed |
//! |---|---|---|
//! | 0 | `i` | `c` |
//! | 1 | fingerprint length `n`, 0-64 | the same |
//! | 2 .. 2+n | fingerprint | the same |
//! | after | 16-byte lease token | response from [`encode_response`] |
//!
//! Byte 0 is the layout version and the state at once: `i` and `c` belong to this layout,
//! and a later layout would use other bytes, so a script never misreads a record it does not
//! know. A header is at most 82 bytes long (2 + 64 + 16), so the scripts read it with one
//! bounded `GETRANGE` and never move a response they do not return. The scripts in
//! `src/lua/` hold these numbers as literals; a unit test checks that they agree.
//!
//! [`encode_response`]: idempotency_store::encode_response

use idempotency_store::{Fingerprint, LeaseToken};

/// Byte 0 of an in-flight record.
pub(crate) const IN_FLIGHT: u8 = b'i';

/// The whole value of a fresh in-flight record, which `claim` writes as it is.
pub(crate) fn in_flight(fingerprint: &Fingerprint, token: &LeaseToken) -> Vec<u8> {
    let fingerprint = fingerprint.as_bytes();
    let mut value = Vec::with_capacity(2 + fingerprint.len() + LeaseToken::LEN);
    value.push(IN_FLIGHT);
    // A Fingerprint holds at most 64 bytes, so the length always fits one byte.
    value.push(u8::try_from(fingerprint.len()).unwrap_or(u8::MAX));
    value.extend_from_slice(fingerprint);
    value.extend_from_slice(token.as_bytes());
    value
}

#[cfg(test)]
mod tests {
    use idempotency_store::MAX_FINGERPRINT_BYTES;

    use super::*;

    /// Byte 0 of a completed record (only the scripts write one).
    const COMPLETED: u8 = b'c';

    /// The longest header: state, length, the longest fingerprint and a token.
    const MAX_HEADER_BYTES: usize = 2 + MAX_FINGERPRINT_BYTES + LeaseToken::LEN;

    /// Reads a header back the way the scripts do: state, fingerprint, and what follows.
    fn decode(value: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&state, rest) = value.split_first()?;
        let (&length, rest) = rest.split_first()?;
        let length = usize::from(length);
        if !matches!(state, IN_FLIGHT | COMPLETED) || length > MAX_FINGERPRINT_BYTES {
            return None;
        }
        let (fingerprint, rest) = rest.split_at_checked(length)?;
        Some((state, fingerprint, rest))
    }

    #[test]
    fn in_flight_values_hold_state_fingerprint_and_token() {
        let token = LeaseToken::from_bytes([9; 16]);
        for fingerprint in [
            vec![],
            b"digest".to_vec(),
            vec![0xff; MAX_FINGERPRINT_BYTES],
        ] {
            let value = in_flight(&Fingerprint::new(fingerprint.clone()).unwrap(), &token);

            assert_eq!(value.len(), 2 + fingerprint.len() + 16);
            assert!(value.len() <= MAX_HEADER_BYTES);
            assert_eq!(
                decode(&value),
                Some((IN_FLIGHT, fingerprint.as_slice(), &[9_u8; 16][..]))
            );
        }
    }

    #[test]
    fn binary_fingerprints_survive_unchanged() {
        let fingerprint: Vec<u8> = (0..64).map(|n| n * 4).collect();
        let value = in_flight(
            &Fingerprint::new(fingerprint.clone()).unwrap(),
            &LeaseToken::from_bytes([0; 16]),
        );

        assert_eq!(value[1], 64);
        assert_eq!(&value[2..66], fingerprint.as_slice());
    }

    #[test]
    fn the_scripts_read_exactly_the_longest_header() {
        let last = format!("GETRANGE', record, 0, {}", MAX_HEADER_BYTES - 1);
        for (name, source) in [
            ("complete", crate::scripts::COMPLETE),
            ("release", crate::scripts::RELEASE),
            ("renew", crate::scripts::RENEW),
        ] {
            assert!(source.contains(&last), "{name} does not read {last}");
        }
        for source in [crate::scripts::CLAIM, crate::scripts::LOOKUP] {
            assert!(source.contains(&format!("length > {MAX_FINGERPRINT_BYTES}")));
            assert!(source.contains(&format!("state ~= {IN_FLIGHT} and state ~= {COMPLETED}")));
        }
    }
}
