//! Reading a handler's response into memory, and rebuilding a saved one for replay.

use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue};
use http::response::Parts;
use http::{HeaderMap, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;
use idempotency_store::SavedResponse;

use crate::{BoxError, IdempotencyBody};

/// The header set on every replayed response.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A handler's response after the layer read its body.
pub(crate) enum Buffered<B> {
    /// The whole body, and the trailers if it had any.
    Complete {
        parts: Parts,
        body: Bytes,
        trailers: Option<HeaderMap>,
    },
    /// More than the store can save: what was read, and the rest of the body unread.
    Oversized {
        parts: Parts,
        prefix: Bytes,
        rest: Pin<Box<B>>,
    },
    /// The body failed while it was read.
    Failed(BoxError),
}

/// Reads `response`'s body while the response (headers and body, as
/// [`SavedResponse::size`] counts them) stays within `limit`.
pub(crate) async fn buffer<B>(response: Response<B>, limit: usize) -> Buffered<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let (parts, body) = response.into_parts();
    let mut body = Box::pin(body);
    let headers: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let budget = limit.saturating_sub(headers);

    let mut data = BytesMut::new();
    loop {
        let frame = match body.frame().await {
            None => break,
            Some(Ok(frame)) => frame,
            Some(Err(error)) => return Buffered::Failed(error.into()),
        };
        match frame.into_data() {
            Ok(chunk) => {
                data.extend_from_slice(&chunk);
                if data.len() > budget {
                    let prefix = data.freeze();
                    return Buffered::Oversized {
                        parts,
                        prefix,
                        rest: body,
                    };
                }
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    return Buffered::Complete {
                        parts,
                        body: data.freeze(),
                        trailers: Some(trailers),
                    };
                }
            }
        }
    }
    Buffered::Complete {
        parts,
        body: data.freeze(),
        trailers: None,
    }
}

/// The record of a response: its status, its headers in order with repeats, its body and
/// its trailers.
pub(crate) fn to_saved(parts: &Parts, body: &Bytes, trailers: Option<&HeaderMap>) -> SavedResponse {
    SavedResponse {
        status: parts.status.as_u16(),
        headers: fields(&parts.headers),
        body: body.to_vec(),
        trailers: trailers.map(fields).unwrap_or_default(),
    }
}

fn fields(map: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    map.iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect()
}

fn field_map(fields: Vec<(String, Vec<u8>)>) -> Option<HeaderMap> {
    let mut map = HeaderMap::with_capacity(fields.len());
    for (name, value) in fields {
        let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(&value).ok()?;
        map.append(name, value);
    }
    Some(map)
}

/// The saved response as an HTTP response with `Idempotent-Replayed: true`; `None` when
/// the record holds a status, header or trailer HTTP cannot carry (a corrupt record).
pub(crate) fn replay<B>(saved: SavedResponse) -> Option<Response<IdempotencyBody<B>>> {
    let trailers = if saved.trailers.is_empty() {
        None
    } else {
        Some(field_map(saved.trailers)?)
    };
    let mut response = Response::new(IdempotencyBody::buffered(saved.body.into(), trailers));
    *response.status_mut() = StatusCode::from_u16(saved.status).ok()?;
    *response.headers_mut() = field_map(saved.headers)?;
    response
        .headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    Some(response)
}
