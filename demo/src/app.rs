//! The routes: `/things` and its slow and failing variants behind the layer, `/stats` and
//! `/` outside it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use idempotency_layer::IdempotencyLayer;
use idempotency_store::IdempotencyStore;
use serde_json::json;
use tracing::info;

/// The longest delay `/slow-things` accepts.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// How many times a handler behind the layer ran: a replay does not count.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicU64>);

impl Runs {
    fn count(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

pub(crate) fn router(store: Arc<dyn IdempotencyStore>) -> Router {
    Router::new()
        .route("/things", post(create_thing))
        .route("/slow-things", post(create_slow_thing))
        .route("/failing-things", post(fail))
        .layer(IdempotencyLayer::new(store))
        .route("/stats", get(stats))
        .route("/", get(index))
        .with_state(Runs::default())
}

async fn create_thing(State(runs): State<Runs>) -> Response {
    let run = runs.count();
    thing(run)
}

async fn create_slow_thing(State(runs): State<Runs>, uri: Uri) -> Response {
    let run = runs.count();
    tokio::time::sleep(delay(&uri)).await;
    thing(run)
}

async fn fail(State(runs): State<Runs>) -> Response {
    let run = runs.count();
    info!(run, "failing on purpose");
    let body = json!({ "error": "the thing factory failed on purpose; retry with the same key" });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

async fn stats(State(runs): State<Runs>) -> Response {
    axum::Json(json!({ "handler_runs": runs.0.load(Ordering::SeqCst) })).into_response()
}

async fn index() -> &'static str {
    "POST /things returns a random number; send an Idempotency-Key header to make it \
     idempotent. Also: POST /slow-things?ms=N, POST /failing-things, GET /stats.\n"
}

fn thing(run: u64) -> Response {
    let mut bytes = [0_u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let number = u32::from_be_bytes(bytes) % 1_000_000;
    info!(run, "made a thing");
    (StatusCode::CREATED, axum::Json(json!({ "number": number }))).into_response()
}

/// The `ms` query option of `/slow-things`, at most [`MAX_DELAY`].
fn delay(uri: &Uri) -> Duration {
    let millis = uri
        .query()
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "ms")
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(1_000);
    Duration::from_millis(millis).min(MAX_DELAY)
}
