//! The fingerprint of a request, compared on every claim.

use std::fmt;

use crate::InvalidInput;

/// The longest fingerprint accepted, in bytes (a SHA-512 digest fits).
pub const MAX_FINGERPRINT_BYTES: usize = 64;

/// A digest of what a request asked for (method, path, body...), at most 64 bytes.
///
/// A claim whose fingerprint differs from the live record's is a
/// [`Mismatch`](crate::ClaimOutcome::Mismatch): the client reused a key for another request.
/// The store compares fingerprints byte for byte and never interprets them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(Box<[u8]>);

impl Fingerprint {
    /// Validates the length of a fingerprint.
    ///
    /// # Errors
    ///
    /// [`InvalidInput::FingerprintTooLong`] over 64 bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, InvalidInput> {
        let bytes = bytes.into();
        if bytes.len() > MAX_FINGERPRINT_BYTES {
            return Err(InvalidInput::FingerprintTooLong { len: bytes.len() });
        }
        Ok(Self(bytes.into_boxed_slice()))
    }

    /// The fingerprint's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint(")?;
        for byte in self.0.iter() {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}
