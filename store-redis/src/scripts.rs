//! The Lua scripts, one per operation, and their SHA-1 handles.
//!
//! Each script touches exactly one key, `KEYS[1]`, so it runs atomically on one node of a
//! standalone Redis or of a Redis Cluster. Values reach a script only as `KEYS` and
//! `ARGV`; no script text is ever built at run time. A record is one string, a short header
//! and then the response (see the crate documentation for the layout). The header checks
//! that several scripts share live in `lua/parse.lua` and `lua/owned.lua`, which are put in
//! front of those scripts at compile time.

use std::sync::LazyLock;

use redis::{Cmd, Script};

/// `claim`: creates an in-flight record or reports the live one.
///
/// `KEYS[1]` the record; `ARGV[1]` the whole value of the fresh in-flight record (`i`, the
/// fingerprint's length as one byte, the fingerprint, the 16-byte lease token), `ARGV[2]`
/// lease in milliseconds. Fresh keys take one `SET NX PX`.
pub const CLAIM: &str = concat!(include_str!("lua/parse.lua"), include_str!("lua/claim.lua"));

/// The `ARGV[1]` of [`CLAIM`]: the whole value of a fresh in-flight record for
/// `fingerprint`, owned by `token`.
pub fn claim_value(
    fingerprint: &idempotency_store::Fingerprint,
    token: &idempotency_store::LeaseToken,
) -> Vec<u8> {
    crate::layout::in_flight(fingerprint, token)
}

/// `complete`: saves the encoded response while the token owns the in-flight record, by
/// replacing the value with the completed header and the response (one `GETRANGE`, one `SET
/// PX`).
///
/// `KEYS[1]` the record; `ARGV[1]` lease token, `ARGV[2]` response encoded with
/// [`encode_response`](idempotency_store::encode_response), `ARGV[3]` retention in
/// milliseconds.
pub const COMPLETE: &str = concat!(
    include_str!("lua/owned.lua"),
    include_str!("lua/complete.lua")
);

/// `release`: deletes the record while the token owns it in flight.
///
/// `KEYS[1]` the record; `ARGV[1]` lease token.
pub const RELEASE: &str = concat!(
    include_str!("lua/owned.lua"),
    include_str!("lua/release.lua")
);

/// `renew`: sets the owner's lease to a new length from now.
///
/// `KEYS[1]` the record; `ARGV[1]` lease token, `ARGV[2]` lease in milliseconds.
pub const RENEW: &str = concat!(include_str!("lua/owned.lua"), include_str!("lua/renew.lua"));

/// `lookup`: reads the live record without changing it.
///
/// `KEYS[1]` the record.
pub const LOOKUP: &str = concat!(
    include_str!("lua/parse.lua"),
    include_str!("lua/lookup.lua")
);

/// Every script with its SHA-1, computed once per process.
pub(crate) struct Scripts {
    pub(crate) claim: Script,
    pub(crate) complete: Script,
    pub(crate) release: Script,
    pub(crate) renew: Script,
    pub(crate) lookup: Script,
}

impl Scripts {
    /// The scripts in a fixed order, for loading them all at once.
    pub(crate) fn all(&self) -> [&Script; 5] {
        [
            &self.claim,
            &self.complete,
            &self.release,
            &self.renew,
            &self.lookup,
        ]
    }
}

/// The process-wide script handles.
pub(crate) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    claim: Script::new(CLAIM),
    complete: Script::new(COMPLETE),
    release: Script::new(RELEASE),
    renew: Script::new(RENEW),
    lookup: Script::new(LOOKUP),
});

/// `EVALSHA <sha of script> 1 <key>`, ready for the script's `ARGV`: every argument goes
/// straight into the command's one buffer, sized once for about `arg_bytes` of `ARGV`.
pub(crate) fn call(script: &Script, key: &[u8], arg_bytes: usize) -> Cmd {
    let mut cmd = Cmd::with_capacity(8, 64 + key.len() + arg_bytes);
    cmd.arg("EVALSHA").arg(script.get_hash()).arg(1).arg(key);
    cmd
}
