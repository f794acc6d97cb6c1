//! The one encoding of a [`SavedResponse`] shared by backends that keep it as a single value.
//!
//! Layout: one format-version byte, then the response in [postcard]'s wire format.
//!
//! - Version 1: status as a varint, headers as a length-prefixed list of length-prefixed
//!   name and value bytes, body as length-prefixed bytes.
//! - Version 2: version 1 followed by the trailers, laid out as the headers are.
//!
//! A response without trailers is written as version 1, so app servers still running a
//! release that knows only version 1 keep reading what newer servers write; one with
//! trailers is written as version 2. Every version ever written stays decodable.
//!
//! postcard was chosen over bincode because bincode's last release is an empty tombstone
//! flagged unmaintained (RUSTSEC-2025-0141); postcard's 1.x wire format is documented and
//! frozen for the whole 1.x line, and it is compact and fast for byte-heavy values.

use serde::{Deserialize, Serialize};

use crate::{SavedResponse, StoreError};

/// The newest format version this release writes (for responses with trailers).
pub const CODEC_VERSION: u8 = 2;

/// The version written for responses without trailers.
const WITHOUT_TRAILERS: u8 = 1;

#[derive(Serialize, Deserialize)]
struct WireResponse<'a> {
    status: u16,
    #[serde(borrow)]
    headers: Vec<WireField<'a>>,
    #[serde(borrow, with = "serde_bytes")]
    body: &'a [u8],
}

#[derive(Serialize, Deserialize)]
struct WireField<'a> {
    #[serde(borrow)]
    name: &'a str,
    #[serde(borrow, with = "serde_bytes")]
    value: &'a [u8],
}

type WireTrailers<'a> = Vec<WireField<'a>>;

fn wire_fields(fields: &[(String, Vec<u8>)]) -> Vec<WireField<'_>> {
    fields
        .iter()
        .map(|(name, value)| WireField { name, value })
        .collect()
}

fn owned_fields(fields: Vec<WireField<'_>>) -> Vec<(String, Vec<u8>)> {
    fields
        .into_iter()
        .map(|field| (field.name.to_owned(), field.value.to_vec()))
        .collect()
}

/// Encodes a response: the version byte, then the postcard body.
///
/// # Errors
///
/// [`StoreError::Backend`] if the serializer fails, which for these types it does not.
pub fn encode_response(response: &SavedResponse) -> Result<Vec<u8>, StoreError> {
    let wire = WireResponse {
        status: response.status,
        headers: wire_fields(&response.headers),
        body: &response.body,
    };
    let fields = response.headers.len() + response.trailers.len();
    let mut out = Vec::with_capacity(response.size() + 16 + 4 * fields);
    if response.trailers.is_empty() {
        out.push(WITHOUT_TRAILERS);
        return postcard::to_extend(&wire, out).map_err(StoreError::backend);
    }
    out.push(CODEC_VERSION);
    let out = postcard::to_extend(&wire, out).map_err(StoreError::backend)?;
    postcard::to_extend(&wire_fields(&response.trailers), out).map_err(StoreError::backend)
}

/// Decodes what [`encode_response`] wrote, in this or any earlier format version.
///
/// # Errors
///
/// [`StoreError::Corrupt`] for an empty value, an unknown version byte, a body that does not
/// decode, or bytes left over after the response.
pub fn decode_response(bytes: &[u8]) -> Result<SavedResponse, StoreError> {
    let Some((&version, rest)) = bytes.split_first() else {
        return Err(StoreError::corrupt("stored response is empty"));
    };
    if version != WITHOUT_TRAILERS && version != CODEC_VERSION {
        return Err(StoreError::corrupt(format!(
            "stored response has unknown format version {version}"
        )));
    }
    let (wire, rest) = take::<WireResponse<'_>>(rest)?;
    let (trailers, left_over) = if version == CODEC_VERSION {
        take::<WireTrailers<'_>>(rest)?
    } else {
        (Vec::new(), rest)
    };
    if !left_over.is_empty() {
        return Err(StoreError::corrupt(format!(
            "stored response has {} bytes after its end",
            left_over.len()
        )));
    }
    Ok(SavedResponse {
        status: wire.status,
        headers: owned_fields(wire.headers),
        body: wire.body.to_vec(),
        trailers: owned_fields(trailers),
    })
}

fn take<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<(T, &'a [u8]), StoreError> {
    postcard::take_from_bytes::<T>(bytes).map_err(|error| StoreError::Corrupt {
        reason: "stored response does not decode".to_owned(),
        source: Some(Box::new(error)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SavedResponse {
        SavedResponse::new(201)
            .with_header("set-cookie", "a=1")
            .with_header("set-cookie", vec![0xff, 0x00, b'b'])
            .with_header("content-type", "application/json")
            .with_body((0..=255).collect::<Vec<u8>>())
    }

    #[test]
    fn round_trips_every_byte_and_repeated_headers_in_order() {
        let response = sample();
        let encoded = encode_response(&response).unwrap();
        assert_eq!(
            encoded[0], 1,
            "a response without trailers is written as version 1"
        );
        assert_eq!(decode_response(&encoded).unwrap(), response);
    }

    #[test]
    fn trailers_round_trip_as_version_two() {
        let response = sample()
            .with_trailer("grpc-status", "0")
            .with_trailer("grpc-message", vec![0xff, b'x'])
            .with_trailer("grpc-status", "1");
        let encoded = encode_response(&response).unwrap();
        assert_eq!(encoded[0], CODEC_VERSION);
        assert_eq!(decode_response(&encoded).unwrap(), response);
    }

    #[test]
    fn version_two_layout_is_frozen() {
        let response = SavedResponse::new(200)
            .with_body("hi")
            .with_trailer("t", "v");
        let encoded = encode_response(&response).unwrap();
        assert_eq!(
            encoded,
            [2, 0xc8, 0x01, 0, 2, b'h', b'i', 1, 1, b't', 1, b'v']
        );
    }

    #[test]
    fn version_one_layout_is_frozen() {
        let response = SavedResponse::new(200)
            .with_header("a", "b")
            .with_body("hi");
        let encoded = encode_response(&response).unwrap();
        assert_eq!(encoded, [1, 0xc8, 0x01, 1, 1, b'a', 1, b'b', 2, b'h', b'i']);
    }

    #[test]
    fn every_truncation_and_bad_version_is_corrupt_not_a_panic() {
        let encoded = encode_response(&sample().with_trailer("grpc-status", "0")).unwrap();
        for end in 0..encoded.len() {
            let result = decode_response(&encoded[..end]);
            assert!(
                matches!(result, Err(StoreError::Corrupt { .. })),
                "cut at {end}"
            );
        }
        let mut wrong_version = encoded.clone();
        wrong_version[0] = 9;
        assert!(matches!(
            decode_response(&wrong_version),
            Err(StoreError::Corrupt { .. })
        ));
        let mut trailing = encoded;
        trailing.push(0);
        assert!(matches!(
            decode_response(&trailing),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_header_name_that_is_not_utf8_is_corrupt() {
        let encoded = [1, 0xc8, 0x01, 1, 1, 0xff, 1, b'b', 0];
        assert!(matches!(
            decode_response(&encoded),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
