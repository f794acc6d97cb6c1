//! The body type the layer hands to the inner service and back to the caller.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};

use crate::BoxError;

/// A body that is either fully in memory or streams from an inner body.
///
/// The layer passes requests it does not handle through as a stream, and gives the inner
/// service a buffered body for the requests whose body it had to read to fingerprint them.
/// Responses are buffered when they are saved or replayed, and stream otherwise (a response
/// too large to save streams on after the part already read).
pub struct IdempotencyBody<B> {
    kind: Kind<B>,
}

enum Kind<B> {
    Buffered {
        data: Option<Bytes>,
        trailers: Option<HeaderMap>,
    },
    Streaming {
        prefix: Option<Bytes>,
        rest: Pin<Box<B>>,
    },
}

impl<B> IdempotencyBody<B> {
    /// A body held in memory.
    pub fn full(data: impl Into<Bytes>) -> Self {
        Self::buffered(data.into(), None)
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::full(Bytes::new())
    }

    /// A body that streams `inner` as it is.
    pub fn streaming(inner: B) -> Self {
        Self::resumed(Bytes::new(), Box::pin(inner))
    }

    pub(crate) fn buffered(data: Bytes, trailers: Option<HeaderMap>) -> Self {
        let data = (!data.is_empty()).then_some(data);
        Self {
            kind: Kind::Buffered { data, trailers },
        }
    }

    /// The bytes already read from `rest`, then the remainder of `rest`.
    pub(crate) fn resumed(prefix: Bytes, rest: Pin<Box<B>>) -> Self {
        let prefix = (!prefix.is_empty()).then_some(prefix);
        Self {
            kind: Kind::Streaming { prefix, rest },
        }
    }
}

impl<B> Body for IdempotencyBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Buffered { data, trailers } => {
                if let Some(data) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(
                    trailers
                        .take()
                        .map(|trailers| Ok(Frame::trailers(trailers))),
                )
            }
            Kind::Streaming { prefix, rest } => {
                if let Some(prefix) = prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(prefix))));
                }
                rest.as_mut()
                    .poll_frame(cx)
                    .map(|frame| frame.map(|result| result.map_err(Into::into)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Buffered { data, trailers } => data.is_none() && trailers.is_none(),
            Kind::Streaming { prefix, rest } => prefix.is_none() && rest.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Buffered { data, .. } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |data| data.len() as u64))
            }
            Kind::Streaming { prefix, rest } => {
                let extra = prefix.as_ref().map_or(0, |prefix| prefix.len() as u64);
                let inner = rest.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(inner.lower().saturating_add(extra));
                if let Some(upper) = inner.upper() {
                    hint.set_upper(upper.saturating_add(extra));
                }
                hint
            }
        }
    }
}

impl<B> fmt::Debug for IdempotencyBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Buffered { .. } => "buffered",
            Kind::Streaming { .. } => "streaming",
        };
        f.debug_struct("IdempotencyBody")
            .field("kind", &kind)
            .finish()
    }
}
