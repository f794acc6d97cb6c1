//! The one encoding of a [`SavedResponse`] shared by backends that keep it as a single value.
//!
//! Layout: one format-version byte, then the response in [postcard]'s wire format (status as
//! a varint, headers as a length-prefixed list of length-prefixed name and value bytes, body
//! as length-prefixed bytes). Version 1 is the only version so far; a later release that
//! changes the layout bumps the byte and keeps decoding every earlier version.
//!
//! postcard was chosen over bincode because bincode's last release is an empty tombstone
//! flagged unmaintained (RUSTSEC-2025-0141); postcard's 1.x wire format is documented and
//! frozen for the whole 1.x line, and it is compact and fast for byte-heavy values.

use serde::{Deserialize, Serialize};

use crate::{SavedResponse, StoreError};

/// The format version this release writes.
pub const CODEC_VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct WireResponse<'a> {
    status: u16,
    #[serde(borrow)]
    headers: Vec<WireHeader<'a>>,
    #[serde(borrow, with = "serde_bytes")]
    body: &'a [u8],
}

#[derive(Serialize, Deserialize)]
struct WireHeader<'a> {
    #[serde(borrow)]
    name: &'a str,
    #[serde(borrow, with = "serde_bytes")]
    value: &'a [u8],
}

/// Encodes a response: the version byte, then the postcard body.
///
/// # Errors
///
/// [`StoreError::Backend`] if the serializer fails, which for these types it does not.
pub fn encode_response(response: &SavedResponse) -> Result<Vec<u8>, StoreError> {
    let wire = WireResponse {
        status: response.status,
        headers: response
            .headers
            .iter()
            .map(|(name, value)| WireHeader { name, value })
            .collect(),
        body: &response.body,
    };
    let mut out = Vec::with_capacity(response.size() + 16 + 4 * response.headers.len());
    out.push(CODEC_VERSION);
    postcard::to_extend(&wire, out).map_err(StoreError::backend)
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
    if version != CODEC_VERSION {
        return Err(StoreError::corrupt(format!(
            "stored response has unknown format version {version}"
        )));
    }
    let (wire, left_over) =
        postcard::take_from_bytes::<WireResponse<'_>>(rest).map_err(|error| {
            StoreError::Corrupt {
                reason: "stored response does not decode".to_owned(),
                source: Some(Box::new(error)),
            }
        })?;
    if !left_over.is_empty() {
        return Err(StoreError::corrupt(format!(
            "stored response has {} bytes after its end",
            left_over.len()
        )));
    }
    Ok(SavedResponse {
        status: wire.status,
        headers: wire
            .headers
            .into_iter()
            .map(|header| (header.name.to_owned(), header.value.to_vec()))
            .collect(),
        body: wire.body.to_vec(),
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
        assert_eq!(encoded[0], CODEC_VERSION);
        assert_eq!(decode_response(&encoded).unwrap(), response);
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
        let encoded = encode_response(&sample()).unwrap();
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
