//! The HTTP-shaped response a store keeps for replay.

use crate::InvalidInput;

/// The default limit on a stored response's [`size`](SavedResponse::size): 4 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A response as the first request produced it, replayed byte for byte to every retry.
///
/// Headers and trailers are ordered lists of (name, value) pairs: repeated names are kept,
/// in order. Values are bytes, as HTTP allows bytes that are not UTF-8. Trailers are the
/// fields sent after the body (gRPC's `grpc-status`, for one); most responses have none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order, repeats kept.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
    /// The trailers, in order, repeats kept.
    pub trailers: Vec<(String, Vec<u8>)>,
}

impl SavedResponse {
    /// A response with a status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            trailers: Vec::new(),
        }
    }

    /// Appends a header, keeping any earlier one of the same name.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Appends a trailer, keeping any earlier one of the same name.
    pub fn with_trailer(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.trailers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The size that counts against a store's limit: the body plus every header and
    /// trailer name and value, in bytes.
    pub fn size(&self) -> usize {
        let fields: usize = self
            .headers
            .iter()
            .chain(&self.trailers)
            .map(|(name, value)| name.len() + value.len())
            .sum();
        fields + self.body.len()
    }

    /// Checks the response against a store's limit.
    ///
    /// # Errors
    ///
    /// [`InvalidInput::ResponseTooLarge`] when [`size`](Self::size) exceeds `limit`.
    pub fn check_size(&self, limit: usize) -> Result<(), InvalidInput> {
        let size = self.size();
        if size > limit {
            return Err(InvalidInput::ResponseTooLarge { size, limit });
        }
        Ok(())
    }
}
