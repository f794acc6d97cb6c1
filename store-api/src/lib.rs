#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod codec;
mod error;
mod fingerprint;
mod outcome;
mod record_id;
mod response;
mod store;
mod token;
mod ttl;

pub use codec::{CODEC_VERSION, decode_response, encode_response};
pub use error::{BoxError, InvalidInput, StoreError};
pub use fingerprint::{Fingerprint, MAX_FINGERPRINT_BYTES};
pub use outcome::{ClaimOutcome, Record, RecordState};
pub use record_id::{MAX_KEY_BYTES, MAX_SCOPE_BYTES, RecordId};
pub use response::{DEFAULT_MAX_RESPONSE_BYTES, SavedResponse};
pub use store::IdempotencyStore;
pub use token::LeaseToken;
pub use ttl::{Lease, Retention};
