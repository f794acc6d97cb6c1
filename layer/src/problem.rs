//! `application/problem+json` (RFC 9457) answers the layer gives on its own.

use std::time::Duration;

use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Response, StatusCode};

use crate::IdempotencyBody;

/// Why the layer answered instead of the inner service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    KeyMissing,
    KeyMalformed(&'static str),
    ScopeRefused,
    ScopeInvalid,
    BodyTooLarge { limit: usize },
    BodyUnreadable,
    InFlight { retry_after: Duration },
    Mismatch,
    StoreUnavailable,
    HandlerFailed,
}

impl Problem {
    fn status(self) -> StatusCode {
        match self {
            Self::KeyMissing
            | Self::KeyMalformed(_)
            | Self::ScopeInvalid
            | Self::BodyUnreadable => StatusCode::BAD_REQUEST,
            Self::ScopeRefused => StatusCode::FORBIDDEN,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InFlight { .. } => StatusCode::CONFLICT,
            Self::Mismatch => StatusCode::UNPROCESSABLE_ENTITY,
            Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::HandlerFailed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable name, sent as the `code` member.
    fn code(self) -> &'static str {
        match self {
            Self::KeyMissing => "idempotency-key-missing",
            Self::KeyMalformed(_) => "idempotency-key-malformed",
            Self::ScopeRefused => "idempotency-scope-refused",
            Self::ScopeInvalid => "idempotency-scope-invalid",
            Self::BodyTooLarge { .. } => "request-body-too-large",
            Self::BodyUnreadable => "request-body-unreadable",
            Self::InFlight { .. } => "idempotency-key-in-flight",
            Self::Mismatch => "idempotency-key-reused",
            Self::StoreUnavailable => "idempotency-store-unavailable",
            Self::HandlerFailed => "handler-failed",
        }
    }

    fn detail(self) -> String {
        match self {
            Self::KeyMissing => "this endpoint requires an Idempotency-Key header".to_owned(),
            Self::KeyMalformed(why) => format!("the Idempotency-Key header is malformed: {why}"),
            Self::ScopeRefused => {
                "the request carries no identity to scope its Idempotency-Key to".to_owned()
            }
            Self::ScopeInvalid => "the request's identity cannot scope a key".to_owned(),
            Self::BodyTooLarge { limit } => {
                format!("a request with an Idempotency-Key may carry at most {limit} bytes")
            }
            Self::BodyUnreadable => "the request body could not be read".to_owned(),
            Self::InFlight { .. } => {
                "a request with this Idempotency-Key is still being processed; retry later"
                    .to_owned()
            }
            Self::Mismatch => {
                "this Idempotency-Key was already used for a different request".to_owned()
            }
            Self::StoreUnavailable => {
                "the idempotency store is unavailable; retry later".to_owned()
            }
            Self::HandlerFailed => "the request failed before it produced a response".to_owned(),
        }
    }

    /// The answer: status, `Content-Type: application/problem+json`, `Retry-After` where a
    /// retry can succeed, and a JSON body.
    pub(crate) fn response<B>(self) -> Response<IdempotencyBody<B>> {
        let status = self.status();
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.detail(),
            "code": self.code(),
        });

        let mut response = Response::new(IdempotencyBody::full(body.to_string()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        let retry_after = match self {
            Self::InFlight { retry_after } => Some(whole_seconds(retry_after)),
            Self::StoreUnavailable => Some(1),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `Retry-After` counts whole seconds: round up, and never say 0.
fn whole_seconds(duration: Duration) -> u64 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(2_000)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(2_001)), 3);
    }
}
