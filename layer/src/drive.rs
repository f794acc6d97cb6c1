//! From the claim to the answer: one keyed request, run in a task of its own.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, LeaseToken, Record, RecordId, RecordState,
    SavedResponse, StoreError,
};
use tokio::time::{Instant, MissedTickBehavior};
use tower_service::Service;
use tracing::{debug, error};

use crate::config::{Config, InFlightPolicy, StoreErrorPolicy};
use crate::owner::Owner;
use crate::problem::Problem;
use crate::response::{Buffered, buffer, replay, to_saved};
use crate::{BoxError, IdempotencyBody};

type Answer<ResBody, E> = Result<Response<IdempotencyBody<ResBody>>, E>;

/// A keyed request that passed every check and is ready for the store.
pub(crate) struct Job<S, B> {
    pub(crate) inner: S,
    pub(crate) store: Arc<dyn IdempotencyStore>,
    pub(crate) config: Arc<Config>,
    pub(crate) id: RecordId,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) request: Request<IdempotencyBody<B>>,
}

/// Claims the key and answers by the outcome. Runs in a spawned task, so it finishes (and
/// saves the response) even when the caller stops waiting.
pub(crate) async fn drive<S, B, ResBody>(job: Job<S, B>) -> Answer<ResBody, S::Error>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let deadline = match job.config.in_flight {
        InFlightPolicy::Reject => None,
        InFlightPolicy::Wait { max, .. } => Some(Instant::now() + max),
    };
    loop {
        let claimed = job
            .store
            .claim(&job.id, &job.fingerprint, job.config.lease)
            .await;
        let outcome = match claimed {
            Ok(outcome) => outcome,
            Err(failure) => return store_failed(job, failure).await,
        };
        let retry_after = match outcome {
            ClaimOutcome::Acquired(token) => return run(job, token).await,
            ClaimOutcome::Replay(saved) => return replayed(job, saved).await,
            ClaimOutcome::Mismatch => {
                debug!(
                    key = job.id.key(),
                    "idempotency key reused for another request"
                );
                return Ok(Problem::Mismatch.response());
            }
            ClaimOutcome::InFlight { retry_after } => retry_after,
        };

        let waited = match (deadline, job.config.in_flight) {
            (Some(deadline), InFlightPolicy::Wait { poll, .. }) => {
                let store = job.store.as_ref();
                wait(
                    store,
                    &job.id,
                    &job.fingerprint,
                    (deadline, poll),
                    retry_after,
                )
                .await
            }
            _ => Waited::TimedOut(retry_after),
        };
        match waited {
            Waited::Gone => continue,
            Waited::Completed(saved) => return replayed(job, saved).await,
            Waited::Mismatch => return Ok(Problem::Mismatch.response()),
            Waited::Failed(failure) => return store_failed(job, failure).await,
            Waited::TimedOut(retry_after) => {
                debug!(
                    key = job.id.key(),
                    ?retry_after,
                    "idempotency key in flight"
                );
                return Ok(Problem::InFlight { retry_after }.response());
            }
        }
    }
}

enum Waited {
    /// The other request released the key, or its lease ran out: claim again.
    Gone,
    Completed(SavedResponse),
    Mismatch,
    Failed(StoreError),
    TimedOut(Duration),
}

/// Looks at the record every `poll` until it completes, goes away, or `deadline` passes.
async fn wait(
    store: &dyn IdempotencyStore,
    id: &RecordId,
    ours: &Fingerprint,
    (deadline, poll): (Instant, Duration),
    left: Duration,
) -> Waited {
    let mut retry_after = left;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Waited::TimedOut(retry_after);
        }
        let pause = poll.max(Duration::from_millis(1));
        tokio::time::sleep(pause.min(deadline - now)).await;

        let record = match store.lookup(id).await {
            Ok(None) => return Waited::Gone,
            Ok(Some(record)) => record,
            Err(failure) => return Waited::Failed(failure),
        };
        match record {
            Record { fingerprint, .. } if fingerprint != *ours => {
                return Waited::Mismatch;
            }
            Record {
                state: RecordState::Completed { response, .. },
                ..
            } => return Waited::Completed(response),
            Record {
                state: RecordState::InFlight { lease_remaining },
                ..
            } => retry_after = lease_remaining,
        }
    }
}

