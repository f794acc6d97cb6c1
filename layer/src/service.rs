//! [`IdempotencyService`]: the checks made before the store is touched.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Request, Response};
use http_body::Body;
use http_body_util::BodyExt;
use idempotency_store::{IdempotencyStore, InvalidInput, RecordId};
use tower_service::Service;
use tracing::debug;

use crate::config::Config;
use crate::drive::{Job, drive};
use crate::fingerprint::fingerprint;
use crate::key::{KeyHeader, read_key};
use crate::problem::Problem;
use crate::scope::ANONYMOUS_SCOPE;
use crate::{BoxError, IdempotencyBody};

/// The future an [`IdempotencyService`] returns.
pub type ResponseFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send + 'static>>;

/// The service an [`IdempotencyLayer`](crate::IdempotencyLayer) wraps around `S`.
///
/// The inner service receives `Request<IdempotencyBody<B>>` and may answer with any body;
/// the caller receives `Response<IdempotencyBody<ResBody>>`. It must be `Clone + Send +
/// 'static`: a claimed request runs in a task of its own, so a client hanging up does not
/// cancel the handler.
#[derive(Clone)]
pub struct IdempotencyService<S> {
    inner: S,
    store: Arc<dyn IdempotencyStore>,
    config: Arc<Config>,
}

impl<S> IdempotencyService<S> {
    pub(crate) fn new(inner: S, store: Arc<dyn IdempotencyStore>, config: Arc<Config>) -> Self {
        Self {
            inner,
            store,
            config,
        }
    }
}

impl<S, B, ResBody> Service<Request<B>> for IdempotencyService<S>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<IdempotencyBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<Self::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let store = Arc::clone(&self.store);
        let config = Arc::clone(&self.config);
        Box::pin(handle(inner, store, config, request))
    }
}

async fn handle<S, B, ResBody>(
    mut inner: S,
    store: Arc<dyn IdempotencyStore>,
    config: Arc<Config>,
    request: Request<B>,
) -> Result<Response<IdempotencyBody<ResBody>>, S::Error>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    if !config.methods.contains(request.method()) {
        return pass_through(&mut inner, request).await;
    }
    let key = match read_key(request.headers()) {
        KeyHeader::Missing if config.require_key => return Ok(Problem::KeyMissing.response()),
        KeyHeader::Missing => return pass_through(&mut inner, request).await,
        KeyHeader::Malformed(why) => return Ok(Problem::KeyMalformed(why).response()),
        KeyHeader::Present(key) => key,
    };
    if let Err(error) = RecordId::new(ANONYMOUS_SCOPE, key.as_str()) {
        return Ok(Problem::KeyMalformed(key_rule(&error)).response());
    }

    let (parts, body) = request.into_parts();
    let body = match read_body(&parts.headers, body, config.max_request_bytes).await {
        Ok(body) => body,
        Err(problem) => return Ok(problem.response()),
    };
    let Some(scope) = config.scope.scope(&parts) else {
        debug!("idempotency scope refused");
        return Ok(Problem::ScopeRefused.response());
    };
    let Ok(id) = RecordId::new(scope, key) else {
        debug!("idempotency scope invalid");
        return Ok(Problem::ScopeInvalid.response());
    };
    let Ok(fingerprint) = fingerprint(&parts, &config.fingerprint_headers, &body) else {
        return Ok(Problem::HandlerFailed.response());
    };

    let request = Request::from_parts(parts, IdempotencyBody::full(body));
    let job = Job {
        inner,
        store,
        config,
        id,
        fingerprint,
        request,
    };
    match tokio::spawn(drive(job)).await {
        Ok(result) => result,
        Err(_) => Ok(Problem::HandlerFailed.response()),
    }
}

async fn pass_through<S, B, ResBody>(
    inner: &mut S,
    request: Request<B>,
) -> Result<Response<IdempotencyBody<ResBody>>, S::Error>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>>,
{
    let response = inner.call(request.map(IdempotencyBody::streaming)).await?;
    Ok(response.map(IdempotencyBody::streaming))
}

/// Reads a keyed request's body, refusing it unread when `Content-Length` is over `limit`.
async fn read_body<B>(headers: &HeaderMap, body: B, limit: usize) -> Result<Bytes, Problem>
where
    B: Body<Data = Bytes>,
{
    let too_large = Problem::BodyTooLarge { limit };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large);
    }

    let mut body = Box::pin(body);
    let mut data = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Problem::BodyUnreadable)?;
        if let Ok(chunk) = frame.into_data() {
            if data.len() + chunk.len() > limit {
                return Err(too_large);
            }
            data.extend_from_slice(&chunk);
        }
    }
    Ok(data.freeze())
}

fn key_rule(error: &InvalidInput) -> &'static str {
    match error {
        InvalidInput::EmptyKey => "the key is empty",
        InvalidInput::KeyTooLong { .. } => "the key is longer than 255 bytes",
        _ => "the key holds bytes outside printable ASCII",
    }
}

impl<S: fmt::Debug> fmt::Debug for IdempotencyService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyService")
            .field("inner", &self.inner)
            .field("store", &self.store)
            .field("config", &self.config)
            .finish()
    }
}
