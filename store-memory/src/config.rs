//! Settings of a memory store.

use idempotency_store::DEFAULT_MAX_RESPONSE_BYTES;

use crate::MemoryStore;

/// Builds a [`MemoryStore`] with settings other than the defaults.
#[derive(Debug, Clone)]
pub struct MemoryStoreBuilder {
    pub(crate) max_records: Option<usize>,
    pub(crate) max_response_bytes: usize,
    pub(crate) shards: usize,
}

impl Default for MemoryStoreBuilder {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
        Self {
            max_records: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            shards: (cores * 8).next_power_of_two(),
        }
    }
}

impl MemoryStoreBuilder {
    /// Caps the number of records, live or dead but not yet swept. A claim of a new key
    /// when the store is full first sweeps its shard, then fails with
    /// [`StoreError::CapacityExceeded`](idempotency_store::StoreError::CapacityExceeded).
    /// Unbounded by default.
    pub fn max_records(mut self, limit: usize) -> Self {
        self.max_records = Some(limit);
        self
    }

    /// The largest response size accepted (default 4 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The number of independently locked shards, rounded up to a power of two (default
    /// eight per core).
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards.max(1).next_power_of_two();
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        MemoryStore::from_builder(self)
    }
}