async fn replayed<S, B, ResBody>(job: Job<S, B>, saved: SavedResponse) -> Answer<ResBody, S::Error>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>>,
{
    match replay(saved) {
        Some(response) => {
            debug!(key = job.id.key(), status = %response.status(), "idempotent replay");
            Ok(response)
        }
        None => {
            let failure = StoreError::corrupt("the saved response is not valid HTTP");
            store_failed(job, failure).await
        }
    }
}

/// The store failed before the handler ran: 503, or run the handler without a record.
async fn store_failed<S, B, ResBody>(
    job: Job<S, B>,
    failure: StoreError,
) -> Answer<ResBody, S::Error>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>>,
{
    let Job {
        mut inner,
        config,
        request,
        ..
    } = job;
    match config.store_errors {
        StoreErrorPolicy::FailClosed => {
            error!(error = %failure, "idempotency store failed; answering 503");
            Ok(Problem::StoreUnavailable.response())
        }
        StoreErrorPolicy::FailOpen => {
            error!(error = %failure, "idempotency store failed; running without a record");
            let response = inner.call(request).await?;
            Ok(response.map(IdempotencyBody::streaming))
        }
    }
}

/// The key is ours: run the handler in a task of its own, renew the lease while it runs,
/// then save the response or give the key up, as the policies say.
async fn run<S, B, ResBody>(job: Job<S, B>, token: LeaseToken) -> Answer<ResBody, S::Error>
where
    S: Service<Request<IdempotencyBody<B>>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let Job {
        mut inner,
        store,
        config,
        id,
        request,
        ..
    } = job;
    debug!(key = id.key(), "idempotency key claimed");
    let limit = store.max_response_bytes();
    let mut handler = tokio::spawn(async move {
        let response = inner.call(request).await?;
        Ok::<_, S::Error>(buffer(response, limit).await)
    });

    let owner = Owner {
        store: store.as_ref(),
        id: &id,
        token,
        config: &config,
    };
    let period = (config.lease.as_duration() / 3).max(Duration::from_millis(1));
    let mut heartbeat = tokio::time::interval_at(Instant::now() + period, period);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut held = true;
    let joined = loop {
        tokio::select! {
            joined = &mut handler => break joined,
            _ = heartbeat.tick(), if held => held = owner.renew().await,
        }
    };

    let buffered = match joined {
        Ok(Ok(buffered)) => buffered,
        Ok(Err(service_error)) => {
            owner.release(held, "the inner service failed").await;
            return Err(service_error);
        }
        Err(join_error) => {
            error!(key = id.key(), error = %join_error, "idempotent handler panicked");
            owner.release(held, "the handler panicked").await;
            return Ok(Problem::HandlerFailed.response());
        }
    };
    match buffered {
        Buffered::Complete {
            parts,
            body,
            trailers,
        } => {
            let saved = to_saved(&parts, &body, trailers.as_ref());
            if saved.size() > limit {
                owner.oversized(held, limit).await;
            } else if (config.save)(parts.status) {
                owner.complete(held, &saved).await;
            } else {
                owner
                    .release(held, "the save policy skips this status")
                    .await;
            }
            Ok(Response::from_parts(
                parts,
                IdempotencyBody::buffered(body, trailers),
            ))
        }
        Buffered::Oversized {
            parts,
            prefix,
            rest,
        } => {
            owner.oversized(held, limit).await;
            Ok(Response::from_parts(
                parts,
                IdempotencyBody::resumed(prefix, rest),
            ))
        }
        Buffered::Failed(body_error) => {
            error!(key = id.key(), error = %body_error, "idempotent handler's body failed");
            owner.release(held, "the response body failed").await;
            Ok(Problem::HandlerFailed.response())
        }
    }
}
