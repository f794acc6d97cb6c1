//! The Redis store against the conformance suite, on a standalone Redis through the default
//! connection manager. Every `open` connects a new store with its own connection, so the
//! race spans four separate connections.

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
struct Standalone {
    url: &'static str,
    prefix: String,
}

impl Standalone {
    async fn connect(&self) -> RedisStore {
        RedisStore::builder()
            .key_prefix(&self.prefix)
            .connect(self.url)
            .await
            .expect("the store connects to Redis")
    }
}

#[async_trait]
impl Backend for Standalone {
    async fn open(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(self.connect().await)
    }

    async fn corrupt_response(&self, id: &RecordId) -> bool {
        let store = self.connect().await;
        let mut connection = store.connection_manager().expect("a connection manager");
        layout::corrupt_response(&mut connection, &store.record_key(id)).await;
        true
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        keys::delete_keys(&[self.url.to_owned()], &format!("{}:*", self.prefix));
    }
}

async fn backend() -> Standalone {
    Standalone {
        url: redis_env::redis_url(),
        prefix: keys::unique_prefix(),
    }
}

conformance_tests!(backend);
