//! What the runner drives: a claim and a complete, by a store or by a raw baseline.

use std::error::Error;
use std::future::Future;

/// Any failure while measuring; the message is printed and the run fails.
pub(crate) type BenchError = Box<dyn Error + Send + Sync + 'static>;

/// What a claim saw, stripped to what the workloads check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Claimed<T> {
    /// The key was free and is now held with this token.
    Acquired(T),
    /// Another claim holds the key.
    InFlight,
    /// The key is completed; the saved response was read back.
    Replay,
    /// The key is held under another fingerprint (never expected here).
    Mismatch,
}

/// A store, or the bare operations of its backend, as the runner drives them.
///
/// Every implementation claims with the same fingerprint and completes with the same
/// ~200-byte response, so the workloads cost the same work everywhere but for the layer
/// being measured.
pub(crate) trait Target: Send + Sync + 'static {
    /// Proof of a claim, handed back to [`complete`](Self::complete).
    type Token: Send;

    /// Claims `key`.
    fn claim(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Claimed<Self::Token>, BenchError>> + Send;

    /// Completes `key`, which `token` claimed, with the fixture response.
    fn complete(
        &self,
        key: &str,
        token: Self::Token,
    ) -> impl Future<Output = Result<(), BenchError>> + Send;
}

/// An error and every source under it, on one line.
pub(crate) fn describe(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
