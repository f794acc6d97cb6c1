//! The conformance suite once more, through deadpool-redis pools: every `open` makes a new
//! pool, so the race spans four pools.

#[path = "support/keys.rs"]
mod keys;
#[path = "support/layout.rs"]
mod layout;
#[path = "support/redis_env.rs"]
mod redis_env;

use std::sync::Arc;

use async_trait::async_trait;
use idempotency_store::{IdempotencyStore, RecordId};
use idempotency_store_conformance::{Backend, conformance_tests};
use idempotency_store_redis::RedisStore;

/// One test's view of the shared Redis: its own key prefix, deleted when the test ends.
struct Pooled {
    url: &'static str,
    prefix: String,
}

impl Pooled {
    fn store(&self) -> RedisStore {
        let pool = deadpool_redis::Config::from_url(self.url)
            .create_pool(Some(deadpool_redis::Runtime::Tokio1))
            .expect("a deadpool-redis pool");
        RedisStore::builder()
            .key_prefix(&self.prefix)
            .build_with_pool(pool)
            .expect("valid settings")
    }
}

#[async_trait]
impl Backend for Pooled {
    async fn open(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(self.store())
    }

    async fn corrupt_response(&self, id: &RecordId) -> bool {
        let store = self.store();
        let pool = store.pool().expect("a pool");
        let mut connection = pool.get().await.expect("a pooled connection");
        layout::corrupt_response(&mut connection, &store.record_key(id)).await;
        true
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        keys::delete_keys(&[self.url.to_owned()], &format!("{}:*", self.prefix));
    }
}

async fn backend() -> Pooled {
    Pooled {
        url: redis_env::redis_url(),
        prefix: keys::unique_prefix(),
    }
}

conformance_tests!(backend);
