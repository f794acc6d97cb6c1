//! The memory store against the conformance suite.

use std::sync::Arc;

use async_trait::async_trait;
use idempotency_store::IdempotencyStore;
use idempotency_store_conformance::{Backend, conformance_tests};
use idempotency_store_memory::MemoryStore;

/// Every `open` hands out a clone of one store: clones share their records, as tasks of one
/// process do.
struct SharedMemory(MemoryStore);

#[async_trait]
impl Backend for SharedMemory {
    async fn open(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(self.0.clone())
    }
}

async fn backend() -> SharedMemory {
    SharedMemory(MemoryStore::new())
}

conformance_tests!(backend);
